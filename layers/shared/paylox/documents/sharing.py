"""Share links: a temporary download link the owner gives to someone without an account.

The token is ``<share_id>.<secret>`` with 256 random bits of secret; only its SHA-256 is
stored, so the table alone cannot be turned into links. A link lives at most seven days, can be
revoked, and dies with its document (deleted, rejected or quarantined documents are not served).
Every creation, use and revocation is in the document's audit trail.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from paylox import clock
from paylox.audit import audit_record
from paylox.auth import Actor, Principal
from paylox.config import get_settings
from paylox.documents import store
from paylox.documents.errors import DocumentNotAvailable, ShareLinkExpired
from paylox.documents.models import ShareLinkRow
from paylox.documents.schemas import ShareOut, ShareRequest
from paylox.documents.service import download_urls, load_for
from paylox.documents.states import DOWNLOADABLE
from paylox.errors import NotFound
from paylox.ids import new_id

SHARE_ROUTE = "/api/document/share/"


def link_base(event: APIGatewayProxyEventV2) -> str:
    """Where links point: the configured base, else this API's share route on the domain the
    request came to (API Gateway's ``domainName``, not the client-controlled Host header)."""
    if configured := get_settings().share_link_base_url:
        return configured
    proto = event.headers.get("x-forwarded-proto") or "https"
    port = event.headers.get("x-forwarded-port") or ""
    netloc = event.request_context.domain_name
    if port and port != {"https": "443", "http": "80"}.get(proto):
        netloc += f":{port}"
    return f"{proto}://{netloc}{SHARE_ROUTE}"


def create_share(principal: Principal, document_id: str, request: ShareRequest, *, base_url: str) -> ShareOut:
    """The owner shares a downloadable document for ``request.expires_in`` seconds."""
    doc = load_for(principal, document_id)
    if doc.owner_id != principal.user_id:
        raise NotFound("document")  # staff see documents, but only the owner shares them
    if doc.status not in DOWNLOADABLE:
        raise DocumentNotAvailable(current_status=doc.status)
    share_id, secret = new_id("shr"), secrets.token_urlsafe(32)
    now = clock.now()
    expires_at = now + timedelta(seconds=request.expires_in)
    share = ShareLinkRow(
        share_id,
        document_id=doc.id,
        owner_id=doc.owner_id,
        secret_hash=_hash(secret),
        created_by=principal.user_id,
        created_at=clock.isoformat(now),
        expires_at=clock.isoformat(expires_at),
        expires_ttl=int(expires_at.timestamp()),
    )
    after = {"share_id": share_id, "expires_at": share.expires_at}
    store.insert_share(share, audit_record("DOCUMENT_SHARE_CREATED", doc.id, principal.actor, after=after))
    token = f"{share_id}.{secret}"
    return ShareOut(
        id=share_id,
        document_id=doc.id,
        url=base_url + token,
        token=token,
        created_at=share.created_at,
        expires_at=share.expires_at,
    )


def revoke_share(principal: Principal, document_id: str, share_id: str) -> None:
    """The owner (or an admin) ends a link before it expires. Revoking twice is harmless."""
    doc = load_for(principal, document_id)
    if not (principal.is_admin or doc.owner_id == principal.user_id):
        raise NotFound("document")
    share = store.find_share(share_id)
    if share is None or share.document_id != doc.id:
        raise NotFound("resource")
    if share.revoked_at:
        return
    record = audit_record("DOCUMENT_SHARE_REVOKED", doc.id, principal.actor, after={"share_id": share_id})
    store.revoke_share(share, principal.user_id, clock.now_iso(), record)  # False: revoked by a concurrent request


def open_share(token: str) -> str:
    """A fresh presigned download URL for whoever holds ``token``; the use is audited.

    Unknown or forged tokens are 404; expired or revoked links, and links whose document can no
    longer be downloaded, are 410 ``SHARE_LINK_EXPIRED``.
    """
    share_id, _, secret = token.partition(".")
    share = store.find_share(share_id) if secret else None
    if share is None or not hmac.compare_digest(share.secret_hash, _hash(secret)):
        raise NotFound("document")
    now = clock.now_iso()
    if share.revoked_at or share.expires_at <= now:
        raise ShareLinkExpired()
    doc = store.find_document(share.document_id)
    if doc is None or doc.status not in DOWNLOADABLE:
        raise ShareLinkExpired()
    # Whoever holds the link has no account: the link is the actor, the source IP is recorded.
    actor = Actor(id=f"share:{share_id}", role="user")
    record = audit_record("DOCUMENT_SHARE_USED", doc.id, actor, after={"share_id": share_id, "used_at": now})
    # Counted, with its audit record, only while still live: a revocation racing this use wins.
    if not store.count_share_use(share, now, record):
        raise ShareLinkExpired()
    return str(download_urls(doc)["download_url"])


def _hash(secret: str) -> str:
    # The secret is 256 random bits: a plain hash cannot be brute-forced, no salt or KDF needed.
    return hashlib.sha256(secret.encode()).hexdigest()
