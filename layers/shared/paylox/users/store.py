"""The stored user profiles: the only module that touches :class:`UserProfile`."""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from paylox.audit import APPEND_ONLY, AuditRecord
from paylox.db import is_condition_failure
from paylox.events import DomainEvent, write_in
from paylox.users.models import UserProfile, UserStatus


def find(user_id: str, *, consistent: bool = False) -> UserProfile | None:
    try:
        return UserProfile.get(user_id, consistent_read=consistent)
    except UserProfile.DoesNotExist:
        return None


def create(profile: UserProfile, record: AuditRecord, events: Sequence[DomainEvent] = ()) -> bool:
    """Store a new profile, its audit record and ``events`` in one DynamoDB transaction.

    False, and nothing written, when a profile with its id exists already: a repeated registration
    (Cognito retrying its trigger) or a racing first request never changes a profile.
    """
    try:
        with TransactWrite(connection=Connection()) as transaction:
            transaction.save(profile, condition=UserProfile.user_id.does_not_exist())
            transaction.save(record, condition=APPEND_ONLY)
            write_in(transaction, events, aggregate_id=profile.user_id)
    except TransactWriteError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    return True


def set_verified_phone(profile: UserProfile, phone: str, now: str, confirms_from: str) -> bool:
    """Record ``phone`` as verified on the active ``profile`` (approving money moves from
    ``confirms_from``), conditioned on its version; False when the profile changed since it was read."""
    try:
        profile.update(
            actions=[
                UserProfile.phone.set(phone),
                UserProfile.phone_verified.set(True),
                UserProfile.phone_verified_at.set(now),
                UserProfile.confirms_from.set(confirms_from),
                UserProfile.updated_at.set(now),
            ],
            condition=UserProfile.status == UserStatus.ACTIVE.value,
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    return True
