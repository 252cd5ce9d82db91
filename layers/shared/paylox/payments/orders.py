"""Our side of a gateway payment: order ids, the cancel-or-refund rule and an in-memory ledger.

Pure functions and a small in-process ledger, shared by every gateway implementation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from threading import Lock
from zoneinfo import ZoneInfo

from paylox.payments.base import RefundMethod, RefundRequest, RefundResult
from paylox.payments.errors import RefundExceedsCaptured, RefundInDoubt

#: Payments' days, and so the cancel window, are Turkish days.
ISTANBUL = ZoneInfo("Europe/Istanbul")
_SEPARATOR = "-"  # never part of our ids (``txn_<ULID>``)


def order_id_for(transaction_id: str, attempt: int) -> str:
    """The gateway ``order_id`` of payment attempt ``attempt`` (1, 2, ...) of a transaction: new per
    attempt (the gateway refuses a reused one, and a failed payment is retried under a new one) and
    readable back with :func:`transaction_of_order`."""
    if attempt < 1:
        raise ValueError("attempts count from 1")
    return f"{transaction_id}{_SEPARATOR}{attempt}"


def transaction_of_order(order_id: str) -> tuple[str, int] | None:
    """``(transaction id, attempt)`` of one of our order ids; ``None`` for anything else."""
    transaction_id, separator, attempt = order_id.rpartition(_SEPARATOR)
    if not separator or not transaction_id or not attempt.isdigit() or attempt.startswith("0"):
        return None
    return transaction_id, int(attempt)


def istanbul_day(moment: datetime) -> date:
    """The Turkish calendar day of an aware ``moment``."""
    if moment.tzinfo is None:
        raise ValueError("a payment time must be timezone-aware")
    return moment.astimezone(ISTANBUL).date()


def refund_method(request: RefundRequest, now: datetime) -> RefundMethod:
    """``cancel`` (no fees) only for the whole, untouched payment on the day it was made, Turkish
    time; ``refund`` for a part, or from the next day on. Checks the amount against what remains."""
    remaining = request.captured_amount - request.refunded_amount
    if request.amount <= 0 or request.amount > remaining:
        raise RefundExceedsCaptured()
    whole = request.refunded_amount == 0 and request.amount == request.captured_amount
    return "cancel" if whole and istanbul_day(request.paid_at) == istanbul_day(now) else "refund"


@dataclass
class InMemoryRefundLedger:
    """A :class:`~paylox.payments.base.RefundLedger` that lives as long as its process: it stops a
    warm function from refunding twice, not a retry in another execution environment. The durable
    ledger (the transactions store) replaces it wherever refunds are retried across invocations."""

    _claimed: dict[str, RefundResult | None] = field(default_factory=dict)
    _lock: Lock = field(default_factory=Lock)

    def claim(self, request: RefundRequest, method: RefundMethod) -> RefundResult | None:
        with self._lock:
            if request.intent_id in self._claimed:
                settled = self._claimed[request.intent_id]
                if settled is None:
                    raise RefundInDoubt(intent_id=request.intent_id)
                return settled
            self._claimed[request.intent_id] = None
            return None

    def settle(self, result: RefundResult) -> None:
        with self._lock:
            self._claimed[result.refund_id] = result

    def release(self, intent_id: str) -> None:
        with self._lock:
            if self._claimed.get(intent_id, None) is None:
                self._claimed.pop(intent_id, None)
