"""User profiles: created on first sight, checked on every request."""

from __future__ import annotations

from pynamodb.exceptions import PutError, UpdateError

from paylox import clock
from paylox.audit import write_audit
from paylox.auth import Actor, Principal
from paylox.db import is_condition_failure
from paylox.errors import AccountSuspended, ConcurrentModification
from paylox.observability import mask_phone
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


def mark_phone_verified(user_id: str, phone: str, actor: Actor) -> UserProfile:
    """Record ``phone`` (E.164, just proven by an OTP) as the user's verified phone number.

    One conditional write on the profile's version and status; a concurrent change of the profile
    is re-read and the write retried. Audited with the numbers masked.
    """
    for _ in range(3):
        profile = UserProfile.get(user_id, consistent_read=True)
        if profile.status == UserStatus.SUSPENDED:
            raise AccountSuspended()
        if profile.phone == phone and profile.phone_verified:
            return profile
        before = {"phone": mask_phone(profile.phone), "phone_verified": profile.phone_verified}
        try:
            profile.update(
                actions=[
                    UserProfile.phone.set(phone),
                    UserProfile.phone_verified.set(True),
                    UserProfile.updated_at.set(clock.now_iso()),
                ],
                condition=UserProfile.status == UserStatus.ACTIVE.value,
            )
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise
            continue  # the profile changed since we read it: judge it again
        write_audit(
            "USER_PHONE_VERIFIED",
            user_id,
            actor,
            before=before,
            after={"phone": mask_phone(phone), "phone_verified": True},
        )
        return profile
    raise ConcurrentModification(resource="user")
