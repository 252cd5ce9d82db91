"""The development provider: the SMS goes to the dev outbox (``GET /_dev/outbox``) and the log.

The log line has the masked number only: the code is never logged, even in development.
"""

from __future__ import annotations

from paylox import dev_outbox
from paylox.ids import new_id
from paylox.observability import logger, mask_phone
from paylox.otp.sms.base import SentSms


class ConsoleProvider:
    name = "console"

    def send(self, to: str, body: str, *, timeout: float) -> SentSms:
        message_id = new_id("sms")
        dev_outbox.record("sms", to, body)
        logger.info("sms written to the dev outbox", extra={"to": mask_phone(to), "message_id": message_id})
        return SentSms(self.name, message_id, "delivered")
