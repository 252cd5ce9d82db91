"""Sortable, prefixed identifiers: ``txn_01JD3Z...``.

The body is a ULID (48-bit millisecond time + 80 random bits, Crockford base32), so ids sort by
creation time as strings. That lets an index use the id itself as its sort key (newest first) and
a list continue after the last id it returned (see :mod:`paylox.paging`).
"""

from __future__ import annotations

import re
import secrets

from paylox import clock

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_PATTERN = r"^[a-z]{2,4}_[0-9A-HJKMNP-TV-Z]{26}$"
_ID_RE = re.compile(ID_PATTERN)


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, index = divmod(value, 32)
        chars.append(_ALPHABET[index])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """A new id such as ``txn_01JD3Z8Q4V7C2N5R0M6K9T1B3F``."""
    millis = int(clock.now().timestamp() * 1000)
    return f"{prefix}_{_encode(millis, 10)}{_encode(secrets.randbits(80), 16)}"


def is_id(value: str, prefix: str | None = None) -> bool:
    return bool(_ID_RE.match(value)) and (prefix is None or value.startswith(f"{prefix}_"))
