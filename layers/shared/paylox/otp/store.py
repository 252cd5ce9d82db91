"""DynamoDB side of OTP: codes, verification tokens, sent messages, limit counters, the blocklist.

The only module that reads or writes :mod:`paylox.otp.models`; the flows (:mod:`.service`,
:mod:`.limits`, :mod:`.tokens`, :mod:`.delivery`, :mod:`.blocklist`) call it. Every write that
races is conditional; a lost race is reported as ``False`` (or ``None``) for the caller to judge,
never as a PynamoDB exception.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from paylox.audit import APPEND_ONLY, AuditRecord
from paylox.db import is_condition_failure
from paylox.errors import ConcurrentModification
from paylox.otp.models import BLOCK_KIND, BlockRow, CodeRow, CodeStatus, CounterRow, MessageRow, TokenRow
from paylox.paging import Keyset

#: The admin blocklist: ordered by number, continued after the last number.
BLOCKS_BY_NUMBER: Keyset[BlockRow] = Keyset(
    "otp-blocklist", key=lambda row: {"phone": row.phone}, fields={"phone": r"^\+[1-9][0-9]{6,14}$"}
)


# ---------------------------------------------------------------- one read, one write


@cache
def _connection() -> Connection:
    """One connection (and botocore client) per execution environment for the batched calls."""
    return Connection()


@dataclass(frozen=True)
class Rows:
    """What one :func:`read_rows` found, by key: absent keys have no row."""

    codes: dict[str, CodeRow]
    counters: dict[str, CounterRow]
    blocks: dict[str, BlockRow]


def read_rows(*, codes: Iterable[str] = (), counters: Iterable[str] = (), blocks: Iterable[str] = ()) -> Rows:
    """Codes (by ``pk``), limit counters (by key) and blocks (by number), consistently, in one
    ``BatchGetItem`` across the three OTP tables (plus one more call per batch DynamoDB left
    unprocessed, which only happens under throttling)."""
    wanted: list[tuple[type[Model], str, list[str]]] = [
        (CodeRow, "pk", list(dict.fromkeys(codes))),
        (CounterRow, "pk", list(dict.fromkeys(counters))),
        (BlockRow, "phone", list(dict.fromkeys(blocks))),
    ]
    request = {
        model.Meta.table_name: {"Keys": [{name: {"S": key}} for key in keys], "ConsistentRead": True}
        for model, name, keys in wanted
        if keys
    }
    found: dict[str, list[dict[str, Any]]] = {}
    while request:
        response = _connection().dispatch("BatchGetItem", {"RequestItems": request})
        for table, items in response.get("Responses", {}).items():
            found.setdefault(table, []).extend(items)
        request = response.get("UnprocessedKeys") or {}

    def rows[M: Model](model: type[M], name: str) -> dict[str, M]:
        return {item[name]["S"]: model.from_raw_data(item) for item in found.get(model.Meta.table_name, [])}

    return Rows(codes=rows(CodeRow, "pk"), counters=rows(CounterRow, "pk"), blocks=rows(BlockRow, "phone"))


@dataclass(frozen=True)
class Hit:
    """One event to count under ``key``: it opens a new window (``opens``) or adds ``amount`` to
    the live one ending at ``window_end``, which must then hold at most ``ceiling`` hits before it."""

    key: str
    count: int  # the window's hits once this one is counted
    window_end: int
    opens: bool
    amount: int = 1
    ceiling: int | None = None


def _count(transaction: TransactWrite, hit: Hit, now: int) -> None:
    if hit.opens:
        row = CounterRow(hit.key, hits=hit.amount, window_end=hit.window_end, ttl=hit.window_end)
        transaction.save(row, condition=CounterRow.pk.does_not_exist() | (CounterRow.window_end <= now))
        return
    condition = CounterRow.window_end == hit.window_end
    if hit.ceiling is not None:
        condition &= CounterRow.hits <= hit.ceiling
    transaction.update(CounterRow(hit.key), actions=[CounterRow.hits.add(hit.amount)], condition=condition)


def _transact(build: Callable[[TransactWrite], None]) -> bool:
    """Run one ``TransactWriteItems``; False when a condition failed or a concurrent transaction
    on the same items won (the caller reads again and judges anew)."""
    try:
        with TransactWrite(connection=_connection()) as transaction:
            build(transaction)
    except TransactWriteError as exc:
        reasons: Any = getattr(exc, "cancellation_reasons", None) or []
        if is_condition_failure(exc) or any(r is not None and r.code == "TransactionConflict" for r in reasons):
            return False
        raise
    return True


def commit_send(hits: list[Hit], codes: list[CodeRow], now: int) -> bool:
    """Count every limit a send takes and store its new codes (replacing the previous ones), all
    or nothing; False when a limit changed since it was read."""

    def build(transaction: TransactWrite) -> None:
        for hit in hits:
            _count(transaction, hit, now)
        for row in codes:
            transaction.save(row)  # replacing the previous code is the point (a resend kills it)

    return _transact(build)


def commit_guess(
    guesses: list[tuple[CodeRow, bool]],
    hits: list[Hit],
    records: list[AuditRecord],
    now: int,
    token: TokenRow | None = None,
) -> bool:
    """Count one attempt on each code as read (``approve``: and use it up), with the failure
    counters, the audit records and the new verification token, all or nothing. False when a code
    changed since it was read (another guess or a resend came first) or a counter did."""

    def build(transaction: TransactWrite) -> None:
        for row, approve in guesses:
            actions: list[Action] = [CodeRow.attempts.add(1)]
            if approve:
                actions.append(CodeRow.status.set(CodeStatus.APPROVED.value))
            condition = (
                (CodeRow.code_id == row.code_id)
                & (CodeRow.status == CodeStatus.PENDING.value)
                & (CodeRow.attempts == int(row.attempts))
                & (CodeRow.expires_at > now)
            )
            transaction.update(CodeRow(row.pk), actions=actions, condition=condition)
        for hit in hits:
            _count(transaction, hit, now)
        for record in records:
            transaction.save(record, condition=APPEND_ONLY)
        if token is not None:
            transaction.save(token, condition=TokenRow.pk.does_not_exist())

    return _transact(build)


def commit_sent(message: MessageRow, record: AuditRecord) -> None:
    """Record an SMS a provider accepted with its audit record, in one write."""

    def build(transaction: TransactWrite) -> None:
        transaction.save(message)
        transaction.save(record, condition=APPEND_ONLY)

    if not _transact(build):
        raise ConcurrentModification(resource="resource")  # an audit id collision: never in practice


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
