"""Verification tokens: the proof, handed to the client after a successful verification, that
this user just verified this phone for this purpose.

A token is 256 random bits; only its SHA-256 is stored, with the user, phone and purpose it is
bound to, and a short expiry. Consuming it is one conditional write (unused, unexpired, bound to
the caller), so a token works once even when two requests race with it.
"""

from __future__ import annotations

import hashlib
import secrets

from pynamodb.exceptions import UpdateError

from paylox import clock
from paylox.config import get_settings
from paylox.db import is_condition_failure
from paylox.otp.models import TokenRow

TOKEN_PREFIX = "otpv_"  # noqa: S105 - a marker, not a secret


def _pk(token: str) -> str:
    return "token|" + hashlib.sha256(token.encode()).hexdigest()


def issue_token(user_id: str, phone: str, purpose: str) -> tuple[str, int]:
    """A new token bound to ``user_id``, ``phone`` and ``purpose``; returns it and its lifetime."""
    lifetime = get_settings().otp_token_ttl_seconds
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = clock.timestamp() + lifetime
    TokenRow(
        _pk(token),
        user_id=user_id,
        phone=phone,
        purpose=purpose,
        created_at=clock.now_iso(),
        expires_at=expires_at,
        ttl=expires_at,
    ).save(condition=TokenRow.pk.does_not_exist())
    return token, lifetime


def consume_token(token: str, *, user_id: str, phone: str, purpose: str) -> bool:
    """Use ``token`` up if it is unused, unexpired and bound to exactly this user, phone and
    purpose. False otherwise (including when another request used it first)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        return False
    try:
        TokenRow(_pk(token)).update(
            actions=[TokenRow.used_at.set(clock.now_iso())],
            condition=(
                TokenRow.pk.exists()
                & TokenRow.used_at.does_not_exist()
                & (TokenRow.expires_at > clock.timestamp())
                & (TokenRow.user_id == user_id)
                & (TokenRow.phone == phone)
                & (TokenRow.purpose == purpose)
            ),
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    return True
