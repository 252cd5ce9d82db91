"""AWS round trips per route: ``python -m bench.roundtrips`` (``make bench-calls``).

One user journey through the handlers, in this process, against moto: two users register, the buyer
verifies a phone, opens a transaction, pays, the gateway takes the payment and its webhook is
confirmed (PaymentConfirmFunction), the seller ships, the buyer reads, asks for and verifies a
release code and confirms; then a second payment fails (webhook, confirmation) and the buyer
cancels; the buyer opens a dispute on a third; an admin releases a fourth with their code and
refunds a fifth and cancels a sixth. Every request is counted through botocore's event system (:mod:`bench.aws_calls`: a
``before-call`` handler on every client), after one warm-up journey, so the table shows what a warm
function pays per request: reads of settings and secrets that a warm function caches are not in it.
Each route has its target (:data:`TARGETS`, issue 13 §4): the run exits non-zero when a route is
over it, answered an error, or was not measured. The gateway (the sandbox here) is not an AWS call.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import aws_calls

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / ".bench" / "roundtrips.json"
BUYER, SELLER = "bench-buyer", "bench-seller"
WEBHOOK_SECRET = "bench-webhook-secret"  # noqa: S105 - the bench's own provider secret
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(frozen=True)
class Measured:
    route: str
    status: int
    calls: aws_calls.Calls


def _event(fixture: str, *, sub: str | None, body: Any = None, path: dict[str, str] | None = None) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((ROOT / "events" / fixture).read_text(encoding="utf-8"))
    event = copy.deepcopy(event)
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
    if path:
        event["pathParameters"] = path
        raw_path = event["requestContext"]["routeKey"].split(" ", 1)[1]
        for key, value in path.items():
            raw_path = raw_path.replace("{" + key + "}", value)
        event["rawPath"] = event["requestContext"]["http"]["path"] = raw_path
    if sub is not None:
        event["requestContext"]["authorizer"]["jwt"]["claims"].update(sub=sub, email=f"{sub}@example.com")
    return event


class Journey:
    """The requests of one journey, each measured."""

    def __init__(self) -> None:
        self.measured: list[Measured] = []

    def call(self, route: str, handler: Handler, event: dict[str, Any]) -> dict[str, Any]:
        from devstack.lambda_context import LambdaContext

        with aws_calls.counting() as calls:
            response = handler(event, LambdaContext(function_name="bench"))
        self.measured.append(Measured(route, int(response["statusCode"]), calls))
        body = response.get("body") or "{}"
        return dict(json.loads(body)) if body.startswith("{") else {}


def _register(user_id: str, phone: str) -> None:
    from devstack.lambda_context import LambdaContext
    from functions.users import registered

    event = json.loads((ROOT / "events/users/registered.json").read_text(encoding="utf-8"))
    event["userName"] = user_id
    event["request"]["userAttributes"].update(sub=user_id, email=f"{user_id}@example.com", phone_number=phone)
    registered.handler(event, LambdaContext(function_name="UserRegisteredFunction"))


def _last_code(phone: str) -> str:
    from paylox import dev_outbox

    [*_, last] = [m for m in dev_outbox.read_all() if m["channel"] == "sms" and m["to"] == phone]
    return str(last["body"]).rsplit(" ", 1)[-1].strip(".")[-6:]


#: The most AWS calls each route may make (issue 13 §4, "AWS round trips per request"): a move is
#: the caller's profile, the transaction and one transactional write (the gateway is HTTP, not
#: counted); a read two, a list three; a payment webhook five, its confirmation too.
TARGETS: dict[str, int] = {
    "POST /api/otp/send": 8,
    "POST /api/otp/verify": 5,
    "GET /api/otp/status": 2,
    "POST /api/transaction/create": 3,
    "POST /api/transaction/{id}/pay": 3,
    "POST /api/payment/webhook/success": 5,
    "PaymentConfirmFunction (success)": 5,
    "POST /api/transaction/{id}/ship": 3,
    "GET /api/transaction/{id}": 2,
    "GET /api/transaction/list": 3,
    "POST /api/otp/send (release)": 8,
    "POST /api/otp/verify (release)": 5,
    "POST /api/transaction/{id}/confirm": 3,
    "POST /api/payment/webhook/failure": 5,
    "PaymentConfirmFunction (failure)": 5,
    "POST /api/transaction/{id}/cancel": 3,
    "POST /api/dispute/create": 3,
    "PUT /api/admin/transactions/{id}/override (RELEASE)": 3,
    "PUT /api/admin/transactions/{id}/override (CANCEL)": 3,
    # A refund holds the transaction before the gateway is asked (the admin's token used up with
    # it) and records it after: 4; the gateway client's refund ledger (payments/ledger.py: its
    # intent claimed before the call, settled after) is the gateway's 2.
    "PUT /api/admin/transactions/{id}/override (REFUND)": 6,
}


def _webhook(run: Journey, kind: str, txn_id: str, event_id: str, payment_id: str) -> None:
    """The gateway's signed ``payment.<kind>`` webhook, then PaymentConfirmFunction on its hint."""
    from devstack.lambda_context import LambdaContext
    from functions.webhooks import confirm_hint, failure, success
    from paylox import clock
    from paylox.webhooks.signature import sign

    delivery = {"id": event_id, "type": f"payment.{kind}", "created": clock.timestamp()}
    delivery["data"] = {"transaction_id": txn_id, "payment_id": payment_id, "amount": 150_000, "currency": "TRY"}
    raw = json.dumps(delivery, separators=(",", ":"))
    route = "success" if kind == "succeeded" else "failure"
    hook = _event(f"webhooks/{route}.json", sub=None, body=raw)
    hook["headers"]["x-jetcheckout-signature"] = sign(raw.encode(), [WEBHOOK_SECRET], clock.timestamp())
    hook["requestContext"]["http"]["sourceIp"] = "127.0.0.1"
    answer = run.call(f"POST /api/payment/webhook/{route}", (success if route == "success" else failure).handler, hook)
    hint = json.loads((ROOT / "events/webhooks/confirm_hint.json").read_text(encoding="utf-8"))
    hint["detail"].update(delivery_id=str(answer.get("delivery_id")), transaction_id=txn_id)
    with aws_calls.counting() as calls:
        outcome = confirm_hint.handler(hint, LambdaContext(function_name="PaymentConfirmFunction"))
    ok = 200 if outcome.get("outcome") == "CONFIRMED" else 409
    run.measured.append(Measured(f"PaymentConfirmFunction ({route})", ok, calls))


def _create(run: Journey, buyer: str, seller: str) -> dict[str, str]:
    from functions.transactions import create

    body = {"seller_id": seller, "amount": 150_000, "currency": "TRY", "description": "Kamera"}
    txn = run.call(
        "POST /api/transaction/create", create.handler, _event("transactions/create.json", sub=buyer, body=body)
    )
    return {"id": str(txn.get("id"))}


def journey(phone: str) -> Journey:
    """One buyer's way from a verified phone to a released payment, then a payment that fails and
    is cancelled, every request measured."""
    from devstack import dev_clock
    from functions.otp import send, status, verify
    from functions.transactions import cancel, confirm, get, pay, ship
    from functions.transactions import list_mine as listing
    from paylox.payments import sandbox

    buyer, seller = f"{BUYER}-{phone[-4:]}", f"{SELLER}-{phone[-4:]}"
    _register(buyer, phone)
    _register(seller, "+905559998877")
    run = Journey()
    otp = {"phone": phone, "purpose": "PHONE_VERIFICATION"}
    run.call("POST /api/otp/send", send.handler, _event("otp/send.json", sub=buyer, body=otp))
    code = _last_code(phone)
    run.call("POST /api/otp/verify", verify.handler, _event("otp/verify.json", sub=buyer, body={**otp, "code": code}))
    status_event = _event("otp/status.json", sub=buyer)
    status_event["queryStringParameters"] = {"phone": phone, "purpose": "PHONE_VERIFICATION"}
    run.call("GET /api/otp/status", status.handler, status_event)
    path = _create(run, buyer, seller)
    run.call("POST /api/transaction/{id}/pay", pay.handler, _event("transactions/pay.json", sub=buyer, path=path))
    sandbox.pay(path["id"], "succeeded", gateway_transaction_id=f"pay_{phone[-4:]}")
    _webhook(run, "succeeded", path["id"], f"evt_{phone[-4:]}", f"pay_{phone[-4:]}")
    run.call("POST /api/transaction/{id}/ship", ship.handler, _event("transactions/ship.json", sub=seller, path=path))
    run.call("GET /api/transaction/{id}", get.handler, _event("transactions/get.json", sub=buyer, path=path))
    run.call("GET /api/transaction/list", listing.handler, _event("transactions/list_mine.json", sub=buyer))
    dev_clock.advance(61)  # the verified phone's resend cooldown
    release = {"purpose": "TRANSACTION_CONFIRMATION", "transaction_id": path["id"]}
    run.call("POST /api/otp/send (release)", send.handler, _event("otp/send.json", sub=buyer, body=release))
    verified = run.call(
        "POST /api/otp/verify (release)",
        verify.handler,
        _event("otp/verify.json", sub=buyer, body={**release, "code": _last_code(phone)}),
    )
    confirm_event = _event("transactions/confirm.json", sub=buyer, path=path)
    confirm_event["headers"]["x-otp-token"] = str(verified.get("verification_token"))
    run.call("POST /api/transaction/{id}/confirm", confirm.handler, confirm_event)
    failing = _create(Journey(), buyer, seller)  # its create was measured above
    run.call("POST /api/transaction/{id}/pay", pay.handler, _event("transactions/pay.json", sub=buyer, path=failing))
    run.measured.pop()  # measured above too
    sandbox.pay(failing["id"], "failed", gateway_transaction_id=f"fail_{phone[-4:]}")
    _webhook(run, "failed", failing["id"], f"evt_fail_{phone[-4:]}", f"fail_{phone[-4:]}")
    cancelled = _event("transactions/cancel.json", sub=buyer, path=failing)
    run.call("POST /api/transaction/{id}/cancel", cancel.handler, cancelled)
    _dispute(run, buyer, seller, phone)
    _overrides(run, buyer, seller, phone)
    return run


def _funded(buyer: str, seller: str, tag: str) -> dict[str, str]:
    """A transaction paid into escrow: created, paid, taken by the gateway, confirmed (not measured)."""
    from functions.transactions import pay
    from paylox.payments import sandbox

    setup = Journey()
    path = _create(setup, buyer, seller)
    setup.call("pay", pay.handler, _event("transactions/pay.json", sub=buyer, path=path))
    sandbox.pay(path["id"], "succeeded", gateway_transaction_id=f"pay_{tag}")
    _webhook(setup, "succeeded", path["id"], f"evt_{tag}", f"pay_{tag}")
    return path


def _dispute(run: Journey, buyer: str, seller: str, phone: str) -> None:
    """The buyer opens a dispute on a funded transaction."""
    from functions.disputes import create as open_dispute

    disputed = _funded(buyer, seller, f"dsp_{phone[-4:]}")
    body = {"transaction_id": disputed["id"], "reason": "NOT_AS_DESCRIBED", "description": "Kamera çizik geldi."}
    run.call("POST /api/dispute/create", open_dispute.handler, _event("disputes/create.json", sub=buyer, body=body))


def _as_admin(event: dict[str, Any]) -> dict[str, Any]:
    """An admin who signed in with TOTP just now: what a money-moving admin route asks for."""
    from paylox import clock
    from paylox.auth import MFA_CLAIM, MFA_TOTP

    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    claims.update({"cognito:groups": "[admin]", MFA_CLAIM: MFA_TOTP, "auth_time": str(clock.timestamp())})
    return event


def _admin_code(admin: str, phone: str, body: dict[str, Any]) -> str:
    """An admin's code to ``phone`` for ``body`` (send, verify; not measured): the token."""
    from devstack import dev_clock
    from functions.otp import send, verify

    setup = Journey()
    setup.call("send", send.handler, _as_admin(_event("otp/send.json", sub=admin, body=body)))
    verify_event = _as_admin(_event("otp/verify.json", sub=admin, body={**body, "code": _last_code(phone)}))
    verified = setup.call("verify", verify.handler, verify_event)
    dev_clock.advance(61)  # the phone's resend cooldown, for the next code
    return str(verified.get("verification_token"))


def _overrides(run: Journey, buyer: str, seller: str, phone: str) -> None:
    """An admin releases a funded transaction and refunds another, each with their code, and cancels
    one the buyer started paying."""
    from functions.admin import transactions_override as override
    from functions.transactions import pay

    admin, admin_phone = f"bench-admin-{phone[-4:]}", f"+9055577{phone[-5:]}"
    _register(admin, admin_phone)
    _admin_code(admin, admin_phone, {"phone": admin_phone, "purpose": "PHONE_VERIFICATION"})
    funded = _funded(buyer, seller, f"ovr_{phone[-4:]}")
    bound = {"purpose": "ADMIN_OVERRIDE", "transaction_id": funded["id"], "action": "RELEASE"}
    token = _admin_code(admin, admin_phone, bound)
    reason = "Delivery confirmed by the carrier (ticket 4712)"
    released = _as_admin(_event("admin/transactions_override.json", sub=admin, path=funded))
    released["body"] = json.dumps({"action": "RELEASE", "reason": reason})
    released["headers"]["x-otp-token"] = token
    run.call("PUT /api/admin/transactions/{id}/override (RELEASE)", override.handler, released)
    refunded = _funded(buyer, seller, f"rfd_{phone[-4:]}")
    bound = {"purpose": "ADMIN_OVERRIDE", "transaction_id": refunded["id"], "action": "REFUND"}
    token = _admin_code(admin, admin_phone, bound)
    refund = _as_admin(_event("admin/transactions_override.json", sub=admin, path=refunded))
    refund["body"] = json.dumps({"action": "REFUND", "reason": reason})
    refund["headers"]["x-otp-token"] = token
    run.call("PUT /api/admin/transactions/{id}/override (REFUND)", override.handler, refund)
    pending = _create(Journey(), buyer, seller)
    Journey().call("pay", pay.handler, _event("transactions/pay.json", sub=buyer, path=pending))
    cancelled = _as_admin(_event("admin/transactions_override.json", sub=admin, path=pending))
    cancelled["body"] = json.dumps({"action": "CANCEL", "reason": reason})
    cancelled["headers"].pop("x-otp-token", None)
    run.call("PUT /api/admin/transactions/{id}/override (CANCEL)", override.handler, cancelled)


def report(run: Journey) -> str:
    header = f"{'route':<52} {'status':>6} {'dynamodb':>8} {'other':>5} {'target':>6}  dynamodb operations"
    lines = ["AWS calls per request (warm functions; counted with botocore's before-call event)", header]
    lines.append("-" * len(header))
    for item in run.measured:
        operations = ", ".join(f"{name} {count}" for name, count in item.calls.by_operation("dynamodb").items())
        others = item.calls.count() - item.calls.count("dynamodb")
        target = TARGETS.get(item.route)
        mark = "" if target is None or item.calls.count() <= target else "  OVER"
        shown = "-" if target is None else str(target)
        counts = f"{item.status:>6} {item.calls.count('dynamodb'):>8} {others:>5} {shown:>6}"
        lines.append(f"{item.route:<52} {counts}  {operations}{mark}")
    return "\n".join(lines)


def failures(run: Journey) -> list[str]:
    """What is wrong with the run: a route over its target, a request that failed, a route not measured."""
    wrong = [f"{item.route}: answered {item.status}" for item in run.measured if not 200 <= item.status < 300]
    wrong += [
        f"{item.route}: {item.calls.count()} AWS calls, target {TARGETS[item.route]}"
        for item in run.measured
        if item.route in TARGETS and item.calls.count() > TARGETS[item.route]
    ]
    measured = {item.route for item in run.measured}
    wrong += [f"{route}: not measured" for route in TARGETS if route not in measured]
    return wrong


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.roundtrips", description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    aws_calls.install()  # before any botocore client exists
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - moto takes any credentials
        AWS_DEFAULT_REGION="eu-central-1",
        AWS_REGION="eu-central-1",
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_METRICS_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="ERROR",
        JETCHECKOUT_WEBHOOK_SECRET=WEBHOOK_SECRET,
        PAYLOX_DEV_OUTBOX=str(RESULTS.parent / "roundtrips-outbox.jsonl"),
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    from moto import mock_aws

    with mock_aws():
        from devstack import dev_clock
        from devstack.provision import provision
        from devstack.stack import dev_stack

        os.environ.update(dev_stack().environment())
        dev_clock.install()
        RESULTS.parent.mkdir(exist_ok=True)
        Path(os.environ["PAYLOX_DEV_OUTBOX"]).unlink(missing_ok=True)
        provision(dev_stack())
        journey("+905551110001")  # warm-up: clients, settings and secrets as a warm function has them
        run = journey("+905551110002")
    print(report(run))
    document = {
        item.route: {
            "status": item.status,
            "target": TARGETS.get(item.route),
            "dynamodb": item.calls.by_operation("dynamodb"),
            "calls": item.calls.made,
        }
        for item in run.measured
    }
    RESULTS.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    wrong = failures(run)
    if wrong:
        print("\nover target or failed:\n  " + "\n  ".join(wrong), file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
