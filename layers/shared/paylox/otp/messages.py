"""The SMS of each purpose, in Turkish and English.

``PHONE_VERIFICATION`` keeps the plain templates of :mod:`paylox.otp.sms`. A code that approves a
money move names the amount it would move (and, for staff, the action and the transaction), so a
victim reading an unexpected SMS knows what it is for; a phone change tells the current phone where
the number is moving to (masked).
"""

from __future__ import annotations

from paylox.observability import mask_phone
from paylox.otp.bindings import Binding
from paylox.otp.purposes import OtpPurpose
from paylox.otp.sms import render
from paylox.types import Locale

BOUND_TEMPLATES: dict[OtpPurpose, dict[Locale, str]] = {
    OtpPurpose.TRANSACTION_CONFIRMATION: {
        "tr": "{amount} tutarındaki ödemeyi onaylamak için Paylox kodunuz: {code}",
        "en": "Your Paylox code to release {amount}: {code}",
    },
    OtpPurpose.ADMIN_OVERRIDE: {
        "tr": "{transaction_id} işleminde {amount} {action} onayı için Paylox yönetici kodunuz: {code}",
        "en": "Your Paylox admin code to approve {action} of {amount} on {transaction_id}: {code}",
    },
}
#: A phone change: to the current phone (``current``), and to the new one (``new``).
PHONE_CHANGE_TEMPLATES: dict[str, dict[Locale, str]] = {
    "current": {
        "tr": "Paylox telefon numaranızı {new_phone} olarak değiştirme kodunuz: {code}. "
        "Bu isteği siz yapmadıysanız kodu kimseyle paylaşmayın.",
        "en": "Your Paylox code to change your phone number to {new_phone}: {code}. "
        "If this was not you, share it with no one.",
    },
    "new": {
        "tr": "Paylox yeni telefon numaranızı doğrulama kodunuz: {code}",
        "en": "Your Paylox code to verify your new phone number: {code}",
    },
}


def format_money(kurus: int, currency: str, locale: Locale) -> str:
    """``150000`` → ``1.500,00 TL`` (tr) or ``1,500.00 TRY`` (en)."""
    whole, cents = divmod(abs(int(kurus)), 100)
    sign = "-" if kurus < 0 else ""
    if locale == "tr":
        unit = "TL" if currency == "TRY" else currency
        return f"{sign}{whole:,}".replace(",", ".") + f",{cents:02d} {unit}"
    return f"{sign}{whole:,}.{cents:02d} {currency}"


def sms_text(locale: str, code: str, binding: Binding | None, *, to_new_phone: bool = False) -> str:
    """The SMS carrying ``code`` for what ``binding`` binds it to (``None``: a plain verification)."""
    lang: Locale = "en" if locale == "en" else "tr"
    if binding is None:
        return render(lang, code)
    if binding.purpose == OtpPurpose.PHONE_CHANGE:
        template = PHONE_CHANGE_TEMPLATES["new" if to_new_phone else "current"][lang]
        return template.format(code=code, new_phone=mask_phone(binding.subject_id))
    amount = format_money(int(binding.amount or 0), binding.currency or "TRY", lang)
    return BOUND_TEMPLATES[binding.purpose][lang].format(
        code=code, amount=amount, action=binding.action, transaction_id=binding.subject_id
    )
