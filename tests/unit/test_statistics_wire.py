"""The statistics read DynamoDB's JSON without boto3: every value reads as boto3's TypeDeserializer
reads it (the facts of a stream image or a rebuilt item cannot differ from before)."""

from __future__ import annotations

from decimal import Decimal, Inexact, Overflow, Rounded
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer

from paylox.statistics.wire import plain_item, value_of

BOTO3 = TypeDeserializer()

VALUES: list[dict[str, Any]] = [
    {"NULL": True},
    {"BOOL": True},
    {"BOOL": False},
    {"S": ""},
    {"S": "İstanbul ödeme"},
    {"N": "0"},
    {"N": "-12"},
    {"N": "125000"},
    {"N": "3.14"},
    {"N": "1E+125"},
    {"N": "1E-130"},
    {"N": "12345678901234567890123456789012345678"},  # 38 digits: DynamoDB's precision
    {"B": b"\x00\xffbinary"},
    {"B": bytearray(b"raw")},
    {"SS": ["a", "b", "İ"]},
    {"NS": ["1", "2.5", "-3"]},
    {"BS": [b"a", b"\x00"]},
    {"L": []},
    {"M": {}},
    {"s": "a type named in lower case"},
    {
        "M": {
            "amount": {"N": "125000"},
            "timeline": {"L": [{"M": {"status": {"S": "FUNDED"}, "at": {"S": "2026-01-02T03:04:05Z"}}}]},
            "refund_ids": {"SS": ["rf_1", "rf_2"]},
            "nested": {"L": [{"L": [{"NS": ["1"]}, {"BS": [b"x"]}, {"NULL": True}]}, {"M": {"b": {"BOOL": False}}}]},
        }
    },
]


@pytest.mark.parametrize("attribute", VALUES, ids=lambda attribute: next(iter(attribute)))
def test_every_type_reads_as_boto3_reads_it(attribute: dict[str, Any]) -> None:
    ours, theirs = value_of(attribute), BOTO3.deserialize(attribute)

    assert ours == theirs
    assert type(ours) is (bytes if isinstance(ours, bytes) else type(theirs))


def test_numbers_are_decimals_in_dynamodbs_context() -> None:
    assert value_of({"N": "0.1"}) == Decimal("0.1")
    assert isinstance(value_of({"NS": ["7"]}).pop(), Decimal)


@pytest.mark.parametrize(
    ("attribute", "error"),
    [
        ({}, TypeError),
        ({"X": "1"}, TypeError),
        ({"B": "aGVsbG8="}, TypeError),  # a binary value that is not bytes
        ({"BS": ["aGVsbG8="]}, TypeError),
        ({"N": "1" + "0" * 39}, Rounded),  # 40 digits: rounded, even where nothing is lost
        ({"N": "1E+127"}, Overflow),
        ({"N": "1.00000000000000000000000000000000000001"}, Inexact),
    ],
)
def test_what_boto3_refuses_is_refused(attribute: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        BOTO3.deserialize(attribute)
    with pytest.raises(error):
        value_of(attribute)


def test_an_item_reads_attribute_by_attribute() -> None:
    image = {"pk": {"S": "TXN#1"}, "amount": {"N": "500"}, "tags": {"SS": ["x"]}, "gone": {"NULL": True}}

    assert plain_item(image) == {key: BOTO3.deserialize(value) for key, value in image.items()}
    assert plain_item(image) == {"pk": "TXN#1", "amount": Decimal(500), "tags": {"x"}, "gone": None}
