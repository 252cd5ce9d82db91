"""The email an account gets when its confirmation phone changes, in Turkish and English.

Placeholders: ``{phone}`` (the new number, masked), ``{confirms_from}`` (when it may approve
payments, UTC) and ``{how}`` (what changed it).
"""

from __future__ import annotations

from paylox.notify.email import Content
from paylox.types import Locale

SIGNATURE = "\n\nPaylox"

HOW: dict[str, dict[Locale, str]] = {
    "PHONE_VERIFICATION": {"tr": "yeni bir numara doğrulandı", "en": "a new number was verified"},
    "PHONE_CHANGE": {"tr": "numara hesabınızdan değiştirildi", "en": "the number was changed from your account"},
    "STAFF": {
        "tr": "numara destek ekibimiz tarafından değiştirildi",
        "en": "the number was changed by our support team",
    },
}

PHONE_CHANGED: dict[Locale, tuple[str, str]] = {
    "tr": (
        "Telefon numaranız değişti",
        "Merhaba,\n\nHesabınızın ödeme onay telefonu artık {phone} ({how}). Güvenliğiniz için bu numara "
        "{confirms_from} (UTC) tarihine kadar ödeme onaylayamaz.\n\n"
        "Bu değişikliği siz yapmadıysanız hemen destek ekibimizle iletişime geçin ve şifrenizi değiştirin.",
    ),
    "en": (
        "Your phone number changed",
        "Hello,\n\nYour account's payment confirmation phone is now {phone} ({how}). For your security it "
        "cannot approve payments until {confirms_from} (UTC).\n\n"
        "If you did not make this change, contact our support team at once and change your password.",
    ),
}


def phone_changed(locale: Locale, *, phone: str, confirms_from: str, how: str) -> Content:
    """The email for a confirmation phone change to ``phone`` (already masked)."""
    subject, body = PHONE_CHANGED[locale]
    values = {"phone": phone, "confirms_from": confirms_from, "how": HOW[how][locale]}
    return Content(f"Paylox: {subject}", body.format(**values) + SIGNATURE)
