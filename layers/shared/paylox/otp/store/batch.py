"""The OTP store's batched calls: one read of every row a flow judges, one transaction of its writes.

Part of :mod:`paylox.otp.store` (import that, not this): a send or a verify reads its codes,
counters and blocks in one ``BatchGetItem`` across the three OTP tables and writes everything it
decided in one ``TransactWriteItems`` (docs/otp.md, "Round trips").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from paylox.audit import APPEND_ONLY, AuditRecord
from paylox.db import connection, is_condition_failure
from paylox.errors import ConcurrentModification
from paylox.otp.models import BlockRow, CodeRow, CodeStatus, CounterRow, MessageRow, TokenRow
from paylox.values import frozen


@frozen
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
        response = connection().dispatch("BatchGetItem", {"RequestItems": request})
        for table, items in response.get("Responses", {}).items():
            found.setdefault(table, []).extend(items)
        request = response.get("UnprocessedKeys") or {}

    def rows[M: Model](model: type[M], name: str) -> dict[str, M]:
        return {item[name]["S"]: model.from_raw_data(item) for item in found.get(model.Meta.table_name, [])}

    return Rows(codes=rows(CodeRow, "pk"), counters=rows(CounterRow, "pk"), blocks=rows(BlockRow, "phone"))


@frozen
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
        with TransactWrite(connection=connection()) as transaction:
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
