"""Numbers that get no SMS: blocked by an admin (until removed, or for a while) or automatically
after abuse (many failed verifications or sends in a day), for a configurable time."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import unquote

from pynamodb.exceptions import DeleteError, PutError

from paylox import clock
from paylox.auth import SYSTEM, Principal
from paylox.config import get_settings
from paylox.db import is_condition_failure
from paylox.errors import ConcurrentModification, Forbidden, InvalidRequest
from paylox.otp import activity
from paylox.otp.errors import PhoneBlocked, PhoneNotBlocked
from paylox.otp.models import BLOCK_KIND, BlockRow
from paylox.otp.phones import parse_e164
from paylox.otp.schemas import BlockOut, BlockRequest, UnblockRequest

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def active_block(phone: str) -> BlockRow | None:
    try:
        row = BlockRow.get(phone, consistent_read=True)
    except BlockRow.DoesNotExist:
        return None
    return row if _is_active(row, clock.timestamp()) else None


def _is_active(row: BlockRow, now: int) -> bool:
    return row.expires_at is None or int(row.expires_at) > now


def ensure_not_blocked(phone: str, principal: Principal, **details: str) -> None:
    """Raise :class:`PhoneBlocked` (and record the refusal) when ``phone`` is blocked."""
    if active_block(phone) is not None:
        activity.record("OTP_PHONE_BLOCKED_REFUSED", phone, principal.actor, **details)
        raise PhoneBlocked()


def auto_block(phone: str, reason: str) -> bool:
    """Block ``phone`` for ``OTP_AUTOBLOCK_SECONDS`` unless a block is already in force."""
    now = clock.timestamp()
    until = now + get_settings().otp_autoblock_seconds
    row = BlockRow(
        phone,
        reason=reason,
        source="auto",
        blocked_by=SYSTEM.id,
        blocked_at=clock.now_iso(),
        expires_at=until,
        ttl=until,
    )
    try:
        row.save(condition=BlockRow.phone.does_not_exist() | (BlockRow.expires_at <= now))
    except PutError as exc:
        if not is_condition_failure(exc):
            raise
        return False  # already blocked (by an admin, or automatically a moment ago)
    activity.record("OTP_PHONE_AUTO_BLOCKED", phone, SYSTEM, reason=reason, until=to_iso(until))
    return True


# ---------------------------------------------------------------- admin API


def _require_admin(principal: Principal) -> None:
    # Staff routes answer 403 FORBIDDEN to everyone else (docs/otp.md): the route itself is no secret.
    if not principal.is_admin:
        raise Forbidden()


def _path_phone(raw: str) -> str:
    return parse_e164(unquote(raw))  # "+" arrives as %2B when the client encoded the path


def list_blocks(principal: Principal, limit: int, cursor: str | None) -> tuple[list[BlockRow], str | None]:
    """Numbers blocked now, ordered by number, keyset-paginated by the last number returned."""
    _require_admin(principal)
    if cursor is not None and not _E164.match(cursor):
        raise InvalidRequest(reason="cursor")
    now = clock.timestamp()
    rows = list(
        BlockRow.by_kind.query(
            BLOCK_KIND,
            range_key_condition=BlockRow.phone > cursor if cursor else None,
            filter_condition=BlockRow.expires_at.does_not_exist() | (BlockRow.expires_at > now),
            limit=limit + 1,
        )
    )
    page = rows[:limit]
    return page, page[-1].phone if len(rows) > limit else None


def block(principal: Principal, raw_phone: str, request: BlockRequest) -> BlockRow:
    """Block ``raw_phone`` (create, or replace the reason and duration of an existing block)."""
    _require_admin(principal)
    phone = _path_phone(raw_phone)
    existing = _get(phone)
    until = clock.timestamp() + request.duration_seconds if request.duration_seconds else None
    row = BlockRow(
        phone,
        reason=request.reason,
        source="admin",
        blocked_by=principal.user_id,
        blocked_at=clock.now_iso(),
        expires_at=until,
        ttl=until,
    )
    condition = BlockRow.blocked_at == existing.blocked_at if existing else BlockRow.phone.does_not_exist()
    try:
        row.save(condition=condition)
    except PutError as exc:
        if not is_condition_failure(exc):
            raise
        raise ConcurrentModification(resource="resource") from exc
    activity.record(
        "OTP_PHONE_BLOCKED",
        phone,
        principal.actor,
        reason=request.reason,
        until=to_iso(until) if until else "permanent",
        replaced=_summary(existing),
    )
    return row


def unblock(principal: Principal, raw_phone: str, request: UnblockRequest) -> BlockRow:
    _require_admin(principal)
    phone = _path_phone(raw_phone)
    existing = _get(phone)
    if existing is None or not _is_active(existing, clock.timestamp()):
        raise PhoneNotBlocked()
    try:
        existing.delete(condition=BlockRow.blocked_at == existing.blocked_at)
    except DeleteError as exc:
        if not is_condition_failure(exc):
            raise
        raise ConcurrentModification(resource="resource") from exc
    activity.record("OTP_PHONE_UNBLOCKED", phone, principal.actor, reason=request.reason, removed=_summary(existing))
    return existing


def _get(phone: str) -> BlockRow | None:
    try:
        return BlockRow.get(phone, consistent_read=True)
    except BlockRow.DoesNotExist:
        return None


def _summary(row: BlockRow | None) -> str | None:
    return f"{row.source}: {row.reason}" if row else None


def to_iso(epoch: int | float) -> str:
    return clock.isoformat(datetime.fromtimestamp(int(epoch), UTC))


def block_out(row: BlockRow) -> BlockOut:
    return BlockOut(
        phone=row.phone,
        reason=row.reason,
        source="auto" if row.source == "auto" else "admin",
        blocked_by=row.blocked_by,
        blocked_at=row.blocked_at,
        expires_at=to_iso(row.expires_at) if row.expires_at is not None else None,
    )
