"""Email delivery: ``EMAIL_PROVIDER`` picks Amazon SES (``ses``) or, in development, ``console``
(the log and the dev outbox). Notifiers send through :mod:`paylox.notify.once`, never directly."""

from __future__ import annotations

from paylox.config import get_settings
from paylox.notify.email.base import Content, Email, EmailProvider, one_per_address
from paylox.notify.email.console import ConsoleProvider
from paylox.notify.email.ses import SesProvider

__all__ = ["Content", "Email", "EmailProvider", "get_provider", "one_per_address"]


def get_provider() -> EmailProvider:
    """The provider this environment's settings name."""
    settings = get_settings()
    if settings.email_provider == "console":
        return ConsoleProvider()
    return SesProvider(sender=settings.sender_email)
