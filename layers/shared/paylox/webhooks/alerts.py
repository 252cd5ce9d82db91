"""Telling staff about a payment fact nobody acted on: who speaks for the provider, and what an
``AdminAlert`` from the webhook side says.

Apart from :mod:`paylox.webhooks.apply` so that receiving a webhook (which alerts about an unknown
transaction or a refused amount, but moves no money) does not load the transactions service and
the late-payment refunds that applying a confirmed fact needs.
"""

from __future__ import annotations

from typing import Any

from paylox.auth import Actor
from paylox.events import DomainEvent, announce
from paylox.notify.alerts import ALERT_EVENT
from paylox.transactions.models import TransactionRow
from paylox.webhooks.hints import Hint
from paylox.webhooks.schemas import WebhookEvent

#: Who moves a transaction on the provider's word, in timelines and the audit log.
PROVIDER = Actor(id="jetcheckout", role="system")


def event_facts(event: WebhookEvent) -> dict[str, Any]:
    """What an alert about ``event`` tells staff."""
    return {
        "webhook_event_id": event.id,
        "event_type": event.type,
        "payment_id": event.data.payment_id,
        "received_amount": event.data.amount,
        "received_currency": event.data.currency,
    }


def hint_facts(hint: Hint) -> dict[str, Any]:
    """What an alert about an unconfirmed ``hint`` tells staff."""
    return {
        "webhook_event_id": hint.event_id,
        "event_type": hint.type,
        "payment_id": hint.payment_id,
        "order_id": hint.order_id,
        "received_amount": hint.amount,
        "received_currency": hint.currency,
        "signed": hint.signed,
    }


def alert(
    kind: str,
    reason: str,
    facts: dict[str, Any],
    delivery_id: str | None,
    transaction_id: str,
    txn: TransactionRow | None = None,
) -> None:
    """Tell staff about a delivery that changes nothing (an unknown reference, a refused amount)."""
    announce([alert_event(kind, reason, facts, delivery_id, txn, transaction_id=transaction_id)])


def alert_event(
    kind: str,
    reason: str,
    facts: dict[str, Any],
    delivery_id: str | None,
    txn: TransactionRow | None,
    *,
    transaction_id: str,
) -> DomainEvent:
    """The ``AdminAlert`` about ``kind``: the facts, and what we expected of the transaction."""
    return DomainEvent(
        ALERT_EVENT,
        {
            "kind": kind,
            "reason": reason,
            "delivery_id": delivery_id,
            "transaction_id": transaction_id,
            "transaction_status": txn.status if txn is not None else None,
            "expected_amount": int(txn.amount) if txn is not None else None,
            "expected_currency": txn.currency if txn is not None else None,
            **facts,
        },
        "webhooks",
    )
