"""Email through Amazon SES (moto's SES in the dev stack and tests)."""

from __future__ import annotations

from paylox import dev_outbox
from paylox.aws import client
from paylox.config import get_settings
from paylox.observability import logger, mask_email


def send_email(to: list[str], subject: str, body: str) -> str:
    """Send a plain-text UTF-8 email to ``to``; returns the SES message id."""
    settings = get_settings()
    response = client("ses").send_email(
        Source=settings.sender_email,
        Destination={"ToAddresses": to},
        Message={
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
        },
    )
    logger.info("email sent", extra={"to": [mask_email(address) for address in to], "subject": subject})
    for address in to:
        dev_outbox.record("email", address, body, subject=subject)
    return str(response["MessageId"])
