"""User profiles: checked on every request, made by registration (:mod:`paylox.users.registration`)."""

from __future__ import annotations

from contextvars import ContextVar

from paylox.audit import audit_record
from paylox.auth import Principal
from paylox.config import get_settings
from paylox.context import RequestMeta, current_request
from paylox.errors import AccountSuspended, DomainError
from paylox.statemachine import Check
from paylox.users import store
from paylox.users.errors import NotRegistered
from paylox.users.models import UserProfile, UserStatus
from paylox.users.registration import Registration, register

#: The profile the active-profile check read for the request it belongs to (one per request).
_checked: ContextVar[tuple[RequestMeta, UserProfile] | None] = ContextVar("checked_profile", default=None)


def ensure_active_profile(principal: Principal) -> UserProfile:
    """The caller's profile.

    A caller without one is refused with ``403 NOT_REGISTERED``, unless ``PROFILE_ON_FIRST_REQUEST``
    is on (an external issuer whose pool does not run the registration trigger): then this first
    request registers them from the token's claims. Raises :class:`AccountSuspended` for a
    suspended account, whatever route it calls.
    """
    profile = store.find(principal.user_id, consistent=True)
    if profile is None:
        if not get_settings().profile_on_first_request:
            raise NotRegistered()
        profile, _ = register(Registration.from_principal(principal))
    if profile.status == UserStatus.SUSPENDED:
        raise AccountSuspended()
    _note_staff_role(profile, principal)
    meta = current_request.get()
    if meta.principal is not None and meta.principal.user_id == profile.user_id:
        _checked.set((meta, profile))
    return profile


def caller_profile(principal: Principal) -> UserProfile | None:
    """The caller's profile as this request's active-profile check read it (consistently, at the
    start of the request), or read now outside a request. Saves the flows that need the caller's
    phone a round trip; a write to the profile is still conditioned on its version."""
    checked = _checked.get()
    if checked is not None and checked[0] is current_request.get() and checked[1].user_id == principal.user_id:
        return checked[1]
    return store.find(principal.user_id, consistent=True)


def _note_staff_role(profile: UserProfile, principal: Principal) -> None:
    """Keep the profile's ``staff_role`` as the verified token says: a write only when it changed."""
    role = principal.role if principal.is_staff else None
    if profile.staff_role == role:
        return
    record = audit_record(
        "USER_STAFF_ROLE_CHANGED",
        profile.user_id,
        principal.actor,
        before={"staff_role": profile.staff_role},
        after={"staff_role": role},
        reason="Cognito groups of the caller's token",
    )
    store.set_staff_role(profile, role, record)  # lost to a concurrent request: it recorded the same


def is_staff(user_id: str) -> bool:
    """Whether ``user_id`` is an active user last seen (in a verified token) as admin or support."""
    profile = store.find(user_id, consistent=True)
    return profile is not None and profile.status == UserStatus.ACTIVE and profile.staff_role is not None


def find_profile(user_id: str, *, consistent: bool = False) -> UserProfile | None:
    """The profile of ``user_id``, or None for someone who never registered."""
    return store.find(user_id, consistent=consistent)


def still_active(user_id: str, refusal: DomainError) -> Check:
    """A :class:`~paylox.statemachine.Check` for a move's transaction: ``user_id`` is active when the
    move commits, or the move is refused with ``refusal``."""
    return store.still_active(user_id, refusal)
