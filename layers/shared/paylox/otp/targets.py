"""Where a purpose's codes go, and what they are bound to: one :class:`Leg` per SMS.

- ``PHONE_VERIFICATION``: the number given, unless the account already has another verified one
  (``409 PHONE_ALREADY_VERIFIED``: replacing it is ``PHONE_CHANGE``).
- ``TRANSACTION_CONFIRMATION`` / ``ADMIN_OVERRIDE``: only the account's verified phone (never a
  token claim: ``409 PHONE_NOT_VERIFIED``; a ``phone`` given must be it: ``422 PHONE_NOT_ON_ACCOUNT``),
  out of its cool-off (``403 PHONE_COOLING_OFF``), bound to the transaction, action and amount the
  owning domain resolves (:data:`paylox.otp.bindings.Binder`).
- ``PHONE_CHANGE``: two legs, the current verified phone and the new number, bound to the new number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from paylox import clock
from paylox.auth import Principal
from paylox.otp import bindings
from paylox.otp.bindings import Binder, Binding
from paylox.otp.errors import (
    PhoneAlreadyVerified,
    PhoneCoolingOff,
    PhoneNotOnAccount,
    PhoneNotVerified,
    PhoneUnchanged,
)
from paylox.otp.phones import normalise_for_sms, parse_e164, same_number
from paylox.otp.purposes import BOUND_PURPOSES, OtpPurpose
from paylox.users.models import UserProfile
from paylox.users.phones import cooling_off_until
from paylox.users.service import caller_profile
from paylox.values import frozen

if TYPE_CHECKING:
    # A type only: the request models would load into every money move that checks a code.
    from paylox.otp.schemas import OtpTarget


@frozen
class Leg:
    """One code: to ``phone``, for ``purpose``, bound to ``binding`` (``None``: the phone alone)."""

    phone: str
    purpose: OtpPurpose
    binding: Binding | None = None
    to_new_phone: bool = False

    @property
    def hashed_as(self) -> str:
        """What the code's keyed hash binds it to besides the phone: the purpose, or the binding."""
        return self.binding.key() if self.binding else self.purpose.value

    @property
    def binding_key(self) -> str | None:
        return self.binding.key() if self.binding else None


def legs(principal: Principal, target: OtpTarget, bind: Binder | None, *, sending: bool) -> list[Leg]:
    """The codes ``target`` asks for (``sending``) or answers, after every check that may refuse it."""
    parse: Callable[[str], str] = normalise_for_sms if sending else parse_e164
    purpose = target.purpose
    if purpose == OtpPurpose.PHONE_VERIFICATION:
        phone = parse(target.phone or "")
        ensure_phone_may_change(principal, phone)
        return [Leg(phone, purpose)]
    if purpose == OtpPurpose.PHONE_CHANGE:
        current = verified_phone(caller_profile(principal))
        new = parse(target.phone or "")
        if new == current:
            raise PhoneUnchanged()
        binding = bindings.phone_change(new)
        return [Leg(current, purpose, binding), Leg(new, purpose, binding, to_new_phone=True)]
    assert purpose in BOUND_PURPOSES and target.transaction_id is not None  # the request model's rule
    if bind is None:
        raise TypeError(f"{purpose} codes need the binder of the domain that owns the money")
    # Who may ask, for which transaction, first: those refusals do not depend on the caller's phone.
    binding = bind(principal, purpose, target.transaction_id, target.action, target.amount)
    current = verified_phone(caller_profile(principal))
    if target.phone is not None and not same_number(target.phone, current):
        raise PhoneNotOnAccount()
    require_out_of_cool_off(principal)
    return [Leg(current, purpose, binding)]


def verified_phone(profile: UserProfile | None) -> str:
    """The account's verified phone (E.164); :class:`PhoneNotVerified` when it has none."""
    if profile is None or not profile.phone_verified or not profile.phone:
        raise PhoneNotVerified()
    return str(profile.phone)


def require_out_of_cool_off(principal: Principal) -> None:
    """Raise :class:`PhoneCoolingOff` while the caller's verified phone is in its cool-off."""
    profile = caller_profile(principal)
    until = cooling_off_until(profile) if profile else None
    if until is not None:
        raise PhoneCoolingOff(cool_off_until=clock.isoformat(until))


def ensure_phone_may_change(principal: Principal, phone: str) -> None:
    """Once a phone is verified, money confirmations go to it; a session alone must not move them
    to another number by verifying it: that is ``PHONE_CHANGE`` (a code to the old phone too)."""
    profile = caller_profile(principal)
    if profile is not None and profile.phone_verified and not same_number(profile.phone, phone):
        raise PhoneAlreadyVerified()


def first_verification_at_once(principal: Principal, phone: str) -> bool:
    """True when ``phone`` is the number the account registered with and nothing is verified yet:
    then it may approve money moves at once; any other number cools off first."""
    profile = caller_profile(principal)
    return profile is not None and not profile.phone_verified and same_number(profile.phone, phone)
