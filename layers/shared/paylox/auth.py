"""Who is calling: the JWT authorizer's claims turned into a :class:`Principal`.

API Gateway has already verified the token's signature, expiry, issuer and audience before the
function runs; this module only reads the verified claims. Roles come from Cognito groups.

Of the identity claims, only what the identity provider says it verified is trusted: ``email`` is
kept only with ``email_verified`` true, and the ``phone_number`` claim is never a verified phone
(``phone_claim``: a hint at registration at most; codes that approve money go only to a phone
proven by an OTP, docs/otp.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from paylox.errors import AdminOnly, StaffOnly

Role = Literal["admin", "support", "user", "system"]
STAFF_ROLES = frozenset({"admin", "support"})
#: Who a route is for beyond any active user, declared once per route: ``create_app(role=...)``.
RouteRole = Literal["staff", "admin"]


@dataclass(frozen=True)
class Actor:
    """Whoever performs an action, as recorded in timelines and the audit log."""

    id: str
    role: Role


SYSTEM = Actor(id="system", role="system")


@dataclass(frozen=True)
class Principal:
    user_id: str
    groups: frozenset[str]
    email: str | None = None  # only when the identity provider verified it (``email_verified``)
    phone_claim: str | None = None  # the token's ``phone_number``: unverified, never where codes go
    locale: str | None = None
    email_verified: bool = False  # the token's ``email_verified`` claim

    @property
    def is_admin(self) -> bool:
        return "admin" in self.groups

    @property
    def is_staff(self) -> bool:
        """Admins and support agents: they may see every user's records."""
        return bool(self.groups & STAFF_ROLES)

    @property
    def role(self) -> Role:
        if self.is_admin:
            return "admin"
        return "support" if "support" in self.groups else "user"

    @property
    def actor(self) -> Actor:
        return Actor(id=self.user_id, role=self.role)


def require_role(principal: Principal, role: RouteRole) -> None:
    """Raise ``403 STAFF_ONLY`` / ``403 ADMIN_ONLY`` unless ``principal`` may call a ``role`` route.

    A 403 rather than a 404: the route is no secret, and the answer does not depend on any record.
    Checks that do (a party to a dispute acting on it as staff, a document's owner) stay in the
    services.
    """
    if role == "admin" and not principal.is_admin:
        raise AdminOnly()
    if role == "staff" and not principal.is_staff:
        raise StaffOnly()


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
    )
