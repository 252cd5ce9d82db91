"""Reading OTP codes the way a phone would: from the SMS in the development outbox."""

from __future__ import annotations

import re
from typing import Any

from paylox import dev_outbox

_CODE = re.compile(r"\b([0-9]{6})\b")


def code_in(body: str) -> str:
    """The six-digit code in an SMS body."""
    match = _CODE.search(body)
    assert match, f"no code in {body!r}"
    return match.group(1)


def sms_to(messages: list[dict[str, Any]], phone: str) -> list[dict[str, Any]]:
    return [message for message in messages if message["channel"] == "sms" and message["to"] == phone]


class SmsOutbox:
    """The outbox the console SMS provider writes to (``PAYLOX_DEV_OUTBOX``)."""

    def messages(self, phone: str) -> list[dict[str, Any]]:
        return sms_to(dev_outbox.read_all(), phone)

    def last_code(self, phone: str) -> str:
        messages = self.messages(phone)
        assert messages, f"no SMS to {phone}"
        return code_in(messages[-1]["body"])
