"""The OTP store's blocklist rows (part of :mod:`paylox.otp.store`: import that, not this)."""

from __future__ import annotations

from pynamodb.exceptions import DeleteError, PutError

from paylox.db import is_condition_failure
from paylox.errors import ConcurrentModification
from paylox.otp.models import BLOCK_KIND, BlockRow
from paylox.paging import Keyset

BLOCKS_BY_NUMBER: Keyset[BlockRow] = Keyset(
    "otp-blocklist", key=lambda row: {"phone": row.phone}, fields={"phone": r"^\+[1-9][0-9]{6,14}$"}
)


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
