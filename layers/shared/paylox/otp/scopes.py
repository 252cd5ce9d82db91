"""Whose limits a send or a guess counts against: the number's relation to the caller's account.

Anyone may ask for a code to any number, so limits kept per number alone could be turned against
the number's owner (five codes sent by someone else used to lock the owner out of confirming
releases for an hour, twenty blocked the number for a day). So each number a caller sends to has
a scope, and the per-number cooldown, hourly cap, failure counts, captcha and automatic blocks are
kept per scope:

- ``verified``: the caller's own verified phone, kept per (caller, number). No other account's
  activity touches it, and only an admin's block (not an automatic one) stops it.
- ``registered``: the number the caller registered with and has not verified yet, kept per
  (caller, number) and per number (every account registered with it shares that count), as
  sign-up has always been: no captcha.
- ``other``: any other number, kept per (caller, number); a code to it needs a captcha.

The caller's own count of a number is kept whatever the relation, so verifying the number (it
becomes ``verified``) carries the caller's own cooldown, caps and failures over.
"""

from __future__ import annotations

from typing import Literal

from paylox.otp.phones import same_number
from paylox.users.models import UserProfile
from paylox.values import frozen

Relation = Literal["verified", "registered", "other"]


@frozen
class Scope:
    """The limits of ``phone`` as ``user_id`` sends to it (or guesses its codes)."""

    phone: str
    relation: Relation
    user_id: str

    @property
    def own_key(self) -> str:
        """The caller's own count of the number."""
        return f"{self.user_id}|{self.phone}"

    @property
    def keys(self) -> list[str]:
        """What the scope's counters are kept under: the caller's own, and the number's alone when
        the accounts registered with it share it (an automatic block there blocks the number)."""
        return [self.own_key, self.phone] if self.relation == "registered" else [self.own_key]

    @property
    def needs_captcha(self) -> bool:
        """A code to a number that is not on the caller's account always needs a solved captcha."""
        return self.relation == "other"

    @property
    def obeys_automatic_blocks(self) -> bool:
        """An automatic block of the number, caused by other accounts, never stops its verified owner."""
        return self.relation != "verified"


def scope_of(user_id: str, profile: UserProfile | None, phone: str) -> Scope:
    """The scope of ``phone`` for ``user_id`` (whose profile is ``profile``)."""
    on_account = profile is not None and bool(profile.phone) and same_number(profile.phone, phone)
    if not on_account:
        return Scope(phone, "other", user_id)
    assert profile is not None
    return Scope(phone, "verified" if profile.phone_verified else "registered", user_id)
