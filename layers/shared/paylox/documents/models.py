"""The stored documents and share links."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from paylox.db import TableName


class Purpose(StrEnum):
    KYC = "KYC"
    TRANSACTION = "TRANSACTION"
    DISPUTE_EVIDENCE = "DISPUTE_EVIDENCE"
    OTHER = "OTHER"


class Sweep(StrEnum):
    """Why the cleanup must look at a document again (the ``by_sweep`` index's partition)."""

    UPLOAD = "upload"  # an upload that may never complete
    PURGE = "purge"  # a deleted document whose files go after the retention period
    SCAN = "scan"  # a document held for a malware verdict that may never come


class BySweepIndex(GlobalSecondaryIndex["DocumentRow"]):
    """Sparse: only rows with a pending sweep carry ``sweep``/``sweep_at``."""

    class Meta:
        index_name = "by_sweep"
        projection = KeysOnlyProjection()

    sweep = UnicodeAttribute(hash_key=True)
    sweep_at = UnicodeAttribute(range_key=True)


class ByOwnerIndex(GlobalSecondaryIndex["DocumentRow"]):
    """A user's documents, newest first (ids are time-sortable): what staff see on a profile."""

    class Meta:
        index_name = "by_owner"
        projection = AllProjection()

    owner_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class DocumentRow(Model):
    class Meta:
        table_name = TableName("documents_table")

    id = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    purpose = UnicodeAttribute()
    transaction_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    filename = UnicodeAttribute()  # sanitised; never part of a key
    declared_content_type = UnicodeAttribute(null=True)
    content_type = UnicodeAttribute(null=True)  # detected from the bytes
    size = NumberAttribute(null=True)  # declared until processed, then the stored size
    sha256 = UnicodeAttribute(null=True)
    upload_key = UnicodeAttribute()
    upload_version = UnicodeAttribute(null=True)  # the exact object version that was validated
    object_key = UnicodeAttribute(null=True)
    object_version = UnicodeAttribute(null=True)
    preview_key = UnicodeAttribute(null=True)
    upload_expires_at = UnicodeAttribute(null=True)
    processing_since = UnicodeAttribute(null=True)  # lease of the one processor at work
    scan_result = UnicodeAttribute(null=True)  # GuardDuty's scanResultStatus for scan_version
    scan_version = UnicodeAttribute(null=True)
    scan_threats = ListAttribute[str](null=True)  # the threats' names
    scan_rescanned_at = UnicodeAttribute(null=True)  # no verdict in time: scanned again (once)
    scan_flagged_at = UnicodeAttribute(null=True)  # still none after the rescan: left to staff
    rejection_code = UnicodeAttribute(null=True)
    rejection_reason = UnicodeAttribute(null=True)  # English (and the reviewer's own words)
    rejection_reason_tr = UnicodeAttribute(null=True)
    reviewed_by = UnicodeAttribute(null=True)
    reviewed_at = UnicodeAttribute(null=True)
    review_note = UnicodeAttribute(null=True)
    deleted_by = UnicodeAttribute(null=True)
    deleted_at = UnicodeAttribute(null=True)
    purged_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    sweep = UnicodeAttribute(null=True)
    sweep_at = UnicodeAttribute(null=True)
    version = VersionAttribute()

    by_sweep = BySweepIndex()
    by_owner = ByOwnerIndex()


class ShareLinkRow(Model):
    """A temporary download link. The token is ``<share_id>.<secret>``; only the secret's hash is
    stored, so the table alone cannot be used to download anything."""

    class Meta:
        table_name = TableName("document_shares_table")

    share_id = UnicodeAttribute(hash_key=True)
    document_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    expires_ttl = NumberAttribute()  # DynamoDB TTL; reads check expires_at themselves
    revoked_by = UnicodeAttribute(null=True)
    revoked_at = UnicodeAttribute(null=True)
    use_count = NumberAttribute(default=0)
    last_used_at = UnicodeAttribute(null=True)
