"""What an email is, and what an email provider does with it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple, Protocol

from paylox.values import frozen


class Content(NamedTuple):
    """A rendered template (``<domain>/emails.py``): what an email says, not yet to whom."""

    subject: str
    body: str


@frozen
class Email:
    """One plain-text UTF-8 email to one address.

    ``key`` says what the email is for: an email is sent at most once per key
    (:func:`paylox.notify.once.send_email_once`), however often the event behind it is delivered.
    """

    to: str
    subject: str
    body: str
    key: str

    @classmethod
    def for_event(cls, event_id: str, template: str, to: str, content: Content) -> Email:
        """The email ``template`` for the event ``event_id`` to ``to``, keyed ``<event>:<template>:<to>``.

        ``event_id`` is the event's own id, ``detail.event_id`` (:mod:`paylox.events`), never the
        EventBridge envelope's ``id``, which a retried ``PutEvents`` changes.
        """
        return cls(to=to, subject=content.subject, body=content.body, key=f"{event_id}:{template}:{to}")


def one_per_address(emails: Iterable[Email]) -> list[Email]:
    """The first email planned for each address (compared without case): nobody gets two emails
    about one event, say as an admin and as a party."""
    unique: dict[str, Email] = {}
    for email in emails:
        unique.setdefault(email.to.lower(), email)
    return list(unique.values())


class EmailProvider(Protocol):
    name: str

    def send(self, email: Email) -> str:
        """Hand ``email`` over for delivery; returns the provider's message id, raises on failure."""
        ...
