"""The document service: starting uploads, reading, deleting and reviewing documents.

Who sees what: the owner, admins and support see a document; anyone else gets 404, as for a
document that does not exist. After a (soft) delete only admins still see it, marked deleted.
Every view and every download link handed out is audited, as is every change.
"""

from __future__ import annotations

from datetime import timedelta

from paylox import clock, quotas
from paylox.audit import audit_record, trail_page, write_audit
from paylox.auth import Principal
from paylox.config import get_settings
from paylox.context import request_meta
from paylox.documents import delivery, processing, storage, store, validation
from paylox.documents.errors import DocumentNotAvailable, FileTooLarge
from paylox.documents.models import DocumentRow, Sweep
from paylox.documents.processing import ScannerChoice
from paylox.documents.schemas import (
    AuditEntryOut,
    DocumentOut,
    FileUpload,
    PresignedPostOut,
    PresignUploadRequest,
    UploadFields,
    UploadStartedOut,
    VerifyRequest,
)
from paylox.documents.states import DELETE, DOWNLOADABLE, REJECT_REVIEW, REVIEW_REJECTION_CODE, VERIFY, DocStatus
from paylox.errors import Forbidden, NotFound, SelfAction
from paylox.ids import new_id
from paylox.paging import Page
from paylox.transactions.service import get_for as get_transaction_for

#: Time an upload that was started but never arrived is kept before the cleanup expires it.
UPLOAD_GRACE = timedelta(hours=1)


# ---------------------------------------------------------------------------- uploads
def upload(principal: Principal, request: PresignUploadRequest | FileUpload) -> DocumentOut:
    """``POST /api/document/upload``, whichever way the file comes."""
    if isinstance(request, FileUpload):
        return upload_file(principal, request)
    return start_upload(principal, request)


def start_upload(principal: Principal, request: PresignUploadRequest) -> UploadStartedOut:
    """Create the document and a presigned S3 POST the client sends the file with (≤ 10 MB)."""
    settings = get_settings()
    content_type = validation.require_supported(request.content_type)
    validation.check_size(request.size, settings.document_max_bytes)
    _check_transaction(principal, request.transaction_id)
    expires_in = settings.document_upload_url_seconds
    expires_at = clock.now() + timedelta(seconds=expires_in)
    doc = _create(
        principal,
        UploadFields(purpose=request.purpose, transaction_id=request.transaction_id),
        filename=validation.sanitise_filename(request.filename, content_type),
        declared=content_type,
        size=request.size,
        upload_expires_at=clock.isoformat(expires_at),
        sweep_at=clock.isoformat(expires_at + UPLOAD_GRACE),
        way="presigned_post",
    )
    post = storage.presigned_post(
        doc.upload_key, content_type, max_bytes=settings.document_max_bytes, expires_in=expires_in
    )
    return UploadStartedOut(
        **_out(doc).model_dump(),
        upload=PresignedPostOut(url=post.url, fields=post.fields),
        expires_in=expires_in,
        expires_at=clock.isoformat(expires_at),
    )


def upload_file(principal: Principal, upload: FileUpload, *, scanner: ScannerChoice = "configured") -> DocumentOut:
    """A file sent in the request (multipart): refused at once when invalid, otherwise stored in
    quarantine and processed right here, so the answer already carries the outcome."""
    settings = get_settings()
    if len(upload.data) > settings.document_multipart_max_bytes:
        raise FileTooLarge(max_bytes=settings.document_multipart_max_bytes, size=len(upload.data), use="presigned_post")
    declared = validation.declared_type(upload.content_type, upload.filename)
    content_type = validation.validate_file(upload.data, declared=declared, max_bytes=settings.document_max_bytes)
    _check_transaction(principal, upload.fields.transaction_id)
    doc = _create(
        principal,
        upload.fields,
        filename=validation.sanitise_filename(upload.filename, content_type),
        declared=content_type,
        size=len(upload.data),
        upload_expires_at=None,
        sweep_at=clock.isoformat(clock.now() + UPLOAD_GRACE),
        way="multipart",
        # Leased from birth: the S3 notification for the object stored below finds it taken.
        processing_since=clock.now_iso(),
    )
    version = storage.put_object(doc.upload_key, upload.data, content_type)
    doc = processing.accept_received(doc, upload.data, version, content_type, scanner=scanner)
    return _out(doc)


def _create(
    principal: Principal,
    fields: UploadFields,
    *,
    filename: str,
    declared: str,
    size: int,
    upload_expires_at: str | None,
    sweep_at: str,
    way: str,
    processing_since: str | None = None,
) -> DocumentRow:
    now = clock.now_iso()
    document_id = new_id("doc")
    doc = DocumentRow(
        document_id,
        owner_id=principal.user_id,
        purpose=fields.purpose.value,
        transaction_id=fields.transaction_id,
        status=DocStatus.AWAITING_UPLOAD.value,
        filename=filename,
        declared_content_type=declared,
        size=size,
        upload_key=storage.upload_key(document_id),
        upload_expires_at=upload_expires_at,
        processing_since=processing_since,
        created_at=now,
        updated_at=now,
        sweep=Sweep.UPLOAD.value,
        sweep_at=sweep_at,
    )
    after = {"status": doc.status, "purpose": doc.purpose, "filename": filename, "size": size, "way": way}
    # Counted by the creation's own write: a refused upload takes none of the hour's quota.
    quota = quotas.claim(principal.user_id, quotas.UPLOADS)
    store.insert(doc, audit_record("DOCUMENT_CREATED", doc.id, principal.actor, after=after), quota)
    return doc


def _check_transaction(principal: Principal, transaction_id: str | None) -> None:
    """A document may only be attached to a transaction the uploader is a party to: 404 for a
    transaction the caller cannot see, 403 for staff, who see every transaction but are party to
    few (docs/documents.md)."""
    if transaction_id is None:
        return
    txn = get_transaction_for(principal, transaction_id)
    if principal.user_id not in (txn.buyer_id, txn.seller_id):
        raise Forbidden()


# ---------------------------------------------------------------------------- reading
def load_for(principal: Principal, document_id: str) -> DocumentRow:
    """The document if ``principal`` may see it, else :class:`NotFound` (never 403: ids cannot be
    probed). Owners, admins and support see it; once deleted, only admins."""
    doc = store.find_document(document_id)
    if doc is None:
        raise NotFound("document")
    if doc.status == DocStatus.DELETED:
        visible = principal.is_admin
    else:
        visible = principal.is_staff or doc.owner_id == principal.user_id
    if not visible:
        raise NotFound("document")
    return doc


def get_document(principal: Principal, document_id: str) -> DocumentOut:
    """Metadata plus, when downloadable, a download link (and a preview link), audited."""
    doc = load_for(principal, document_id)
    if doc.status not in DOWNLOADABLE:
        write_audit("DOCUMENT_VIEWED", doc.id, principal.actor, after={"status": doc.status})
        return _out(doc)
    out = _out(doc, **download_urls(doc))
    write_audit(
        "DOCUMENT_DOWNLOAD_LINK_ISSUED",
        doc.id,
        principal.actor,
        after={"status": doc.status, "expires_in": out.urls_expire_in, "object_version": doc.object_version},
    )
    return out


def download_urls(doc: DocumentRow) -> dict[str, str | int | None]:
    """Fresh short-lived URLs for a downloadable document (:mod:`paylox.documents.delivery`): the
    file as an attachment under its original name, and the preview (inline) when there is one."""
    if doc.status not in DOWNLOADABLE or not doc.object_key:
        raise DocumentNotAvailable(current_status=doc.status)
    expires_in = get_settings().document_download_url_seconds
    download_url = delivery.file_url(
        doc.object_key,
        doc.object_version,
        filename=doc.filename,
        content_type=doc.content_type or "application/octet-stream",
        expires_in=expires_in,
    )
    preview_url = None
    if doc.preview_key:
        preview_url = delivery.file_url(
            doc.preview_key,
            None,
            filename=doc.filename.rsplit(".", 1)[0] + "-preview.jpg",
            content_type=storage.PREVIEW_CONTENT_TYPE,
            expires_in=expires_in,
            disposition="inline",
        )
    return {"download_url": download_url, "preview_url": preview_url, "urls_expire_in": expires_in}


def get_downloadable_document(owner_id: str, document_id: str) -> DocumentOut:
    """The owner's document if it may be downloaded (for other services: dispute evidence).

    Raises ``NotFound("document")`` when it does not exist, is deleted or belongs to someone
    else, and :class:`DocumentNotAvailable` (409 ``DOCUMENT_NOT_AVAILABLE``) when it exists but
    is not ``AVAILABLE`` or ``VERIFIED`` (still uploading or scanning, rejected, quarantined).
    """
    doc = store.find_document(document_id)
    if doc is None or doc.owner_id != owner_id or doc.status == DocStatus.DELETED:
        raise NotFound("document")
    if doc.status not in DOWNLOADABLE:
        raise DocumentNotAvailable(current_status=doc.status)
    return _out(doc)


def _out(doc: DocumentRow, **urls: str | int | None) -> DocumentOut:
    return DocumentOut.from_row(doc, lang=request_meta().lang, **urls)


# ---------------------------------------------------------------------------- changes
def delete_document(principal: Principal, document_id: str) -> None:
    """Soft delete by the owner or an admin; the files are purged after the retention period."""
    doc = load_for(principal, document_id)
    if not (principal.is_admin or doc.owner_id == principal.user_id):
        raise Forbidden()
    if doc.status == DocStatus.DELETED:
        return  # deleting twice changes nothing
    now = clock.now()
    purge_at = now + timedelta(days=get_settings().document_retention_days)
    store.commit(
        doc,
        DELETE,
        principal.actor,
        changes={
            "deleted_at": clock.isoformat(now),
            "deleted_by": principal.user_id,
            "sweep": Sweep.PURGE.value,
            "sweep_at": clock.isoformat(purge_at),
        },
        audit_after={"purge_after": clock.isoformat(purge_at)},
    )


def verify_document(principal: Principal, request: VerifyRequest) -> DocumentOut:
    """A reviewer (admin or support: a staff route) accepts or rejects an available document;
    never their own (``403 SELF_ACTION``)."""
    doc = load_for(principal, request.document_id)
    if doc.owner_id == principal.user_id:
        raise SelfAction()
    now = clock.now_iso()
    changes: dict[str, str | None] = {
        "reviewed_by": principal.user_id,
        "reviewed_at": now,
        "review_note": request.note or None,
    }
    if request.decision == "VERIFIED":
        move = VERIFY
    else:
        move = REJECT_REVIEW
        changes |= {
            "rejection_code": REVIEW_REJECTION_CODE,
            "rejection_reason": request.note or "",
            "rejection_reason_tr": request.note or "",
        }
    doc = store.commit(doc, move, principal.actor, changes=changes, reason=request.note)
    return _out(doc)


# ---------------------------------------------------------------------------- audit
def audit_for(principal: Principal, document_id: str, limit: int, cursor: str | None) -> Page[AuditEntryOut]:
    """The document's audit trail, oldest first: for its owner and for admins."""
    doc = load_for(principal, document_id)
    if not (principal.is_admin or doc.owner_id == principal.user_id):
        raise NotFound("document")
    records, next_cursor = trail_page(doc.id, limit, cursor)
    return Page[AuditEntryOut](
        items=[AuditEntryOut.from_record(r, full=principal.is_admin, viewer_id=principal.user_id) for r in records],
        next_cursor=next_cursor,
    )
