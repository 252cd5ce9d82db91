"""The buyer's browser coming back from the gateway's page: a hint like any other.

Whatever the browser posts (``response_code``, ``amount``, ...) is never read. The transaction's
own state answers; while it is PAYMENT_PENDING the gateway's status is asked and, when it knows
the outcome, applied through the same path as a confirmed webhook (same conditional writes). The
browser is then sent on with ``303`` to ``PAYMENT_RETURN_URL?transaction_id=...&status=...``.

The return routes are public, so they hold no gateway credential: asking the gateway runs in
``PaymentConfirmFunction`` (:func:`paylox.webhooks.confirm.confirm_return`), which the return
invokes and waits for (:func:`ask_confirm_function`); this module loads none of that.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any, Literal, cast, get_args
from urllib.parse import urlencode

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from paylox import aws
from paylox.config import get_settings
from paylox.observability import logger
from paylox.snapstart import before_snapshot
from paylox.transactions import store as transaction_store
from paylox.transactions.states import TxnStatus

ReturnStatus = Literal["succeeded", "failed", "pending", "unknown"]
Ask = Callable[[str], ReturnStatus]
# One gateway query (JETCHECKOUT_TIMEOUT_SECONDS, at most 8 s) plus a cold start; no retry: the
# browser waits, and a return that cannot ask answers "pending" (the webhook or the reconciler settles).
_INVOKE_CONFIG = Config(connect_timeout=2, read_timeout=20, retries={"total_max_attempts": 1})


@before_snapshot  # its client is made at publish time, not by the first request (SnapStart)
@cache
def _lambda() -> Any:
    return aws.new_client("lambda", config=_INVOKE_CONFIG)


_SUCCEEDED = frozenset(
    {TxnStatus.FUNDED, TxnStatus.SHIPPED, TxnStatus.COMPLETED, TxnStatus.DISPUTED, TxnStatus.REFUNDED}
)


def browser_return(transaction_id: str, *, ask: Ask | None = None) -> str:
    """Where to send the browser back to (``Location`` of the 303). Runs in the public return
    functions: a pending payment is asked about through ``PaymentConfirmFunction``."""
    # Read from the transactions store: a return moves nothing here, so it loads none of the service
    # that creates and moves transactions (users, quotas, the gateway).
    txn = transaction_store.find(transaction_id)
    if txn is None:
        status: ReturnStatus = "unknown"
    elif txn.status == TxnStatus.PAYMENT_PENDING.value:
        status = (ask or ask_confirm_function)(transaction_id)
    else:
        status = status_word(TxnStatus(txn.status))
    base = get_settings().payment_return_url or "/"
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}{urlencode({'transaction_id': transaction_id, 'status': status})}"


def ask_confirm_function(transaction_id: str) -> ReturnStatus:
    """Invoke ``PaymentConfirmFunction`` for a browser return and wait for its answer; ``pending``
    when it cannot be had (never an error for the browser)."""
    try:
        answer: dict[str, Any] = _lambda().invoke(
            FunctionName=get_settings().payment_confirm_function,
            InvocationType="RequestResponse",
            Payload=json.dumps({"return_of": transaction_id}).encode(),
        )
        payload = json.loads(answer["Payload"].read() or b"{}")
    except (BotoCoreError, ClientError, ValueError):
        logger.exception("payment confirmation for a browser return failed")
        return "pending"
    status = payload.get("status") if isinstance(payload, dict) and not answer.get("FunctionError") else None
    if status not in get_args(ReturnStatus):
        logger.error("payment confirmation for a browser return failed", extra={"answer": str(payload)[:200]})
        return "pending"
    return cast(ReturnStatus, status)


def status_word(status: TxnStatus) -> ReturnStatus:
    """What the browser is told of a transaction in ``status``."""
    if status in _SUCCEEDED:
        return "succeeded"
    if status == TxnStatus.FAILED:
        return "failed"
    return "pending" if status == TxnStatus.PAYMENT_PENDING else "unknown"
