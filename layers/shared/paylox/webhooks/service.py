"""Receiving a Jetcheckout webhook: verify, deduplicate, store the hint, answer at once.

A webhook is a hint, never the truth about money (docs/webhooks.md). The order is fixed and nothing
is read or written before the security checks pass:

1. source IP in ``JETCHECKOUT_IP_ALLOWLIST``               else 403 IP_NOT_ALLOWED
2. ``X-Jetcheckout-Signature`` matches (current/previous)  else 401 INVALID_SIGNATURE
   (a body without the header in the evidenced callback shape ``{is_success, order_id,
   transaction_id}`` is accepted unsigned: it is only a hint, and its sender is allowlisted)
3. its timestamp within 5 minutes of our clock              else 401 TIMESTAMP_OUT_OF_WINDOW
   (then the body must be a valid event for this route: 413 / 400 / 422 / 400 EVENT_TYPE_MISMATCH)
4. the event id is claimed (conditional write)              a repeat is 200 duplicate; another body 409
5. a signed amount or currency that contradicts the transaction: 422 AMOUNT_MISMATCH (staff alerted)

Then the hint is stored with its ``PaymentHintReceived`` event in one DynamoDB transaction and
answered ``200 {"received": true, "delivery_id"}``. The confirming function
(:mod:`paylox.webhooks.confirm`, the only one holding the gateway key) asks the gateway and moves
money on its answer alone.

Every delivery from an allowlisted sender is stored with what we made of it; one that failed
verification only as a bounded summary (no body, a few headers cut short) that expires soon. A
sender outside the allowlist is only counted (``WebhookRefusedOutsideAllowlist``, no alarm):
anyone on the internet can call a public route, so their calls must neither fill the table nor
raise the alarm, which counts the refusals of allowlisted senders (``WebhookRejected``: a secret
rotation gone wrong, a clock adrift).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import field
from typing import Any

from pydantic import BaseModel, ValidationError

from paylox import clock
from paylox.config import get_settings
from paylox.errors import DomainError
from paylox.events import DomainEvent
from paylox.ids import new_id
from paylox.observability import logger, metrics
from paylox.secrets import get_optional_secret, get_secret, prefetch
from paylox.transactions import store as transaction_store
from paylox.values import frozen
from paylox.webhooks import rules, store
from paylox.webhooks.alerts import PROVIDER, alert, event_facts, hint_facts
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
from paylox.webhooks.hints import HINT_EVENT, Hint
from paylox.webhooks.models import WebhookDelivery
from paylox.webhooks.schemas import ROUTE_EVENT_TYPES, CallbackEvent, Route, WebhookEvent
from paylox.webhooks.signature import SIGNATURE_HEADER, verify_signature

__all__ = ["PROVIDER", "IncomingDelivery", "receive"]

MAX_BODY_BYTES = 64 * 1024
_KEPT_HEADERS = frozenset({"content-type", "user-agent", "x-forwarded-for", SIGNATURE_HEADER})
#: What the summary of a delivery that failed verification keeps of its headers, and how much of each.
_SUMMARY_HEADERS = frozenset({"content-type", "user-agent", SIGNATURE_HEADER})
_SUMMARY_HEADER_CHARS = 256


@frozen
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


@frozen
class _Outcome:
    result: str  # RECEIVED, DUPLICATE, UNKNOWN_TRANSACTION, AMOUNT_MISMATCH
    answer: dict[str, Any] = field(default_factory=dict)
    detail: str | None = None
    error: DomainError | None = None
    events: list[DomainEvent] = field(default_factory=list)


@frozen
class _Parsed:
    hint: Hint
    body_hash: str
    event: WebhookEvent | None  # the signed event; None for an evidenced callback


def receive(incoming: IncomingDelivery) -> dict[str, Any]:
    """Handle one delivery; returns the 200 answer or raises the refusal (after storing it, or
    its summary; nothing for a sender outside the allowlist)."""
    _require_allowlisted(incoming)
    delivery = _new_delivery(incoming)
    try:
        parsed = _checked(incoming, delivery)
        outcome = _claimed(parsed, delivery)
    except DomainError as exc:
        _finish(delivery, exc.status, delivery.outcome or exc.code, delivery.detail or exc.message("en"))
        raise
    except Exception:
        _finish(delivery, 500, "ERROR", None)
        raise
    return {**outcome.answer, "received": True, "delivery_id": delivery.delivery_id}


def _require_allowlisted(incoming: IncomingDelivery) -> None:
    """Step 1. Anyone on the internet can reach a public route: a sender outside the allowlist is
    counted and logged, never stored, and never counts towards the rejection alarm."""
    settings = get_settings()
    if not ip_allowed(incoming.source_ip, parse_networks(tuple(settings.jetcheckout_ip_allowlist))):
        metrics.add_metric(name="WebhookRefusedOutsideAllowlist", unit="Count", value=1)
        where = {"code": IpNotAllowed.code, "route": incoming.route, "source_ip": incoming.source_ip}
        logger.info("webhook refused", extra=where)
        raise IpNotAllowed()


def _checked(incoming: IncomingDelivery, delivery: WebhookDelivery) -> _Parsed:
    """Steps 2 and 3: that it is authentic (or an evidenced callback), what it says."""
    parsed = _callback(incoming, delivery) or _signed(incoming, delivery)
    hint = parsed.hint
    delivery.event_id, delivery.event_type = hint.event_id, hint.type
    delivery.transaction_id, delivery.payment_id = hint.transaction_id, hint.payment_id
    if ROUTE_EVENT_TYPES[incoming.route] != hint.type:
        raise EventTypeMismatch(route=incoming.route, event_type=hint.type)
    return parsed


def _callback(incoming: IncomingDelivery, delivery: WebhookDelivery) -> _Parsed | None:
    """The unsigned callback the evidence shows, when the body is one and carries no signature."""
    if SIGNATURE_HEADER in incoming.headers or len(incoming.body) > MAX_BODY_BYTES:
        return None
    try:
        document, body_hash = _document(incoming.body)
        callback = CallbackEvent.model_validate(document)
    except (MalformedEvent, ValidationError):
        return None  # not a callback: the signature check refuses it
    delivery.verification = "UNSIGNED_CALLBACK"
    return _Parsed(Hint.of_callback(callback), body_hash, None)


def _signed(incoming: IncomingDelivery, delivery: WebhookDelivery) -> _Parsed:
    try:
        verified = verify_signature(
            incoming.headers.get(SIGNATURE_HEADER), incoming.body, _webhook_secrets(), now=clock.timestamp()
        )
    except DomainError as exc:
        delivery.verification = exc.code
        _summarised(delivery)
        _rejected(exc.code, incoming)
        raise
    delivery.verification = "VERIFIED"
    delivery.signature_timestamp = verified.timestamp
    delivery.secret_used = "current" if verified.secret_index == 0 else "previous"
    if len(incoming.body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(max_bytes=MAX_BODY_BYTES)
    document, body_hash = _document(incoming.body)
    event = _validated(WebhookEvent, document)
    return _Parsed(Hint.of_event(event), body_hash, event)


def _claimed(parsed: _Parsed, delivery: WebhookDelivery) -> _Outcome:
    """Steps 4 and 5, then the hint stored with its request for confirmation, then the claim completed."""
    owner, event_id = delivery.delivery_id, parsed.hint.event_id
    claim = store.claim_event(event_id, body_hash=parsed.body_hash, owner=owner)
    if claim is store.Claim.CONFLICT:
        raise EventIdReused(event_id=event_id)
    if claim is store.Claim.DUPLICATE:
        delivery.outcome, delivery.answer_status = "DUPLICATE", 200
        metrics.add_metric(name="WebhookDuplicate", unit="Count", value=1)
        store.save_delivery(delivery)
        return _Outcome("DUPLICATE", {"duplicate": True})
    try:
        outcome = _accept(parsed, delivery)
        delivery.outcome, delivery.detail = outcome.result, outcome.detail
        if outcome.events:
            delivery.answer_status = 200
            store.save_hint(delivery, outcome.events, owner=owner)  # completes the claim too
            return outcome
    except Exception:
        store.release_claim(event_id, owner=owner)  # unanswered: the retry must process it
        delivery.outcome = delivery.detail = delivery.hint = delivery.confirmation = None  # not stored as a hint
        raise
    store.complete_claim(event_id, owner=owner, outcome=outcome.result, transaction_id=delivery.transaction_id)
    if outcome.error is not None:
        raise outcome.error  # stored with its answer by receive()
    delivery.answer_status = 200
    store.save_delivery(delivery)
    return outcome


def _accept(parsed: _Parsed, delivery: WebhookDelivery) -> _Outcome:
    hint = parsed.hint
    # Read from the transactions store: receiving moves nothing, so it loads none of the service that
    # creates and moves transactions (users, quotas, the gateway).
    txn = transaction_store.find(hint.transaction_id)
    if txn is None:
        # Nothing to confirm against: the provider is told to stop (200) and staff are alerted
        # with the stored delivery to reconcile it.
        metrics.add_metric(name="WebhookUnknownTransaction", unit="Count", value=1)
        alert(
            "UNKNOWN_TRANSACTION",
            "no transaction with this id",
            hint_facts(hint),
            delivery.delivery_id,
            hint.transaction_id,
        )
        return _Outcome("UNKNOWN_TRANSACTION", {"unknown_transaction": True})
    event = parsed.event
    if event is not None:
        decision = rules.decide(event, rules.TxnView.of(txn))
        if isinstance(decision, rules.Mismatch):
            # A signed claim that contradicts our own records is refused outright, before any gateway call.
            metrics.add_metric(name="AmountMismatch", unit="Count", value=1)
            logger.warning("webhook amount mismatch", extra={"event_id": event.id, "transaction_id": txn.id})
            alert("AMOUNT_MISMATCH", decision.reason, event_facts(event), delivery.delivery_id, txn.id, txn)
            error = AmountMismatch(decision.reason, delivery.delivery_id)
            return _Outcome("AMOUNT_MISMATCH", detail=decision.reason, error=error)
    delivery.hint, delivery.confirmation = hint.dumps(), store.PENDING
    metrics.add_metric(name="WebhookAccepted", unit="Count", value=1)  # verified and stored as a hint
    request = DomainEvent(
        HINT_EVENT,
        {"delivery_id": delivery.delivery_id, "transaction_id": txn.id, "hint_type": hint.type},
        "webhooks",
    )
    return _Outcome("RECEIVED", events=[request])


def _document(body: bytes) -> tuple[dict[str, Any], str]:
    """The JSON object and the hash of its content (key order and whitespace aside)."""
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise MalformedEvent() from exc
    if not isinstance(document, dict):
        raise MalformedEvent()
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return document, hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _validated[M: BaseModel](model: type[M], document: dict[str, Any]) -> M:
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(part) for part in err["loc"]), "message": err["msg"], "type": err["type"]}
            for err in exc.errors()
        ]
        raise InvalidEvent(errors) from exc


def _webhook_secrets() -> list[str]:
    """The current secret, then the previous one while a rotation is under way (both read in one
    SSM call when they are due)."""
    prefetch("JETCHECKOUT_WEBHOOK_SECRET", "JETCHECKOUT_WEBHOOK_SECRET_PREVIOUS")
    previous = get_optional_secret("JETCHECKOUT_WEBHOOK_SECRET_PREVIOUS")
    return [get_secret("JETCHECKOUT_WEBHOOK_SECRET"), *([previous] if previous else [])]


def _summarised(delivery: WebhookDelivery) -> None:
    """Keep of a delivery that failed verification only a bounded summary: its hash and size, and
    the headers that tell a secret or clock mix-up, cut short; not what it claims."""
    headers = json.loads(delivery.headers)
    delivery.body = None
    delivery.headers = json.dumps(
        {name: value[:_SUMMARY_HEADER_CHARS] for name, value in headers.items() if name in _SUMMARY_HEADERS},
        ensure_ascii=False,
    )


def _rejected(code: str, incoming: IncomingDelivery) -> None:
    """An allowlisted sender's delivery failed verification: what the rejection alarm counts."""
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
