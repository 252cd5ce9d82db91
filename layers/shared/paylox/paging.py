"""Paging, one way for every list: a generic :class:`Page`, opaque cursors, one page size.

Every list is keyset-paginated: a page ends at some row, and the next page starts right after
that row's sort values. Rows written meanwhile never shift a page already handed out (no row is
repeated or skipped), which an offset cannot promise.

The cursor a client gets (``next_cursor``) is those sort values plus the name of the list, as JSON
in URL-safe base64. It is opaque: clients pass it back unchanged. Anything else (garbage, a
cursor edited by hand, or one from another list) is ``400 INVALID_CURSOR``, so a query never runs
on a key a client made up.

A list declares its :class:`Keyset` once, beside its query::

    TRANSACTIONS = Keyset("transactions", key=lambda row: {"id": row.id}, fields={"id": ID_PATTERN})

    after = TRANSACTIONS.after(cursor)            # None on the first page; raises InvalidCursor
    rows = query(..., id < after["id"], limit=limit + 1)  # one more row than the page
    rows, next_cursor = TRANSACTIONS.page(rows, limit)

and its handler takes ``limit: Annotated[Limit, Query()] = DEFAULT_LIMIT`` and
``cursor: Annotated[str | None, Query()] = None``. (``Query()`` stays in the handler: importing
the event handler's parameter types here would slow down the cold start of every non-HTTP
function whose services page.)
"""

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from typing import Annotated, Any

from pydantic import Field

from paylox.errors import InvalidCursor
from paylox.schema import ApiModel
from paylox.values import frozen

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
#: The ``limit`` query parameter of every list: 1..100 items, else 422 ``VALIDATION_ERROR``.
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Items per page (1–100).")]

_VERSION = 1
#: Longer than any real cursor: a longer one is refused before it is decoded.
_MAX_CURSOR_CHARS = 1024


class Page[T](ApiModel):
    """One page of a list, as every list endpoint answers it."""

    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last page. Opaque."
    )


@frozen
class Keyset[R]:
    """How one list is ordered, and so what its cursors carry.

    ``name`` binds a cursor to its list; ``key`` gives a row's sort values; ``fields`` names each
    sort value with the pattern it must match in a cursor coming back.
    """

    name: str
    key: Callable[[R], Mapping[str, str]]
    fields: Mapping[str, str]
    _patterns: dict[str, re.Pattern[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_patterns", {name: re.compile(pattern) for name, pattern in self.fields.items()})

    def cursor(self, row: R) -> str:
        """The opaque cursor of the page that continues after ``row``."""
        document = {"v": _VERSION, "list": self.name, "after": dict(self.key(row))}
        raw = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    def after(self, cursor: str | None) -> dict[str, str] | None:
        """The sort values a page continues after: ``None`` without a cursor (the first page).

        Raises :class:`~paylox.errors.InvalidCursor` unless ``cursor`` is one this list issued.
        """
        if cursor is None:
            return None
        document = _decode(cursor)
        if document.get("v") != _VERSION or document.get("list") != self.name:
            raise InvalidCursor()
        after = document.get("after")
        if not isinstance(after, dict) or after.keys() != self._patterns.keys():
            raise InvalidCursor()
        for name, pattern in self._patterns.items():
            value = after[name]
            if not isinstance(value, str) or not pattern.fullmatch(value):
                raise InvalidCursor()
        return after

    def page(self, rows: Sequence[R], limit: int) -> tuple[list[R], str | None]:
        """The first ``limit`` of ``rows``, in list order, and the cursor of the next page.

        Ask the store for ``limit + 1`` rows: the one beyond the page says another page exists
        (``None`` when it does not), so the last page never costs an empty extra request.
        """
        page = list(rows[:limit])
        return page, self.cursor(page[-1]) if len(rows) > limit and page else None


def _decode(cursor: str) -> dict[str, Any]:
    if len(cursor) > _MAX_CURSOR_CHARS:
        raise InvalidCursor()
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        document = json.loads(raw)
    except (binascii.Error, ValueError):  # not base64, not UTF-8 or not JSON (all ValueErrors)
        raise InvalidCursor() from None
    if not isinstance(document, dict):
        raise InvalidCursor()
    return document
