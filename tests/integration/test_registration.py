"""Users exist from registration: the user pool's PostConfirmation trigger makes the profile, a
transaction needs a registered, active seller, and an unknown caller is refused unless the stack
registers users by their first request (an external issuer without the trigger)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from devstack.lambda_context import LambdaContext
from functions.transactions import create, list_mine
from functions.users import registered
from paylox.audit import audit_trail
from paylox.users.models import UserProfile, UserStatus
from tests.apigw import BUYER, SELLER, api_event, invoke, load_event
from tests.integration.bus import EventTap
from tests.integration.steps import PHONE, new_transaction, profile, register

NEWCOMER = "user-newcomer-1"


@pytest.fixture
def bus() -> EventTap:
    return EventTap(("paylox.users",), name="users-tap")


def registrations(bus: EventTap) -> list[dict]:
    return [event["detail"] for event in bus.drain() if event["detail-type"] == "UserRegistered"]


def create_with(seller_id: str, *, lang: str = "tr", sub: str = BUYER):
    body = {"seller_id": seller_id, "amount": 150_000, "currency": "TRY", "description": "Kamera"}
    headers = {"Accept-Language": lang}
    return invoke(create, api_event("transactions/create.json", body=body, sub=sub, headers=headers))


def suspend(user_id: str) -> None:
    # No suspend route yet (the admin users API comes later); the stored status is what it would set.
    profile(user_id).update(actions=[UserProfile.status.set(UserStatus.SUSPENDED.value)])


# ------------------------------------------------------------------------------------ the trigger
def test_a_confirmed_sign_up_makes_the_profile_from_what_the_pool_verified(bus):
    register(NEWCOMER, email="yeni@example.com", phone=PHONE, locale="en")

    made = profile(NEWCOMER)
    assert (made.email, made.phone, made.phone_verified, made.locale) == ("yeni@example.com", PHONE, False, "en")
    assert (made.status, made.identity_verified) == ("ACTIVE", False)
    [record] = audit_trail(NEWCOMER)
    assert (record.action, record.actor_id, record.actor_role) == ("USER_REGISTERED", NEWCOMER, "user")
    assert json.loads(record.after or "{}") == {
        "email": "yeni@example.com",
        "phone": "+90******2233",
        "locale": "en",
        "status": "ACTIVE",
        "source": "cognito",
    }
    [event] = registrations(bus)
    assert {key: event[key] for key in ("user_id", "locale", "has_email", "source")} == {
        "user_id": NEWCOMER,
        "locale": "en",
        "has_email": True,
        "source": "cognito",
    }
    assert "yeni@example.com" not in json.dumps(event) and PHONE not in json.dumps(event)


def test_an_unverified_email_is_not_kept():
    register(NEWCOMER, email="belki@example.com", email_verified=False)

    assert profile(NEWCOMER).email is None


def test_the_function_returns_the_event_unchanged_as_cognito_requires():
    event = load_event("users/registered.json")

    result = registered.handler(event, LambdaContext(function_name="UserRegisteredFunction"))

    assert result == load_event("users/registered.json")
    assert profile(event["request"]["userAttributes"]["sub"]).email == "ayse@example.com"


def test_registering_again_changes_nothing(bus):
    register(NEWCOMER, email="ilk@example.com", locale="tr")
    first = profile(NEWCOMER)
    bus.drain()

    register(NEWCOMER, email="ikinci@example.com", phone=PHONE, locale="en")

    again = profile(NEWCOMER)
    assert again.attribute_values == first.attribute_values
    assert [record.action for record in audit_trail(NEWCOMER)] == ["USER_REGISTERED"]
    assert registrations(bus) == []


def test_concurrent_confirmations_make_one_profile(bus):
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda n: register(NEWCOMER, email=f"{n}@example.com"), range(4)))

    assert profile(NEWCOMER).email in {f"{n}@example.com" for n in range(4)}
    assert [record.action for record in audit_trail(NEWCOMER)] == ["USER_REGISTERED"]
    assert len(registrations(bus)) == 1


def test_a_confirmed_password_reset_registers_nobody():
    event = load_event("users/registered.json")
    event["triggerSource"] = "PostConfirmation_ConfirmForgotPassword"
    event["request"]["userAttributes"]["sub"] = NEWCOMER

    result = registered.handler(event, LambdaContext(function_name="UserRegisteredFunction"))

    assert result == event
    assert audit_trail(NEWCOMER) == []


# ------------------------------------------------------------------------------------ sellers
@pytest.mark.parametrize(
    ("lang", "detail"),
    [("tr", "Bu satıcı kimliğiyle kayıtlı bir kullanıcı yok."), ("en", "No registered user has this seller id.")],
)
def test_a_seller_nobody_registered_as_is_refused(lang, detail):
    result = create_with("user-typo-1", lang=lang)

    assert (result.status, result.code) == (422, "SELLER_NOT_FOUND")
    assert result.json["detail"] == detail
    assert result.headers["content-type"] == "application/problem+json"


def test_nothing_is_created_for_an_unknown_seller():
    create_with("user-typo-1")

    assert invoke(list_mine, api_event("transactions/list_mine.json", sub=BUYER)).json["items"] == []
    assert new_transaction()["seller_id"] == SELLER  # the buyer can still deal with a real seller


def test_a_seller_registered_a_moment_ago_can_be_chosen():
    register(NEWCOMER)

    assert create_with(NEWCOMER).status == 201


@pytest.mark.parametrize(
    ("lang", "detail"),
    [
        ("tr", "Bu satıcı şu anda yeni işlemlere katılamıyor."),
        ("en", "This seller cannot take part in new transactions at the moment."),
    ],
)
def test_a_suspended_seller_is_refused(lang, detail):
    suspend(SELLER)

    result = create_with(SELLER, lang=lang)

    assert (result.status, result.code, result.json["detail"]) == (422, "SELLER_UNAVAILABLE", detail)


def test_the_seller_must_still_be_someone_else():
    assert create_with(BUYER).code == "SELLER_IS_BUYER"


# ------------------------------------------------------------------------------------ callers
@pytest.mark.parametrize(
    ("lang", "detail"),
    [
        ("tr", "Bu hesabın kaydı tamamlanmamış. Lütfen kaydınızı onaylayın veya destek ile iletişime geçin."),
        ("en", "This account has not completed registration. Please confirm your sign-up or contact support."),
    ],
)
def test_a_caller_who_never_registered_is_refused_where_profiles_come_from_registration(lang, detail):
    result = create_with(SELLER, sub=NEWCOMER, lang=lang)

    assert (result.status, result.code, result.json["detail"]) == (403, "NOT_REGISTERED", detail)
    assert audit_trail(NEWCOMER) == []


def test_a_first_request_registers_the_caller_where_the_issuer_has_no_trigger(settings_env, bus):
    settings_env(PROFILE_ON_FIRST_REQUEST="true")  # an external issuer (JwtIssuer given)

    result = create_with(SELLER, sub=NEWCOMER)

    assert result.status == 201
    made = profile(NEWCOMER)
    assert (made.email, made.phone, made.phone_verified) == (f"{NEWCOMER}@example.com", PHONE, False)
    assert [record.action for record in audit_trail(NEWCOMER)] == ["USER_REGISTERED"]
    assert json.loads(audit_trail(NEWCOMER)[0].after or "{}")["source"] == "first_request"
    assert [event["source"] for event in registrations(bus)] == ["first_request"]


def test_the_first_request_fallback_keeps_only_a_verified_email(settings_env):
    settings_env(PROFILE_ON_FIRST_REQUEST="true")
    event = api_event("transactions/list_mine.json", sub=NEWCOMER)
    event["requestContext"]["authorizer"]["jwt"]["claims"]["email_verified"] = "false"

    assert invoke(list_mine, event).status == 200

    assert profile(NEWCOMER).email is None


def test_the_first_request_fallback_never_changes_a_registered_profile(settings_env):
    settings_env(PROFILE_ON_FIRST_REQUEST="true")
    register(NEWCOMER, email="kayit@example.com", locale="en")

    assert create_with(SELLER, sub=NEWCOMER).status == 201

    assert (profile(NEWCOMER).email, profile(NEWCOMER).locale) == ("kayit@example.com", "en")
    assert [record.action for record in audit_trail(NEWCOMER)] == ["USER_REGISTERED"]


def test_a_suspended_caller_is_still_refused_first():
    suspend(BUYER)

    assert create_with(SELLER).code == "ACCOUNT_SUSPENDED"
