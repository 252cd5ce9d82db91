"""The buyer's release of the funds: the one transaction move that needs an SMS confirmation.

Apart from the other moves because it depends on the OTP domain, whose phone-number library only
this function should load at cold start.
"""

from __future__ import annotations

from paylox.auth import Principal
from paylox.otp.service import require_transaction_confirmation
from paylox.statemachine import require_source
from paylox.transactions import states, store
from paylox.transactions.models import TransactionRow
from paylox.transactions.service import apply_move, get_for, require_party, require_payable_seller


def confirm(principal: Principal, txn_id: str, otp_token: str | None = None) -> TransactionRow:
    """The buyer confirms receipt: the funds are released to the seller.

    Releasing money needs a fresh SMS confirmation: ``otp_token`` is a single-use
    ``TRANSACTION_CONFIRMATION`` token (``X-OTP-Token``), used up only once the move is possible:
    not for a seller whose account is suspended (``409 SELLER_SUSPENDED``, the funds stay).
    """
    txn = get_for(principal, txn_id)
    require_party(txn, principal, "buyer", states.CONFIRM)
    require_source(store.MACHINE, txn, states.CONFIRM)
    require_payable_seller(txn)
    require_transaction_confirmation(principal, otp_token)
    return apply_move(txn, states.CONFIRM, principal.actor)
