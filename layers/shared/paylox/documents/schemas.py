"""The document API's request and response models."""

import json
from typing import Annotated, Any, Literal, Self

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from paylox.audit import AuditRecord
from paylox.documents.models import DocumentRow, Purpose
from paylox.documents.states import DocStatus
from paylox.schema import ApiModel
from paylox.types import ResourceId, Text
from paylox.values import frozen

#: One week: the longest a share link may live.
MAX_SHARE_SECONDS = 7 * 24 * 3600

Filename = Annotated[str, StringConstraints(min_length=1, max_length=255)]
ContentType = Annotated[str, StringConstraints(min_length=1, max_length=255)]


class PresignUploadRequest(ApiModel):
    """``application/json`` upload: the client describes the file and gets an S3 POST form."""

    model_config = ConfigDict(extra="forbid")

    filename: Filename
    content_type: ContentType
    size: Annotated[int, Field(strict=True, ge=0, description="Size in bytes")]
    purpose: Purpose
    transaction_id: ResourceId | None = None


class UploadFields(ApiModel):
    """The form fields beside ``file`` in a ``multipart/form-data`` upload."""

    model_config = ConfigDict(extra="forbid")

    purpose: Purpose
    transaction_id: ResourceId | None = None


@frozen
class FileUpload:
    """A file received in the request itself (multipart)."""

    filename: str | None
    content_type: str | None
    data: bytes
    fields: UploadFields


class RejectionOut(ApiModel):
    code: str
    reason: str | None = None


class DocumentOut(ApiModel):
    id: ResourceId
    status: DocStatus
    owner_id: str
    purpose: Purpose
    transaction_id: str | None = None
    filename: str
    content_type: str | None = Field(description="Detected from the bytes once processed; declared before")
    size: int | None = Field(description="Bytes: stored size once processed; declared before")
    sha256: str | None = None
    created_at: str
    updated_at: str
    rejection: RejectionOut | None = None
    reviewed_at: str | None = None
    deleted_at: str | None = None
    deleted_by: str | None = None
    download_url: str | None = Field(
        default=None, description="Signed GET (CloudFront or S3: docs/documents.md, Delivery), attachment, short-lived"
    )
    preview_url: str | None = Field(default=None, description="Signed GET of the image preview, inline, short-lived")
    urls_expire_in: int | None = Field(default=None, description="Seconds the URLs above stay valid")

    @classmethod
    def from_row(cls, row: DocumentRow, *, lang: str = "en", **urls: Any) -> Self:
        rejection = None
        if row.status == DocStatus.REJECTED and row.rejection_code:
            reason = row.rejection_reason_tr if lang == "tr" and row.rejection_reason_tr else row.rejection_reason
            rejection = RejectionOut(code=row.rejection_code, reason=reason)
        return cls(
            id=row.id,
            status=DocStatus(row.status),
            owner_id=row.owner_id,
            purpose=Purpose(row.purpose),
            transaction_id=row.transaction_id,
            filename=row.filename,
            content_type=row.content_type or row.declared_content_type,
            size=int(row.size) if row.size is not None else None,
            sha256=row.sha256,
            created_at=row.created_at,
            updated_at=row.updated_at,
            rejection=rejection,
            reviewed_at=row.reviewed_at,
            deleted_at=row.deleted_at,
            deleted_by=row.deleted_by,
            **urls,
        )


class PresignedPostOut(ApiModel):
    url: str
    fields: dict[str, str] = Field(description="Send all of them as form fields, then the file last")


class UploadStartedOut(DocumentOut):
    upload: PresignedPostOut
    expires_in: int = Field(description="Seconds the upload form stays valid")
    expires_at: str


class VerifyRequest(ApiModel):
    model_config = ConfigDict(extra="forbid")

    document_id: ResourceId
    decision: Literal["VERIFIED", "REJECTED"]
    note: Text | None = None

    @model_validator(mode="after")
    def _rejection_needs_a_reason(self) -> Self:
        if self.decision == "REJECTED" and not self.note:
            raise ValueError("a rejection needs a note the owner can act on")
        return self


class ShareRequest(ApiModel):
    model_config = ConfigDict(extra="forbid")

    expires_in: Annotated[int, Field(strict=True, ge=60, le=MAX_SHARE_SECONDS, description="Seconds")] = 24 * 3600


class ShareOut(ApiModel):
    id: str
    document_id: str
    url: str
    token: str = Field(description="The secret part of the link; shown once, stored only hashed")
    created_at: str
    expires_at: str


class AuditEntryOut(ApiModel):
    id: str
    action: str
    at: str
    actor_role: str
    actor_id: str | None = Field(default=None, description="Hidden from owners for other people's actions")
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str | None = None
    request_id: str | None = None
    source_ip: str | None = None

    @classmethod
    def from_record(cls, record: AuditRecord, *, full: bool, viewer_id: str) -> Self:
        """``full`` (admins) shows everything; an owner sees what happened, not who else did
        it from where."""
        return cls(
            id=record.audit_id,
            action=record.action,
            at=record.at,
            actor_role=record.actor_role,
            actor_id=record.actor_id if full or record.actor_id == viewer_id else None,
            before=json.loads(record.before) if record.before else None,
            after=json.loads(record.after) if record.after else None,
            reason=record.reason,
            request_id=record.request_id if full else None,
            source_ip=record.source_ip if full else None,
        )
