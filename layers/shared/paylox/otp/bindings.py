"""What a code and its token are bound to, beyond the user, the phone and the purpose.

A code that approves a money move (``TRANSACTION_CONFIRMATION``, ``ADMIN_OVERRIDE``) is bound to
one transaction, the action and the amount it would move, so that its token approves exactly that
and nothing else: not another transaction, and not the same one once the amount has changed (a
partial refund). The OTP domain knows no transactions: the domain that owns the money resolves a
request's binding (:data:`Binder`, handed in by the handler) and checks a token against the binding
of the move it is about to make. A ``PHONE_CHANGE`` code is bound to the new number.
"""

from __future__ import annotations

from collections.abc import Callable

from paylox.auth import Principal
from paylox.otp.purposes import OtpPurpose, OverrideAction
from paylox.values import frozen


@frozen
class Binding:
    """One purpose's subject: a transaction with the action and amount (kuruş) a code approves,
    or the number a ``PHONE_CHANGE`` moves to."""

    purpose: OtpPurpose
    subject_id: str
    action: str
    amount: int | None = None
    currency: str | None = None

    def key(self) -> str:
        """The binding as stored with a code and a token, compared verbatim when they are used."""
        amount = "" if self.amount is None else str(int(self.amount))
        return "|".join((self.purpose.value, self.subject_id, self.action, amount, self.currency or ""))


#: Resolves the binding of a bound purpose's request: ``(caller, purpose, transaction_id, action,
#: amount)`` (``amount``: an ``ADMIN_OVERRIDE`` partial refund's, else None). Raises the owning
#: domain's errors (``404 NOT_FOUND`` for someone else's transaction, ``409 INVALID_STATE`` for one
#: that cannot take the action now).
Binder = Callable[[Principal, OtpPurpose, str, OverrideAction | None, int | None], Binding]


def phone_change(new_phone: str) -> Binding:
    """The binding of both codes of a change to ``new_phone`` (E.164)."""
    return Binding(OtpPurpose.PHONE_CHANGE, new_phone, "CHANGE")
