"""Who is calling: the JWT authorizer's claims turned into a :class:`Principal`.

API Gateway has already verified the token's signature, expiry, issuer and audience before the
function runs; this module only reads the verified claims. Roles come from Cognito groups.

Of the identity claims, only what the identity provider says it verified is trusted: ``email`` is
kept only with ``email_verified`` true, and the ``phone_number`` claim is never a verified phone
(``phone_claim``: a hint at registration at most; codes that approve money go only to a phone
proven by an OTP, docs/otp.md).

Staff sign in with TOTP: Cognito sets MFA per pool or per user, never per group, so the pool only
allows it and the pre-token-generation trigger (``functions/users/pre_token.py``) writes
:data:`MFA_CLAIM` into the tokens of staff who have it on. Staff routes refuse a token without it
(``403 MFA_REQUIRED``); routes that move money also want a sign-in (``auth_time``) younger than
:data:`FRESH_AUTH_SECONDS` (``403 REAUTH_REQUIRED``). Both are claims of a token API Gateway
verified, so nobody can set them but the pool.
"""

from __future__ import annotations

from typing import Any, Literal

from paylox.errors import AdminOnly, MfaRequired, ReauthRequired, StaffOnly
from paylox.values import frozen

Role = Literal["admin", "support", "user", "system"]
STAFF_ROLES = frozenset({"admin", "support"})
#: Who a route is for beyond any active user, declared once per route: ``create_app(role=...)``.
RouteRole = Literal["staff", "admin"]
#: The claim the pre-token-generation trigger adds for a user with TOTP on; its only value.
MFA_CLAIM = "paylox:mfa"
MFA_TOTP = "totp"
#: How old a sign-in may be for a route that moves money (``create_app(..., fresh_auth=True)``).
FRESH_AUTH_SECONDS = 15 * 60


@frozen
class Actor:
    """Whoever performs an action, as recorded in timelines and the audit log."""

    id: str
    role: Role


SYSTEM = Actor(id="system", role="system")


@frozen
class Principal:
    user_id: str
    groups: frozenset[str]
    email: str | None = None  # only when the identity provider verified it (``email_verified``)
    phone_claim: str | None = None  # the token's ``phone_number``: unverified, never where codes go
    locale: str | None = None
    email_verified: bool = False  # the token's ``email_verified`` claim
    mfa: bool = False  # the token says its user signs in with TOTP (:data:`MFA_CLAIM`)
    auth_time: int | None = None  # when the user signed in (Unix seconds), not when the token was refreshed

    @property
    def is_admin(self) -> bool:
        """In the admin group and signed in with TOTP: without it, an admin is a plain user."""
        return "admin" in self.groups and self.mfa

    @property
    def is_staff(self) -> bool:
        """Admins and support agents signed in with TOTP: they may see every user's records.

        Staff powers reach user routes too (any transaction, dispute or document), so a staff
        account without TOTP gets none of them anywhere, not just on staff routes.
        """
        return bool(self.groups & STAFF_ROLES) and self.mfa

    @property
    def role(self) -> Role:
        if self.is_admin:
            return "admin"
        return "support" if "support" in self.groups else "user"

    @property
    def actor(self) -> Actor:
        return Actor(id=self.user_id, role=self.role)


def require_role(principal: Principal, role: RouteRole) -> None:
    """Raise ``403 STAFF_ONLY`` / ``403 ADMIN_ONLY`` unless ``principal`` may call a ``role`` route,
    and ``403 MFA_REQUIRED`` unless their token says they signed in with TOTP.

    A 403 rather than a 404: the route is no secret, and the answer does not depend on any record.
    Checks that do (a party to a dispute acting on it as staff, a document's owner) stay in the
    services.
    """
    if role == "admin" and "admin" not in principal.groups:
        raise AdminOnly()
    if role == "staff" and not principal.groups & STAFF_ROLES:
        raise StaffOnly()
    if not principal.mfa:
        raise MfaRequired()


def require_fresh_auth(principal: Principal, now: int) -> None:
    """Raise ``403 REAUTH_REQUIRED`` unless ``principal`` signed in at most
    :data:`FRESH_AUTH_SECONDS` before ``now`` (Unix seconds).

    A refreshed token keeps its ``auth_time``: a stolen refresh token alone cannot move money.
    """
    if principal.auth_time is None or now - principal.auth_time > FRESH_AUTH_SECONDS:
        raise ReauthRequired()


def parse_groups(raw: Any) -> frozenset[str]:
    """Cognito groups as HTTP API hands them over.

    The JWT authorizer flattens array claims into a string such as ``"[admin support]"``; a REST
    API or a test may pass a real list or a comma-separated string. All mean the same.
    """
    if raw is None:
        return frozenset()
    if isinstance(raw, list | tuple | set | frozenset):
        return frozenset(str(group) for group in raw)
    text = str(raw).strip().strip("[]")
    return frozenset(part for part in text.replace(",", " ").split() if part)


def principal_from_event(event: dict[str, Any]) -> Principal | None:
    """The caller of an HTTP API v2.0 event, or ``None`` on a public route (no authorizer)."""
    claims = event.get("requestContext", {}).get("authorizer", {}).get("jwt", {}).get("claims")
    if not claims or not claims.get("sub"):
        return None
    # HTTP API hands boolean claims over as strings.
    email_verified = str(claims.get("email_verified", "")).lower() == "true"
    return Principal(
        user_id=str(claims["sub"]),
        groups=parse_groups(claims.get("cognito:groups")),
        email=(claims.get("email") or None) if email_verified else None,
        phone_claim=claims.get("phone_number") or None,
        locale=claims.get("locale"),
        email_verified=email_verified,
        mfa=claims.get(MFA_CLAIM) == MFA_TOTP,
        auth_time=_seconds(claims.get("auth_time")),
    )


def _seconds(raw: Any) -> int | None:
    # HTTP API hands numeric claims over as strings.
    try:
        return int(float(raw))
    except (TypeError, ValueError, OverflowError):
        return None
