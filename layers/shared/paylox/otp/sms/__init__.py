"""SMS delivery for OTP codes: the message templates and the configured providers.

``SMS_PROVIDER`` picks the primary (``twilio``, ``messagebird``, or ``console`` in development),
``SMS_FALLBACK_PROVIDER`` the fallback; credentials are secrets (:mod:`paylox.secrets`).
"""

from __future__ import annotations

from collections.abc import Callable

from paylox.config import Settings, get_settings
from paylox.otp.sms.base import SmsProvider
from paylox.otp.sms.sender import SmsSender
from paylox.secrets import get_secret

TEMPLATES = {
    "tr": "Paylox doğrulama kodunuz: {code}",
    "en": "Your Paylox verification code: {code}",
}


def render(locale: str, code: str) -> str:
    return TEMPLATES["en" if locale == "en" else "tr"].format(code=code)


def get_sender(time_left: Callable[[], float]) -> SmsSender:
    """The sender for this environment's providers, bounded by ``time_left`` (seconds)."""
    settings = get_settings()
    return SmsSender(
        providers=_providers(settings),
        time_left=time_left,
        max_attempts=settings.sms_max_attempts,
        base_delay=settings.sms_retry_base_seconds,
        max_delay=settings.sms_retry_max_seconds,
        request_timeout=settings.sms_request_timeout_seconds,
    )


def _providers(settings: Settings) -> list[SmsProvider]:
    if settings.sms_provider == "console":
        from paylox.otp.sms.console import ConsoleProvider

        return [ConsoleProvider()]
    names: list[str] = [settings.sms_provider]
    if settings.sms_fallback_provider not in ("none", settings.sms_provider):
        names.append(settings.sms_fallback_provider)
    return [_provider(name, settings) for name in names]


def _provider(name: str, settings: Settings) -> SmsProvider:
    if name == "twilio":
        from paylox.otp.sms.twilio import TwilioProvider

        return TwilioProvider(
            get_secret("TWILIO_ACCOUNT_SID"),
            get_secret("TWILIO_AUTH_TOKEN"),
            sender=settings.sms_sender_id,
            status_callback=settings.twilio_status_callback_url or None,
        )
    from paylox.otp.sms.messagebird import MessageBirdProvider

    return MessageBirdProvider(get_secret("MESSAGEBIRD_ACCESS_KEY"), originator=settings.sms_sender_id)
