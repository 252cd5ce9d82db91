"""OTP abuse defences through the handlers: the blocklist and its admin API, automatic blocks, and
the captcha that repeated failures demand (siteverify intercepted with ``responses``)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
import requests
import responses

from devstack import dev_clock
from functions.admin import otp_blocklist_delete, otp_blocklist_list, otp_blocklist_put
from paylox.audit import audit_trail
from paylox.otp.captcha import DEV_CAPTCHA_TOKEN, SITEVERIFY_URLS
from paylox.otp.codes import phone_ref
from tests.apigw import ADMIN, AGENT, BUYER, SELLER, api_event, invoke
from tests.integration.steps import PHONE, send_code, verify_code
from tests.stages import DEPLOYED_STAGE_ENVIRONMENT


def fail_three_times(sms_outbox, phone=PHONE) -> None:
    code = sms_outbox.last_code(phone)
    for _ in range(3):
        verify_code(f"{(int(code) + 1) % 1_000_000:06d}", phone=phone)


def as_member_of(event: dict, groups: tuple[str, ...]) -> dict:
    """The admin fixtures carry ``[admin]``; a test replaces the caller's groups outright."""
    event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] = "[" + " ".join(groups) + "]"
    return event


def admin_put(phone, body, sub=ADMIN, groups=("admin",)):
    event = api_event("admin/otp_blocklist_put.json", body=body, path={"phone": phone}, sub=sub)
    return invoke(otp_blocklist_put, as_member_of(event, groups))


def admin_delete(phone, reason="resolved", sub=ADMIN, groups=("admin",)):
    event = api_event("admin/otp_blocklist_delete.json", body={"reason": reason}, path={"phone": phone}, sub=sub)
    return invoke(otp_blocklist_delete, as_member_of(event, groups))


def admin_list(query=None, sub=ADMIN, groups=("admin",)):
    event = api_event("admin/otp_blocklist_list.json", query=query or {}, sub=sub)
    return invoke(otp_blocklist_list, as_member_of(event, groups))


# ---------------------------------------------------------------- blocklist


def test_a_blocked_number_gets_403_and_no_sms(sms_outbox):
    assert admin_put(PHONE, {"reason": "SMS pumping reported"}).status == 200

    refused = send_code()

    assert refused.status == 403 and refused.code == "PHONE_BLOCKED"
    assert sms_outbox.messages(PHONE) == []
    assert verify_code("123456").code == "PHONE_BLOCKED"
    assert "OTP_PHONE_BLOCKED_REFUSED" in [record.action for record in audit_trail(phone_ref(PHONE))]


def test_admins_block_list_and_unblock_with_reasons(sms_outbox):
    put = admin_put("0555 111 22 33", {"reason": "fraud ring", "duration_seconds": 3600})
    admin_put("+905321112233", {"reason": "complaint"})

    listed = admin_list()
    removed = admin_delete("%2B905551112233", reason="owner verified in branch")

    assert put.status == 200
    assert put.json["phone"] == PHONE and put.json["source"] == "admin" and put.json["blocked_by"] == ADMIN
    assert put.json["expires_at"] is not None
    assert [item["phone"] for item in listed.json["items"]] == ["+905321112233", PHONE]
    assert removed.status == 200 and removed.json["reason"] == "fraud ring"
    assert [item["phone"] for item in admin_list().json["items"]] == ["+905321112233"]
    assert send_code().status == 202
    actions = [(record.action, record.actor_id, record.reason) for record in audit_trail(phone_ref(PHONE))]
    assert ("OTP_PHONE_BLOCKED", ADMIN, "fraud ring") in actions
    assert ("OTP_PHONE_UNBLOCKED", ADMIN, "owner verified in branch") in actions


def test_a_timed_block_ends_by_itself():
    admin_put(PHONE, {"reason": "cool off", "duration_seconds": 600})
    dev_clock.advance(601)

    assert send_code().status == 202
    assert admin_list().json["items"] == []
    assert admin_delete(PHONE).code == "PHONE_NOT_BLOCKED"


def test_the_admin_list_pages_with_a_cursor():
    phones = ["+905321112233", "+905331112233", "+905341112233"]
    for phone in phones:
        admin_put(phone, {"reason": "test"})

    first = admin_list({"limit": "2"})
    second = admin_list({"limit": "2", "cursor": first.json["next_cursor"]})

    assert [item["phone"] for item in first.json["items"] + second.json["items"]] == phones
    assert second.json["next_cursor"] is None
    assert admin_list({"cursor": "nonsense"}).code == "INVALID_CURSOR"


@pytest.mark.parametrize(("sub", "groups"), [(BUYER, ()), (AGENT, ("support",))])
def test_only_admins_manage_the_blocklist(sub, groups):
    results = [
        admin_list(sub=sub, groups=groups),
        admin_put(PHONE, {"reason": "x"}, sub=sub, groups=groups),
        admin_delete(PHONE, sub=sub, groups=groups),
    ]

    assert [(result.status, result.code) for result in results] == [(403, "ADMIN_ONLY")] * 3
    assert send_code().status == 202


def test_blocking_needs_a_reason_and_a_real_number():
    assert admin_put(PHONE, {}).code == "VALIDATION_ERROR"
    assert admin_put("12", {"reason": "x"}).code == "PHONE_INVALID"
    assert admin_delete(PHONE, reason="").code == "VALIDATION_ERROR"


# ---------------------------------------------------------------- automatic blocks


def test_many_wrong_codes_in_a_day_block_the_number_automatically(sms_outbox, settings_env):
    settings_env(OTP_AUTOBLOCK_FAILED_VERIFICATIONS=4, OTP_AUTOBLOCK_SECONDS=7200)
    send_code()
    fail_three_times(sms_outbox)
    dev_clock.advance(61)
    send_code(captcha_token=DEV_CAPTCHA_TOKEN)
    verify_code("000000" if sms_outbox.last_code(PHONE) != "000000" else "000001")  # the fourth failure

    blocked = send_code(captcha_token=DEV_CAPTCHA_TOKEN)

    assert blocked.status == 403 and blocked.code == "PHONE_BLOCKED"
    [entry] = admin_list().json["items"]
    assert entry["source"] == "auto" and entry["blocked_by"] == "system" and "wrong codes" in entry["reason"]
    dev_clock.advance(7201)
    assert send_code(captcha_token=DEV_CAPTCHA_TOKEN).status == 202


def test_many_sends_in_a_day_block_the_number_automatically(sms_outbox, settings_env):
    settings_env(OTP_AUTOBLOCK_SENDS=3)
    for _ in range(3):
        assert send_code().status == 202
        dev_clock.advance(61)

    assert send_code().code == "PHONE_BLOCKED"
    assert "OTP_PHONE_AUTO_BLOCKED" in [record.action for record in audit_trail(phone_ref(PHONE))]


def test_an_automatic_block_never_replaces_an_admin_block(sms_outbox, settings_env):
    settings_env(OTP_AUTOBLOCK_SENDS=1)
    send_code()
    admin_put(PHONE, {"reason": "permanent: fraud"})  # replaces the automatic one, on purpose

    [entry] = admin_list().json["items"]

    assert entry["source"] == "admin" and entry["expires_at"] is None


# ---------------------------------------------------------------- captcha


def test_after_three_failures_the_next_send_needs_a_captcha(sms_outbox):
    send_code()
    fail_three_times(sms_outbox)
    dev_clock.advance(61)

    missing = send_code()

    assert missing.status == 428 and missing.code == "CAPTCHA_REQUIRED"
    assert missing.json["captcha_provider"] == "turnstile"
    assert len(sms_outbox.messages(PHONE)) == 1
    assert "OTP_CAPTCHA_REQUIRED" in [record.action for record in audit_trail(phone_ref(PHONE))]


def test_the_documented_dev_token_passes_in_dev(sms_outbox):
    send_code()
    fail_three_times(sms_outbox)
    dev_clock.advance(61)

    assert send_code(captcha_token=DEV_CAPTCHA_TOKEN).status == 202


def test_the_captcha_requirement_lapses_after_an_hour(sms_outbox):
    send_code()
    fail_three_times(sms_outbox)
    dev_clock.advance(3601)

    assert send_code().status == 202


@pytest.mark.parametrize("provider", ["turnstile", "hcaptcha", "recaptcha"])
@responses.activate
def test_captcha_tokens_are_verified_with_the_configured_provider(sms_outbox, settings_env, provider):
    settings_env(CAPTCHA_PROVIDER=provider, CAPTCHA_SECRET="captcha-secret")
    verdicts = {
        "bad-token": {"success": False, "error-codes": ["invalid-input-response"]},
        "good-token": {"success": True},
    }
    responses.add_callback(
        responses.POST,
        SITEVERIFY_URLS[provider],
        callback=lambda request: (200, {}, json.dumps(verdicts[parse_qs(request.body)["response"][0]])),
    )
    send_code()
    fail_three_times(sms_outbox)
    dev_clock.advance(61)

    invalid = send_code(captcha_token="bad-token")
    valid = send_code(captcha_token="good-token")

    assert invalid.status == 428 and invalid.code == "CAPTCHA_REQUIRED"
    assert valid.status == 202
    form = parse_qs(responses.calls[-1].request.body)
    assert form == {"secret": ["captcha-secret"], "response": ["good-token"], "remoteip": ["203.0.113.10"]}


@responses.activate
def test_a_low_recaptcha_score_or_an_unreachable_provider_fails_closed(sms_outbox, settings_env):
    settings_env(CAPTCHA_PROVIDER="recaptcha", CAPTCHA_SECRET="captcha-secret")
    responses.add(responses.POST, SITEVERIFY_URLS["recaptcha"], json={"success": True, "score": 0.1})
    responses.add(responses.POST, SITEVERIFY_URLS["recaptcha"], body=requests.ConnectionError("down"))
    send_code()
    fail_three_times(sms_outbox)
    dev_clock.advance(61)

    assert send_code(captcha_token="looks-human").code == "CAPTCHA_REQUIRED"
    assert send_code(captcha_token="looks-human").code == "CAPTCHA_REQUIRED"


@responses.activate
def test_outside_dev_the_dev_token_is_just_another_token(settings_env):
    from paylox.otp.captcha import verify_captcha

    settings_env(PAYLOX_STAGE="prod", CAPTCHA_SECRET="captcha-secret", **DEPLOYED_STAGE_ENVIRONMENT)
    responses.add(responses.POST, SITEVERIFY_URLS["turnstile"], json={"success": False})

    assert verify_captcha(DEV_CAPTCHA_TOKEN, "203.0.113.10") is False
    assert len(responses.calls) == 1


@pytest.mark.signed_up(SELLER, phone="+905321112233")
def test_failures_for_one_number_do_not_demand_a_captcha_for_another(sms_outbox):
    send_code()
    fail_three_times(sms_outbox)

    assert send_code(phone="+905321112233", sub=SELLER).status == 202
