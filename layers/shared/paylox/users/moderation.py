"""Admins deciding about accounts: identity verification, suspension and its lifting.

Each decision is one DynamoDB transaction (:func:`paylox.users.store.change`): the profile,
conditioned on the version and status read, its audit record (before, after, the admin's reason)
and its domain event. An admin never decides about their own account (``403 SELF_ACTION``).

A suspension takes effect on the user's very next request: every authenticated route reads the
caller's profile with a consistent read before its handler runs (:func:`paylox.users.service.
ensure_active_profile`), and no cache stands in front of that read. Releases to a suspended seller
are refused on their own (``409 SELLER_SUSPENDED``, :mod:`paylox.transactions.release`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from paylox import clock
from paylox.audit import audit_record
from paylox.auth import Principal
from paylox.documents import store as documents
from paylox.errors import ConcurrentModification, InvalidState, NotFound, SelfAction
from paylox.events import DomainEvent
from paylox.users import store
from paylox.users.errors import DocumentsNotOwned
from paylox.users.models import UserProfile, UserStatus
from paylox.users.schemas import SuspendRequest, UserOut, VerifyRequest

#: Tries of a decision that lost a race to another change of the same profile (a phone verified,
#: a staff role noted): each try re-reads the profile and judges it again.
TRIES = 3


def set_identity(principal: Principal, user_id: str, request: VerifyRequest) -> UserOut:
    """Set ``identity_verified`` of ``user_id`` as ``request`` says, with ``verified_at`` and
    ``verified_by``; audited ``USER_IDENTITY_VERIFIED`` or ``USER_IDENTITY_UNVERIFIED`` with the
    documents it rests on (which must be the user's: ``422 DOCUMENTS_NOT_FOUND``)."""
    _not_self(principal, user_id)
    document_ids = sorted(set(request.document_ids or []))
    _require_own_documents(user_id, document_ids)
    action = "USER_IDENTITY_VERIFIED" if request.verified else "USER_IDENTITY_UNVERIFIED"

    def decide(profile: UserProfile, now: str) -> tuple[dict[str, Any], dict[str, Any]]:
        before = {"identity_verified": bool(profile.identity_verified), "verified_at": profile.verified_at}
        changes = {"identity_verified": request.verified, "verified_at": now, "verified_by": principal.user_id}
        return before, changes

    extra = {"document_ids": document_ids} if document_ids else {}
    return _decide(principal, user_id, action, "UserIdentityVerified", request.reason, decide, extra)


def suspend(principal: Principal, user_id: str, request: SuspendRequest) -> UserOut:
    """Suspend ``user_id`` (``409 INVALID_STATE`` when already suspended): from their next
    request on they get ``403 ACCOUNT_SUSPENDED``; audited ``USER_SUSPENDED``."""
    _not_self(principal, user_id)

    def decide(profile: UserProfile, now: str) -> tuple[dict[str, Any], dict[str, Any]]:
        _require_status(profile, UserStatus.ACTIVE, "suspend")
        changes = {"status": UserStatus.SUSPENDED.value, "suspended_at": now, "suspended_by": principal.user_id}
        return {"status": profile.status}, changes

    return _decide(principal, user_id, "USER_SUSPENDED", "UserSuspended", request.reason, decide)


def unsuspend(principal: Principal, user_id: str, request: SuspendRequest) -> UserOut:
    """Lift the suspension of ``user_id`` (``409 INVALID_STATE`` when not suspended); audited
    ``USER_UNSUSPENDED``, with when and by whom it had been suspended."""
    _not_self(principal, user_id)

    def decide(profile: UserProfile, now: str) -> tuple[dict[str, Any], dict[str, Any]]:
        _require_status(profile, UserStatus.SUSPENDED, "unsuspend")
        before = {"status": profile.status, "suspended_at": profile.suspended_at, "suspended_by": profile.suspended_by}
        return before, {"status": UserStatus.ACTIVE.value, "suspended_at": None, "suspended_by": None}

    return _decide(principal, user_id, "USER_UNSUSPENDED", "UserUnsuspended", request.reason, decide)


Decision = Callable[[UserProfile, str], tuple[dict[str, Any], dict[str, Any]]]


def _decide(
    principal: Principal,
    user_id: str,
    action: str,
    event: str,
    reason: str,
    decide: Decision,
    extra: dict[str, Any] | None = None,
) -> UserOut:
    """Read the profile, let ``decide`` judge it and name the changes, write them with their audit
    record and event; again from the read if another change of the profile came first."""
    for _ in range(TRIES):
        profile = store.find(user_id, consistent=True)
        if profile is None:
            raise NotFound("user")
        now = clock.now_iso()
        before, changes = decide(profile, now)
        after = {name: value for name, value in changes.items() if name in before or name == "verified_by"}
        record = audit_record(
            action, user_id, principal.actor, before=before, after={**after, **(extra or {})}, reason=reason
        )
        detail = {"user_id": user_id, "by": principal.user_id, "at": now, **_public(changes)}
        announced = DomainEvent(event, detail, "users")
        if store.change(profile, {**changes, "updated_at": now}, record, [announced], status_read=profile.status):
            return UserOut.from_profile(profile)
    raise ConcurrentModification(resource="user")


def _public(changes: dict[str, Any]) -> dict[str, Any]:
    """What an event may carry of the changes (no reason: it may name personal details)."""
    return {name: changes[name] for name in ("status", "identity_verified") if name in changes}


def _not_self(principal: Principal, user_id: str) -> None:
    if principal.user_id == user_id:
        raise SelfAction()


def _require_status(profile: UserProfile, status: UserStatus, action: str) -> None:
    if profile.status != status:
        raise InvalidState(resource="user", current_status=profile.status, action=action)


def _require_own_documents(user_id: str, document_ids: list[str]) -> None:
    foreign = [
        doc_id for doc_id in document_ids if (row := documents.find_document(doc_id)) is None or row.owner_id != user_id
    ]
    if foreign:
        raise DocumentsNotOwned(document_ids=", ".join(foreign))
