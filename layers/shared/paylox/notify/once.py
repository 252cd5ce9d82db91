"""Emails sent at most once per key, however often EventBridge delivers the event behind them.

A notifier sends every email it planned with :func:`send_emails`. One failed address does not stop
the others; the invocation then fails (:class:`NotificationFailed`), Lambda retries the event, and
the record of each email sent (:mod:`paylox.notify.records`, in the idempotency table) makes the
retry send only what is still missing. The records are laid out as Powertools' idempotency utility
wrote them, and claimed with the same conditional writes: a send in progress elsewhere is refused
(the event is retried later), one that died with its function is taken over after its deadline,
and a failed send releases its claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paylox.notify import email as email_delivery
from paylox.notify import records
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

    ``provider`` defaults to the configured one (:func:`paylox.notify.email.get_provider`);
    ``context`` (Lambda's) bounds how long the send may hold its claim: past the function's time,
    a retry takes it over. Raises :class:`paylox.notify.records.SendInProgress` while another
    invocation sends the same email, and whatever the provider raised (the claim released).
    """
    if not email.key:
        raise ValueError("an email sent once needs a key")
    time_left = context.get_remaining_time_in_millis() if context is not None else None
    if not records.claim(email.key, REMEMBER_SECONDS, time_left):
        return  # sent before
    try:
        message_id = (provider or email_delivery.get_provider()).send(email)
    except Exception:
        records.release(email.key)  # a retry sends it
        raise
    records.complete(email.key, message_id, REMEMBER_SECONDS)
