"""Registration: a user's profile is made when they confirm their sign-up.

The user pool's Cognito PostConfirmation trigger (``UserRegisteredFunction``) hands over the
confirmed attributes. Only what the pool has verified is trusted: the email only when
``email_verified`` is ``"true"``; a phone number is kept but never as verified (that takes an OTP,
docs/otp.md). With an external issuer whose pool has no such trigger, the caller's first request
registers them from their token instead (``PROFILE_ON_FIRST_REQUEST``); both ways go through
:func:`register`, so a profile is made once, audited, and announced as ``UserRegistered``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from paylox import clock
from paylox.audit import audit_record
from paylox.auth import Actor, Principal
from paylox.events import DomainEvent
from paylox.observability import logger, mask_email, mask_phone
from paylox.types import Locale, locale_for
from paylox.users import store
from paylox.users.models import UserProfile
from paylox.values import frozen

#: The trigger source of a confirmed sign-up; PostConfirmation also fires for a confirmed password reset.
CONFIRM_SIGN_UP = "PostConfirmation_ConfirmSignUp"
Source = Literal["cognito", "first_request"]


@frozen
class Registration:
    """Who registered, with the attributes their profile starts from."""

    user_id: str
    email: str | None
    phone: str | None
    locale: Locale
    source: Source

    @classmethod
    def from_post_confirmation(cls, event: Mapping[str, Any]) -> Registration | None:
        """The registration a Cognito PostConfirmation event confirms; None for other trigger
        sources (a password reset registers nobody). Raises ``ValueError`` without a ``sub``."""
        if event.get("triggerSource") != CONFIRM_SIGN_UP:
            return None
        attributes: Mapping[str, Any] = (event.get("request") or {}).get("userAttributes") or {}
        user_id = str(attributes.get("sub") or "").strip()
        if not user_id:
            raise ValueError("a PostConfirmation event without the user's sub")
        verified = str(attributes.get("email_verified", "")).lower() == "true"
        return cls(
            user_id=user_id,
            email=(attributes.get("email") or None) if verified else None,
            phone=attributes.get("phone_number") or None,
            locale=locale_for(attributes.get("locale")),
            source="cognito",
        )

    @classmethod
    def from_principal(cls, principal: Principal) -> Registration:
        """A first request's registration, from the token's claims (the fallback for an external
        issuer); as with the trigger, the email only if the token says it is verified, and the
        phone as registered, never verified."""
        return cls(
            user_id=principal.user_id,
            email=principal.email if principal.email_verified else None,
            phone=principal.phone_claim,
            locale=locale_for(principal.locale),
            source="first_request",
        )


def register(registration: Registration) -> tuple[UserProfile, bool]:
    """The user's profile, made from ``registration`` unless they have one; True when made now.

    A profile that exists is returned as stored, whatever ``registration`` says: registering twice
    changes nothing, audits nothing and announces nothing. The profile and its ``USER_REGISTERED``
    audit record are one DynamoDB transaction, and ``UserRegistered`` is announced in it.
    """
    now = clock.now_iso()
    profile = UserProfile(
        registration.user_id,
        email=registration.email,
        phone=registration.phone,
        phone_verified=False,
        locale=registration.locale,
        created_at=now,
        updated_at=now,
    )
    record = audit_record(
        "USER_REGISTERED",
        registration.user_id,
        Actor(id=registration.user_id, role="user"),
        after={
            "email": registration.email,
            "phone": mask_phone(registration.phone) if registration.phone else None,
            "locale": registration.locale,
            "status": profile.status,
            "source": registration.source,
        },
    )
    registered = DomainEvent("UserRegistered", _event_detail(profile, registration.source), "users")
    if not store.create(profile, record, [registered]):
        existing = store.find(registration.user_id, consistent=True)
        assert existing is not None  # profiles are never deleted
        return existing, False
    logger.info(
        "user registered",
        extra={"user_id": profile.user_id, "source": registration.source, "email": mask_email(profile.email)},
    )
    return profile, True


def _event_detail(profile: UserProfile, source: Source) -> dict[str, Any]:
    # No email or phone on the bus: consumers read the profile when they need to reach the user.
    return {
        "user_id": profile.user_id,
        "locale": profile.locale,
        "has_email": profile.email is not None,
        "source": source,
        "created_at": profile.created_at,
    }
