"""The transaction API's request and response models."""

from datetime import date
from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from paylox.errors import InvalidRequest
from paylox.schema import ApiModel
from paylox.transactions.listing import TxnFilter
from paylox.transactions.models import TransactionRow
from paylox.transactions.states import TxnStatus
from paylox.types import AmountKurus, Currency, ResourceId, Text, UserId


class CreateTransactionRequest(ApiModel):
    model_config = ConfigDict(extra="forbid")

    seller_id: UserId
    amount: AmountKurus
    currency: Currency = "TRY"
    description: Text


OverrideActionName = Literal["MARK_FUNDED", "MARK_FAILED", "RELEASE", "REFUND", "CANCEL"]


class OverrideRequest(ApiModel):
    """An admin's override of a transaction's state (docs/admin.md)."""

    model_config = ConfigDict(extra="forbid")

    action: OverrideActionName
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=500)]
    amount: AmountKurus | None = Field(default=None, description="REFUND only: a partial refund of this many kuruş")
    payment_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = Field(
        default=None, description="MARK_FUNDED only: the provider's payment id, if the gateway does not say it"
    )

    @model_validator(mode="after")
    def _fits_the_action(self) -> Self:
        if self.amount is not None and self.action != "REFUND":
            raise ValueError("amount is only for REFUND")
        if self.payment_id is not None and self.action != "MARK_FUNDED":
            raise ValueError("payment_id is only for MARK_FUNDED")
        return self


class TimelineEntryOut(ApiModel):
    at: str
    status: TxnStatus
    event: str
    actor_id: str
    actor_role: str
    note: str | None = None


class PaymentOut(ApiModel):
    session_id: str | None = None
    payment_id: str | None = None
    payment_url: str | None = None
    failure_reason: str | None = None


class RefundOut(ApiModel):
    refund_id: str
    amount: int = Field(description="Amount in kuruş")
    at: str


class FlagOut(ApiModel):
    at: str
    kind: str
    detail: str
    status: str
    event_id: str | None = None
    event_type: str | None = None


class PaymentDeliveryOut(ApiModel):
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


class TransactionOut(ApiModel):
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
    refunds: list[RefundOut] = Field(default=[])
    timeline: list[TimelineEntryOut] = Field(default=[])
    flags: list[FlagOut] | None = Field(default=None, description="Staff only: anomalies to look at")
    payment_deliveries: list[PaymentDeliveryOut] | None = Field(
        default=None, description="Staff only: the payment webhooks received for this transaction"
    )

    @classmethod
    def from_row(cls, row: TransactionRow, *, with_timeline: bool = True, with_flags: bool = False) -> "TransactionOut":
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


class PaymentSessionOut(ApiModel):
    transaction: TransactionOut
    session_id: str
    payment_url: str
    expires_at: str


#: The back office's status filter, a list parameter
#: (``status: Annotated[Statuses | None, Query(description=STATUSES)] = None``): HTTP API hands a
#: repeated parameter over comma-joined and Powertools reads it as a list, so ``status=A&status=B``
#: and ``status=A,B`` are alike. Names, not ``TxnStatus``: a well-formed name that is no status is
#: ``400 INVALID_REQUEST`` (``filters``), not a 422.
Statuses = list[Annotated[str, StringConstraints(pattern=r"^[A-Z_]+$")]]
STATUSES = "One status, or several (repeat the parameter or separate them with commas)"


class TransactionListQuery(ApiModel):
    """The back office's transaction filters (list and export) but the status; every combination
    is served by an index (:mod:`paylox.transactions.listing`)."""

    model_config = ConfigDict(extra="forbid")

    from_: date | None = Field(default=None, alias="from", description="Created on or after (Istanbul date)")
    to: date | None = Field(default=None, description="Created on or before (Istanbul date)")
    buyer_id: UserId | None = None
    seller_id: UserId | None = None
    user_id: UserId | None = Field(default=None, description="Either party")
    min_amount: int | None = Field(default=None, ge=0, description="Kuruş")
    max_amount: int | None = Field(default=None, ge=0, description="Kuruş")

    def filters(self, statuses: list[str] | None = None) -> TxnFilter:
        """These filters and the ``statuses`` asked for, as the listing plans them;
        ``400 INVALID_REQUEST`` for an unknown status or a range that ends before it starts."""
        names = statuses or []
        unknown = [name for name in names if name not in TxnStatus.__members__]
        if unknown:
            raise InvalidRequest(reason=f"unknown status {', '.join(unknown)}")
        return TxnFilter(
            statuses=tuple(dict.fromkeys(TxnStatus(name) for name in names)),
            from_date=self.from_,
            to_date=self.to,
            buyer_id=self.buyer_id,
            seller_id=self.seller_id,
            user_id=self.user_id,
            min_amount=self.min_amount,
            max_amount=self.max_amount,
        )


class ClearRefundHoldRequest(ApiModel):
    """An admin resolves a refund hold left in doubt (docs/admin.md)."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=500)]
    gateway_says: Literal["REFUNDED", "NOT_REFUNDED"] | None = Field(
        default=None,
        description="What the gateway's back office shows, used only when its status query cannot tell",
    )
