"""SMS delivery through the real provider adapters, with their HTTP intercepted by ``responses``:
the exact Twilio and MessageBird requests, retries, fallback, permanent failures, and Twilio's
signed delivery-status callbacks."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlencode

import pytest
import requests
import responses
from twilio.request_validator import RequestValidator

from devstack import dev_clock
from functions.otp import twilio_delivery
from paylox.otp.models import MessageRow
from paylox.otp.sms.base import ProviderRejected, RecipientRejected, TransientSmsError
from paylox.otp.sms.messagebird import MESSAGES_URL, MessageBirdProvider
from paylox.otp.sms.twilio import TwilioProvider
from tests.apigw import invoke, load_event
from tests.integration.steps import PHONE, otp_status, send_code

SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "twilio-auth-token"
MB_KEY = "live_messagebird_key"
TWILIO_URL = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
CALLBACK_URL = "https://api.paylox.com.tr/api/otp/delivery/twilio"


def twilio_ok(sid: str = "SM00000000000000000000000000000001") -> dict:
    return {"sid": sid, "status": "queued", "to": PHONE, "from": "Paylox", "account_sid": SID}


def twilio_error(code: int, status: int = 400) -> dict:
    return {
        "code": code,
        "message": f"error {code}",
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


@pytest.fixture
def real_providers(settings_env):
    """Twilio primary, MessageBird fallback, no waiting between retries."""
    settings_env(
        SMS_PROVIDER="twilio",
        SMS_FALLBACK_PROVIDER="messagebird",
        TWILIO_ACCOUNT_SID=SID,
        TWILIO_AUTH_TOKEN=TOKEN,
        MESSAGEBIRD_ACCESS_KEY=MB_KEY,
        SMS_RETRY_BASE_SECONDS=0,
    )


def calls_to(url: str) -> list:
    return [call for call in responses.calls if call.request.url == url]


# ---------------------------------------------------------------- the exact requests


@responses.activate
def test_twilio_gets_the_messages_api_request_with_basic_auth_and_form_fields():
    responses.add(responses.POST, TWILIO_URL, json=twilio_ok(), status=201)

    sent = TwilioProvider(SID, TOKEN, sender="Paylox", status_callback=CALLBACK_URL).send(
        PHONE, "Your Paylox verification code: 123456", timeout=3
    )

    [call] = responses.calls
    assert call.request.method == "POST" and call.request.url == TWILIO_URL
    expected_auth = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert call.request.headers["Authorization"] == expected_auth
    assert parse_qs(call.request.body) == {
        "To": [PHONE],
        "From": ["Paylox"],
        "Body": ["Your Paylox verification code: 123456"],
        "StatusCallback": [CALLBACK_URL],
    }
    assert (sent.provider, sent.message_id, sent.status) == ("twilio", "SM00000000000000000000000000000001", "queued")


@responses.activate
def test_twilio_with_a_messaging_service_and_no_callback():
    responses.add(responses.POST, TWILIO_URL, json=twilio_ok(), status=201)

    TwilioProvider(SID, TOKEN, sender="MG0123456789abcdef0123456789abcdef").send(PHONE, "x", timeout=3)

    form = parse_qs(responses.calls[0].request.body)
    assert form == {"To": [PHONE], "MessagingServiceSid": ["MG0123456789abcdef0123456789abcdef"], "Body": ["x"]}


@responses.activate
def test_messagebird_gets_its_rest_request_with_the_access_key():
    responses.add(responses.POST, MESSAGES_URL, json={"id": "mb-1", "recipients": {"totalCount": 1}}, status=201)

    sent = MessageBirdProvider(MB_KEY, originator="Paylox").send(PHONE, "Paylox doğrulama kodunuz: 123456", timeout=3)

    [call] = responses.calls
    assert call.request.method == "POST" and call.request.url == MESSAGES_URL
    assert call.request.headers["Authorization"] == f"AccessKey {MB_KEY}"
    assert json.loads(call.request.body) == {
        "recipients": ["905551112233"],
        "originator": "Paylox",
        "body": "Paylox doğrulama kodunuz: 123456",
    }
    assert (sent.provider, sent.message_id) == ("messagebird", "mb-1")


# ---------------------------------------------------------------- classification


@pytest.mark.parametrize(
    ("response", "error"),
    [
        ({"json": twilio_error(20500, 500), "status": 500}, TransientSmsError),
        ({"json": twilio_error(20429, 429), "status": 429}, TransientSmsError),
        ({"body": requests.ConnectTimeout("slow")}, TransientSmsError),
        ({"body": requests.ReadTimeout("slow")}, TransientSmsError),
        ({"json": twilio_error(21211), "status": 400}, RecipientRejected),  # invalid number
        ({"json": twilio_error(21614), "status": 400}, RecipientRejected),  # not a mobile number
        ({"json": twilio_error(21610), "status": 400}, RecipientRejected),  # unsubscribed (STOP)
        ({"json": twilio_error(21408), "status": 400}, ProviderRejected),  # region not enabled
        ({"json": twilio_error(20003, 401), "status": 401}, ProviderRejected),  # bad credentials
    ],
)
@responses.activate
def test_twilio_failures_are_classified(response, error):
    responses.add(responses.POST, TWILIO_URL, **response)

    with pytest.raises(error):
        TwilioProvider(SID, TOKEN, sender="Paylox").send(PHONE, "x", timeout=3)


@pytest.mark.parametrize(
    ("response", "error"),
    [
        ({"status": 500, "json": {}}, TransientSmsError),
        ({"status": 429, "json": {}}, TransientSmsError),
        ({"body": requests.ReadTimeout("slow")}, TransientSmsError),
        (
            {
                "status": 422,
                "json": {"errors": [{"code": 9, "description": "no recipients", "parameter": "recipients"}]},
            },
            RecipientRejected,
        ),
        ({"status": 401, "json": {"errors": [{"code": 2, "description": "incorrect access_key"}]}}, ProviderRejected),
        ({"status": 402, "json": {"errors": [{"code": 25, "description": "not enough balance"}]}}, ProviderRejected),
    ],
)
@responses.activate
def test_messagebird_failures_are_classified(response, error):
    responses.add(responses.POST, MESSAGES_URL, **response)

    with pytest.raises(error):
        MessageBirdProvider(MB_KEY, originator="Paylox").send(PHONE, "x", timeout=3)


# ---------------------------------------------------------------- retries and fallback, through the handler


@responses.activate
def test_transient_twilio_failures_are_retried_then_succeed(real_providers):
    responses.add(responses.POST, TWILIO_URL, json=twilio_error(20500, 500), status=500)
    responses.add(responses.POST, TWILIO_URL, body=requests.ReadTimeout("slow"))
    responses.add(responses.POST, TWILIO_URL, json=twilio_ok("SM-third-time-lucky"), status=201)

    result = send_code(locale="en")

    assert result.status == 202
    assert len(calls_to(TWILIO_URL)) == 3 and calls_to(MESSAGES_URL) == []
    assert MessageRow.get(MessageRow.key("twilio", "SM-third-time-lucky")).status == "queued"
    body = parse_qs(calls_to(TWILIO_URL)[-1].request.body)["Body"][0]
    assert body.startswith("Your Paylox verification code: ")


@pytest.mark.parametrize(
    "failure",
    [
        {"json": twilio_error(20503, 503), "status": 503},
        {"json": twilio_error(20429, 429), "status": 429},
        {"body": requests.ConnectTimeout("unreachable")},
    ],
)
@responses.activate
def test_after_bounded_retries_messagebird_takes_over(real_providers, failure):
    responses.add(responses.POST, TWILIO_URL, **failure)
    responses.add(responses.POST, MESSAGES_URL, json={"id": "mb-fallback"}, status=201)

    result = send_code(locale="en")

    assert result.status == 202
    assert len(calls_to(TWILIO_URL)) == 3 and len(calls_to(MESSAGES_URL)) == 1
    assert MessageRow.get(MessageRow.key("messagebird", "mb-fallback")).phone == PHONE


@responses.activate
def test_a_twilio_account_problem_goes_straight_to_the_fallback(real_providers):
    responses.add(responses.POST, TWILIO_URL, json=twilio_error(21408), status=400)
    responses.add(responses.POST, MESSAGES_URL, json={"id": "mb-1"}, status=201)

    assert send_code(locale="en").status == 202
    assert len(calls_to(TWILIO_URL)) == 1 and len(calls_to(MESSAGES_URL)) == 1


@pytest.mark.parametrize("twilio_code", [21211, 21614, 21610])
@responses.activate
def test_a_number_that_cannot_receive_sms_is_422_without_retry_or_fallback(real_providers, twilio_code):
    responses.add(responses.POST, TWILIO_URL, json=twilio_error(twilio_code), status=400)

    result = send_code(locale="en")

    assert result.status == 422 and result.code == "PHONE_UNREACHABLE"
    assert len(calls_to(TWILIO_URL)) == 1 and calls_to(MESSAGES_URL) == []
    assert otp_status().json == {"status": "none", "expires_in": 0, "attempts_left": 0, "resend_available_in": 0}


@responses.activate
def test_when_every_provider_fails_it_is_503_and_leaves_no_code_and_no_cooldown(real_providers):
    responses.add(responses.POST, TWILIO_URL, json=twilio_error(20500, 500), status=500)
    responses.add(responses.POST, MESSAGES_URL, json={}, status=503)

    result = send_code(locale="en")

    assert result.status == 503 and result.code == "SMS_UNAVAILABLE"
    assert result.headers["retry-after"]
    assert len(calls_to(TWILIO_URL)) == 3 and len(calls_to(MESSAGES_URL)) == 3
    assert otp_status().json == {"status": "none", "expires_in": 0, "attempts_left": 0, "resend_available_in": 0}
    responses.replace(responses.POST, TWILIO_URL, json=twilio_ok(), status=201)
    assert send_code(locale="en").status == 202  # no cooldown was left behind


@responses.activate
def test_a_resend_that_fails_leaves_the_old_code_dead_too(real_providers, sms_outbox):
    responses.add(responses.POST, TWILIO_URL, json=twilio_ok(), status=201)
    assert send_code(locale="en").status == 202
    dev_clock.advance(61)
    responses.replace(responses.POST, TWILIO_URL, json=twilio_error(20500, 500), status=500)
    responses.add(responses.POST, MESSAGES_URL, json={}, status=500)

    assert send_code(locale="en").code == "SMS_UNAVAILABLE"
    assert otp_status().json["status"] == "none"


# ---------------------------------------------------------------- delivery-status callbacks


def callback_event(form: dict[str, str], signature: str | None) -> dict:
    event = load_event("otp/twilio_delivery.json")
    event["body"] = base64.b64encode(urlencode(form).encode()).decode()
    event["isBase64Encoded"] = True
    event["headers"].pop("x-twilio-signature")
    if signature is not None:
        event["headers"]["x-twilio-signature"] = signature
    return event


def signed(form: dict[str, str], url: str = CALLBACK_URL, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, form)


@pytest.fixture
def sent_message(real_providers) -> str:
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, TWILIO_URL, json=twilio_ok("SM-delivery"), status=201)
        assert send_code(locale="en").status == 202
    return "SM-delivery"


def status_form(sid: str, status_: str, **extra: str) -> dict[str, str]:
    return {"AccountSid": SID, "MessageSid": sid, "MessageStatus": status_, "To": PHONE, "From": "Paylox", **extra}


def test_a_signed_status_callback_is_recorded_against_the_message(sent_message):
    form = status_form(sent_message, "undelivered", ErrorCode="30003")

    result = invoke(twilio_delivery, callback_event(form, signed(form)))

    assert result.status == 204
    row = MessageRow.get(MessageRow.key("twilio", sent_message))
    assert (row.status, row.error_code) == ("undelivered", "30003")


@pytest.mark.parametrize(
    "signature",
    [None, "", "forged", "SIGNED_WITH_ANOTHER_TOKEN", "SIGNED_FOR_ANOTHER_URL", "SIGNED_OTHER_FIELDS"],
)
def test_forged_or_unsigned_callbacks_are_refused(sent_message, signature):
    form = status_form(sent_message, "delivered")
    forgeries = {
        "SIGNED_WITH_ANOTHER_TOKEN": signed(form, token="not-our-token"),
        "SIGNED_FOR_ANOTHER_URL": signed(form, url="https://evil.example/api/otp/delivery/twilio"),
        "SIGNED_OTHER_FIELDS": signed({**form, "MessageStatus": "failed"}),
    }

    result = invoke(twilio_delivery, callback_event(form, forgeries.get(signature, signature)))

    assert result.status == 403 and result.code == "INVALID_SIGNATURE"
    assert MessageRow.get(MessageRow.key("twilio", sent_message)).status == "queued"


def test_the_configured_callback_url_is_what_gets_verified(sent_message, settings_env):
    configured = "https://hooks.paylox.com.tr/twilio/status"
    settings_env(TWILIO_STATUS_CALLBACK_URL=configured)
    form = status_form(sent_message, "delivered")

    assert invoke(twilio_delivery, callback_event(form, signed(form, url=configured))).status == 204
    assert invoke(twilio_delivery, callback_event(form, signed(form))).status == 403


def test_late_callbacks_never_move_the_status_backwards(sent_message):
    delivered, late_sent = status_form(sent_message, "delivered"), status_form(sent_message, "sent")

    invoke(twilio_delivery, callback_event(delivered, signed(delivered)))
    late = invoke(twilio_delivery, callback_event(late_sent, signed(late_sent)))

    assert late.status == 204
    assert MessageRow.get(MessageRow.key("twilio", sent_message)).status == "delivered"


def test_a_callback_for_an_unknown_message_is_acknowledged_and_ignored(real_providers):
    form = status_form("SM-never-sent", "delivered")

    assert invoke(twilio_delivery, callback_event(form, signed(form))).status == 204
    with pytest.raises(MessageRow.DoesNotExist):
        MessageRow.get(MessageRow.key("twilio", "SM-never-sent"))


def test_the_callback_route_needs_no_user_token(sent_message):
    form = status_form(sent_message, "delivered")
    event = callback_event(form, signed(form))

    assert "authorizer" not in event["requestContext"]
    assert invoke(twilio_delivery, event).status == 204
