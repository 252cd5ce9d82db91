"""Who an email goes to: a person's address and language, looked up through the users domain.

Admin addresses come from the settings (``ADMIN_NOTIFICATION_EMAILS``); they have no profile, so
their emails are Turkish, or Turkish then English.
"""

from __future__ import annotations

from collections.abc import Callable

from paylox.observability import logger, metrics
from paylox.types import Locale, locale_for
from paylox.users.service import find_profile
from paylox.values import frozen


@frozen
class Recipient:
    address: str
    locale: Locale


#: How a planner finds a user's address and language: :func:`find_recipient` in a notifier, a
#: dictionary's ``get`` in a unit test.
RecipientOf = Callable[[str | None], Recipient | None]


def find_recipient(user_id: str | None) -> Recipient | None:
    """The user's address and language from their profile; None (logged and counted) when the user
    has no profile or no email address, so the other recipients are still written to."""
    profile = find_profile(user_id) if user_id else None
    if profile is None or not profile.email:
        logger.warning("no email address for a notification", extra={"user_id": user_id})
        metrics.add_metric(name="NotificationSkipped", unit="Count", value=1)
        return None
    return Recipient(profile.email, locale_for(profile.locale))
