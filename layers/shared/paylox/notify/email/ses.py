"""Email through Amazon SES (``SendEmail``), from the ``SENDER_EMAIL`` identity."""

from __future__ import annotations

from paylox.aws import client
from paylox.notify.email.base import Email
from paylox.observability import logger, mask_email


class SesProvider:
    name = "ses"

    def __init__(self, sender: str) -> None:
        self.sender = sender

    def send(self, email: Email) -> str:
        response = client("ses").send_email(
            Source=self.sender,
            Destination={"ToAddresses": [email.to]},
            Message={
                "Subject": {"Data": email.subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": email.body, "Charset": "UTF-8"}},
            },
        )
        message_id = str(response["MessageId"])
        logger.info(
            "email sent", extra={"to": mask_email(email.to), "subject": email.subject, "message_id": message_id}
        )
        return message_id
