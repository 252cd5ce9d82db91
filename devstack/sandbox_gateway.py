"""The sandbox gateway's buyer and back office, for the dev stack and the tests.

``POST /_dev/gateway/pay`` plays the buyer finishing (or failing) the latest payment attempt on the
sandbox's page; ``POST /_dev/gateway/refund`` a refund made at the gateway's back office. Each is
recorded in the sandbox's own record (:mod:`paylox.payments.sandbox`), so the status query the
confirming function makes finds it, and then, unless ``deliver`` is false, the signed webhook of
our contract is sent as the gateway would (``send``: through the dev stack's HTTP front, or
straight to the handler in the integration tests). docs/devstack.md describes both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from paylox import clock
from paylox.ids import new_id
from paylox.payments import sandbox
from paylox.secrets import get_secret
from paylox.webhooks.signature import sign

PAY_PATH, REFUND_PATH = "/_dev/gateway/pay", "/_dev/gateway/refund"
#: ``send(route, body, signature_header)`` delivers a webhook; the HTTP status it was answered with.
Send = Callable[[str, bytes, str], int]


class PayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    transaction_id: str = Field(min_length=1, max_length=128)
    outcome: sandbox.Outcome
    amount: int | None = Field(default=None, gt=0, strict=True)
    deliver: bool = True


class RefundRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    transaction_id: str = Field(min_length=1, max_length=128)
    amount: int = Field(gt=0, strict=True)
    deliver: bool = True


class GatewayRefusal(Exception):
    """An answer the sandbox gives with a stable code (``409 NO_PAYMENT_ATTEMPT``, ...)."""

    def __init__(self, status: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.extra = status, code, detail, extra

    def problem(self) -> dict[str, Any]:
        title = self.code.replace("_", " ").capitalize()
        return {"title": title, "status": self.status, "code": self.code, "detail": self.detail, **self.extra}


def parse[M: BaseModel](model: type[M], body: bytes) -> M:
    """The request, or a ``GatewayRefusal`` (400 MALFORMED_JSON, 422 VALIDATION_ERROR)."""
    try:
        document = json.loads(body or b"null")
    except ValueError:
        raise GatewayRefusal(400, "MALFORMED_JSON", "The request body is not valid JSON.") from None
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        errors = [{"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]
        raise GatewayRefusal(422, "VALIDATION_ERROR", "The request did not pass validation.", errors=errors) from None


def pay(request: PayRequest, send: Send) -> dict[str, Any]:
    """The buyer pays (or fails) the latest attempt; the webhook follows unless ``deliver`` is false."""
    payment = sandbox.pay(request.transaction_id, request.outcome, request.amount)
    if payment is None:
        raise GatewayRefusal(409, "NO_PAYMENT_ATTEMPT", "No payment was ever started for this transaction.")
    kind = "payment.succeeded" if payment.outcome == "succeeded" else "payment.failed"
    data = _data(payment, payment.amount, reason=None if payment.outcome == "succeeded" else "declined by the bank")
    delivered = request.deliver and _deliver(
        send, "success" if payment.outcome == "succeeded" else "failure", kind, data
    )
    return {
        "order_id": payment.order_id,
        "gateway_transaction_id": payment.gateway_transaction_id,
        "delivered": delivered,
    }


def refund(request: RefundRequest, send: Send) -> dict[str, Any]:
    """A refund made at the gateway's back office; the webhook follows unless ``deliver`` is false."""
    payment = sandbox.latest_payment(request.transaction_id)
    if payment is None:
        raise GatewayRefusal(409, "NO_PAYMENT", "The sandbox has no successful payment for this transaction.")
    returned = sandbox.status_of(payment.order_id).refunded_amount or 0
    if request.amount > payment.amount - returned:
        raise GatewayRefusal(409, "REFUND_EXCEEDS_CAPTURED", "The refund is larger than what remains of the payment.")
    refund_id = sandbox.record_refund(payment.order_id, request.amount, "refund")
    data = _data(payment, request.amount, refund_id=refund_id)
    delivered = request.deliver and _deliver(send, "refund", "payment.refunded", data)
    return {"refund_id": refund_id, "gateway_transaction_id": payment.gateway_transaction_id, "delivered": delivered}


def _data(payment: sandbox.Payment, amount: int, **extra: str | None) -> dict[str, Any]:
    return {
        "transaction_id": payment.transaction_id,
        "payment_id": payment.gateway_transaction_id,  # the gateway's transaction id
        "amount": amount,
        "currency": payment.currency,
        **{key: value for key, value in extra.items() if value is not None},
    }


def _deliver(send: Send, route: str, kind: str, data: dict[str, Any]) -> bool:
    event = {"id": new_id("evt"), "type": kind, "created": clock.timestamp(), "data": data}
    body = json.dumps(event, separators=(",", ":")).encode("utf-8")
    signature = sign(body, [get_secret("JETCHECKOUT_WEBHOOK_SECRET")], clock.timestamp())
    status = send(route, body, signature)
    return 200 <= status < 300
