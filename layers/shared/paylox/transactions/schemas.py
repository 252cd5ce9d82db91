"""The transaction API's request and response models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from paylox.transactions.models import TransactionRow
from paylox.transactions.states import TxnStatus
from paylox.types import AmountKurus, Currency, ResourceId, Text, UserId


class CreateTransactionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seller_id: UserId
    amount: AmountKurus
    currency: Currency = "TRY"
    description: Text


class TimelineEntryOut(BaseModel):
    at: str
    status: TxnStatus
    event: str
    actor_id: str
    actor_role: str
    note: str | None = None


class PaymentOut(BaseModel):
    session_id: str | None = None
    payment_id: str | None = None
    payment_url: str | None = None
    failure_reason: str | None = None


class RefundOut(BaseModel):
    refund_id: str
    amount: int = Field(description="Amount in kuruş")
    at: str


class FlagOut(BaseModel):
    at: str
    kind: str
    detail: str
    status: str
    event_id: str | None = None
    event_type: str | None = None


class PaymentDeliveryOut(BaseModel):
    """One payment webhook delivery that named the transaction, as staff reconcile them."""

    delivery_id: str
    received_at: str
    route: str
    event_id: str | None = None
    event_type: str | None = None
    verification: str
    outcome: str | None = None
    detail: str | None = None
    answer_status: int | None = None
    confirmation: str | None = Field(
        default=None, description="What the gateway's status made of the hint: CONFIRMED, IGNORED, UNCONFIRMED, ..."
    )
    confirmation_detail: str | None = None


class TransactionOut(BaseModel):
    id: ResourceId
    status: TxnStatus
    buyer_id: str
    seller_id: str
    amount: int = Field(description="Amount in kuruş")
    currency: Currency
    description: str
    refunded_amount: int = 0
    created_at: str
    updated_at: str
    payment: PaymentOut | None = None
    refunds: list[RefundOut] = []
    timeline: list[TimelineEntryOut] = []
    flags: list[FlagOut] | None = Field(default=None, description="Staff only: anomalies to look at")
    payment_deliveries: list[PaymentDeliveryOut] | None = Field(
        default=None, description="Staff only: the payment webhooks received for this transaction"
    )

    @classmethod
    def from_row(cls, row: TransactionRow, *, with_timeline: bool = True, with_flags: bool = False) -> TransactionOut:
        return cls(
            id=row.id,
            status=TxnStatus(row.status),
            buyer_id=row.buyer_id,
            seller_id=row.seller_id,
            amount=int(row.amount),
            currency="TRY",
            description=row.description,
            refunded_amount=int(row.refunded_amount or 0),
            created_at=row.created_at,
            updated_at=row.updated_at,
            payment=PaymentOut(**row.payment.as_dict()) if row.payment else None,
            refunds=[
                RefundOut(refund_id=entry.refund_id, amount=int(entry.amount), at=entry.at)
                for entry in row.refunds or []
            ],
            timeline=[TimelineEntryOut(**entry.as_dict()) for entry in row.timeline] if with_timeline else [],
            flags=[FlagOut(**entry.as_dict()) for entry in row.flags or []] if with_flags else None,
        )


class PaymentSessionOut(BaseModel):
    transaction: TransactionOut
    session_id: str
    payment_url: str
    expires_at: str
