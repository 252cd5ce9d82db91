"""Cognito PostConfirmation trigger of the user pool: the user who just confirmed their sign-up gets
their profile (README, Identity). Idempotent: a repeated confirmation changes no profile.

Cognito requires the event back unchanged. A failure (nothing was stored) reaches the signing-up
client as Cognito's error; the same event can be replayed safely, since registering is idempotent.
"""

from typing import Any

from paylox.observability import entry_point, logger
from paylox.users.registration import Registration, register


@entry_point()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    registration = Registration.from_post_confirmation(event)
    if registration is None:
        logger.info("not a sign-up confirmation", extra={"trigger_source": event.get("triggerSource")})
    else:
        register(registration)
    return event
