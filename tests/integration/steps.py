"""The steps integration tests share, each taken the way a user, the payment provider or AWS takes it:
through the HTTP handlers (or, where no route exists, the public service function), never by
writing rows or calling a state move directly. A step that must succeed asserts that it did, so a
broken "given" fails where it broke.

Sections: users, the payment provider's webhooks, OTP codes and tokens, transactions.
Domain-only steps live beside their tests (``disputes/steps.py``, ``document_steps.py``).

Steps that read an SMS code need the development outbox, which ``conftest.py`` gives every
integration test; steps that sign a webhook use :data:`SECRET`, which it also configures.
"""

from __future__ import annotations

import base64
import copy
import json
from itertools import count
from types import ModuleType
from typing import Any

from devstack import dev_clock
from devstack.lambda_context import LambdaContext
from functions.admin import users_suspend, users_unsuspend
from functions.otp import resend as otp_resend
from functions.otp import send as otp_send
from functions.otp import status as otp_status_handler
from functions.otp import verify as otp_verify
from functions.transactions import cancel, confirm, create, get, pay, ship
from functions.users import registered
from functions.webhooks import confirm_hint as confirm_function
from functions.webhooks import failure, refund, success
from paylox import clock
from paylox.config import get_settings
from paylox.otp.captcha import DEV_CAPTCHA_TOKEN
from paylox.otp.phones import same_number
from paylox.payments import sandbox
from paylox.users.models import UserProfile, UserStatus
from paylox.users.service import find_profile
from paylox.webhooks.signature import sign
from tests.apigw import ADMIN, BUYER, SELLER, HttpResult, api_event, invoke, load_event
from tests.sms import SmsOutbox


# ------------------------------------------------------------------------------------ users
def register(
    user_id: str,
    *,
    email: str | None = ...,  # type: ignore[assignment]
    email_verified: bool = True,
    phone: str | None = None,
    locale: str | None = "tr",
) -> dict[str, Any]:
    """``user_id`` confirms their sign-up: the user pool's PostConfirmation event (as
    ``events/users/registered.json``) through the registration function, which must hand it back
    unchanged. ``email`` defaults to ``<user_id>@example.com``; ``None`` leaves an attribute out."""
    event = load_event("users/registered.json")
    attributes = {"sub": user_id, "cognito:user_status": "CONFIRMED"}
    address = f"{user_id}@example.com" if email is ... else email
    if address:
        attributes.update(email=address, email_verified="true" if email_verified else "false")
    if phone:
        attributes.update(phone_number=phone, phone_number_verified="false")
    if locale:
        attributes["locale"] = locale
    event["userName"] = user_id
    event["request"]["userAttributes"] = attributes
    sent = copy.deepcopy(event)
    returned = registered.handler(event, LambdaContext(function_name="UserRegisteredFunction"))
    assert returned == sent, "Cognito needs the event back unchanged"
    return sent


def profile(user_id: str) -> UserProfile:
    """``user_id``'s profile as stored (the test fails for someone who has none)."""
    found = find_profile(user_id, consistent=True)
    assert found is not None, f"{user_id} has no profile"
    return found


def suspend(user_id: str, *, suspended: bool = True, by: str = ADMIN) -> HttpResult:
    """Admin ``by`` suspends ``user_id`` (or lifts the suspension) through the admin route."""
    name = "users_suspend" if suspended else "users_unsuspend"
    module = users_unsuspend if not suspended else users_suspend
    reason = "Suspicious payments under review" if suspended else "Payments explained by the card holder"
    event = api_event(f"admin/{name}.json", path={"id": user_id}, body={"reason": reason}, sub=by, groups=("admin",))
    result = invoke(module, event)
    assert result.status == 200, result.raw
    assert result.json["status"] == (UserStatus.SUSPENDED if suspended else UserStatus.ACTIVE)
    return result


# ------------------------------------------------------------------------------------ payment provider
SECRET = "test-webhook-secret"  # JETCHECKOUT_WEBHOOK_SECRET of every integration test
PROVIDER_IP = "127.0.0.1"  # the template's default allowlist is loopback
WEBHOOK_HANDLERS: dict[str, ModuleType] = {"success": success, "failure": failure, "refund": refund}
ROUTE_OF = {"payment.succeeded": "success", "payment.failed": "failure", "payment.refunded": "refund"}

_event_ids = count()


def event_body(
    event_type: str,
    transaction_id: str,
    *,
    event_id: str | None = None,
    amount: int = 150_000,
    currency: str = "TRY",
    payment_id: str = "pay_1",
    **data: Any,
) -> bytes:
    """A provider event, serialised as the provider would send it."""
    document = {
        "id": event_id or f"evt_{next(_event_ids)}",
        "type": event_type,
        "created": clock.timestamp(),
        "data": {
            "transaction_id": transaction_id,
            "payment_id": payment_id,
            "amount": amount,
            "currency": currency,
            **data,
        },
    }
    return json.dumps(document, separators=(",", ":")).encode("utf-8")


def deliver(
    route: str,
    body: bytes,
    *,
    secrets: tuple[str, ...] = (SECRET,),
    timestamp: int | None = None,
    signature: str | None = ...,  # type: ignore[assignment]
    source_ip: str = PROVIDER_IP,
    base64_body: bool = False,
) -> HttpResult:
    """POST ``body`` to the webhook ``route``, signed with ``secrets`` at ``timestamp`` (now), unless
    an explicit ``signature`` header (or ``None`` for none) is given. Like API Gateway, a body that
    is not UTF-8 arrives base64-encoded."""
    if signature is ...:
        signature = sign(body, secrets, clock.timestamp() if timestamp is None else timestamp)
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        base64_body = True
    event = api_event(
        f"webhooks/{route}.json",
        body=body.decode("utf-8") if not base64_body else base64.b64encode(body).decode("ascii"),
        sub=None,
        source_ip=source_ip,
    )
    event["isBase64Encoded"] = base64_body
    event["headers"].pop("x-jetcheckout-signature", None)
    if signature is not None:
        event["headers"]["x-jetcheckout-signature"] = signature
    return invoke(WEBHOOK_HANDLERS[route], event)


def confirm_hint(delivery_id: str) -> str:
    """PaymentConfirmFunction runs for the stored hint, as the bus triggers it seconds after the
    delivery: the gateway's status is asked and applied. Returns what became of the hint."""
    event = load_event("webhooks/confirm_hint.json")
    event["detail"]["delivery_id"] = delivery_id
    result: dict[str, str] = confirm_function.handler(event, LambdaContext(function_name="PaymentConfirmFunction"))
    return result["outcome"]


def deliver_and_confirm(route: str, body: bytes, **kwargs: Any) -> tuple[HttpResult, str | None]:
    """:func:`deliver`, then the confirmation of the hint it stored (``None`` when none was stored:
    refused, a duplicate, an unknown transaction)."""
    result = deliver(route, body, **kwargs)
    stored = result.status == 200 and not result.json.get("duplicate") and not result.json.get("unknown_transaction")
    return result, confirm_hint(str(result.json["delivery_id"])) if stored else None


def send_and_confirm(event_type: str, transaction_id: str, **kwargs: Any) -> tuple[HttpResult, str | None]:
    """What the gateway does, then tells us: it records the payment (its outcome, amount and
    ``payment_id``) or the refund, posts the correctly signed event to the route of its type, and
    the hint is confirmed with its status query. A refund of a payment the gateway never took, or
    an event about a transaction with no payment attempt, is only posted (an unconfirmed hint).
    Returns the webhook's answer and what the confirmation made of the hint."""
    body = event_body(event_type, transaction_id, **kwargs)
    data = json.loads(body)["data"]
    if event_type == "payment.refunded":
        paid = sandbox.latest_payment(transaction_id)
        if paid is not None:
            sandbox.record_refund(paid.order_id, data["amount"], "refund", refund_id=data.get("refund_id"))
    elif sandbox.latest_attempt(transaction_id) is not None:
        outcome: sandbox.Outcome = "succeeded" if event_type == "payment.succeeded" else "failed"
        sandbox.pay(transaction_id, outcome, data["amount"], data["payment_id"])
    return deliver_and_confirm(ROUTE_OF[event_type], body)


def send_event(event_type: str, transaction_id: str, **kwargs: Any) -> HttpResult:
    """:func:`send_and_confirm`, for the webhook's answer."""
    return send_and_confirm(event_type, transaction_id, **kwargs)[0]


def last_confirmation(transaction_id: str) -> tuple[str | None, str | None]:
    """What the confirmation made of the latest hint about the transaction (staff's view)."""
    latest = staff_view(transaction_id)["payment_deliveries"][-1]
    return latest["confirmation"], latest["confirmation_detail"]


def gateway_pays(
    txn_id: str, outcome: sandbox.Outcome = "succeeded", amount: int | None = None, *, payment_id: str | None = None
) -> sandbox.Payment:
    """The buyer finishes (or fails) the latest payment attempt on the sandbox gateway's page: the
    gateway records it (``payment_id`` is its transaction id), no webhook yet."""
    payment = sandbox.pay(txn_id, outcome, amount, payment_id)
    assert payment is not None, f"no payment attempt was started for {txn_id}"
    return payment


# ------------------------------------------------------------------------------------ OTP
PHONE = "+905551112233"  # the phone every standard user registered with (unverified) and the fixtures' claim
VERIFY_PHONE = "PHONE_VERIFICATION"
CONFIRM_TXN = "TRANSACTION_CONFIRMATION"
CHANGE_PHONE = "PHONE_CHANGE"


def _otp_body(phone: str | None, purpose: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {**({"phone": phone} if phone is not None else {}), "purpose": purpose, **extra}


def send_code(
    phone: str | None = PHONE,
    purpose: str = VERIFY_PHONE,
    sub: str = BUYER,
    source_ip: str | None = None,
    headers: dict[str, str] | None = None,
    groups: tuple[str, ...] = (),
    **extra: Any,
) -> HttpResult:
    """``sub`` (in Cognito ``groups``) asks for an SMS code to ``phone`` (``None``: no phone in the
    body); ``extra``: ``transaction_id``, ``action``, ``locale``, ``captcha_token``..."""
    body = _otp_body(phone, purpose, extra)
    event = api_event("otp/send.json", body=body, sub=sub, source_ip=source_ip, headers=headers, groups=groups)
    return invoke(otp_send, event)


def resend_code(phone: str | None = PHONE, purpose: str = VERIFY_PHONE, sub: str = BUYER, **extra: Any) -> HttpResult:
    return invoke(otp_resend, api_event("otp/resend.json", body=_otp_body(phone, purpose, extra), sub=sub))


def verify_code(
    code: str,
    phone: str | None = PHONE,
    purpose: str = VERIFY_PHONE,
    sub: str = BUYER,
    groups: tuple[str, ...] = (),
    **extra: Any,
) -> HttpResult:
    """``sub`` types ``code`` (``extra``: ``transaction_id``, ``action``, ``new_code``)."""
    body = _otp_body(phone, purpose, {"code": code, **extra})
    return invoke(otp_verify, api_event("otp/verify.json", body=body, sub=sub, groups=groups))


def otp_status(phone: str = PHONE, purpose: str = VERIFY_PHONE, sub: str = BUYER) -> HttpResult:
    return invoke(otp_status_handler, api_event("otp/status.json", query={"phone": phone, "purpose": purpose}, sub=sub))


def wait_out_cooldown() -> None:
    """Let the per-number resend cooldown pass, as a user reading an SMS would."""
    dev_clock.advance(get_settings().otp_resend_cooldown_seconds)


def captcha_for(sub: str, phone: str | None) -> dict[str, str]:
    """What the app adds when the server asks for a captcha: always for a code to a number that is
    not on ``sub``'s account (the dev stack's documented token stands for a solved captcha)."""
    on_account = phone is None or same_number(profile(sub).phone, phone)
    return {} if on_account else {"captcha_token": DEV_CAPTCHA_TOKEN}


def verification_token(
    purpose: str = VERIFY_PHONE, *, sub: str = BUYER, phone: str | None = PHONE, **extra: Any
) -> str:
    """What a user's app does: ask for an SMS code for ``purpose``, read it off the phone (``phone``,
    or the account's verified phone when ``None``), verify it. The cooldown is waited out after."""
    sent = send_code(phone, purpose, sub, **{**captcha_for(sub, phone), **extra})
    assert sent.status == 202, sent.raw
    verified = verify_code(SmsOutbox().last_code(phone or profile(sub).phone or ""), phone, purpose, sub, **extra)
    assert verified.status == 200, verified.raw
    wait_out_cooldown()
    return str(verified.json["verification_token"])


def verify_phone(sub: str = BUYER, phone: str = PHONE) -> None:
    """``sub`` proves ``phone`` by SMS (``PHONE_VERIFICATION``): their verified phone from now on."""
    verification_token(VERIFY_PHONE, sub=sub, phone=phone)
    assert profile(sub).phone == phone and profile(sub).phone_verified


def confirmation_token(txn_id: str, sub: str = BUYER, phone: str = PHONE) -> str:
    """What the buyer's app does before confirming receipt of ``txn_id``: a code to the account's
    verified phone, bound to the transaction and the amount it would release, verified. ``phone``
    is verified first (``PHONE_VERIFICATION``) if the account has no verified phone yet."""
    if not profile(sub).phone_verified:
        verify_phone(sub, phone)
    return verification_token(CONFIRM_TXN, sub=sub, phone=None, transaction_id=txn_id)


def change_phone(new_phone: str, sub: str = BUYER) -> None:
    """``sub`` replaces their verified phone (``PHONE_CHANGE``) with the codes sent to both numbers."""
    current = profile(sub).phone
    assert current and profile(sub).phone_verified, f"{sub} has no verified phone to change"
    sent = send_code(new_phone, CHANGE_PHONE, sub, **captcha_for(sub, new_phone))
    assert sent.status == 202, sent.raw
    outbox = SmsOutbox()
    changed = verify_code(outbox.last_code(current), new_phone, CHANGE_PHONE, sub, new_code=outbox.last_code(new_phone))
    assert changed.status == 200, changed.raw
    wait_out_cooldown()


# ------------------------------------------------------------------------------------ transactions
_TRANSACTION_HANDLERS: dict[str, ModuleType] = {
    "get": get,
    "pay": pay,
    "ship": ship,
    "cancel": cancel,
    "confirm": confirm,
}


def act(name: str, txn_id: str, sub: str = BUYER, *, headers: dict[str, str] | None = None) -> HttpResult:
    """``sub`` calls the transaction endpoint ``name`` (``get``, ``pay``, ``ship``, ``cancel``, ``confirm``)."""
    event = api_event(f"transactions/{name}.json", path={"id": txn_id}, sub=sub, headers=headers)
    return invoke(_TRANSACTION_HANDLERS[name], event)


def new_transaction(
    amount: int = 150_000, *, buyer: str = BUYER, seller: str = SELLER, description: str = "Kamera"
) -> dict[str, Any]:
    """``buyer`` opens a transaction with ``seller`` (CREATED); returns it as the API shows it."""
    body = {"seller_id": seller, "amount": amount, "currency": "TRY", "description": description}
    created = invoke(create, api_event("transactions/create.json", body=body, sub=buyer))
    assert created.status == 201, created.raw
    return dict(created.json)


def pending_transaction(amount: int = 150_000, *, buyer: str = BUYER) -> str:
    """A transaction between ``buyer`` and SELLER the buyer has started paying: PAYMENT_PENDING."""
    txn_id = str(new_transaction(amount, buyer=buyer)["id"])
    paid = act("pay", txn_id, buyer)
    assert paid.status == 200, paid.raw
    return txn_id


def fund(txn_id: str, amount: int = 150_000, *, payment_id: str = "pay_1") -> None:
    """The buyer pays ``amount`` on the gateway's page, the gateway's signed webhook says so, and the
    gateway's own status confirms it: FUNDED."""
    gateway_pays(txn_id, "succeeded", amount, payment_id=payment_id)
    event = event_body("payment.succeeded", txn_id, amount=amount, payment_id=payment_id)
    result, outcome = deliver_and_confirm("success", event)
    assert result.status == 200 and outcome == "CONFIRMED", (result.raw, outcome)


def funded_transaction(
    amount: int = 150_000, *, payment_id: str = "pay_1", shipped: bool = False, buyer: str = BUYER
) -> str:
    """A transaction whose money is in escrow: the buyer paid, the gateway's webhook said so and its
    status confirmed it (FUNDED), and, if ``shipped``, the seller has shipped (SHIPPED)."""
    txn_id = pending_transaction(amount, buyer=buyer)
    fund(txn_id, amount, payment_id=payment_id)
    if shipped:
        sent = act("ship", txn_id, SELLER)
        assert sent.status == 200, sent.raw
    return txn_id


def shipped_transaction(amount: int = 150_000, *, buyer: str = BUYER) -> str:
    """A funded transaction the seller has shipped: SHIPPED."""
    return funded_transaction(amount, shipped=True, buyer=buyer)


def confirm_with(txn_id: str, token: str | None, sub: str = BUYER) -> HttpResult:
    """``sub`` confirms receipt, with ``token`` (from :func:`confirmation_token`) as X-OTP-Token."""
    return act("confirm", txn_id, sub, headers={"X-OTP-Token": token} if token else None)


def confirm_receipt(txn_id: str) -> HttpResult:
    """The buyer confirms receipt with a fresh SMS code, as the app does."""
    return confirm_with(txn_id, confirmation_token(txn_id))


def completed_transaction(amount: int = 150_000) -> str:
    """A transaction the buyer confirmed receipt of with their SMS code: COMPLETED."""
    txn_id = shipped_transaction(amount)
    done = confirm_receipt(txn_id)
    assert done.status == 200, done.raw
    return txn_id


def staff_view(txn_id: str) -> dict[str, Any]:
    """The transaction as staff see it (payment, refunds, flags, webhooks included)."""
    result = invoke(get, api_event("transactions/get.json", path={"id": txn_id}, sub=ADMIN, groups=("admin",)))
    assert result.status == 200, result.raw
    return dict(result.json)


def status_of(txn_id: str) -> str:
    return str(staff_view(txn_id)["status"])
