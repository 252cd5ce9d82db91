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
from paylox.snapstart import after_restore

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


@after_restore
def _forget_last_id() -> None:
    """A restored environment starts its own sequence: continuing the snapshot's would give every
    copy restored in the same millisecond the same next ids (previous random part plus one)."""
    global _last
    with _lock:
        _last = (-1, 0)


def is_id(value: str, prefix: str | None = None) -> bool:
    return bool(_ID_RE.match(value)) and (prefix is None or value.startswith(f"{prefix}_"))


def _decode(text: str) -> int:
    value = 0
    for char in text:
        value = value * 32 + _ALPHABET.index(char)
    return value


def first_id_at(prefix: str, millis: int) -> str:
    """The smallest id ``prefix`` can have for a record made at ``millis`` (Unix ms): with
    :func:`last_id_at`, a time range as a range of ids, so an index sorted by id serves it."""
    return f"{prefix}_{_encode(max(millis, 0), 10)}{'0' * 16}"


def last_id_at(prefix: str, millis: int) -> str:
    """The largest id ``prefix`` can have for a record made at ``millis`` (Unix ms)."""
    return f"{prefix}_{_encode(max(millis, 0), 10)}{'Z' * 16}"


def id_millis(value: str) -> int:
    """When the record of id ``value`` was made (Unix ms)."""
    return _decode(value.split("_", 1)[1][:10])


def id_before(value: str) -> str:
    """The id just below ``value`` (same prefix): ``id < value`` as an inclusive bound."""
    prefix, body = value.split("_", 1)
    return f"{prefix}_{_encode(max(_decode(body) - 1, 0), 26)}"
