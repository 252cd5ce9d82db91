"""Numbers that get no SMS: blocked by an admin (until removed, or for a while) or automatically
after abuse (many failed verifications or sends in a day), for a configurable time."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote

from paylox import clock
from paylox.auth import SYSTEM, Principal
from paylox.config import get_settings
from paylox.otp import activity, limits, store
from paylox.otp.errors import PhoneBlocked, PhoneNotBlocked
from paylox.otp.models import BlockRow
from paylox.otp.phones import parse_e164
from paylox.otp.schemas import BlockOut, BlockRequest, UnblockRequest
from paylox.otp.scopes import Scope
from paylox.paging import Page


def active_block(phone: str) -> BlockRow | None:
    row = store.get_block(phone)
    return row if row is not None and _is_active(row, clock.timestamp()) else None


def _is_active(row: BlockRow, now: int) -> bool:
    return row.expires_at is None or int(row.expires_at) > now


def ensure_not_blocked(phone: str, principal: Principal, **details: str) -> None:
    """Raise :class:`PhoneBlocked` (and record the refusal) when ``phone`` is blocked."""
    if active_block(phone) is not None:
        activity.record("OTP_PHONE_BLOCKED_REFUSED", phone, principal.actor, **details)
        raise PhoneBlocked()


def blocked_for(scope: Scope, rows: store.Rows, now: int) -> bool:
    """Whether ``scope``'s number is blocked for its caller, given the rows read: an admin's block
    always; an automatic block of the number unless it is the caller's verified phone (other
    accounts' abuse must not lock its owner out); the scope's own automatic block."""
    row = rows.blocks.get(scope.phone)
    if row is not None and _is_active(row, now) and (row.source != "auto" or scope.obeys_automatic_blocks):
        return True
    return limits.live(rows.counters, limits.blocked_key(scope), now) is not None


def ensure_scope_not_blocked(scope: Scope, rows: store.Rows, principal: Principal, now: int, **details: str) -> None:
    """Raise :class:`PhoneBlocked` (and record the refusal) when :func:`blocked_for` says so."""
    if blocked_for(scope, rows, now):
        activity.record("OTP_PHONE_BLOCKED_REFUSED", scope.phone, principal.actor, **details)
        raise PhoneBlocked()


def auto_block_scope(scope: Scope, key: str, reason: str) -> bool:
    """Block ``scope`` automatically for ``OTP_AUTOBLOCK_SECONDS`` after abuse counted under
    ``key``: the number itself when that count is the number's (listed with the admin blocks),
    otherwise only for this caller."""
    if key != scope.own_key:
        return auto_block(scope.phone, reason)
    now = clock.timestamp()
    seconds = get_settings().otp_autoblock_seconds
    if not store.open_window(limits.blocked_key(scope), now, seconds):
        return False  # blocked a moment ago by a concurrent request
    activity.record(
        "OTP_PHONE_AUTO_BLOCKED",
        scope.phone,
        SYSTEM,
        reason=reason,
        until=to_iso(now + seconds),
        scope=scope.relation,
        caller=scope.user_id,
    )
    return True


def auto_block(phone: str, reason: str) -> bool:
    """Block ``phone`` for ``OTP_AUTOBLOCK_SECONDS`` unless a block is already in force."""
    now = clock.timestamp()
    until = now + get_settings().otp_autoblock_seconds
    if not store.add_auto_block(
        phone, reason=reason, blocked_by=SYSTEM.id, blocked_at=clock.now_iso(), until=until, now=now
    ):
        return False  # already blocked (by an admin, or automatically a moment ago)
    activity.record("OTP_PHONE_AUTO_BLOCKED", phone, SYSTEM, reason=reason, until=to_iso(until))
    return True


# ---------------------------------------------------------------- admin API (admin routes: create_app(role="admin"))


def _path_phone(raw: str) -> str:
    return parse_e164(unquote(raw))  # "+" arrives as %2B when the client encoded the path


def list_blocks(limit: int, cursor: str | None) -> Page[BlockOut]:
    """Numbers blocked now, ordered by number, keyset-paginated."""
    rows, next_cursor = store.blocks_in_force(clock.timestamp(), limit, cursor)
    return Page[BlockOut](items=[block_out(row) for row in rows], next_cursor=next_cursor)


def block(principal: Principal, raw_phone: str, request: BlockRequest) -> BlockRow:
    """Block ``raw_phone`` (create, or replace the reason and duration of an existing block)."""
    phone = _path_phone(raw_phone)
    existing = store.get_block(phone)
    until = clock.timestamp() + request.duration_seconds if request.duration_seconds else None
    row = store.put_block(
        phone,
        reason=request.reason,
        blocked_by=principal.user_id,
        blocked_at=clock.now_iso(),
        until=until,
        replacing=existing,
    )
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
    phone = _path_phone(raw_phone)
    existing = store.get_block(phone)
    if existing is None or not _is_active(existing, clock.timestamp()):
        raise PhoneNotBlocked()
    store.delete_block(existing)
    activity.record("OTP_PHONE_UNBLOCKED", phone, principal.actor, reason=request.reason, removed=_summary(existing))
    return existing


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
