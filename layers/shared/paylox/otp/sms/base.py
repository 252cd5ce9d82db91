"""What an SMS provider is, and the three ways a send can fail."""

from __future__ import annotations

from typing import Protocol

from paylox.values import frozen


@frozen
class SentSms:
    provider: str
    message_id: str
    status: str  # as the provider reported it (queued, accepted, sent, ...)


class SmsError(Exception):
    def __init__(self, provider: str, detail: str, provider_code: str | None = None) -> None:
        super().__init__(f"{provider}: {detail}")
        self.provider = provider
        self.detail = detail
        self.provider_code = provider_code


class TransientSmsError(SmsError):
    """Worth retrying: a timeout, a connection failure, HTTP 429 or 5xx."""


class ProviderRejected(SmsError):
    """This provider will not send (credentials, balance, sender id, region permission): no retry,
    but another provider may."""


class RecipientRejected(SmsError):
    """The number cannot receive SMS (invalid, landline, unreachable, unsubscribed): no retry, and
    no other provider either (an opt-out must not be routed around)."""


class SmsProvider(Protocol):
    name: str

    def send(self, to: str, body: str, *, timeout: float) -> SentSms:
        """Hand ``body`` to the provider for ``to`` (E.164); raises an :class:`SmsError`."""
        ...
