"""Delivery-status callbacks from Twilio, recorded against the message they report on.

The route is public; a callback counts only when its ``X-Twilio-Signature`` verifies (the SDK's
``RequestValidator``: HMAC of the URL Twilio called and the form fields, keyed by the auth
token). The URL is ``TWILIO_STATUS_CALLBACK_URL`` when set (it is what we asked Twilio to call),
otherwise the one this request arrived at. Callbacks may arrive out of order, so a status never
moves backwards (``delivered`` is not overwritten by a late ``sent``).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from paylox import clock
from paylox.auth import SYSTEM
from paylox.config import get_settings
from paylox.errors import InvalidRequest
from paylox.observability import logger, metrics
from paylox.otp import activity, store
from paylox.otp.errors import InvalidSignature
from paylox.secrets import get_secret

#: Twilio's message statuses in the order they happen; the final ones share the last rank.
_RANK = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "read": 5,
}
FINAL = frozenset({"delivered", "undelivered", "failed", "canceled"})


def record_twilio_status(event: APIGatewayProxyEventV2) -> bool:
    """Verify and record one status callback; True when it changed the stored message."""
    form = dict(parse_qsl(event.decoded_body or "", keep_blank_values=True))
    signature = event.headers.get("x-twilio-signature")
    if not signature or not _signature_valid(_callback_url(event), form, signature):
        logger.warning("twilio callback refused: bad signature", extra={"has_signature": bool(signature)})
        metrics.add_metric(name="TwilioCallbackRejected", unit=MetricUnit.Count, value=1)
        raise InvalidSignature()
    sid = form.get("MessageSid") or form.get("SmsSid")
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    if not sid or status not in _RANK:
        raise InvalidRequest(reason="MessageSid and a known MessageStatus are required")
    return _record("twilio", sid, status, form.get("ErrorCode") or None)


def _signature_valid(url: str, form: dict[str, str], signature: str) -> bool:
    from twilio.request_validator import RequestValidator

    return bool(RequestValidator(get_secret("TWILIO_AUTH_TOKEN")).validate(url, form, signature))


def _callback_url(event: APIGatewayProxyEventV2) -> str:
    configured = get_settings().twilio_status_callback_url
    if configured:
        return configured
    host = event.request_context.domain_name or event.headers.get("host", "")
    query = f"?{event.raw_query_string}" if event.raw_query_string else ""
    return f"https://{host}{event.raw_path}{query}"


def _record(provider: str, message_id: str, status: str, error_code: str | None) -> bool:
    earlier = [name for name, rank in _RANK.items() if rank < _RANK[status]]
    if not earlier:
        return False  # the first status there is: we stored the message with it or a later one
    row = store.advance_message(
        provider, message_id, status, earlier=earlier, error_code=error_code, at=clock.now_iso()
    )
    if row is None:
        logger.info(
            "twilio callback ignored: unknown message or stale status",
            extra={"message_id": message_id, "status": status},
        )
        return False
    logger.info(
        "sms delivery status",
        extra={"provider": provider, "message_id": message_id, "status": status, "error_code": error_code},
    )
    if status in FINAL:
        activity.record(
            f"OTP_SMS_{status.upper()}",
            row.phone,
            SYSTEM,
            purpose=row.purpose,
            provider=provider,
            message_id=message_id,
            error_code=error_code,
        )
    return True
