"""Verification tokens: the proof, handed to the client after a successful verification, that
this user just verified this phone for this purpose (and, for codes that approve money moves, for
this transaction, action and amount: :mod:`paylox.otp.bindings`).

A token is 256 random bits; only its SHA-256 is stored, with the user, phone, purpose and binding
it is bound to, and a short expiry. Consuming it is one conditional write (unused, unexpired, bound to
the caller), so a token works once even when two requests race with it.
"""

from __future__ import annotations

import hashlib
import secrets

from paylox import clock
from paylox.config import get_settings
from paylox.errors import DomainError
from paylox.otp import store
from paylox.otp.models import TokenRow
from paylox.statemachine import Claim

TOKEN_PREFIX = "otpv_"  # noqa: S105 - a marker, not a secret


def _pk(token: str) -> str:
    return "token|" + hashlib.sha256(token.encode()).hexdigest()


def issue_token(user_id: str, phone: str, purpose: str, *, binding: str | None = None) -> tuple[str, int]:
    """A new token bound to ``user_id``, ``phone``, ``purpose`` and ``binding`` (a
    :meth:`Binding.key`), stored; returns it and its lifetime."""
    token, lifetime, row = mint_token(user_id, phone, purpose, binding=binding)
    store.save_token(row)
    return token, lifetime


def mint_token(user_id: str, phone: str, purpose: str, *, binding: str | None = None) -> tuple[str, int, TokenRow]:
    """Like :func:`issue_token`, but the row is stored by the caller, with the write that approves
    the code (:func:`paylox.otp.store.commit_guess`)."""
    lifetime = get_settings().otp_token_ttl_seconds
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = store.new_token(
        _pk(token),
        user_id=user_id,
        phone=phone,
        purpose=purpose,
        binding=binding,
        created_at=clock.now_iso(),
        expires_at=clock.timestamp() + lifetime,
    )
    return token, lifetime, row


def consume_token(token: str, *, user_id: str, phone: str, purpose: str, binding: str | None = None) -> bool:
    """Use ``token`` up if it is unused, unexpired and bound to exactly this user, phone, purpose
    and binding. False otherwise (including when another request used it first)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        return False
    return store.use_token(
        _pk(token),
        user_id=user_id,
        phone=phone,
        purpose=purpose,
        binding=binding,
        now=clock.timestamp(),
        at=clock.now_iso(),
    )


def token_claim(
    token: str, *, user_id: str, phone: str, purpose: str, binding: str | None, refusal: DomainError
) -> Claim | None:
    """:func:`consume_token` as a :class:`~paylox.statemachine.Claim` for the move the token
    approves (made with it, in its DynamoDB transaction); None for something that cannot be a token."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        return None
    return store.token_claim(
        _pk(token),
        user_id=user_id,
        phone=phone,
        purpose=purpose,
        binding=binding,
        now=clock.timestamp(),
        at=clock.now_iso(),
        refusal=refusal,
    )
