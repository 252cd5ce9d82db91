"""What the back office's transaction routes answer (docs/admin.md)."""

from pydantic import Field

from paylox.audit_review import AuditRecordOut
from paylox.disputes.schemas import DisputeOut, EvidenceOut
from paylox.schema import ApiModel
from paylox.transactions.schemas import TransactionOut
from paylox.users.models import UserProfile


class ProfileSummary(ApiModel):
    """A party as staff see it in a transaction's details."""

    user_id: str
    email: str | None = None
    phone: str | None = None
    status: str
    identity_verified: bool
    phone_verified: bool
    created_at: str
    locale: str

    @classmethod
    def of(cls, user_id: str, profile: UserProfile | None) -> "ProfileSummary":
        if profile is None:  # a party from before registration existed: only the id is known
            return cls(
                user_id=user_id,
                status="UNKNOWN",
                identity_verified=False,
                phone_verified=False,
                created_at="",
                locale="tr",
            )
        return cls(
            user_id=profile.user_id,
            email=profile.email,
            phone=profile.phone,
            status=profile.status,
            identity_verified=bool(profile.identity_verified),
            phone_verified=bool(profile.phone_verified),
            created_at=profile.created_at,
            locale=profile.locale,
        )


class EvidenceDocumentOut(EvidenceOut):
    """A document attached as evidence to one of the transaction's disputes."""

    dispute_id: str


class TransactionDetailsOut(ApiModel):
    transaction: TransactionOut = Field(description="With timeline, refunds, flags and payment webhook deliveries")
    buyer: ProfileSummary
    seller: ProfileSummary
    disputes: list[DisputeOut]
    documents: list[EvidenceDocumentOut]
    audit: list[AuditRecordOut] = Field(description="This transaction's audit records, newest first")
