"""DynamoDB side of OTP: codes, verification tokens, sent messages, limit counters, the blocklist.

The only module that reads or writes :mod:`paylox.otp.models`; the flows (:mod:`.service`,
:mod:`.limits`, :mod:`.tokens`, :mod:`.delivery`, :mod:`.blocklist`) call it. Every write that
races is conditional; a lost race is reported as ``False`` (or ``None``) for the caller to judge,
never as a PynamoDB exception. The batched read and the transactions of a send or a verify are in
:mod:`.batch`, the blocklist rows in :mod:`.blocks`; callers import this package only.
"""

from __future__ import annotations

from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from paylox.db import is_condition_failure
from paylox.errors import DomainError
from paylox.otp.models import CodeRow, CodeStatus, CounterRow, MessageRow, TokenRow
from paylox.otp.store.batch import Hit, Rows, commit_guess, commit_send, commit_sent, read_rows
from paylox.otp.store.blocks import (
    BLOCKS_BY_NUMBER,
    add_auto_block,
    blocks_in_force,
    delete_block,
    get_block,
    put_block,
)
from paylox.statemachine import Claim

__all__ = [
    "BLOCKS_BY_NUMBER",
    "Hit",
    "Rows",
    "add_auto_block",
    "advance_message",
    "blocks_in_force",
    "commit_guess",
    "commit_send",
    "commit_sent",
    "delete_block",
    "delete_sole_hit",
    "discard_code",
    "get_block",
    "new_code",
    "new_message",
    "new_token",
    "open_window",
    "put_block",
    "read_rows",
    "remove_hit",
    "save_token",
    "token_claim",
    "use_token",
]


# ---------------------------------------------------------------- codes


def new_code(
    user_id: str,
    phone: str,
    purpose: str,
    *,
    binding: str | None,
    code_id: str,
    code_hash: str,
    max_attempts: int,
    created_at: str,
    expires_at: int,
    ttl: int,
) -> CodeRow:
    """A new pending code of (user, phone, purpose), not yet stored (:func:`commit_send` does)."""
    return CodeRow(
        CodeRow.key(user_id, phone, purpose),
        code_id=code_id,
        code_hash=code_hash,
        user_id=user_id,
        phone=phone,
        purpose=purpose,
        binding=binding,
        status=CodeStatus.PENDING.value,
        attempts=0,
        max_attempts=max_attempts,
        created_at=created_at,
        expires_at=expires_at,
        ttl=ttl,
    )


def discard_code(row: CodeRow) -> None:
    """Remove ``row``'s code, unless a newer code has replaced it meanwhile."""
    try:
        row.delete(condition=CodeRow.code_id == row.code_id)
    except DeleteError as exc:
        if not is_condition_failure(exc):
            raise


# ---------------------------------------------------------------- messages


def new_message(
    provider: str, message_id: str, *, phone: str, user_id: str, purpose: str, status: str, at: str, ttl: int
) -> MessageRow:
    """The record of an SMS a provider accepted, with the status it reported (:func:`commit_sent`)."""
    return MessageRow(
        MessageRow.key(provider, message_id),
        provider=provider,
        message_id=message_id,
        phone=phone,
        user_id=user_id,
        purpose=purpose,
        status=status,
        created_at=at,
        updated_at=at,
        ttl=ttl,
    )


def advance_message(
    provider: str, message_id: str, status: str, *, earlier: list[str], error_code: str | None, at: str
) -> MessageRow | None:
    """Set a known message's ``status`` if its stored status is one of ``earlier``; returns the
    updated row, or ``None`` for an unknown message or a status that would move backwards."""
    actions: list[Action] = [MessageRow.status.set(status), MessageRow.updated_at.set(at)]
    if error_code:
        actions.append(MessageRow.error_code.set(error_code))
    row = MessageRow(MessageRow.key(provider, message_id))
    try:
        row.update(actions=actions, condition=MessageRow.pk.exists() & MessageRow.status.is_in(*earlier))
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        return None
    return row


# ---------------------------------------------------------------- verification tokens


def new_token(
    key: str, *, user_id: str, phone: str, purpose: str, binding: str | None, created_at: str, expires_at: int
) -> TokenRow:
    """A new token under ``key`` (a hash of 256 random bits: never an existing one), not yet stored."""
    return TokenRow(
        key,
        user_id=user_id,
        phone=phone,
        purpose=purpose,
        binding=binding,
        created_at=created_at,
        expires_at=expires_at,
        ttl=expires_at,
    )


def save_token(row: TokenRow) -> None:
    row.save(condition=TokenRow.pk.does_not_exist())


def use_token(key: str, *, user_id: str, phone: str, purpose: str, binding: str | None, now: int, at: str) -> bool:
    """Mark the token stored under ``key`` used, if it is unused, unexpired at ``now`` and bound
    to exactly this user, phone, purpose and binding (``None``: none). False otherwise (or when
    another request used it)."""
    try:
        TokenRow(key).update(
            actions=[TokenRow.used_at.set(at)],
            condition=_usable(user_id=user_id, phone=phone, purpose=purpose, binding=binding, now=now),
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    return True


def token_claim(
    key: str,
    *,
    user_id: str,
    phone: str,
    purpose: str,
    binding: str | None,
    now: int,
    at: str,
    refusal: DomainError,
) -> Claim:
    """:func:`use_token` as a :class:`~paylox.statemachine.Claim` of the move it approves: the token
    is used up by the move's own DynamoDB transaction, so both happen or neither does, in one write;
    ``refusal`` when the token is not usable (as :func:`use_token` would return False)."""
    condition = _usable(user_id=user_id, phone=phone, purpose=purpose, binding=binding, now=now)
    return Claim(TokenRow(key), [TokenRow.used_at.set(at)], condition, refusal)


def _usable(*, user_id: str, phone: str, purpose: str, binding: str | None, now: int) -> Condition:
    bound = TokenRow.binding == binding if binding is not None else TokenRow.binding.does_not_exist()
    usable: Condition = (
        TokenRow.pk.exists()
        & TokenRow.used_at.does_not_exist()
        & (TokenRow.expires_at > now)
        & (TokenRow.user_id == user_id)
        & (TokenRow.phone == phone)
        & (TokenRow.purpose == purpose)
        & bound
    )
    return usable


# ---------------------------------------------------------------- limit counters


def open_window(key: str, now: int, window: int) -> bool:
    """Open a new window of ``key`` with one hit, unless a live one exists (False then)."""
    fresh = CounterRow(key, hits=1, window_end=now + window, ttl=now + window)
    try:
        fresh.save(condition=CounterRow.pk.does_not_exist() | (CounterRow.window_end <= now))
    except PutError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    return True


def delete_sole_hit(key: str, window_end: int) -> bool:
    """Delete the window ending at ``window_end`` if its only hit is ours; False if it has others."""
    try:
        CounterRow(key).delete(condition=(CounterRow.window_end == window_end) & (CounterRow.hits == 1))
    except DeleteError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    return True


def remove_hit(key: str, window_end: int) -> None:
    """Take one hit out of the window ending at ``window_end``; nothing if that window is gone."""
    try:
        CounterRow(key).update(
            actions=[CounterRow.hits.add(-1)], condition=(CounterRow.window_end == window_end) & (CounterRow.hits > 0)
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
