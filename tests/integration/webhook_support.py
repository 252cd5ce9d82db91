"""Sending Jetcheckout webhooks to the handlers the way the provider does, and the transactions
they act on."""

from __future__ import annotations

import base64
import json
from typing import Any

from functions.otp import send as otp_send
from functions.otp import verify as otp_verify
from functions.transactions import confirm, create, pay
from functions.webhooks import failure, refund, success
from paylox import clock, dev_outbox
from paylox.webhooks.signature import sign
from tests.apigw import BUYER, SELLER, HttpResult, api_event, invoke
from tests.sms import code_in, sms_to

SECRET = "test-webhook-secret"
PROVIDER_IP = "127.0.0.1"  # the template's default allowlist is loopback
HANDLERS = {"success": success, "failure": failure, "refund": refund}
ROUTE_OF = {"payment.succeeded": "success", "payment.failed": "failure", "payment.refunded": "refund"}

_counter = iter(range(1_000_000))


def event_body(
    event_type: str,
    transaction_id: str,
    *,
    event_id: str | None = None,
    amount: int = 150000,
    currency: str = "TRY",
    payment_id: str = "pay_1",
    **data: Any,
) -> bytes:
    """A provider event, serialised as the provider would send it."""
    document = {
        "id": event_id or f"evt_{next(_counter)}",
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
    return invoke(HANDLERS[route], event)


def send_event(event_type: str, transaction_id: str, **kwargs: Any) -> HttpResult:
    """A correctly signed delivery of a new event to the route of its type."""
    return deliver(ROUTE_OF[event_type], event_body(event_type, transaction_id, **kwargs))


def pending_transaction(amount: int = 150000) -> str:
    """A transaction the buyer has started paying: PAYMENT_PENDING."""
    created = invoke(
        create,
        api_event(
            "transactions/create.json",
            body={"seller_id": SELLER, "amount": amount, "currency": "TRY", "description": "Kamera"},
            sub=BUYER,
        ),
    )
    assert created.status == 201, created.raw
    txn_id = created.json["id"]
    paid = invoke(pay, api_event("transactions/pay.json", path={"id": txn_id}, sub=BUYER))
    assert paid.status == 200, paid.raw
    return str(txn_id)


def confirm_receipt(txn_id: str, phone: str = "+905551112233") -> HttpResult:
    """The buyer confirms with a fresh SMS code, as the app does (needs ``PAYLOX_DEV_OUTBOX`` set)."""
    otp = {"phone": phone, "purpose": "TRANSACTION_CONFIRMATION"}
    assert invoke(otp_send, api_event("otp/send.json", body=otp, sub=BUYER)).status == 202
    code = code_in(sms_to(dev_outbox.read_all(), phone)[-1]["body"])
    verified = invoke(otp_verify, api_event("otp/verify.json", body={**otp, "code": code}, sub=BUYER))
    token = verified.json["verification_token"]
    return invoke(
        confirm, api_event("transactions/confirm.json", path={"id": txn_id}, sub=BUYER, headers={"X-OTP-Token": token})
    )
