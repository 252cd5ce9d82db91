"""What the admin users API takes and answers (``/api/admin/users/...``)."""

from typing import Self

from pydantic import ConfigDict, Field

from paylox.audit_review import AuditRecordOut
from paylox.documents.models import DocumentRow
from paylox.schema import ApiModel
from paylox.types import ResourceId, Text
from paylox.users.models import UserProfile, UserStatus


class UserListItemOut(ApiModel):
    user_id: str
    email: str | None
    phone: str | None = Field(description="E.164; verified only when phone_verified")
    status: UserStatus
    identity_verified: bool
    phone_verified: bool
    created_at: str
    locale: str

    @classmethod
    def from_profile(cls, profile: UserProfile) -> Self:
        return cls(
            user_id=profile.user_id,
            email=profile.email,
            phone=profile.phone,
            status=UserStatus(profile.status),
            identity_verified=bool(profile.identity_verified),
            phone_verified=bool(profile.phone_verified),
            created_at=profile.created_at,
            locale=profile.locale,
        )


class UserOut(UserListItemOut):
    """A profile as admins see it, and as verify, suspend and unsuspend answer."""

    phone_verified_at: str | None = None
    confirms_from: str | None = Field(default=None, description="When the verified phone may approve releases")
    verified_at: str | None = Field(default=None, description="When an admin last set identity_verified")
    verified_by: str | None = None
    suspended_at: str | None = None
    suspended_by: str | None = None
    staff_role: str | None = Field(default=None, description="admin or support, as the user's last token said")
    updated_at: str

    @classmethod
    def from_profile(cls, profile: UserProfile) -> Self:
        return cls(
            **UserListItemOut.from_profile(profile).model_dump(),
            phone_verified_at=profile.phone_verified_at,
            confirms_from=profile.confirms_from,
            verified_at=profile.verified_at,
            verified_by=profile.verified_by,
            suspended_at=profile.suspended_at,
            suspended_by=profile.suspended_by,
            staff_role=profile.staff_role,
            updated_at=profile.updated_at,
        )


class UserStatsOut(ApiModel):
    transactions_as_buyer: int
    transactions_as_seller: int
    volume_kurus: int = Field(
        description="Sum of the amounts of the user's transactions that were funded (either side)"
    )
    open_disputes: int = Field(description="The user's transactions frozen by an open dispute")
    complete: bool = Field(
        description="False when the user has more transactions than one look reads (counts are then lower bounds)"
    )


class UserDocumentOut(ApiModel):
    id: str
    purpose: str
    status: str
    filename: str
    transaction_id: str | None
    created_at: str

    @classmethod
    def from_row(cls, row: DocumentRow) -> Self:
        return cls(
            id=row.id,
            purpose=row.purpose,
            status=row.status,
            filename=row.filename,
            transaction_id=row.transaction_id,
            created_at=row.created_at,
        )


class UserDetailOut(UserOut):
    stats: UserStatsOut
    documents: list[UserDocumentOut] = Field(description="The newest documents the user uploaded")
    recent_audit: list[AuditRecordOut] = Field(description="The newest audit records of this user, newest first")


class VerifyRequest(ApiModel):
    model_config = ConfigDict(extra="forbid")

    verified: bool
    reason: Text
    document_ids: list[ResourceId] | None = Field(
        default=None, max_length=20, description="The user's documents the decision rests on"
    )


class SuspendRequest(ApiModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text
