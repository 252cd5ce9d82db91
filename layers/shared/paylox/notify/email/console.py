"""The development provider: the email goes to the dev outbox (``GET /_dev/outbox``) and the log.

Nothing leaves the machine, which is why the settings refuse it outside ``PAYLOX_STAGE=dev``.
"""

from __future__ import annotations

from paylox import dev_outbox
from paylox.ids import new_id
from paylox.notify.email.base import Email
from paylox.observability import logger, mask_email


class ConsoleProvider:
    name = "console"

    def send(self, email: Email) -> str:
        message_id = new_id("eml")
        dev_outbox.record("email", email.to, email.body, subject=email.subject)
        logger.info(
            "email written to the dev outbox",
            extra={"to": mask_email(email.to), "subject": email.subject, "message_id": message_id},
        )
        return message_id
