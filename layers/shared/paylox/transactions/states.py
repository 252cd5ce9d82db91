"""The escrow state machine, as data: which move is allowed from where, and what it announces.

CREATED → PAYMENT_PENDING → FUNDED → SHIPPED → COMPLETED
PAYMENT_PENDING → FAILED → PAYMENT_PENDING (pay again)
CREATED | PAYMENT_PENDING | FAILED → CANCELLED
CANCELLED: a payment arriving late is refunded (the status stays)
FUNDED | SHIPPED → DISPUTED → COMPLETED | REFUNDED
FUNDED | SHIPPED → REFUNDED
"""

from __future__ import annotations

from enum import StrEnum

from paylox.statemachine import Move, move


class TxnStatus(StrEnum):
    CREATED = "CREATED"
    PAYMENT_PENDING = "PAYMENT_PENDING"
    FUNDED = "FUNDED"
    FAILED = "FAILED"
    SHIPPED = "SHIPPED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    DISPUTED = "DISPUTED"
    REFUNDED = "REFUNDED"


def _move(name: str, sources: set[TxnStatus], target: TxnStatus | None, event: str) -> Move[TxnStatus]:
    return move(name, sources, target, audit=f"TRANSACTION_{name.upper()}", event=event)


S = TxnStatus
PAY = _move("pay", {S.CREATED, S.FAILED}, S.PAYMENT_PENDING, "TransactionPaymentStarted")
FUND = _move("fund", {S.PAYMENT_PENDING}, S.FUNDED, "TransactionFunded")
FAIL = _move("fail", {S.PAYMENT_PENDING}, S.FAILED, "TransactionPaymentFailed")
SHIP = _move("ship", {S.FUNDED}, S.SHIPPED, "TransactionShipped")
CONFIRM = _move("confirm", {S.SHIPPED}, S.COMPLETED, "TransactionCompleted")
CANCEL = _move("cancel", {S.CREATED, S.PAYMENT_PENDING, S.FAILED}, S.CANCELLED, "TransactionCancelled")
DISPUTE = _move("dispute", {S.FUNDED, S.SHIPPED}, S.DISPUTED, "TransactionDisputed")
RELEASE = _move("release", {S.DISPUTED}, S.COMPLETED, "TransactionCompleted")
REFUND = _move("refund", {S.FUNDED, S.SHIPPED, S.DISPUTED}, S.REFUNDED, "TransactionRefunded")
#: Money returned without a move: a partial refund, or the provider confirming a refund whose
#: move was already made. The status stays.
PARTIAL_REFUND = move(
    "partial_refund",
    {S.FUNDED, S.SHIPPED, S.DISPUTED, S.REFUNDED},
    None,
    audit="TRANSACTION_PARTIAL_REFUND",
    event="TransactionPartiallyRefunded",
)
#: A payment arrived after the buyer cancelled: its automatic refund is decided (one request
#: claims it), then recorded once the gateway accepted it. The status stays CANCELLED.
LATE_PAYMENT = move("late_payment", {S.CANCELLED}, None, audit="TRANSACTION_LATE_PAYMENT")
LATE_PAYMENT_REFUND = move(
    "late_payment_refund",
    {S.CANCELLED},
    None,
    audit="TRANSACTION_LATE_PAYMENT_REFUNDED",
    event="TransactionLatePaymentRefunded",
)

TERMINAL = frozenset({S.COMPLETED, S.CANCELLED, S.REFUNDED})


def _override(action: str, sources: set[TxnStatus], target: TxnStatus | None, event: str) -> Move[TxnStatus]:
    return move(f"override_{action.lower()}", sources, target, audit=f"TRANSACTION_OVERRIDE_{action}", event=event)


#: An admin's overrides (``PUT /api/admin/transactions/{id}/override``), each announced with the
#: usual event of its move and ``TransactionOverridden``. Never from DISPUTED: the dispute decides.
OVERRIDES: dict[str, Move[TxnStatus]] = {
    "MARK_FUNDED": _override("MARK_FUNDED", {S.PAYMENT_PENDING, S.FAILED}, S.FUNDED, "TransactionFunded"),
    "MARK_FAILED": _override("MARK_FAILED", {S.PAYMENT_PENDING}, S.FAILED, "TransactionPaymentFailed"),
    "RELEASE": _override("RELEASE", {S.FUNDED, S.SHIPPED}, S.COMPLETED, "TransactionCompleted"),
    "REFUND": _override("REFUND", {S.FUNDED, S.SHIPPED}, S.REFUNDED, "TransactionRefunded"),
    "PARTIAL_REFUND": _override("PARTIAL_REFUND", {S.FUNDED, S.SHIPPED}, None, "TransactionPartiallyRefunded"),
    "CANCEL": _override("CANCEL", {S.CREATED, S.PAYMENT_PENDING, S.FAILED}, S.CANCELLED, "TransactionCancelled"),
}
