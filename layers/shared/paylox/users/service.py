"""User profiles: created on first sight, checked on every request."""

from __future__ import annotations

from pynamodb.exceptions import PutError

from paylox import clock
from paylox.audit import write_audit
from paylox.auth import Principal
from paylox.db import is_condition_failure
from paylox.errors import AccountSuspended
from paylox.users.models import UserProfile, UserStatus


def _locale(raw: str | None) -> str:
    return "en" if (raw or "").lower().startswith("en") else "tr"


def ensure_active_profile(principal: Principal) -> UserProfile:
    """The caller's profile, created from the token's claims if this is their first request.

    Raises :class:`AccountSuspended` for a suspended account, whatever route it calls.
    """
    try:
        profile = UserProfile.get(principal.user_id, consistent_read=True)
    except UserProfile.DoesNotExist:
        profile = _create_profile(principal)
    if profile.status == UserStatus.SUSPENDED:
        raise AccountSuspended()
    return profile


def _create_profile(principal: Principal) -> UserProfile:
    now = clock.now_iso()
    profile = UserProfile(
        principal.user_id,
        email=principal.email,
        phone=principal.phone,
        locale=_locale(principal.locale),
        created_at=now,
        updated_at=now,
    )
    try:
        profile.save(condition=UserProfile.user_id.does_not_exist())
    except PutError as exc:
        if not is_condition_failure(exc):
            raise
        # Two first requests raced; the other one created it.
        return UserProfile.get(principal.user_id, consistent_read=True)
    write_audit(
        "USER_CREATED",
        principal.user_id,
        principal.actor,
        after={"email": profile.email, "status": profile.status},
    )
    return profile


def find_profile(user_id: str) -> UserProfile | None:
    try:
        return UserProfile.get(user_id)
    except UserProfile.DoesNotExist:
        return None
