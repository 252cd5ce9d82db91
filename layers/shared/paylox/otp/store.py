"""DynamoDB side of OTP: codes, verification tokens, sent messages, limit counters, the blocklist.

The only module that reads or writes :mod:`paylox.otp.models`; the flows (:mod:`.service`,
:mod:`.limits`, :mod:`.tokens`, :mod:`.delivery`, :mod:`.blocklist`) call it. Every write that
races is conditional; a lost race is reported as ``False`` (or ``None``) for the caller to judge,
never as a PynamoDB exception.
"""

from __future__ import annotations

from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.expressions.update import Action

from paylox.db import is_condition_failure
from paylox.errors import ConcurrentModification
from paylox.otp.models import BLOCK_KIND, BlockRow, CodeRow, CodeStatus, CounterRow, MessageRow, TokenRow
from paylox.paging import Keyset

#: The admin blocklist: ordered by number, continued after the last number.
BLOCKS_BY_NUMBER: Keyset[BlockRow] = Keyset(
    "otp-blocklist", key=lambda row: {"phone": row.phone}, fields={"phone": r"^\+[1-9][0-9]{6,14}$"}
)


# ---------------------------------------------------------------- codes


def load_code(user_id: str, phone: str, purpose: str) -> CodeRow | None:
    """The one code of (user, phone, purpose), whatever its state; ``None`` when there is none."""
    try:
        return CodeRow.get(CodeRow.key(user_id, phone, purpose), consistent_read=True)
    except CodeRow.DoesNotExist:
        return None


def replace_code(
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
    """Store a new pending code, replacing the previous one of the same (user, phone, purpose),
    whatever it was bound to."""
    row = CodeRow(
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
    # Replacing the previous code is the point (resend invalidates it). Sends to one number are
    # already serialised by the per-phone cooldown, taken with a conditional write.
    row.save()
    return row


def discard_code(row: CodeRow) -> None:
    """Remove ``row``'s code, unless a newer code has replaced it meanwhile."""
    try:
        row.delete(condition=CodeRow.code_id == row.code_id)
    except DeleteError as exc:
        if not is_condition_failure(exc):
            raise


def count_attempt(row: CodeRow, now: int) -> bool:
    """Count one guess on ``row`` (refreshed with the count) while it is still the same code,
    pending, unexpired and under its limit. False when another guess or a resend came first."""
    try:
        row.update(
            actions=[CodeRow.attempts.add(1)],
            condition=(CodeRow.code_id == row.code_id)
            & (CodeRow.status == CodeStatus.PENDING.value)
            & (CodeRow.attempts < int(row.max_attempts))
            & (CodeRow.expires_at > now),
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    return True


def approve_code(row: CodeRow) -> bool:
    """Use the code up; False when it is no longer this pending code (another guess won)."""
    try:
        row.update(
            actions=[CodeRow.status.set(CodeStatus.APPROVED.value)],
            condition=(CodeRow.code_id == row.code_id) & (CodeRow.status == CodeStatus.PENDING.value),
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    return True


# ---------------------------------------------------------------- messages


def save_message(
    provider: str, message_id: str, *, phone: str, user_id: str, purpose: str, status: str, at: str, ttl: int
) -> None:
    """Record an SMS a provider accepted, with the status it reported."""
    MessageRow(
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
    ).save()


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


def save_token(
    key: str, *, user_id: str, phone: str, purpose: str, binding: str | None, created_at: str, expires_at: int
) -> None:
    """Store a new token under ``key`` (a hash of 256 random bits: never an existing one)."""
    TokenRow(
        key,
        user_id=user_id,
        phone=phone,
        purpose=purpose,
        binding=binding,
        created_at=created_at,
        expires_at=expires_at,
        ttl=expires_at,
    ).save(condition=TokenRow.pk.does_not_exist())


def use_token(key: str, *, user_id: str, phone: str, purpose: str, binding: str | None, now: int, at: str) -> bool:
    """Mark the token stored under ``key`` used, if it is unused, unexpired at ``now`` and bound
    to exactly this user, phone, purpose and binding (``None``: none). False otherwise (or when
    another request used it)."""
    bound = TokenRow.binding == binding if binding is not None else TokenRow.binding.does_not_exist()
    try:
        TokenRow(key).update(
            actions=[TokenRow.used_at.set(at)],
            condition=(
                TokenRow.pk.exists()
                & TokenRow.used_at.does_not_exist()
                & (TokenRow.expires_at > now)
                & (TokenRow.user_id == user_id)
                & (TokenRow.phone == phone)
                & (TokenRow.purpose == purpose)
                & bound
            ),
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    return True


# ---------------------------------------------------------------- limit counters


def add_hit(key: str, now: int, limit: int | None) -> tuple[int, int] | None:
    """Count one hit in the live window of ``key`` if it has fewer than ``limit`` hits; returns
    ``(hits, window_end)``, or ``None`` when no window is live or the limit is reached."""
    condition = CounterRow.window_end > now
    if limit is not None:
        condition &= CounterRow.hits < limit
    row = CounterRow(key)
    try:
        row.update(actions=[CounterRow.hits.add(1)], condition=condition)
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        return None
    return int(row.hits), int(row.window_end)


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


def live_window(key: str, now: int) -> tuple[int, int] | None:
    """``(hits, window_end)`` of the window of ``key`` still open at ``now``, if there is one."""
    try:
        row = CounterRow.get(key, consistent_read=True)
    except CounterRow.DoesNotExist:
        return None
    return (int(row.hits), int(row.window_end)) if int(row.window_end) > now else None


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


# ---------------------------------------------------------------- the blocklist


def get_block(phone: str) -> BlockRow | None:
    """The block of ``phone`` as stored, in force or expired."""
    try:
        return BlockRow.get(phone, consistent_read=True)
    except BlockRow.DoesNotExist:
        return None


def add_auto_block(phone: str, *, reason: str, blocked_by: str, blocked_at: str, until: int, now: int) -> bool:
    """Block ``phone`` automatically until ``until``, unless a block is in force at ``now`` (False then)."""
    row = _block(phone, reason=reason, source="auto", blocked_by=blocked_by, blocked_at=blocked_at, until=until)
    try:
        row.save(condition=BlockRow.phone.does_not_exist() | (BlockRow.expires_at <= now))
    except PutError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    return True


def put_block(
    phone: str, *, reason: str, blocked_by: str, blocked_at: str, until: int | None, replacing: BlockRow | None
) -> BlockRow:
    """An admin's block of ``phone`` (``until`` ``None``: until removed), over ``replacing`` (the
    block read before, or ``None``); raises :class:`ConcurrentModification` when it changed meanwhile."""
    row = _block(phone, reason=reason, source="admin", blocked_by=blocked_by, blocked_at=blocked_at, until=until)
    condition = BlockRow.blocked_at == replacing.blocked_at if replacing else BlockRow.phone.does_not_exist()
    try:
        row.save(condition=condition)
    except PutError as exc:
        if not is_condition_failure(exc):
            raise
        raise ConcurrentModification(resource="resource") from exc
    return row


def _block(phone: str, *, reason: str, source: str, blocked_by: str, blocked_at: str, until: int | None) -> BlockRow:
    return BlockRow(
        phone,
        reason=reason,
        source=source,
        blocked_by=blocked_by,
        blocked_at=blocked_at,
        expires_at=until,
        ttl=until,
    )


def delete_block(row: BlockRow) -> None:
    """Remove the block ``row`` as read; raises :class:`ConcurrentModification` when it changed."""
    try:
        row.delete(condition=BlockRow.blocked_at == row.blocked_at)
    except DeleteError as exc:
        if not is_condition_failure(exc):
            raise
        raise ConcurrentModification(resource="resource") from exc


def blocks_in_force(now: int, limit: int, cursor: str | None) -> tuple[list[BlockRow], str | None]:
    """A page of the blocks in force at ``now``, ordered by number, and the next page's cursor
    (a Query on the ``by_kind`` index, never a Scan). Raises ``InvalidCursor`` for a cursor this
    list did not issue."""
    after = BLOCKS_BY_NUMBER.after(cursor)
    rows = BlockRow.by_kind.query(
        BLOCK_KIND,
        range_key_condition=BlockRow.phone > after["phone"] if after else None,
        filter_condition=BlockRow.expires_at.does_not_exist() | (BlockRow.expires_at > now),
        limit=limit + 1,
    )
    return BLOCKS_BY_NUMBER.page(list(rows), limit)
