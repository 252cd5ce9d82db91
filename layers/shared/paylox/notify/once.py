"""Emails sent at most once per key, however often EventBridge delivers the event behind them.

A notifier sends every email it planned with :func:`send_emails`. One failed address does not stop
the others; the invocation then fails (:class:`NotificationFailed`), Lambda retries the event, and
the key of each email in the idempotency table (Powertools idempotency) makes the retry send only
what is still missing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from functools import cache
from typing import Any

from paylox.aws import client
from paylox.config import get_settings
from paylox.notify import email as email_delivery
from paylox.notify.email import Email, EmailProvider
from paylox.observability import logger, mask_email, metrics

#: Longer than EventBridge keeps retrying an event (its retry policies stop within a day).
REMEMBER_SECONDS = 7 * 24 * 3600


class NotificationFailed(RuntimeError):
    """Some emails could not be sent; raising makes EventBridge (or Lambda) retry the event."""


def send_emails(emails: Sequence[Email], *, context: Any = None, provider: EmailProvider | None = None) -> int:
    """Send each of ``emails`` once (:func:`send_email_once`); returns how many there were.

    Raises :class:`NotificationFailed` after trying them all if any failed.
    """
    failed = 0
    for email in emails:
        try:
            send_email_once(email, context=context, provider=provider)
        except Exception:  # one bad address must not stop the others; the retry serves it
            logger.exception("email failed", extra={"to": mask_email(email.to)})  # the key holds the address
            failed += 1
    metrics.add_metric(name="EmailsSent", unit="Count", value=len(emails) - failed)
    if failed:
        raise NotificationFailed(f"{failed} of {len(emails)} emails failed")
    return len(emails)


def send_email_once(email: Email, *, context: Any = None, provider: EmailProvider | None = None) -> None:
    """Send ``email`` unless an email with its key was sent already (within :data:`REMEMBER_SECONDS`).

    ``provider`` defaults to the configured one (:func:`paylox.notify.email.get_provider`).
    """
    guarded, config = _guarded_send()
    if context is not None:
        config.register_lambda_context(context)  # an unfinished send may be retried once we time out
    guarded(message=asdict(email), provider=provider)


def _send(message: dict[str, str], provider: EmailProvider | None = None) -> str:
    chosen = provider or email_delivery.get_provider()
    return chosen.send(Email(**message))


@cache
def _guarded_send() -> tuple[Callable[..., str], Any]:
    """Built on first use, not at import: the settings and the client come later."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    persistence = DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table, boto3_client=client("dynamodb"))
    config = IdempotencyConfig(
        event_key_jmespath="key", raise_on_no_idempotency_key=True, expires_after_seconds=REMEMBER_SECONDS
    )
    guarded: Callable[..., str] = idempotent_function(
        _send, data_keyword_argument="message", persistence_store=persistence, config=config, key_prefix="email"
    )
    return guarded, config
