"""The ``X-Jetcheckout-Signature`` scheme (pure: no AWS, no clock of its own).

    X-Jetcheckout-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]
    v1 = hex( HMAC-SHA256( key = webhook secret (UTF-8), message = "<t>." + raw body bytes ) )

The sender may put several ``v1`` entries (one per secret while it rotates); we accept the
delivery when any entry matches the current or the previous secret. Entries with other names
(``v0``, a future ``v2``) are ignored. The signature is checked before the timestamp, so a wrong
signature is always ``INVALID_SIGNATURE`` and only an authentic delivery learns that it is stale.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence

from paylox.values import frozen
from paylox.webhooks.errors import InvalidSignature, TimestampOutOfWindow

SIGNATURE_HEADER = "x-jetcheckout-signature"
SCHEME = "v1"
TOLERANCE_SECONDS = 300
MAX_HEADER_LENGTH = 2048
MAX_SIGNATURES = 8
_TIMESTAMP_RE = re.compile(r"^[0-9]{1,12}$")
_HEX_DIGEST_RE = re.compile(r"^[0-9a-fA-F]{64}$")


@frozen
class ParsedSignature:
    timestamp: int
    raw_timestamp: str  # exactly as sent: it is what was signed
    signatures: tuple[bytes, ...]  # the v1 digests that are well-formed (32 bytes each)


@frozen
class Verified:
    timestamp: int
    secret_index: int  # 0: the current secret, 1: the previous one (during a rotation)


def compute_signature(secret: str, timestamp: int | str, body: bytes) -> str:
    """The hex ``v1`` digest of ``body`` sent at ``timestamp``."""
    message = f"{timestamp}.".encode("ascii") + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(body: bytes, secrets: Sequence[str], timestamp: int) -> str:
    """A complete header value, as the provider sends it (used by tests and the dev stack's users)."""
    entries = ",".join(f"{SCHEME}={compute_signature(secret, timestamp, body)}" for secret in secrets)
    return f"t={timestamp},{entries}"


def parse_signature_header(value: str | None) -> ParsedSignature:
    """The timestamp and ``v1`` digests of a header; :class:`InvalidSignature` when it is unusable."""
    if not value or len(value) > MAX_HEADER_LENGTH:
        raise InvalidSignature()
    raw_timestamp: str | None = None
    digests: list[bytes] = []
    count = 0
    for item in value.split(","):
        key, separator, item_value = item.strip().partition("=")
        if not separator:
            raise InvalidSignature()
        key, item_value = key.strip(), item_value.strip()
        if key == "t":
            if raw_timestamp is not None or not _TIMESTAMP_RE.match(item_value):
                raise InvalidSignature()
            raw_timestamp = item_value
        elif key == SCHEME:
            count += 1
            if _HEX_DIGEST_RE.match(item_value):
                digests.append(bytes.fromhex(item_value))
    if raw_timestamp is None or not digests or count > MAX_SIGNATURES:
        raise InvalidSignature()
    return ParsedSignature(timestamp=int(raw_timestamp), raw_timestamp=raw_timestamp, signatures=tuple(digests))


def verify_signature(
    header: str | None, body: bytes, secrets: Sequence[str], *, now: int, tolerance: int = TOLERANCE_SECONDS
) -> Verified:
    """Check a delivery's signature against each secret (current first), then its timestamp.

    Every candidate is compared, in constant time on the raw digest bytes, with every secret: how
    long this takes does not depend on where (or whether) a match is found.
    """
    parsed = parse_signature_header(header)
    matched: int | None = None
    for index, secret in enumerate(secrets):
        message = parsed.raw_timestamp.encode("ascii") + b"." + body
        expected = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
        hits = [hmac.compare_digest(expected, candidate) for candidate in parsed.signatures]
        if any(hits) and matched is None:
            matched = index
    if matched is None:
        raise InvalidSignature()
    if abs(now - parsed.timestamp) > tolerance:
        raise TimestampOutOfWindow(tolerance_seconds=tolerance)
    return Verified(timestamp=parsed.timestamp, secret_index=matched)
