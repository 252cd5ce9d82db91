"""Money moves approved by SMS: the buyer's release of the funds, and (for staff) an admin override.

Apart from the other moves because it depends on the OTP domain, whose phone-number library only
these functions should load at cold start. Each code and token is bound to the transaction, the
action and the amount it would move (:func:`binding`), resolved here for the OTP routes
(:func:`bind_code`, the :data:`~paylox.otp.bindings.Binder` their handlers pass in) and checked
against the transaction as it is when the move is made.
"""

from __future__ import annotations

from paylox.auth import Principal, require_role
from paylox.errors import DomainError, InvalidState, NotFound, StaffOnly
from paylox.otp.bindings import Binding
from paylox.otp.confirmations import confirmation_claim, note_confirmation_used, require_confirmation
from paylox.otp.errors import (
    OtpRequired,
    PhoneAlreadyVerified,
    PhoneCoolingOff,
    PhoneNotOnAccount,
    PhoneNotVerified,
    PhoneUnchanged,
)
from paylox.otp.purposes import OtpPurpose, OverrideAction
from paylox.statemachine import Claim, require_source
from paylox.transactions import states, store
from paylox.transactions.errors import InvalidRefundAmount, WrongParty
from paylox.transactions.models import TransactionRow
from paylox.transactions.service import apply_move, get_for, require_party, require_payable_seller, seller_still_payable
from paylox.transactions.states import TxnStatus

#: Where an admin may still move the money in escrow (release it or refund it).
OVERRIDABLE = frozenset({TxnStatus.FUNDED, TxnStatus.SHIPPED, TxnStatus.DISPUTED})


def amount_to_release(txn: TransactionRow) -> int:
    """What is still in escrow: the amount less what was refunded (kuruş)."""
    return int(txn.amount) - int(txn.refunded_amount or 0)


def binding(txn: TransactionRow, purpose: OtpPurpose, action: str, amount: int) -> Binding:
    """What a code approving ``action`` of ``amount`` on ``txn`` is bound to."""
    return Binding(purpose, txn.id, action, amount, txn.currency)


def release_binding(txn: TransactionRow) -> Binding:
    """The buyer's release of what is in escrow now: a partial refund changes it."""
    return binding(txn, OtpPurpose.TRANSACTION_CONFIRMATION, "RELEASE", amount_to_release(txn))


def bind_code(
    principal: Principal, purpose: OtpPurpose, txn_id: str, action: OverrideAction | None, amount: int | None = None
) -> Binding:
    """The binding of a code for ``txn_id`` (the OTP routes' binder).

    ``TRANSACTION_CONFIRMATION``: the caller's transaction as buyer (``404 NOT_FOUND`` for someone
    else's, ``403 WRONG_PARTY`` for its seller), confirmable now (``409 INVALID_STATE``).
    ``ADMIN_OVERRIDE``: staff only (``403 STAFF_ONLY``), a transaction whose money is in escrow;
    bound to all of it, or to ``amount`` for a partial refund (at most what is in escrow:
    ``422 INVALID_REFUND_AMOUNT``).
    """
    if purpose == OtpPurpose.ADMIN_OVERRIDE:
        require_role(principal, "staff")
        txn = get_for(principal, txn_id)
        _require_overridable(txn, action or "RELEASE")
        in_escrow = amount_to_release(txn)
        if amount is not None and not 0 < amount <= in_escrow:
            raise InvalidRefundAmount(refundable=in_escrow)
        return binding(txn, purpose, action or "RELEASE", in_escrow if amount is None else amount)
    txn = get_for(principal, txn_id)
    require_party(txn, principal, "buyer", states.CONFIRM)
    require_source(store.MACHINE, txn, states.CONFIRM)
    return release_binding(txn)


def confirm(principal: Principal, txn_id: str, otp_token: str | None = None) -> TransactionRow:
    """The buyer confirms receipt: the funds are released to the seller.

    Releasing money needs a fresh SMS confirmation: ``otp_token`` is a single-use
    ``TRANSACTION_CONFIRMATION`` token (``X-OTP-Token``) bound to this transaction and the amount
    it releases now, used up by the release's own DynamoDB transaction (both or neither). The move
    is conditioned on the version read, so the amount the token names is the amount released.
    Not for a seller whose account is suspended (``409 SELLER_SUSPENDED``, the funds stay, the
    buyer keeps their code): a condition of the release's transaction, so a suspension landing
    after any read stops it too, and told before a refused token, as a read first would.

    Three round trips: the caller's profile (the request's check), the transaction, one write.
    """
    txn = get_for(principal, txn_id)
    require_party(txn, principal, "buyer", states.CONFIRM)
    require_source(store.MACHINE, txn, states.CONFIRM)
    binding = release_binding(txn)
    try:
        approval = confirmation_claim(principal, binding, otp_token)
    except (OtpRequired, PhoneCoolingOff):
        require_payable_seller(txn)  # a suspended seller is said first, as the transaction would
        raise
    moved = apply_move(txn, states.CONFIRM, principal.actor, items=[seller_still_payable(txn), approval])
    note_confirmation_used(principal, binding)
    return moved


def require_admin_override(
    principal: Principal, txn: TransactionRow, action: OverrideAction, amount: int, token: str | None
) -> None:
    """Use up a staff member's ``ADMIN_OVERRIDE`` token for ``action`` of ``amount`` on ``txn``.

    For the admin routes that move escrowed money: staff only, the same rules as a buyer's
    confirmation (verified phone, cool-off, bound to this transaction, action and amount).
    """
    require_role(principal, "staff")
    _require_overridable(txn, action)
    require_confirmation(principal, binding(txn, OtpPurpose.ADMIN_OVERRIDE, action, amount), token)


def admin_override_claim(
    principal: Principal, txn: TransactionRow, action: OverrideAction, amount: int, token: str | None
) -> Claim:
    """:func:`require_admin_override` for a move that uses the token up in its own DynamoDB
    transaction (an override that moves no money at the gateway): the same refusals, the token's
    own (used, expired, bound elsewhere) by that transaction, so the move costs no extra write."""
    require_role(principal, "staff")
    _require_overridable(txn, action)
    return confirmation_claim(principal, binding(txn, OtpPurpose.ADMIN_OVERRIDE, action, amount), token)


def _require_overridable(txn: TransactionRow, action: str) -> None:
    if txn.status not in OVERRIDABLE:
        raise InvalidState(resource="transaction", current_status=txn.status, action=action.lower())


#: The refusals of the OTP routes beyond the usual ones: where the codes may go, and the bound
#: transaction (their handlers' OpenAPI responses).
CODE_PROBLEMS: tuple[type[DomainError], ...] = (
    PhoneNotVerified,
    PhoneNotOnAccount,
    PhoneCoolingOff,
    PhoneAlreadyVerified,
    PhoneUnchanged,
    NotFound,
    WrongParty,
    StaffOnly,
    InvalidState,
    InvalidRefundAmount,
)
