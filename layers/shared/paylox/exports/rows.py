"""One transaction as a row of an export: the columns, their values, and the cell text that cannot
run as a spreadsheet formula (pure: no I/O)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from paylox.transactions.models import TransactionRow
from paylox.transactions.states import TxnStatus

COLUMNS = (
    "id",
    "created_at",
    "status",
    "buyer_id",
    "seller_id",
    "amount_kurus",
    "amount_try",
    "currency",
    "description",
    "funded_at",
    "completed_at",
    "refunded_kurus",
)
#: The columns that are money: numbers in XLSX (``amount_try`` as lira with two decimals).
MONEY_COLUMNS = frozenset({"amount_kurus", "amount_try", "refunded_kurus"})
#: A cell starting with one of these may run as a formula in Excel, LibreOffice or Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Excel and others read a UTF-8 file as such (Turkish letters) only with this mark first.
BOM = "\ufeff".encode()

Cell = str | int | float | None


def amount_try(kurus: int) -> str:
    """``150000`` kuruş → ``"1500.00"`` (exact: integer arithmetic, never a float)."""
    whole, cents = divmod(abs(int(kurus)), 100)
    return f"{'-' if kurus < 0 else ''}{whole}.{cents:02d}"


def _first_at(txn: TransactionRow, status: TxnStatus) -> str | None:
    return next((entry.at for entry in txn.timeline or [] if entry.status == status.value), None)


def values(txn: TransactionRow) -> tuple[Cell, ...]:
    """The export row of ``txn``, in :data:`COLUMNS` order."""
    amount = int(txn.amount)
    return (
        txn.id,
        txn.created_at,
        txn.status,
        txn.buyer_id,
        txn.seller_id,
        amount,
        amount_try(amount),
        txn.currency,
        txn.description,
        _first_at(txn, TxnStatus.FUNDED),
        _first_at(txn, TxnStatus.COMPLETED),
        int(txn.refunded_amount or 0),
    )


def neutralised(cell: Cell) -> Cell:
    """Text that would start a formula, prefixed with ``'`` so it stays text (OWASP's advice for
    CSV injection); numbers and empty cells as they are."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def csv_bytes(rows: Iterable[Sequence[Cell]]) -> bytes:
    """``rows`` as CSV lines (UTF-8, CRLF as RFC 4180 says), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([neutralised(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8")
