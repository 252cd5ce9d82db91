"""MessageBird's SMS REST API (``POST /messages``) through ``requests``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from paylox.otp.sms.base import ProviderRejected, RecipientRejected, SentSms, TransientSmsError

if TYPE_CHECKING:
    import requests

MESSAGES_URL = "https://rest.messagebird.com/messages"


class MessageBirdProvider:
    name = "messagebird"

    def __init__(self, access_key: str, originator: str) -> None:
        self.access_key = access_key
        self.originator = originator

    def send(self, to: str, body: str, *, timeout: float) -> SentSms:
        import requests  # on first send, not with the module: its importers need not pay ~4 MiB

        payload = {"recipients": [to.removeprefix("+")], "originator": self.originator, "body": body}
        try:
            response = requests.post(
                MESSAGES_URL,
                json=payload,
                headers={"Authorization": f"AccessKey {self.access_key}", "Accept": "application/json"},
                timeout=timeout,
            )
        except requests.RequestException as exc:
            raise TransientSmsError(self.name, type(exc).__name__) from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientSmsError(self.name, f"HTTP {response.status_code}")
        data = _json(response)
        if response.status_code >= 400:
            errors = data.get("errors") or [{}]
            first = errors[0]
            code = str(first.get("code")) if first.get("code") is not None else None
            if response.status_code in (400, 422) and str(first.get("parameter", "")).startswith("recipient"):
                raise RecipientRejected(self.name, str(first.get("description", "invalid recipient")), code)
            raise ProviderRejected(self.name, f"HTTP {response.status_code}", code)
        return SentSms(self.name, str(data.get("id", "")), "accepted")


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
