"""The buyer's browser coming back from the gateway's page: a hint like any other.

Whatever the browser posts (``response_code``, ``amount``, ...) is never read. The transaction's
own state answers; while it is PAYMENT_PENDING the gateway's status is asked and, when it knows
the outcome, applied through the same path as a confirmed webhook (same conditional writes). The
browser is then sent on with ``303`` to ``PAYMENT_RETURN_URL?transaction_id=...&status=...``.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode

from paylox.config import get_settings
from paylox.payments import get_gateway
from paylox.payments.base import PaymentGateway
from paylox.transactions import service as transactions
from paylox.transactions.models import TransactionRow
from paylox.transactions.states import TxnStatus
from paylox.webhooks import confirmation
from paylox.webhooks.apply import apply_confirmed
from paylox.webhooks.confirm import query_status

ReturnStatus = Literal["succeeded", "failed", "pending", "unknown"]
_SUCCEEDED = frozenset(
    {TxnStatus.FUNDED, TxnStatus.SHIPPED, TxnStatus.COMPLETED, TxnStatus.DISPUTED, TxnStatus.REFUNDED}
)


def browser_return(transaction_id: str, *, gateway: PaymentGateway | None = None) -> str:
    """Where to send the browser back to (``Location`` of the 303)."""
    status = _status(transaction_id, gateway)
    base = get_settings().payment_return_url or "/"
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}{urlencode({'transaction_id': transaction_id, 'status': status})}"


def _status(transaction_id: str, gateway: PaymentGateway | None) -> ReturnStatus:
    txn = transactions.find_transaction(transaction_id)
    if txn is None:
        return "unknown"
    if txn.status == TxnStatus.PAYMENT_PENDING.value:
        txn = _asked(txn, gateway or get_gateway())
    return _word(TxnStatus(txn.status))


def _asked(txn: TransactionRow, gateway: PaymentGateway) -> TransactionRow:
    order_id = txn.payment.session_id if txn.payment else None
    status = query_status(gateway, order_id, attempts=1) if order_id else None  # the browser waits: one try
    event = status and confirmation.from_status(f"return:{order_id}", txn.id, status, currency=txn.currency)
    if event:
        apply_confirmed(event, txn, delivery_id=None)
        txn.refresh(consistent_read=True)
    return txn


def _word(status: TxnStatus) -> ReturnStatus:
    if status in _SUCCEEDED:
        return "succeeded"
    if status == TxnStatus.FAILED:
        return "failed"
    return "pending" if status == TxnStatus.PAYMENT_PENDING else "unknown"
