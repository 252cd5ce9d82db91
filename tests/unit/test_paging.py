"""Cursors are opaque, bound to their list, and refused whole when anything about them is off."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import pytest

from paylox.errors import InvalidCursor
from paylox.ids import ID_PATTERN
from paylox.paging import Keyset, Page


@dataclass
class Row:
    id: str


THINGS: Keyset[Row] = Keyset("things", key=lambda row: {"id": row.id}, fields={"id": ID_PATTERN})
OTHERS: Keyset[Row] = Keyset("others", key=lambda row: {"id": row.id}, fields={"id": ID_PATTERN})
IDS = [f"thg_01JD3Z8Q4V7C2N5R0M6K9T1B3{c}" for c in "FGHJ"]


def encoded(document: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


def test_a_page_is_the_first_limit_rows_and_a_cursor_that_continues_after_the_last():
    rows, cursor = THINGS.page([Row(i) for i in IDS[:3]], 2)

    assert [row.id for row in rows] == IDS[:2]
    assert THINGS.after(cursor) == {"id": IDS[1]}


def test_the_last_page_has_no_cursor():
    assert THINGS.page([Row(i) for i in IDS[:2]], 2)[1] is None
    assert THINGS.page([], 2) == ([], None)


def test_a_cursor_is_opaque_url_safe_text():
    _, cursor = THINGS.page([Row(i) for i in IDS], 1)

    assert cursor is not None and IDS[0] not in cursor
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_no_cursor_is_the_first_page():
    assert THINGS.after(None) is None


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "abc",
        "a b",
        "ğüş",
        "x" * 5000,
        encoded([1, 2]),
        encoded({"v": 2, "list": "things", "after": {"id": IDS[0]}}),
        encoded({"list": "things", "after": {"id": IDS[0]}}),
        encoded({"v": 1, "list": "things", "after": {"id": "thg_short"}}),
        encoded({"v": 1, "list": "things", "after": {"id": 7}}),
        encoded({"v": 1, "list": "things", "after": {"id": IDS[0], "more": IDS[1]}}),
        encoded({"v": 1, "list": "things", "after": [IDS[0]]}),
        encoded({"v": 1, "list": "things"}),
    ],
)
def test_anything_but_a_cursor_of_this_list_is_invalid(cursor):
    with pytest.raises(InvalidCursor):
        THINGS.after(cursor)


def test_a_cursor_of_another_list_is_invalid():
    _, cursor = OTHERS.page([Row(i) for i in IDS], 1)

    with pytest.raises(InvalidCursor):
        THINGS.after(cursor)


def test_the_page_model_is_items_and_next_cursor():
    assert Page[int](items=[1, 2]).model_dump() == {"items": [1, 2], "next_cursor": None}
