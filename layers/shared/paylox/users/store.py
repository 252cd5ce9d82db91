"""The stored user profiles: the only module that touches :class:`UserProfile`."""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from paylox.audit import APPEND_ONLY, AuditRecord
from paylox.db import is_condition_failure, set_actions
from paylox.errors import DomainError
from paylox.events import DomainEvent, write_in
from paylox.statemachine import Check, Update, commit_change
from paylox.users.models import UserProfile, UserStatus


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
        with TransactWrite(connection=Connection()) as transaction:
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
