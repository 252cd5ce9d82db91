"""Emails sent at most once per key, however often EventBridge delivers the event behind them.

Notification functions are retried when one of their emails fails; a key per (event, recipient)
in the idempotency table (Powertools idempotency) makes the retry send only what is still missing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from paylox.aws import client
from paylox.config import get_settings

#: ``send(to, subject, body) -> message id``; tests pass an in-memory one.
Sender = Callable[[list[str], str, str], str]

#: Longer than EventBridge keeps retrying an event (its retry policies stop within a day).
REMEMBER_SECONDS = 7 * 24 * 3600


def send_email_once(
    key: str, to: str, subject: str, body: str, *, context: Any = None, send: Sender | None = None
) -> None:
    """Send one email unless an email with ``key`` was already sent (within :data:`REMEMBER_SECONDS`)."""
    guarded, config = _guarded_send()
    if context is not None:
        config.register_lambda_context(context)  # an unfinished send may be retried once we time out
    guarded(message={"key": key, "to": to, "subject": subject, "body": body}, send=send)


def _send(message: dict[str, str], send: Sender | None = None) -> str:
    if send is None:
        from paylox.notify.email import send_email

        send = send_email
    return send([message["to"]], message["subject"], message["body"])


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
