"""User profiles: created on first sight, checked on every request."""

from __future__ import annotations

from paylox import clock
from paylox.audit import write_audit
from paylox.auth import Actor, Principal
from paylox.errors import AccountSuspended, ConcurrentModification, NotFound
from paylox.observability import mask_phone
from paylox.types import locale_for
from paylox.users import store
from paylox.users.models import UserProfile, UserStatus


def ensure_active_profile(principal: Principal) -> UserProfile:
    """The caller's profile, created from the token's claims if this is their first request.

    Raises :class:`AccountSuspended` for a suspended account, whatever route it calls.
    """
    profile = store.find(principal.user_id, consistent=True) or _create_profile(principal)
    if profile.status == UserStatus.SUSPENDED:
        raise AccountSuspended()
    return profile


def _create_profile(principal: Principal) -> UserProfile:
    now = clock.now_iso()
    profile = UserProfile(
        principal.user_id,
        email=principal.email,
        phone=principal.phone,
        locale=locale_for(principal.locale),
        created_at=now,
        updated_at=now,
    )
    if not store.insert(profile):
        # Two first requests raced; the other one created it.
        created = store.find(principal.user_id, consistent=True)
        assert created is not None
        return created
    write_audit(
        "USER_CREATED",
        principal.user_id,
        principal.actor,
        after={"email": profile.email, "status": profile.status},
    )
    return profile


def find_profile(user_id: str) -> UserProfile | None:
    return store.find(user_id)


def mark_phone_verified(user_id: str, phone: str, actor: Actor) -> UserProfile:
    """Record ``phone`` (E.164, just proven by an OTP) as the user's verified phone number.

    One conditional write on the profile's version and status; a concurrent change of the profile
    is re-read and the write retried. Audited with the numbers masked.
    """
    for _ in range(3):
        profile = store.find(user_id, consistent=True)
        if profile is None:
            raise NotFound("user")
        if profile.status == UserStatus.SUSPENDED:
            raise AccountSuspended()
        if profile.phone == phone and profile.phone_verified:
            return profile
        before = {"phone": mask_phone(profile.phone), "phone_verified": profile.phone_verified}
        if not store.set_verified_phone(profile, phone, clock.now_iso()):
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
