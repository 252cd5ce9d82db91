"""Phone numbers as users type them, turned into E.164 with a real phone-number library.

Numbers without a country code are read as Turkish (``0555 111 22 33``, ``555 111 2233``).

The library is imported on first use, not with this module: every function that checks quotas or
OTP scopes imports this module, few parse a number, and the import is a fifth of an HTTP function's
cold start beyond the floor. A SnapStart snapshot imports it before it is taken.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from paylox.config import get_settings
from paylox.otp.errors import PhoneCountryNotAllowed, PhoneInvalid, PhoneNotMobile
from paylox.snapstart import before_snapshot

if TYPE_CHECKING:
    import phonenumbers

DEFAULT_REGION = "TR"


@before_snapshot
def _load_library() -> None:
    # The library and Turkey's metadata (loaded by the first parse) go into the snapshot.
    parse_e164("+905551112233")


def parse_e164(raw: str) -> str:
    """``raw`` as E.164 (``+905551112233``); raises :class:`PhoneInvalid` if it is no real number."""
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise PhoneInvalid() from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneInvalid()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_for_sms(raw: str) -> str:
    """``raw`` as E.164, checked against the country allowlist and for being a mobile number."""
    import phonenumbers

    e164 = parse_e164(raw)
    number = phonenumbers.parse(e164)
    if not country_allowed(number):
        raise PhoneCountryNotAllowed(country_code=f"+{number.country_code}")
    sms_capable = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if phonenumbers.number_type(number) not in sms_capable:
        raise PhoneNotMobile()
    return e164


def country_allowed(number: phonenumbers.PhoneNumber) -> bool:
    import phonenumbers

    allowed = get_settings().otp_allowed_countries
    region = phonenumbers.region_code_for_number(number)
    return f"+{number.country_code}" in allowed or (region is not None and region in allowed)


def same_number(left: str | None, right: str) -> bool:
    """True when ``left`` (as stored, perhaps unnormalised) is the E.164 number ``right``."""
    if not left:
        return False
    try:
        return parse_e164(left) == right
    except PhoneInvalid:
        return False
