"""Sortable, prefixed identifiers: ``txn_01JD3Z...``.

The body is a ULID (48-bit millisecond time + 80 random bits, Crockford base32), so ids sort by
creation time as strings. That lets an index use the id itself as its sort key (newest first) and
a list continue after the last id it returned (see :mod:`paylox.paging`).

Within one millisecond the ids of a process are monotonic (the ULID spec's monotonic mode: the
random part of the previous id plus one), so records written in order in one request, such as the
two audit records of a message that also provides requested information, read back in that order.
"""

from __future__ import annotations

import re
import secrets
import threading

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


_lock = threading.Lock()
_last = (-1, 0)  # (millis, random) of the previous id


def new_id(prefix: str) -> str:
    """A new id such as ``txn_01JD3Z8Q4V7C2N5R0M6K9T1B3F``."""
    global _last
    millis = int(clock.now().timestamp() * 1000)
    with _lock:
        last_millis, last_random = _last
        # A fresh run starts below 2**79, so adding one per id can never overflow the 80 bits.
        random = last_random + 1 if millis == last_millis else secrets.randbits(79)
        _last = (millis, random)
    return f"{prefix}_{_encode(millis, 10)}{_encode(random, 16)}"


def is_id(value: str, prefix: str | None = None) -> bool:
    return bool(_ID_RE.match(value)) and (prefix is None or value.startswith(f"{prefix}_"))


def id_millis(value: str) -> int:
    """The creation time of an id (``is_id``), in Unix milliseconds: the ULID's time part."""
    millis = 0
    for char in value.split("_", 1)[1][:10]:
        millis = millis * 32 + _ALPHABET.index(char)
    return millis


def lowest_id(prefix: str, millis: int) -> str:
    """The smallest id of ``prefix`` made at ``millis`` (Unix ms): every id made at or after that
    instant sorts at or above it, every id made before sorts below (a time bound on a key)."""
    return f"{prefix}_{_encode(millis, 10)}{'0' * 16}"
