"""DynamoDB's JSON (a stream record's image, a PynamoDB model's ``serialize()``) as the plain Python
values the statistics read: what boto3's ``TypeDeserializer`` returns, without importing boto3.

``import boto3`` (its session, resources and s3transfer) cost the statistics functions about 10 ms
of every cold start for this one small class; the wire format needs nothing but ``decimal``. The
values are boto3's: numbers as ``Decimal`` in DynamoDB's own context (38 digits; a number that would
be rounded is refused, not changed), sets as sets, lists and maps read in depth. Binary values are
``bytes`` (boto3 wraps them in its ``Binary``, which compares and hashes as the same bytes), and like
boto3's a binary value that is not bytes is refused. ``tests/unit/test_statistics_wire.py`` holds
the two equal on every type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
from typing import Any

#: DynamoDB's numbers: up to 38 significant digits, exponents -130..125. Whatever would round,
#: clamp or overflow raises ``decimal.Inexact`` (or its kin) instead of being changed.
NUMBERS = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])


def _number(text: str) -> Decimal:
    return NUMBERS.create_decimal(text)


def _binary(value: Any) -> bytes:
    if not isinstance(value, bytes | bytearray):
        raise TypeError(f"a binary value must be bytes or bytearray, not {type(value).__name__}")
    return bytes(value)


def _list(values: list[Any]) -> list[Any]:
    return [value_of(value) for value in values]


def _map(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value_of(value) for key, value in values.items()}


_READERS: dict[str, Callable[[Any], Any]] = {
    "NULL": lambda _: None,
    "BOOL": lambda value: value,
    "N": _number,
    "S": lambda value: value,
    "B": _binary,
    "NS": lambda values: {_number(value) for value in values},
    "SS": set,
    "BS": lambda values: {_binary(value) for value in values},
    "L": _list,
    "M": _map,
}


def value_of(attribute: Mapping[str, Any]) -> Any:
    """One attribute value (``{"N": "12"}``, ``{"M": {...}}``) as a Python value."""
    if not attribute:
        raise TypeError("an attribute value is a nonempty mapping whose key is a DynamoDB type")
    kind = next(iter(attribute))
    reader = _READERS.get(kind.upper())  # boto3 reads the type's name in any case
    if reader is None:
        raise TypeError(f"DynamoDB type {kind} is not supported")
    return reader(attribute[kind])


def plain_item(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """An item in DynamoDB's JSON as the facts read it: numbers as ``Decimal``, sets as sets."""
    return {key: value_of(value) for key, value in attributes.items()}
