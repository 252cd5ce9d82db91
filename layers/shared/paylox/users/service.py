"""User profiles: checked on every request, made by registration (:mod:`paylox.users.registration`)."""

from __future__ import annotations

from paylox.auth import Principal
from paylox.config import get_settings
from paylox.errors import AccountSuspended
from paylox.users import store
from paylox.users.errors import NotRegistered
from paylox.users.models import UserProfile, UserStatus
from paylox.users.registration import Registration, register


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
    return profile


def find_profile(user_id: str, *, consistent: bool = False) -> UserProfile | None:
    """The profile of ``user_id``, or None for someone who never registered."""
    return store.find(user_id, consistent=consistent)
