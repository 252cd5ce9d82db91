"""The event Jetcheckout posts, as we accept it once its signature has been verified."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from paylox.schema import ApiModel
from paylox.types import AmountKurus

EventType = Literal["payment.succeeded", "payment.failed", "payment.refunded"]
Route = Literal["success", "failure", "refund"]

#: Which event type each webhook route accepts.
ROUTE_EVENT_TYPES: dict[Route, EventType] = {
    "success": "payment.succeeded",
    "failure": "payment.failed",
    "refund": "payment.refunded",
}

ProviderId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_\-:.]+$")]


class EventData(ApiModel):
    model_config = ConfigDict(extra="ignore")

    # Any string: a reference we do not know is answered as an unknown transaction, not refused.
    transaction_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    payment_id: ProviderId
    amount: AmountKurus
    # Any ISO 4217 code: a currency other than the transaction's is an AMOUNT_MISMATCH, not a 422.
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None
    refund_id: ProviderId | None = None


class WebhookEvent(ApiModel):
    model_config = ConfigDict(extra="ignore")  # the provider may add fields without breaking us

    id: ProviderId
    type: EventType
    created: int = Field(strict=True, ge=0)
    data: EventData

    @property
    def refund_id(self) -> str:
        """The refund's id; a refund event without one is identified by the event id."""
        return self.data.refund_id or self.id


class CallbackEvent(ApiModel):
    """The server-to-server callback the public evidence shows (``{is_success, order_id,
    transaction_id}``, unsigned): accepted from the allowlisted addresses only, and only as a hint."""

    model_config = ConfigDict(extra="ignore")

    is_success: bool = Field(strict=True)
    order_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]  # ours
    transaction_id: ProviderId  # the gateway's

    @property
    def type(self) -> EventType:
        return "payment.succeeded" if self.is_success else "payment.failed"
