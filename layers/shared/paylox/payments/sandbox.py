"""A payment gateway for development that behaves like the real one, without moving money.

It keeps its own record of payments, as Jetcheckout does, so the status query means something
locally: an attempt is recorded when a session is made, a payment when the buyer finishes (or
fails) it on the sandbox's page (the dev stack's ``POST /_dev/gateway/pay``), a refund when we
refund or the back office does (``POST /_dev/gateway/refund``). A webhook about a payment the
sandbox never recorded is therefore not confirmed, exactly as with the real gateway.

The record is a JSON-lines file named by ``PAYLOX_DEV_SANDBOX_GATEWAY`` (the dev stack puts it in
its state directory, so ``paylox invoke`` in another process sees the same payments); without it,
the record lives in this process. Lines are only ever appended, under a lock.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import timedelta
from typing import Any, Literal

from paylox import clock
from paylox.ids import new_id
from paylox.payments.base import (
    GatewayPaymentStatus,
    PaymentSession,
    RefundLedger,
    RefundRequest,
    RefundResult,
)
from paylox.payments.orders import refund_method
from paylox.values import frozen

SESSION_TTL = timedelta(minutes=30)
RECORD_ENV = "PAYLOX_DEV_SANDBOX_GATEWAY"
FOUND = "00200"
Outcome = Literal["succeeded", "failed"]

_lock = threading.Lock()
_memory: list[dict[str, Any]] = []  # the record when no file is configured


def _append(record: dict[str, Any]) -> None:
    record = {**record, "at": clock.now_iso()}
    path = os.environ.get(RECORD_ENV)
    with _lock:
        if not path:
            _memory.append(record)
            return
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def records() -> list[dict[str, Any]]:
    """Everything the sandbox recorded, oldest first."""
    path = os.environ.get(RECORD_ENV)
    with _lock:
        if not path:
            return list(_memory)
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]


def forget_all() -> None:
    """Empty the record (tests start from a gateway that knows no payment)."""
    path = os.environ.get(RECORD_ENV)
    with _lock:
        _memory.clear()
        if path and os.path.exists(path):
            os.remove(path)


@frozen
class Attempt:
    """A payment attempt the sandbox was asked to start (one ``create_session``)."""

    order_id: str
    transaction_id: str
    amount: int
    currency: str


@frozen
class Payment:
    """What the buyer did on the sandbox's page for one order."""

    order_id: str
    transaction_id: str
    gateway_transaction_id: str
    outcome: Outcome
    amount: int
    currency: str


def latest_attempt(transaction_id: str) -> Attempt | None:
    """The most recent attempt started for one of our transactions, or ``None``."""
    found = [r for r in records() if r["kind"] == "attempt" and r["transaction_id"] == transaction_id]
    if not found:
        return None
    last = found[-1]
    return Attempt(last["order_id"], transaction_id, int(last["amount"]), last["currency"])


def pay(
    transaction_id: str, outcome: Outcome, amount: int | None = None, gateway_transaction_id: str | None = None
) -> Payment | None:
    """The buyer finishes (or fails) the latest attempt of ``transaction_id`` on the sandbox's page;
    ``None`` when no attempt was ever started. ``amount`` defaults to the attempt's."""
    attempt = latest_attempt(transaction_id)
    if attempt is None:
        return None
    payment = Payment(
        order_id=attempt.order_id,
        transaction_id=transaction_id,
        gateway_transaction_id=gateway_transaction_id or new_id("sbx"),
        outcome=outcome,
        amount=attempt.amount if amount is None else amount,
        currency=attempt.currency,
    )
    _append({"kind": "payment", **payment.__dict__})
    return payment


def latest_payment(transaction_id: str) -> Payment | None:
    """The latest successful payment of any attempt of ``transaction_id`` (the one to refund)."""
    paid = [
        r
        for r in records()
        if r["kind"] == "payment" and r["transaction_id"] == transaction_id and r["outcome"] == "succeeded"
    ]
    if not paid:
        return None
    last = paid[-1]
    return Payment(**{key: last[key] for key in Payment.__dataclass_fields__})


def record_refund(order_id: str, amount: int, method: str, refund_id: str | None = None) -> str:
    """Money given back on ``order_id`` (by us, or at the gateway's back office); returns its id."""
    refund_id = refund_id or new_id("sbr")
    _append({"kind": "refund", "order_id": order_id, "refund_id": refund_id, "amount": amount, "method": method})
    return refund_id


def status_of(order_id: str) -> GatewayPaymentStatus:
    """What the sandbox knows of ``order_id``, in the gateway's terms (the last payment wins)."""
    history = [r for r in records() if r.get("order_id") == order_id]
    payments = [r for r in history if r["kind"] == "payment"]
    if not payments:
        return GatewayPaymentStatus(order_id=order_id, found=False, response_code="00404")
    last = payments[-1]
    refunds = [r for r in history if r["kind"] == "refund"]
    return GatewayPaymentStatus(
        order_id=order_id,
        found=True,
        response_code=FOUND,
        successful=last["outcome"] == "succeeded",
        completed=True,
        cancelled=any(r["method"] == "cancel" for r in refunds),
        amount=int(last["amount"]),
        currency=last["currency"],
        transaction_date=last["at"],
        gateway_transaction_id=last["gateway_transaction_id"],
        refunded_amount=sum(int(r["amount"]) for r in refunds),
    )


@frozen
class SandboxGateway:
    """The :class:`~paylox.payments.base.PaymentGateway` of development (module docstring)."""

    ledger: RefundLedger | None = None

    def create_session(
        self,
        *,
        transaction_id: str,
        amount: int,
        currency: str,
        description: str,
        buyer_email: str | None,
        order_id: str,
        card_token: str | None = None,
    ) -> PaymentSession:
        _append(
            {
                "kind": "attempt",
                "order_id": order_id,
                "transaction_id": transaction_id,
                "amount": amount,
                "currency": currency,
            }
        )
        return PaymentSession(
            session_id=order_id,
            payment_url=f"https://sandbox.jetcheckout.invalid/pay/{order_id}",
            expires_at=clock.isoformat(clock.now() + SESSION_TTL),
            order_id=order_id,
        )

    def payment_status(self, *, order_id: str) -> GatewayPaymentStatus:
        return status_of(order_id)

    def refund(self, request: RefundRequest) -> RefundResult:
        method = refund_method(request, clock.now())  # the same checks and choice as the gateway's
        done = self.ledger.claim(request, method) if self.ledger else None
        if done is not None:
            return done
        record_refund(request.order_id, request.amount, method, refund_id=request.intent_id)
        result = RefundResult(refund_id=request.intent_id, status="accepted", method=method, amount=request.amount)
        if self.ledger:
            self.ledger.settle(result)
        return result
