"""Staff sign in with TOTP, and money moves want a recent sign-in (issue 15, identity).

The pool's pre-token-generation trigger writes ``paylox:mfa`` into the tokens of staff with TOTP
on; every staff and admin route refuses a staff token without it (``403 MFA_REQUIRED``), and the
routes that move money refuse a sign-in (``auth_time``) over 15 minutes old (``403
REAUTH_REQUIRED``). Each test walks every route the template has, so a new staff route is covered
the day it is added.
"""

from __future__ import annotations

import importlib
from typing import Any

from devstack.stack import dev_stack
from paylox.auth import FRESH_AUTH_SECONDS
from paylox.http import audience, requires_fresh_auth
from tests.apigw import ADMIN, AGENT, BUYER, api_event, invoke
from tests.integration.steps import new_transaction

#: The routes that move money: an admin's override (release, refund), the refund-hold clearing (books a
#: refund or frees the money to move again) and a dispute's settlement.
MONEY_ROUTES = {  # and the one that decides where a user's release codes go
    "PUT /api/admin/users/{id}/phone",
    "PUT /api/admin/transactions/{id}/override",
    "POST /api/admin/transactions/{id}/refund-hold/clear",
    "PUT /api/dispute/{id}/resolve",
}


def _routes() -> dict[str, tuple[str, str]]:
    """``METHOD /path`` -> (handler module, event fixture) for every HTTP route of the template."""
    routes = {}
    for spec in dev_stack().functions.values():
        for event in spec.events.values():
            if event["Type"] == "HttpApi":
                key = f"{str(event['Properties']['Method']).upper()} {event['Properties']['Path']}"
                fixture = spec.module.split(".", 1)[1].replace(".", "/") + ".json"
                routes[key] = (spec.module, fixture)
    return routes


ROUTES = _routes()


def _app(module: str) -> Any:
    return importlib.import_module(module).app


def _staff_routes() -> list[str]:
    return sorted(key for key, (module, _) in ROUTES.items() if audience(_app(module)) in ("staff", "admin"))


def _call(route: str, sub: str, groups: tuple[str, ...], **token: Any) -> tuple[int, str | None]:
    module, fixture = ROUTES[route]
    result = invoke(importlib.import_module(module), api_event(fixture, sub=sub, groups=groups, **token))
    return result.status, result.code


def test_the_money_routes_are_the_ones_that_want_a_recent_sign_in():
    assert {key for key, (module, _) in ROUTES.items() if requires_fresh_auth(_app(module))} == MONEY_ROUTES
    assert len(_staff_routes()) >= 20


def test_staff_without_totp_are_refused_on_every_staff_route():
    # Given an admin and a support agent whose tokens do not say TOTP
    for route in _staff_routes():
        for sub, groups in ((ADMIN, ("admin",)), (AGENT, ("support",))):
            # When they call a staff route
            status, code = _call(route, sub, groups, mfa=False)

            # Then it is refused for the missing TOTP, or for the role if it is not theirs at all
            expected = "MFA_REQUIRED" if groups == ("admin",) or audience(_app(ROUTES[route][0])) == "staff" else None
            assert status == 403, (route, sub, status, code)
            assert code in ((expected,) if expected else ("ADMIN_ONLY",)), (route, sub, code)


def test_staff_with_totp_get_past_the_check():
    # Given an admin whose token says TOTP and who signed in just now
    for route in _staff_routes():
        # When they call any staff route (with the fixture's ids: most are not found)
        status, code = _call(route, ADMIN, ("admin",))

        # Then the route itself answers, not the sign-in checks
        assert code not in ("MFA_REQUIRED", "REAUTH_REQUIRED", "ADMIN_ONLY", "STAFF_ONLY"), (route, status, code)


def test_a_stale_sign_in_moves_no_money_but_still_reads():
    # Given an admin who signed in with TOTP a moment over 15 minutes ago
    stale = FRESH_AUTH_SECONDS + 1
    for route in _staff_routes():
        # When they call each staff route
        status, code = _call(route, ADMIN, ("admin",), auth_age=stale)

        # Then only the routes that move money want them to sign in again
        if route in MONEY_ROUTES:
            assert (status, code) == (403, "REAUTH_REQUIRED"), route
        else:
            assert code != "REAUTH_REQUIRED", route


def test_a_sign_in_of_just_under_15_minutes_may_still_move_money():
    # Given a transaction and an admin who signed in 14 minutes 59 seconds ago
    txn_id = new_transaction()["id"]
    module, fixture = ROUTES["PUT /api/admin/transactions/{id}/override"]
    event = api_event(
        fixture,
        sub=ADMIN,
        groups=("admin",),
        path={"id": txn_id},
        body={"action": "CANCEL", "reason": "Buyer asked support to cancel (ticket 9001)"},
        auth_age=FRESH_AUTH_SECONDS - 1,
    )

    # When they cancel it by override
    result = invoke(importlib.import_module(module), event)

    # Then it is done
    assert (result.status, result.json["status"]) == (200, "CANCELLED"), result.raw


def test_staff_without_totp_keep_no_staff_powers_on_user_routes():
    # Given the buyer's transaction, which staff may read
    txn_id = new_transaction()["id"]
    module, fixture = ROUTES["GET /api/transaction/{id}"]

    def read(**token: Any) -> int:
        event = api_event(fixture, sub=ADMIN, groups=("admin",), path={"id": txn_id}, **token)
        return invoke(importlib.import_module(module), event).status

    # When an admin without TOTP reads it, Then it is not theirs to see; with TOTP it is
    assert read(mfa=False) == 404
    assert read() == 200


def test_user_tokens_need_neither_totp_nor_a_recent_sign_in():
    # Given the buyer's transaction and a token without the claim, signed in a day ago
    txn_id = new_transaction()["id"]
    module, fixture = ROUTES["GET /api/transaction/{id}"]
    event = api_event(fixture, sub=BUYER, path={"id": txn_id}, mfa=False, auth_age=24 * 3600)

    # When the buyer reads their transaction, Then it is there
    assert invoke(importlib.import_module(module), event).status == 200
