"""Receiving a Jetcheckout webhook: verify, deduplicate, apply, record; answer fast.

The order is fixed and nothing is read or written before the security checks pass:

1. source IP in ``JETCHECKOUT_IP_ALLOWLIST``               else 403 IP_NOT_ALLOWED
2. ``X-Jetcheckout-Signature`` matches (current/previous)  else 401 INVALID_SIGNATURE
3. its timestamp within 5 minutes of our clock              else 401 TIMESTAMP_OUT_OF_WINDOW
   (then the body must be a valid event for this route: 413 / 400 / 422 / 400 EVENT_TYPE_MISMATCH)
4. the event id is claimed (conditional write)              a repeat is 200 duplicate; another body 409

Only then is the transaction read and the event applied (:mod:`paylox.webhooks.rules`). Every
delivery, refused or not, is stored with what we made of it. Emails and alerts go through the
event bus, never in the response path.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from paylox import clock
from paylox.auth import Actor
from paylox.config import get_settings
from paylox.errors import ConcurrentModification, DomainError, InvalidState
from paylox.events import DomainEvent, announce
from paylox.ids import new_id
from paylox.notify.alerts import ALERT_EVENT
from paylox.observability import logger, metrics
from paylox.secrets import get_optional_secret, get_secret
from paylox.transactions import late_payments
from paylox.transactions import service as transactions
from paylox.transactions.models import TransactionRow
from paylox.transactions.store import LatePayment
from paylox.webhooks import rules, store
from paylox.webhooks.allowlist import ip_allowed, parse_networks
from paylox.webhooks.errors import (
    AmountMismatch,
    EventIdReused,
    EventTypeMismatch,
    InvalidEvent,
    IpNotAllowed,
    MalformedEvent,
    PayloadTooLarge,
)
from paylox.webhooks.models import WebhookDelivery
from paylox.webhooks.schemas import ROUTE_EVENT_TYPES, Route, WebhookEvent
from paylox.webhooks.signature import SIGNATURE_HEADER, verify_signature

#: Who moves a transaction on the provider's word, in timelines and the audit log.
PROVIDER = Actor(id="jetcheckout", role="system")
MAX_BODY_BYTES = 64 * 1024
MAX_ATTEMPTS = 5  # each lost race means another change won: a few re-reads always settle it
_KEPT_HEADERS = frozenset({"content-type", "user-agent", "x-forwarded-for", SIGNATURE_HEADER})


@dataclass(frozen=True)
class IncomingDelivery:
    """An HTTP delivery as API Gateway handed it over; ``body`` is the exact bytes that were signed."""

    route: Route
    body: bytes
    headers: Mapping[str, str]  # lower-case names
    source_ip: str | None
    request_id: str | None = None

    @classmethod
    def from_event(cls, route: Route, event: Mapping[str, Any]) -> IncomingDelivery:
        """From an HTTP API v2.0 event. The source IP is the TCP peer API Gateway saw, never a
        forwarding header a sender could write itself."""
        raw = event.get("body") or ""
        if event.get("isBase64Encoded"):
            try:
                body = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                body = b""  # cannot have been signed by anyone: the signature check refuses it
        else:
            body = raw.encode("utf-8")
        request_context = event.get("requestContext") or {}
        return cls(
            route=route,
            body=body,
            headers={str(key).lower(): str(value) for key, value in (event.get("headers") or {}).items()},
            source_ip=(request_context.get("http") or {}).get("sourceIp"),
            request_id=request_context.get("requestId"),
        )


@dataclass
class _Outcome:
    result: str  # PROCESSED, IGNORED, UNKNOWN_TRANSACTION, AMOUNT_MISMATCH
    answer: dict[str, Any] = field(default_factory=dict)
    detail: str | None = None
    error: DomainError | None = None


def receive(incoming: IncomingDelivery) -> dict[str, Any]:
    """Handle one delivery; returns the 200 answer or raises the refusal (after storing it)."""
    delivery = _new_delivery(incoming)
    try:
        answer = _receive(incoming, delivery)
    except DomainError as exc:
        _finish(delivery, exc.status, delivery.outcome or exc.code, delivery.detail or exc.message("en"))
        raise
    except Exception:
        _finish(delivery, 500, "ERROR", None)
        raise
    delivery.answer_status = 200
    store.save_delivery(delivery)
    return {**answer, "received": True, "delivery_id": delivery.delivery_id}


def _receive(incoming: IncomingDelivery, delivery: WebhookDelivery) -> dict[str, Any]:
    settings = get_settings()
    if not ip_allowed(incoming.source_ip, parse_networks(tuple(settings.jetcheckout_ip_allowlist))):
        # Anyone on the internet can reach a public route: keep the trace, not what they sent.
        delivery.verification, delivery.body = IpNotAllowed.code, None
        _rejected(IpNotAllowed.code, incoming)
        raise IpNotAllowed()
    try:
        verified = verify_signature(
            incoming.headers.get(SIGNATURE_HEADER), incoming.body, _webhook_secrets(), now=clock.timestamp()
        )
    except DomainError as exc:
        delivery.verification = exc.code
        _rejected(exc.code, incoming)
        raise
    delivery.verification = "VERIFIED"
    delivery.signature_timestamp = verified.timestamp
    delivery.secret_used = "current" if verified.secret_index == 0 else "previous"

    event, body_hash = _parse(incoming.body)
    delivery.event_id, delivery.event_type = event.id, event.type
    delivery.transaction_id, delivery.payment_id = event.data.transaction_id, event.data.payment_id
    if ROUTE_EVENT_TYPES[incoming.route] != event.type:
        raise EventTypeMismatch(route=incoming.route, event_type=event.type)

    claim = store.claim_event(event.id, body_hash=body_hash, owner=delivery.delivery_id)
    if claim is store.Claim.CONFLICT:
        raise EventIdReused(event_id=event.id)
    if claim is store.Claim.DUPLICATE:
        delivery.outcome = "DUPLICATE"
        metrics.add_metric(name="WebhookDuplicate", unit="Count", value=1)
        return {"duplicate": True}
    try:
        outcome = _apply(event, delivery)
    except Exception:
        store.release_claim(event.id, owner=delivery.delivery_id)  # unanswered: the retry must process it
        raise
    store.complete_claim(
        event.id, owner=delivery.delivery_id, outcome=outcome.result, transaction_id=event.data.transaction_id
    )
    delivery.outcome, delivery.detail = outcome.result, outcome.detail
    metrics.add_metric(name="WebhookAccepted", unit="Count", value=1)  # verified and processed once
    if outcome.error is not None:
        raise outcome.error
    return outcome.answer


def _apply(event: WebhookEvent, delivery: WebhookDelivery) -> _Outcome:
    txn = transactions.find_transaction(event.data.transaction_id)
    if txn is None:
        # A retry cannot fix an unknown reference, so the provider is told to stop (200) and staff
        # are alerted with the stored delivery to reconcile it.
        metrics.add_metric(name="WebhookUnknownTransaction", unit="Count", value=1)
        _alert("UNKNOWN_TRANSACTION", event, delivery, None, "no transaction with this id")
        return _Outcome("UNKNOWN_TRANSACTION", {"unknown_transaction": True})
    for _ in range(MAX_ATTEMPTS):
        decision = rules.decide(event, rules.TxnView.of(txn))
        try:
            return _execute(decision, event, txn, delivery)
        except (InvalidState, ConcurrentModification):
            txn.refresh(consistent_read=True)  # another change won the race: decide again on what it left
    raise ConcurrentModification(resource="transaction")


def _execute(decision: rules.Decision, event: WebhookEvent, txn: TransactionRow, delivery: WebhookDelivery) -> _Outcome:
    data, provenance = event.data, {"webhook_event_id": event.id}
    match decision:
        case rules.Fund():
            transactions.fund(txn, PROVIDER, payment_id=data.payment_id, event_extra=provenance)
        case rules.Fail():
            reason = data.reason or "payment failed"
            transactions.fail_payment(txn, PROVIDER, payment_id=data.payment_id, reason=reason, event_extra=provenance)
        case rules.RefundInFull(amount=amount):
            transactions.refund_in_full(txn, PROVIDER, refund_id=event.refund_id, amount=amount, event_id=event.id)
        case rules.RefundLatePayment(amount=amount):
            late = LatePayment(data.payment_id, amount, data.currency, event.id)
            refund_id = late_payments.refund_late_payment(txn, PROVIDER, late, provenance=provenance)
            return _Outcome("PROCESSED", {"late_payment_refunded": refund_id}, detail="late payment refunded")
        case rules.RecordRefund(amount=amount, announce=announce):
            transactions.record_refund(
                txn, PROVIDER, refund_id=event.refund_id, amount=amount, event_id=event.id, announce=announce
            )
        case rules.Ignore(reason=reason, alert=alert):
            if alert is not None:
                detail = f"{event.type} ({reason}) while {txn.status}"
                transactions.flag(
                    txn,
                    kind=alert,
                    detail=detail,
                    event_id=event.id,
                    event_type=event.type,
                    actor=PROVIDER,
                    also=[_alert_event(alert, event, delivery, txn, detail)],  # with the flag, or neither
                )
                metrics.add_metric(name="WebhookOutOfOrder", unit="Count", value=1)
            return _Outcome("IGNORED", {"ignored": reason}, detail=reason)
        case rules.Mismatch(reason=reason):
            metrics.add_metric(name="AmountMismatch", unit="Count", value=1)
            logger.warning(
                "webhook amount mismatch", extra={"event_id": event.id, "transaction_id": txn.id, "reason": reason}
            )
            _alert("AMOUNT_MISMATCH", event, delivery, txn, reason)
            return _Outcome("AMOUNT_MISMATCH", detail=reason, error=AmountMismatch(reason, delivery.delivery_id))
    return _Outcome("PROCESSED")


def _parse(body: bytes) -> tuple[WebhookEvent, str]:
    """The event and the hash of its content (key order and whitespace aside)."""
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(max_bytes=MAX_BODY_BYTES)
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise MalformedEvent() from exc
    if not isinstance(document, dict):
        raise MalformedEvent()
    try:
        event = WebhookEvent.model_validate(document)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(part) for part in err["loc"]), "message": err["msg"], "type": err["type"]}
            for err in exc.errors()
        ]
        raise InvalidEvent(errors) from exc
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return event, hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _webhook_secrets() -> list[str]:
    """The current secret, then the previous one while a rotation is under way."""
    previous = get_optional_secret("JETCHECKOUT_WEBHOOK_SECRET_PREVIOUS")
    return [get_secret("JETCHECKOUT_WEBHOOK_SECRET"), *([previous] if previous else [])]


def _alert(kind: str, event: WebhookEvent, delivery: WebhookDelivery, txn: TransactionRow | None, reason: str) -> None:
    """Tell staff, asynchronously: the notifier emails ``ADMIN_NOTIFICATION_EMAILS``."""
    announce([_alert_event(kind, event, delivery, txn, reason)])


def _alert_event(
    kind: str, event: WebhookEvent, delivery: WebhookDelivery, txn: TransactionRow | None, reason: str
) -> DomainEvent:
    return DomainEvent(
        ALERT_EVENT,
        {
            "kind": kind,
            "reason": reason,
            "webhook_event_id": event.id,
            "event_type": event.type,
            "delivery_id": delivery.delivery_id,
            "transaction_id": event.data.transaction_id,
            "transaction_status": txn.status if txn is not None else None,
            "payment_id": event.data.payment_id,
            "received_amount": event.data.amount,
            "received_currency": event.data.currency,
            "expected_amount": int(txn.amount) if txn is not None else None,
            "expected_currency": txn.currency if txn is not None else None,
        },
        "webhooks",
    )


def _rejected(code: str, incoming: IncomingDelivery) -> None:
    metrics.add_metric(name="WebhookRejected", unit="Count", value=1)
    logger.warning("webhook refused", extra={"code": code, "route": incoming.route, "source_ip": incoming.source_ip})


def _new_delivery(incoming: IncomingDelivery) -> WebhookDelivery:
    body_text, encoding = _printable(incoming.body)
    return WebhookDelivery(
        new_id("whd"),
        received_at=clock.now_iso(),
        route=incoming.route,
        source_ip=incoming.source_ip,
        request_id=incoming.request_id,
        headers=json.dumps(
            {
                name: value[:1024]
                for name, value in sorted(incoming.headers.items())
                if name in _KEPT_HEADERS or name.startswith("x-jetcheckout-")
            },
            ensure_ascii=False,
        ),
        body=body_text if len(incoming.body) <= MAX_BODY_BYTES else None,
        body_encoding=encoding,
        body_sha256=hashlib.sha256(incoming.body).hexdigest(),
        body_size=len(incoming.body),
        verification="UNVERIFIED",
    )


def _printable(body: bytes) -> tuple[str, str]:
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), "base64"


def _finish(delivery: WebhookDelivery, status: int, outcome: str, detail: str | None) -> None:
    """Store a refused or failed delivery; losing that record must not hide the original error."""
    delivery.answer_status, delivery.outcome, delivery.detail = status, outcome, detail
    try:
        store.save_delivery(delivery)
    except Exception:
        logger.exception("could not store a webhook delivery", extra={"delivery_id": delivery.delivery_id})
