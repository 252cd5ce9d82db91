"""The dispute API's request and response models."""

import unicodedata
from typing import Annotated, Self

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, model_validator

from paylox.disputes.models import DisputeEvidenceRow, DisputeMessageRow, DisputeRow
from paylox.disputes.states import DisputeReason, DisputeStatus, Outcome, Party
from paylox.schema import ApiModel
from paylox.types import AmountKurus, Currency, ResourceId, Text, UserId
from paylox.values import frozen

MESSAGE_MAX_CHARS = 2000
INITIAL_EVIDENCE_MAX = 10


def _plain_text(value: str) -> str:
    # Plain text: line breaks and tabs are fine, other control characters are not (they hide
    # content in clients and logs).
    if any(unicodedata.category(char) == "Cc" and char not in "\n\r\t" for char in value):
        raise ValueError("control characters are not allowed")
    return value


MessageBody = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MESSAGE_MAX_CHARS),
    AfterValidator(_plain_text),
]
PlainText = Annotated[Text, AfterValidator(_plain_text)]


def _unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


class CreateDisputeRequest(ApiModel):
    model_config = ConfigDict(extra="forbid")

    transaction_id: ResourceId
    reason: DisputeReason
    description: PlainText
    evidence_document_ids: Annotated[
        list[ResourceId], Field(max_length=INITIAL_EVIDENCE_MAX), AfterValidator(_unique)
    ] = Field(default=[])


class EvidenceRequest(ApiModel):
    model_config = ConfigDict(extra="forbid")

    document_id: ResourceId
    note: PlainText | None = None


class MessageRequest(ApiModel):
    model_config = ConfigDict(extra="forbid")

    body: MessageBody


class AssignRequest(ApiModel):
    model_config = ConfigDict(extra="forbid")

    admin_id: UserId | None = Field(default=None, description="Assignee; the caller when omitted")


class RequestInfoRequest(ApiModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: Party = Field(alias="from", description="The party whose answer is awaited")
    message: PlainText


class ResolveRequest(ApiModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    buyer_amount: AmountKurus | None = Field(default=None, description="Kuruş refunded to the buyer (SPLIT)")
    note: PlainText

    @model_validator(mode="after")
    def _amount_only_for_split(self) -> Self:
        if self.outcome is Outcome.SPLIT and self.buyer_amount is None:
            raise ValueError("buyer_amount is required for SPLIT")
        if self.outcome is not Outcome.SPLIT and self.buyer_amount is not None:
            raise ValueError("buyer_amount is only for SPLIT")
        return self


class TimelineEntryOut(ApiModel):
    at: str
    event: str
    status: DisputeStatus | None = None  # None for messages and evidence, which do not move it
    actor_id: str
    actor_role: str
    note: str | None = None


class MessageOut(ApiModel):
    id: str
    author_id: str
    author_role: str
    body: str
    at: str


class EvidenceOut(ApiModel):
    document_id: str
    submitted_by: str
    submitter_role: str
    note: str | None = None
    filename: str | None = None
    content_type: str | None = None
    at: str


class ResolutionOut(ApiModel):
    outcome: Outcome
    buyer_amount: int = Field(description="Kuruş returned to the buyer")
    seller_amount: int = Field(description="Kuruş released to the seller")
    note: str
    resolved_by: str
    resolved_at: str
    settlement: str = Field(description="PENDING until the money has moved, then SETTLED")
    refund_id: str | None = None
    settled_at: str | None = None


class DisputeSummary(ApiModel):
    id: ResourceId
    status: DisputeStatus
    transaction_id: str
    buyer_id: str
    seller_id: str
    amount: int = Field(description="Amount of the transaction in kuruş")
    currency: Currency
    opened_by: str
    opened_by_party: Party
    reason: DisputeReason
    assigned_to: str | None = None
    awaiting: Party | None = None
    created_at: str
    updated_at: str
    escalate_at: str
    escalated_at: str | None = None
    first_response_due_at: str
    resolution: ResolutionOut | None = None

    @classmethod
    def summary_fields(cls, row: DisputeRow) -> dict[str, object]:
        return {
            "id": row.dispute_id,
            "status": DisputeStatus(row.status),
            "transaction_id": row.transaction_id,
            "buyer_id": row.buyer_id,
            "seller_id": row.seller_id,
            "amount": int(row.amount),
            "currency": "TRY",
            "opened_by": row.opened_by,
            "opened_by_party": Party(row.opened_by_party),
            "reason": DisputeReason(row.reason),
            "assigned_to": row.assigned_to,
            "awaiting": Party(row.awaiting) if row.awaiting else None,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "escalate_at": row.escalate_at,
            "escalated_at": row.escalated_at,
            "first_response_due_at": row.first_response_due_at,
            "resolution": _resolution(row),
        }

    @classmethod
    def from_row(cls, row: DisputeRow) -> "DisputeSummary":
        return DisputeSummary.model_validate(cls.summary_fields(row))


def _resolution(row: DisputeRow) -> ResolutionOut | None:
    if row.resolution is None:
        return None
    return ResolutionOut(**row.resolution.as_dict())  # type: ignore[no-untyped-call]


@frozen
class DisputeView:
    """A dispute with the items stored beside it."""

    dispute: DisputeRow
    messages: list[DisputeMessageRow]
    evidence: list[DisputeEvidenceRow]


# Entries that share a millisecond keep a natural order: the opening, then what came with it.
_ORDER = {"DisputeOpened": 0, "MessagePosted": 1, "EvidenceSubmitted": 1}


class DisputeOut(DisputeSummary):
    description: str
    info_request: str | None = None
    timeline: list[TimelineEntryOut]
    evidence: list[EvidenceOut]
    messages: list[MessageOut]

    @classmethod
    def from_view(cls, view: DisputeView) -> "DisputeOut":
        row = view.dispute
        messages = [
            MessageOut(id=m.message_id, author_id=m.author_id, author_role=m.author_role, body=m.body, at=m.at)
            for m in view.messages
        ]
        evidence = [
            EvidenceOut(
                document_id=e.document_id,
                submitted_by=e.submitted_by,
                submitter_role=e.submitter_role,
                note=e.note,
                filename=e.filename,
                content_type=e.content_type,
                at=e.at,
            )
            for e in view.evidence
        ]
        timeline = [
            TimelineEntryOut(**entry.as_dict())  # type: ignore[no-untyped-call]
            for entry in row.timeline
        ]
        timeline += [
            TimelineEntryOut(at=m.at, event="MessagePosted", actor_id=m.author_id, actor_role=m.author_role)
            for m in messages
        ]
        timeline += [
            TimelineEntryOut(
                at=e.at,
                event="EvidenceSubmitted",
                actor_id=e.submitted_by,
                actor_role=e.submitter_role,
                note=e.document_id,
            )
            for e in evidence
        ]
        timeline.sort(key=lambda entry: (entry.at, _ORDER.get(entry.event, 2)))
        return cls.model_validate(
            {
                **cls.summary_fields(row),
                "description": row.description,
                "info_request": row.info_request,
                "timeline": timeline,
                "evidence": evidence,
                "messages": messages,
            }
        )
