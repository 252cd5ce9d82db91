"""The stored user profiles: the only module that touches :class:`UserProfile`."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from paylox.audit import APPEND_ONLY, AuditRecord
from paylox.db import connection, is_condition_failure, set_actions
from paylox.errors import DomainError
from paylox.events import DomainEvent, write_in
from paylox.paging import Keyset
from paylox.statemachine import Check, Update, commit_change
from paylox.users.models import UserProfile, UserStatus, created_key_of, listing_of


def find(user_id: str, *, consistent: bool = False) -> UserProfile | None:
    try:
        return UserProfile.get(user_id, consistent_read=consistent)
    except UserProfile.DoesNotExist:
        return None


def still_active(user_id: str, refusal: DomainError) -> Check:
    """A condition, for another record's DynamoDB transaction, that ``user_id`` is registered and
    active when it commits; ``refusal`` is raised when not (a suspension that landed meanwhile)."""
    condition = UserProfile.user_id.exists() & (UserProfile.status == UserStatus.ACTIVE.value)
    return Check(UserProfile, user_id, condition, refusal)


def create(profile: UserProfile, record: AuditRecord, events: Sequence[DomainEvent] = ()) -> bool:
    """Store a new profile, its audit record and ``events`` in one DynamoDB transaction.

    False, and nothing written, when a profile with its id exists already: a repeated registration
    (Cognito retrying its trigger) or a racing first request never changes a profile.
    """
    profile.listing = listing_of(profile.status, bool(profile.identity_verified))
    profile.created_key = created_key_of(profile.created_at, profile.user_id)
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.save(profile, condition=UserProfile.user_id.does_not_exist())
            transaction.save(record, condition=APPEND_ONLY)
            write_in(transaction, events, aggregate_id=profile.user_id)
    except TransactWriteError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    return True


def set_verified_phone(profile: UserProfile, phone: str, now: str, confirms_from: str, record: AuditRecord) -> bool:
    """Record ``phone`` as verified on the active ``profile`` (approving money moves from
    ``confirms_from``) with its audit ``record``, in one DynamoDB transaction conditioned on the
    profile's version; False, and nothing written, when the profile changed since it was read."""
    changes = {"phone": phone, "phone_verified": True, "phone_verified_at": now, "confirms_from": confirms_from}
    changes["updated_at"] = now
    update = Update(profile, set_actions(UserProfile, changes), condition=UserProfile.status == UserStatus.ACTIVE.value)
    try:
        commit_change(updates=[update], audit=[record])
    except TransactWriteError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    for name, value in changes.items():  # the transaction does not bring the item up to date
        setattr(profile, name, value)
    profile.version = (profile.version or 0) + 1
    return True


def set_staff_role(profile: UserProfile, role: str | None, record: AuditRecord) -> bool:
    """Record ``role`` (None: not staff) on ``profile`` with its audit record, in one DynamoDB
    transaction conditioned on the role read; False, and nothing written, when it changed meanwhile
    (a concurrent request of the same user recorded it)."""
    read = profile.staff_role
    same_as_read = UserProfile.staff_role.does_not_exist() if read is None else UserProfile.staff_role == read
    action = UserProfile.staff_role.remove() if role is None else UserProfile.staff_role.set(role)
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.update(profile, actions=[action], condition=same_as_read)
            transaction.save(record, condition=APPEND_ONLY)
    except TransactWriteError as exc:
        reasons = getattr(exc, "cancellation_reasons", None) or []
        conflict = any(reason is not None and reason.code == "TransactionConflict" for reason in reasons)
        if not (conflict or is_condition_failure(exc)):
            raise
        return False  # another request of the same user is writing it
    profile.staff_role = role
    return True


def change(
    profile: UserProfile,
    changes: Mapping[str, Any],
    record: AuditRecord,
    events: Sequence[DomainEvent] = (),
    *,
    status_read: str,
) -> bool:
    """Write ``changes`` (attribute → value; None removes it) to ``profile`` with its audit
    ``record`` and ``events`` in one DynamoDB transaction, conditioned on the profile's version and
    on its status still being ``status_read``; the ``by_listing`` key follows status and identity
    verification. False, and nothing written, when the profile changed since it was read."""
    written = dict(changes)
    status = written.get("status", profile.status)
    verified = written.get("identity_verified", profile.identity_verified)
    written["listing"] = listing_of(status, bool(verified))
    update = Update(profile, set_actions(UserProfile, written), condition=UserProfile.status == status_read)
    try:
        commit_change(updates=[update], audit=[record], events=events, aggregate_id=profile.user_id)
    except TransactWriteError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    for name, value in written.items():  # the transaction does not bring the item up to date
        setattr(profile, name, value)
    profile.version = (profile.version or 0) + 1
    return True


# ------------------------------------------------------------------------------------ admin lookups
#: The admin user list: newest first by creation, across the ``by_listing`` partitions asked for.
NEWEST_FIRST: Keyset[UserProfile] = Keyset(
    "users",
    key=lambda row: {"created_key": row.created_key or created_key_of(row.created_at, row.user_id)},
    fields={"created_key": r"^\d{4}-\d{2}-\d{2}T[0-9:.]{6,12}Z#\S{1,128}$"},
)


def page_of_listings(
    listings: Iterable[str], since: str | None, until: str | None, limit: int, cursor: str | None
) -> tuple[list[UserProfile], str | None]:
    """One page of the profiles in the ``by_listing`` partitions ``listings``, newest first,
    created in ``[since, until)`` (UTC ISO 8601, either open), and the next page's cursor.

    One Query per partition (at most four), each of ``limit + 1`` items from the cursor on: the
    page is the newest ``limit`` of their union. Raises ``InvalidCursor`` for a foreign cursor.
    """
    after = NEWEST_FIRST.after(cursor)
    upper = min(filter(None, [after["created_key"] if after else None, until]), default=None)
    condition = _between(since, upper)
    runs = [
        UserProfile.by_listing.query(listing, condition, scan_index_forward=False, limit=limit + 1)
        for listing in listings
    ]
    merged = heapq.merge(*runs, key=lambda row: row.created_key or "", reverse=True)
    rows = [row for row in merged if upper is None or (row.created_key or "") < upper]
    return NEWEST_FIRST.page(rows[: limit + 1], limit)


def _between(since: str | None, upper: str | None) -> Condition | None:
    """The sort-key condition ``since <= created_key < upper`` (an inclusive ``between`` when both
    are given: the row equal to ``upper`` is dropped by the caller)."""
    key = UserProfile.created_key
    if since and upper:
        return key.between(since, upper)
    if since:
        return key >= since
    return key < upper if upper else None


def find_by_email(email: str, limit: int) -> list[UserProfile]:
    """Profiles with ``email`` (as stored), at most ``limit``: one Query of ``by_email``."""
    return list(UserProfile.by_email.query(email, limit=limit))


def find_by_phone(phone: str, limit: int) -> list[UserProfile]:
    """Profiles with ``phone`` (E.164), at most ``limit``: one Query of ``by_phone``."""
    return list(UserProfile.by_phone.query(phone, limit=limit))


def every_profile() -> Iterator[UserProfile]:
    """Every profile, partition by partition of the ``by_listing`` index (never a Scan): for
    recomputing the statistics."""
    for status in UserStatus:
        for verified in (True, False):
            yield from UserProfile.by_listing.query(listing_of(status.value, verified))
