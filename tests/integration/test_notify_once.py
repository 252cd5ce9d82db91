"""An email goes out at most once per key: what the records in the idempotency table promise,
including toward the records Powertools' idempotency utility wrote before the notifiers kept their
own (a deploy must not resend last week's emails, nor a rollback this week's)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from threading import Barrier

import pytest
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from devstack import dev_clock
from paylox.aws import client
from paylox.config import get_settings
from paylox.notify import records
from paylox.notify.email import Email
from paylox.notify.once import REMEMBER_SECONDS, NotificationFailed, send_email_once, send_emails
from paylox.notify.records import SendInProgress


class Outbox:
    """A provider that keeps what it was handed."""

    name = "test"

    def __init__(self) -> None:
        self.sent: list[Email] = []

    def send(self, email: Email) -> str:
        self.sent.append(email)
        return f"msg-{len(self.sent)}"


class Context:
    def __init__(self, millis: int) -> None:
        self.millis = millis

    def get_remaining_time_in_millis(self) -> int:
        return self.millis


def an_email(key: str) -> Email:
    return Email(to="ayse@example.com", subject="Paylox", body="Merhaba", key=key)


def powertools_send(email: Email, outbox: Outbox) -> str:
    """How the notifiers sent an email before: Powertools' idempotency utility, as it was configured."""
    persistence = DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table, boto3_client=client("dynamodb"))
    config = IdempotencyConfig(
        event_key_jmespath="key", raise_on_no_idempotency_key=True, expires_after_seconds=REMEMBER_SECONDS
    )
    config.register_lambda_context(Context(30_000))

    def send(message: dict[str, str]) -> str:
        return outbox.send(Email(**message))

    guarded = idempotent_function(
        send, data_keyword_argument="message", persistence_store=persistence, config=config, key_prefix="email"
    )
    return str(guarded(message=asdict(email)))


def test_an_email_sent_before_the_change_is_not_sent_again():
    # Given an email sent through Powertools' idempotency utility
    outbox = Outbox()
    email = an_email("evt_old:funded:ayse")
    powertools_send(email, outbox)

    # When its event is delivered again
    send_email_once(email, provider=outbox)

    # Then nobody gets it twice
    assert len(outbox.sent) == 1


def test_an_email_sent_now_is_not_sent_again_after_a_rollback():
    outbox = Outbox()
    email = an_email("evt_new:funded:ayse")
    send_email_once(email, provider=outbox, context=Context(30_000))

    powertools_send(email, outbox)

    assert len(outbox.sent) == 1


def test_an_email_being_sent_elsewhere_is_left_to_that_sender_and_the_event_retried():
    # Given another invocation that claimed the email and has 30 s left
    outbox = Outbox()
    email = an_email("evt_busy:funded:ayse")
    assert records.claim(email.key, REMEMBER_SECONDS, 30_000)

    # When the same email is sent here
    with pytest.raises(SendInProgress):
        send_email_once(email, provider=outbox)
    with pytest.raises(NotificationFailed):
        send_emails([email], provider=outbox)

    # Then it is not sent (the retry of the event finds it sent, or sends it)
    assert outbox.sent == []


def test_a_send_that_died_with_its_function_is_taken_over_after_its_deadline():
    outbox = Outbox()
    email = an_email("evt_died:funded:ayse")
    assert records.claim(email.key, REMEMBER_SECONDS, 5_000)  # a function that then timed out

    dev_clock.advance(6)
    send_email_once(email, provider=outbox, context=Context(30_000))
    send_email_once(email, provider=outbox)

    assert len(outbox.sent) == 1


def test_a_record_is_forgotten_after_a_week():
    outbox = Outbox()
    email = an_email("evt_week:funded:ayse")
    send_email_once(email, provider=outbox)

    dev_clock.advance(REMEMBER_SECONDS + 1)  # TTL deletion lags: the record is still there
    send_email_once(email, provider=outbox)

    assert len(outbox.sent) == 2


def test_a_failed_send_is_sent_by_the_retry():
    class Down(Outbox):
        def send(self, email: Email) -> str:
            raise ConnectionError("SES throttled")

    email = an_email("evt_fail:funded:ayse")
    with pytest.raises(ConnectionError):
        send_email_once(email, provider=Down(), context=Context(30_000))

    outbox = Outbox()
    send_email_once(email, provider=outbox, context=Context(30_000))
    assert len(outbox.sent) == 1


def test_deliveries_racing_send_one_email():
    outbox = Outbox()
    email = an_email("evt_race:funded:ayse")
    start = Barrier(6)

    def deliver(_: int) -> str:
        start.wait()
        try:
            send_email_once(email, provider=outbox, context=Context(30_000))
        except SendInProgress:
            return "retried later"
        return "done"

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(deliver, range(6)))

    assert len(outbox.sent) == 1
    assert "done" in answers


def test_an_email_without_a_key_is_refused():
    with pytest.raises(ValueError, match="key"):
        send_email_once(an_email(""), provider=Outbox())
