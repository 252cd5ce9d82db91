"""Twilio's Messages API through its Python SDK (imported here only: it is heavy on cold start)."""

from __future__ import annotations

from typing import Any

import requests

from paylox.otp.sms.base import ProviderRejected, RecipientRejected, SentSms, TransientSmsError

#: Errors about the recipient: retrying or routing through another provider cannot help.
#: 21211 invalid 'To', 21214 cannot be reached, 21217 not a valid number, 21401 invalid number,
#: 21407 number type cannot receive SMS, 21610 unsubscribed (STOP), 21612 not reachable by SMS,
#: 21614 not a mobile number.
RECIPIENT_ERRORS = frozenset({21211, 21214, 21217, 21401, 21407, 21610, 21612, 21614})


class TwilioProvider:
    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str, sender: str, status_callback: str | None = None) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.sender = sender
        self.status_callback = status_callback

    def send(self, to: str, body: str, *, timeout: float) -> SentSms:
        from twilio.base.exceptions import TwilioRestException
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        client = Client(self.account_sid, self.auth_token, http_client=TwilioHttpClient(timeout=timeout))
        params: dict[str, Any] = {"to": to, "body": body}
        # A messaging service sid (MG...) lets Twilio pick the sender; otherwise it is the From.
        params["messaging_service_sid" if self.sender.startswith("MG") else "from_"] = self.sender
        if self.status_callback:
            params["status_callback"] = self.status_callback
        try:
            message = client.messages.create(**params)
        except TwilioRestException as exc:
            raise _classify(exc) from exc
        except requests.RequestException as exc:
            raise TransientSmsError(self.name, type(exc).__name__) from exc
        return SentSms(self.name, str(message.sid), str(message.status or "queued"))


def _classify(exc: Any) -> Exception:
    code = str(exc.code) if exc.code is not None else None
    if exc.status == 429 or exc.status >= 500:
        return TransientSmsError("twilio", f"HTTP {exc.status}", code)
    if exc.code in RECIPIENT_ERRORS:
        return RecipientRejected("twilio", f"error {exc.code}", code)
    return ProviderRejected("twilio", f"HTTP {exc.status} error {exc.code}", code)
