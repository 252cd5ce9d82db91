"""DynamoDB side of the webhooks: event-id claims and the deliveries log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from enum import StrEnum

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError

from paylox import clock
from paylox.db import is_condition_failure
from paylox.errors import ConcurrentModification
from paylox.events import DomainEvent
from paylox.observability import logger
from paylox.statemachine import Put, Update, commit_change
from paylox.webhooks.models import WebhookDelivery, WebhookEventClaim

#: How long a claim's "in progress" holds before a retry may take over (the function times out at 10 s).
CLAIM_LEASE_SECONDS = 30
#: How long an event id is remembered: longer than any provider retries a delivery.
CLAIM_RETENTION_SECONDS = 30 * 24 * 3600
#: How long refused deliveries are kept (a bounded summary, no body): long enough to look into
#: the alarm of a weekend, short enough that refusals cannot pile up.
REFUSED_RETENTION_SECONDS = 3 * 24 * 3600
#: How long verified deliveries and callbacks, with their bodies (the buyer's payment details), are
#: kept: past card chargeback windows (120 days) with room to spare; what they settled stays in the
#: transaction's timeline and the audit log (docs/security.md, "Data retention").
ACCEPTED_RETENTION_SECONDS = 180 * 24 * 3600

#: How long one confirmation holds a hint before a retry may take it over (longer than the function runs).
CONFIRMATION_LEASE_SECONDS = 120
#: Verified signed events and allowlisted evidenced callbacks: kept, like every hint.
ACCEPTED = frozenset({"VERIFIED", "UNSIGNED_CALLBACK"})
PENDING, CONFIRMING, GATEWAY_ERROR = "PENDING", "CONFIRMING", "GATEWAY_ERROR"
#: The ``unsettled`` mark of a hint the gateway has not yet answered about (index ``by_unsettled``).
UNSETTLED = "HINT"
#: A stored hint is its confirming function's (which runs within seconds) for this long, and a
#: hint whose status query failed waits this long, before the reconciler confirms it again.
RETRY_AFTER_SECONDS = 60


def _retry_at() -> str:
    return clock.isoformat(clock.now() + timedelta(seconds=RETRY_AFTER_SECONDS))


IN_PROGRESS = "IN_PROGRESS"
COMPLETED = "COMPLETED"


class Claim(StrEnum):
    CLAIMED = "CLAIMED"  # this delivery processes the event
    DUPLICATE = "DUPLICATE"  # the same event, already processed or being processed
    CONFLICT = "CONFLICT"  # the same id with a different body


def _key(event_id: str) -> str:
    return f"webhook#jetcheckout#{event_id}"


def claim_event(event_id: str, *, body_hash: str, owner: str) -> Claim:
    """Claim ``event_id`` for ``owner`` in one conditional write.

    Succeeds when the id is new, when its record has expired (TTL deletion lags, so expiry is
    checked here too), or when an earlier delivery of the same body died mid-way and its lease ran
    out. Of two concurrent deliveries exactly one claims; the other is a duplicate.
    """
    for _ in range(3):
        now = clock.timestamp()
        claim = WebhookEventClaim(
            _key(event_id),
            status=IN_PROGRESS,
            body_hash=body_hash,
            owner=owner,
            lease_until=now + CLAIM_LEASE_SECONDS,
            expiration=now + CLAIM_RETENTION_SECONDS,
        )
        condition = (
            WebhookEventClaim.id.does_not_exist()
            | (WebhookEventClaim.expiration < now)
            | (
                (WebhookEventClaim.status == IN_PROGRESS)
                & (WebhookEventClaim.lease_until < now)
                & (WebhookEventClaim.body_hash == body_hash)
            )
        )
        try:
            claim.save(condition=condition)
            return Claim.CLAIMED
        except PutError as exc:
            if not is_condition_failure(exc):
                raise
        try:
            existing = WebhookEventClaim.get(_key(event_id), consistent_read=True)
        except WebhookEventClaim.DoesNotExist:
            continue  # released by a failed delivery between our two calls: claim again
        return Claim.DUPLICATE if existing.body_hash == body_hash else Claim.CONFLICT
    # Other deliveries keep claiming and releasing it: 409, so that the provider retries later.
    raise ConcurrentModification(resource="resource")


def complete_claim(event_id: str, *, owner: str, outcome: str, transaction_id: str | None) -> None:
    """Mark the event processed: later deliveries of it are duplicates until the claim expires."""
    claim = WebhookEventClaim(_key(event_id))
    try:
        claim.update(
            actions=[
                WebhookEventClaim.status.set(COMPLETED),
                WebhookEventClaim.outcome.set(outcome),
                *([WebhookEventClaim.transaction_id.set(transaction_id)] if transaction_id else []),
            ],
            condition=WebhookEventClaim.owner == owner,
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        # Our lease ran out and a retry took the claim over; it will complete it.
        logger.warning("webhook claim taken over before completion", extra={"event_id": event_id})


def release_claim(event_id: str, *, owner: str) -> None:
    """Give the event id back after a failure we did not answer, so the provider's retry processes it."""
    try:
        WebhookEventClaim(_key(event_id)).delete(condition=WebhookEventClaim.owner == owner)
    except DeleteError as exc:
        if not is_condition_failure(exc):
            raise


def _expire(delivery: WebhookDelivery) -> WebhookDelivery:
    """Set the delivery's TTL: personal data is kept no longer than it is needed."""
    retention = ACCEPTED_RETENTION_SECONDS if delivery.verification in ACCEPTED else REFUSED_RETENTION_SECONDS
    delivery.expires_at = clock.timestamp() + retention
    return delivery


def save_delivery(delivery: WebhookDelivery) -> None:
    _expire(delivery).save(condition=WebhookDelivery.delivery_id.does_not_exist())


def save_hint(delivery: WebhookDelivery, events: Sequence[DomainEvent], *, owner: str) -> None:
    """Store a hint, its request for confirmation (``events``) and the completion of its event
    id's claim in one DynamoDB transaction: a process dying on either side of it leaves either
    nothing (the provider's retry stores it) or all of it (the retry is a duplicate), so one
    event is never stored, nor sent for confirmation, twice. Raises ``ConcurrentModification``
    when our claim's lease ran out and another delivery took it over (it stores the hint)."""
    claim = WebhookEventClaim(_key(delivery.event_id or ""))
    delivery.unsettled, delivery.retry_at = UNSETTLED, _retry_at()  # until the gateway's answer settles it
    completion = [
        WebhookEventClaim.status.set(COMPLETED),
        WebhookEventClaim.outcome.set(delivery.outcome or "RECEIVED"),
        *([WebhookEventClaim.transaction_id.set(delivery.transaction_id)] if delivery.transaction_id else []),
    ]
    try:
        commit_change(
            puts=[Put(_expire(delivery), WebhookDelivery.delivery_id.does_not_exist())],
            updates=[Update(claim, completion, condition=WebhookEventClaim.owner == owner, versioned=False)],
            events=events,
            aggregate_id=delivery.transaction_id,
        )
    except TransactWriteError as exc:
        if not is_condition_failure(exc):
            raise
        raise ConcurrentModification(resource="resource") from exc


def get_delivery(delivery_id: str) -> WebhookDelivery | None:
    try:
        return WebhookDelivery.get(delivery_id, consistent_read=True)
    except WebhookDelivery.DoesNotExist:
        return None


def start_confirmation(delivery_id: str) -> bool:
    """Take a stored hint for confirmation (conditional write): of two confirmations racing one
    proceeds; a hint already confirmed, or being confirmed within its lease, is not taken again.
    A hint left at ``GATEWAY_ERROR`` is taken again (the reconciler's retry)."""
    now = clock.timestamp()
    pending = WebhookDelivery.confirmation.is_in(PENDING, GATEWAY_ERROR) | (
        (WebhookDelivery.confirmation == CONFIRMING) & (WebhookDelivery.confirmation_lease_until < now)
    )
    try:
        WebhookDelivery(delivery_id).update(
            actions=[
                WebhookDelivery.confirmation.set(CONFIRMING),
                WebhookDelivery.confirmation_lease_until.set(now + CONFIRMATION_LEASE_SECONDS),
            ],
            condition=WebhookDelivery.delivery_id.exists() & pending,
        )
        return True
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        return False


def finish_confirmation(delivery_id: str, outcome: str, detail: str | None) -> None:
    """Record what the gateway's answer made of the hint; ``PENDING`` gives it back for a retry,
    ``GATEWAY_ERROR`` leaves it to the reconciler, anything else settles it."""
    settled = outcome not in (PENDING, GATEWAY_ERROR)
    WebhookDelivery(delivery_id).update(
        actions=[
            *(
                [WebhookDelivery.unsettled.remove(), WebhookDelivery.retry_at.remove()]
                if settled
                else [WebhookDelivery.unsettled.set(UNSETTLED), WebhookDelivery.retry_at.set(_retry_at())]
            ),
            WebhookDelivery.confirmation.set(outcome),
            WebhookDelivery.confirmation_detail.set(detail) if detail else WebhookDelivery.confirmation_detail.remove(),
            WebhookDelivery.confirmation_lease_until.remove(),
            WebhookDelivery.confirmed_at.set(clock.now_iso()),
        ]
    )


def unsettled_hints(due_by: str, limit: int) -> list[WebhookDelivery]:
    """Up to ``limit`` hints the gateway has not settled yet whose retry is due by ``due_by`` (ISO
    time), the longest due first (one Query on the sparse ``by_unsettled`` index)."""
    rows = WebhookDelivery.by_unsettled.query(
        UNSETTLED, range_key_condition=WebhookDelivery.retry_at <= due_by, limit=limit
    )
    return list(rows)


def deliveries_for_transaction(transaction_id: str, limit: int = 100) -> list[WebhookDelivery]:
    """The webhook deliveries that named ``transaction_id``, oldest first (admin transaction details,
    reconciliation). Deliveries past their retention are left out even before TTL removes them."""
    now = clock.timestamp()
    rows = WebhookDelivery.by_transaction.query(transaction_id, limit=limit)
    return [row for row in rows if row.expires_at is None or row.expires_at > now]


def deliveries_for_event(event_id: str, limit: int = 100) -> list[WebhookDelivery]:
    """Every delivery of one provider event, oldest first."""
    now = clock.timestamp()
    rows = WebhookDelivery.by_event.query(event_id, limit=limit)
    return [row for row in rows if row.expires_at is None or row.expires_at > now]
