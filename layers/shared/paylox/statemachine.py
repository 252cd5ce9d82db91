"""Moving a stored resource along its state machine: the one way transactions, disputes and
documents change status.

A domain declares its moves as data (:class:`Move`, in its ``states.py``) and binds its stored row
to them once (a :class:`Machine`, in its ``store.py``). :func:`commit_move` then does the rest,
the same way everywhere:

1. refuse a move that is not allowed from the status read (``INVALID_STATE``);
2. one DynamoDB transaction: the row's update, conditioned on the status and version read (and
   appending to the timeline where the resource has one), its audit record, and whatever else
   must happen with the move or not at all (a dispute stored with the money it freezes);
   and the move's domain events as one outbox item (:mod:`paylox.events`), so that a change,
   its record and its announcement exist together or not at all;
3. on a lost race, re-read the row and tell ``INVALID_STATE`` (the status moved on) from
   ``CONCURRENT_MODIFICATION`` (only other fields did: the move is still possible, retry).

What is not a move of a stored row (a creation, a flag, a message) is written the same way, its
audit record and events in its transaction, by :func:`commit_change`.

The row is brought up to date in memory from the changes written, so a move costs one write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from pynamodb.attributes import MapAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from paylox import clock
from paylox.audit import APPEND_ONLY, AuditRecord, audit_record
from paylox.auth import Actor
from paylox.db import connection, is_condition_failure, set_actions
from paylox.errors import ConcurrentModification, DomainError, InvalidState
from paylox.events import DomainEvent, write_in
from paylox.values import frozen
from paylox.writes import Check, Claim, Item, Put, Update, commit_claiming, refusal_of, write

__all__ = [
    "LOST_RACE",
    "Check",
    "Claim",
    "Item",
    "Machine",
    "Move",
    "Put",
    "Update",
    "commit_change",
    "commit_claiming",
    "commit_move",
    "move",
    "require_source",
]

#: What :func:`commit_move` raises when another request wrote first (the row is then re-read).
LOST_RACE = (InvalidState, ConcurrentModification)


@frozen
class Move[S: StrEnum]:
    """One move of a state machine.

    ``target`` None is a change recorded like a move without changing the status (a partial
    refund, a reassignment, a reminder): same condition, timeline, audit and event.
    """

    name: str  # as clients see it in INVALID_STATE
    sources: frozenset[S]
    target: S | None
    audit: str  # the audit record's action
    event: str | None = None  # the domain event announced with the move
    timeline_event: str | None = None  # the timeline's name for it, when not the event's

    @property
    def timeline_name(self) -> str:
        return self.timeline_event or self.event or self.audit


def move[S: StrEnum](
    name: str,
    sources: Iterable[S],
    target: S | None,
    *,
    audit: str,
    event: str | None = None,
    timeline_event: str | None = None,
) -> Move[S]:
    """Declare a move (see :class:`Move`)."""
    return Move(name, frozenset(sources), target, audit, event, timeline_event)


def commit_change(
    *,
    puts: Sequence[Put] = (),
    updates: Sequence[Update] = (),
    audit: Sequence[AuditRecord] = (),
    events: Sequence[DomainEvent] = (),
    aggregate_id: str | None = None,
    claims: Sequence[Claim] = (),
) -> None:
    """Write ``puts`` and ``updates``, their ``audit`` records and the outbox item of their
    ``events`` in one DynamoDB transaction: all of it or nothing; ``claims`` are made with them,
    last (:func:`paylox.writes.refusal_of` tells theirs). ``aggregate_id`` keeps the events
    in order with the other changes of that record (see :func:`paylox.events.write_in`).

    Raises PynamoDB's ``TransactWriteError`` (:func:`paylox.db.is_condition_failure` tells a
    refused condition). An update does not bring its item up to date in memory.
    """
    with TransactWrite(connection=connection()) as transaction:
        for put in puts:
            transaction.save(put.item, condition=put.condition)
        for update in updates:
            transaction.update(
                update.item, list(update.actions), condition=update.condition, add_version_condition=update.versioned
            )
        for record in audit:
            transaction.save(record, condition=APPEND_ONLY)
        write_in(transaction, events, aggregate_id=aggregate_id)
        for claim in claims:
            write(transaction, claim)


class Machine[S: StrEnum, R: Model]:
    """How one domain's stored rows take part in moves. Rows have ``status`` and ``updated_at``;
    the row's class' PynamoDB ``VersionAttribute``, if any, is conditioned on and incremented."""

    resource: str = "resource"  # names the resource in errors
    domain: str = ""  # events go out as ``paylox.<domain>``
    statuses: type[S]

    def status_of(self, row: R) -> S:
        return self.statuses(row.status)  # type: ignore[attr-defined]

    def target_id(self, row: R) -> str:
        """The audit record's target."""
        raise NotImplementedError

    def bookkeeping(self, row: R, changes: Mapping[str, Any]) -> tuple[dict[str, Any], Condition | None]:
        """Changes the domain adds to every move and the condition that the row is as read, beyond
        its status and version attribute (e.g. a manual state counter)."""
        return {}, None

    def timeline_entry(
        self, row: R, status: S, event: str, actor: Actor, note: str | None, at: str
    ) -> MapAttribute[str, object] | None:
        """The entry appended to the row's ``timeline``; None when the resource has none."""
        return None

    def event_detail(self, row: R, actor: Actor, previous: S | None, extra: Mapping[str, Any]) -> dict[str, Any]:
        """The moved row's event payload; ``previous`` is None when the status stays."""
        raise NotImplementedError

    def refine(self, row: R, move: Move[S], error: DomainError) -> DomainError:
        """The domain's own word for a refused move (e.g. ``DISPUTE_RESOLVED``)."""
        return error


def require_source[S: StrEnum, R: Model](machine: Machine[S, R], row: R, move: Move[S]) -> S:
    """The row's status, if ``move`` is allowed from it; else the refusal (``INVALID_STATE``)."""
    current = machine.status_of(row)
    if current not in move.sources:
        raise machine.refine(
            row, move, InvalidState(resource=machine.resource, current_status=current.value, action=move.name)
        )
    return current


def commit_move[S: StrEnum, R: Model](
    machine: Machine[S, R],
    row: R,
    move: Move[S],
    actor: Actor,
    *,
    note: str | None = None,
    changes: Mapping[str, Any] | None = None,
    condition: Condition | None = None,
    items: Sequence[Item] = (),
    also: Sequence[DomainEvent] = (),
    audit_before: Mapping[str, Any] | None = None,
    audit_after: Mapping[str, Any] | None = None,
    event_extra: Mapping[str, Any] | None = None,
    announced: bool = True,
) -> R:
    """Apply ``move`` to ``row`` (updated in place and returned).

    ``changes`` are further attributes written with the move (attribute name → value; None
    removes it); ``condition`` must also hold on the row; ``items`` are put (or, a :class:`Check`,
    conditions checked; a :class:`Claim`, changed) in the same DynamoDB transaction, and ``also``
    are announced after the move's own event (unless ``announced`` is off): all of it, with the
    audit record and the events' outbox item, or nothing. The audit record says
    ``{"status": before}`` → ``{"status": after}`` plus ``audit_before``/``audit_after``, with ``note`` (also on the
    timeline) as its reason; when the status stays, only ``audit_before``/``audit_after``,
    without a reason.

    Raises :class:`InvalidState` when the move is not allowed from the stored status (also when
    another request moved the row first) and :class:`ConcurrentModification` when the row changed
    meanwhile but the move is still possible; ``machine.refine`` may name either more precisely;
    a :class:`Check` or :class:`Claim` that does not hold raises its ``refusal`` (a check's first).
    """
    previous = require_source(machine, row, move)
    target = move.target or previous
    now = clock.now_iso()
    written: dict[str, Any] = {**(changes or {}), "status": target.value, "updated_at": now}
    extra, guard = machine.bookkeeping(row, written)
    written.update(extra)
    entry = machine.timeline_entry(row, target, move.timeline_name, actor, note, now)
    update = _update(row, written, entry)
    status_read = type(row).status == previous.value  # type: ignore[attr-defined]
    row_condition = _all(status_read, guard, condition)
    moved = move.target is not None
    record = audit_record(
        move.audit,
        machine.target_id(row),
        actor,
        before={**({"status": previous.value} if moved else {}), **(audit_before or {})},
        after={**({"status": target.value} if moved else {}), **(audit_after or {})},
        # A change that keeps the status notes a reference on the timeline (a refund id, the new
        # owner) that its audit record already holds in before/after.
        reason=note if moved else None,
    )
    # The events are built from the row as the move leaves it, before the write, so that they
    # join the move's transaction (the outbox) rather than follow it.
    kept = _apply(row, written, entry)
    events = _events(machine, row, move, actor, previous if moved else None, event_extra, also) if announced else []
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.update(row, actions=update, condition=row_condition)
            transaction.save(record, condition=APPEND_ONLY)
            for item in items:
                write(transaction, item)
            write_in(transaction, events, aggregate_id=machine.target_id(row))
    except TransactWriteError as exc:
        _restore(row, kept)
        if not is_condition_failure(exc):
            raise
        refused = refusal_of(exc, items)
        if refused is not None:
            raise refused from exc
        row.refresh(consistent_read=True)
        raise _lost_race(machine, row, move) from exc
    except BaseException:
        _restore(row, kept)
        raise
    return row


def _events[S: StrEnum, R: Model](
    machine: Machine[S, R],
    row: R,
    move: Move[S],
    actor: Actor,
    previous: S | None,
    extra: Mapping[str, Any] | None,
    also: Sequence[DomainEvent],
) -> list[DomainEvent]:
    if move.event is None:
        return list(also)
    return [DomainEvent(move.event, machine.event_detail(row, actor, previous, extra or {}), machine.domain), *also]


def _lost_race[S: StrEnum, R: Model](machine: Machine[S, R], row: R, move: Move[S]) -> DomainError:
    current = machine.status_of(row)
    if current in move.sources:
        # Only other fields moved (a refund or flag recorded meanwhile): the move is still
        # possible, so say so rather than claim the state forbids it.
        error: DomainError = ConcurrentModification(resource=machine.resource)
    else:
        error = InvalidState(resource=machine.resource, current_status=current.value, action=move.name)
    return machine.refine(row, move, error)


def _update(row: Model, written: Mapping[str, Any], entry: MapAttribute[str, object] | None) -> list[Action]:
    actions = set_actions(type(row), written)
    if entry is not None:
        timeline = type(row).timeline  # type: ignore[attr-defined]
        actions.append(timeline.set(timeline.append([entry])))
    return actions


def _apply(row: Model, written: Mapping[str, Any], entry: MapAttribute[str, object] | None) -> dict[str, Any]:
    """Bring ``row`` up to date with what is written (a transaction does not return the item);
    returns what it held before, for :func:`_restore`."""
    names = [*written, *(["timeline"] if entry is not None else [])]
    kept = {name: getattr(row, name, None) for name in names}
    for name, value in written.items():
        setattr(row, name, value)
    if entry is not None:
        row.timeline = [*(kept["timeline"] or []), entry]  # type: ignore[attr-defined]
    return kept


def _restore(row: Model, kept: Mapping[str, Any]) -> None:
    for name, value in kept.items():
        setattr(row, name, value)


def _all(*conditions: Condition | None) -> Condition:
    result: Condition | None = None
    for condition in conditions:
        if condition is not None:
            result = condition if result is None else result & condition
    assert result is not None
    return result
