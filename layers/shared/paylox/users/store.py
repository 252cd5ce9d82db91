"""The stored user profiles: the only module that touches :class:`UserProfile`."""

from __future__ import annotations

from pynamodb.exceptions import PutError, UpdateError

from paylox.db import is_condition_failure
from paylox.users.models import UserProfile, UserStatus


def find(user_id: str, *, consistent: bool = False) -> UserProfile | None:
    try:
        return UserProfile.get(user_id, consistent_read=consistent)
    except UserProfile.DoesNotExist:
        return None


def insert(profile: UserProfile) -> bool:
    """Store a new profile; False when one with its id exists already (a racing first request)."""
    try:
        profile.save(condition=UserProfile.user_id.does_not_exist())
    except PutError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    return True


def set_verified_phone(profile: UserProfile, phone: str, now: str) -> bool:
    """Record ``phone`` as verified on the active ``profile``, conditioned on its version; False
    when the profile changed since it was read."""
    try:
        profile.update(
            actions=[
                UserProfile.phone.set(phone),
                UserProfile.phone_verified.set(True),
                UserProfile.updated_at.set(now),
            ],
            condition=UserProfile.status == UserStatus.ACTIVE.value,
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    return True
