"""The MFA claim of staff tokens, written by the user pool's pre-token-generation trigger.

Cognito sets MFA per pool or per user, never per group: the pool allows TOTP and each staff member
turns it on. So that staff routes can refuse staff who have not (``403 MFA_REQUIRED``,
:func:`paylox.auth.require_role`), the trigger (``PreTokenFunction``) adds
:data:`paylox.auth.MFA_CLAIM` = ``"totp"`` to the ID token of a staff member whose TOTP is on.

The trigger's event does not say whether the user has MFA, so the trigger asks the pool
(``AdminGetUser``: ``UserMFASettingList``), only for staff: other users' sign-ins cost no call.
The claim is always suppressed first, so a token never carries it from anywhere but this answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from paylox.auth import MFA_CLAIM, MFA_TOTP, STAFF_ROLES

#: The name ``UserMFASettingList`` gives TOTP (an authenticator app).
TOTP_SETTING = "SOFTWARE_TOKEN_MFA"


class UserPool(Protocol):
    """What the trigger needs of the Cognito client: ``AdminGetUser``."""

    def admin_get_user(self, *, UserPoolId: str, Username: str) -> Mapping[str, Any]: ...


def staff_groups(event: Mapping[str, Any]) -> frozenset[str]:
    """The staff groups the token is being made for (``groupConfiguration.groupsToOverride``)."""
    groups = ((event.get("request") or {}).get("groupConfiguration") or {}).get("groupsToOverride") or []
    return frozenset(str(group) for group in groups) & STAFF_ROLES


def has_totp(pool: UserPool, pool_id: str, username: str) -> bool:
    """Whether the user has TOTP on (it is among their MFA settings), as the pool says."""
    user = pool.admin_get_user(UserPoolId=pool_id, Username=username)
    return TOTP_SETTING in (user.get("UserMFASettingList") or [])


def add_mfa_claim(event: dict[str, Any], pool: UserPool) -> dict[str, Any]:
    """The pre-token-generation event (version 1) with its answer: :data:`MFA_CLAIM` added for
    staff with TOTP on, and suppressed for everyone else. Returns ``event``, as Cognito wants it."""
    totp = bool(staff_groups(event)) and has_totp(pool, str(event["userPoolId"]), str(event["userName"]))
    details: dict[str, Any] = {"claimsToAddOrOverride": {MFA_CLAIM: MFA_TOTP}} if totp else {}
    if not totp:
        details["claimsToSuppress"] = [MFA_CLAIM]
    event.setdefault("response", {})["claimsOverrideDetails"] = details
    return event
