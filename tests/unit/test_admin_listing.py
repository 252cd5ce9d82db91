"""The admin list's plan (which index answers which filters) and the export's cells, as pure logic."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from paylox.errors import InvalidRequest
from paylox.exports.rows import amount_try, csv_bytes, neutralised
from paylox.ids import first_id_at, id_before, id_millis, last_id_at, new_id
from paylox.transactions.listing import Source, TxnFilter, id_range, months, plan
from paylox.transactions.states import TxnStatus

TODAY = date(2026, 11, 29)


def test_the_most_selective_filter_picks_the_index_and_the_rest_are_filters():
    both = plan(TxnFilter(user_id="u1", statuses=(TxnStatus.FUNDED,)), TODAY)
    assert both.groups == ((Source("by_buyer", "u1"), Source("by_seller", "u1")),)
    assert both.statuses == {"FUNDED"} and both.user_id is None

    by_status = plan(TxnFilter(statuses=(TxnStatus.FUNDED, TxnStatus.SHIPPED), min_amount=5), TODAY)
    assert by_status.groups == ((Source("by_status", "FUNDED"), Source("by_status", "SHIPPED")),)
    assert by_status.statuses == frozenset() and by_status.min_amount == 5

    seller_and_buyer = plan(TxnFilter(buyer_id="b", seller_id="s"), TODAY)
    assert seller_and_buyer.groups == ((Source("by_buyer", "b"),),) and seller_and_buyer.seller_id == "s"


def test_everything_reads_month_after_month_from_the_newest():
    assert months(TxnFilter(from_date=date(2026, 10, 15)), TODAY) == ["2026-11", "2026-10"]
    assert months(TxnFilter(from_date=date(2025, 12, 1), to_date=date(2026, 1, 31)), TODAY) == ["2026-01", "2025-12"]
    assert months(TxnFilter(), TODAY)[-1] == "2025-01"  # the first month of the service
    # a cursor starts from its own month
    cursor = first_id_at("txn", int(datetime(2026, 9, 10, tzinfo=UTC).timestamp() * 1000))
    assert months(TxnFilter(from_date=date(2026, 8, 1)), TODAY, cursor) == ["2026-09", "2026-08"]


def test_istanbul_days_are_id_ranges():
    low, high = id_range(date(2026, 11, 1), date(2026, 11, 1))
    assert low is not None and high is not None
    # 1 November in Istanbul (UTC+3) starts at 31 October 21:00 UTC and ends just before 1 November 21:00 UTC
    assert id_millis(low) == int(datetime(2026, 10, 31, 21, tzinfo=UTC).timestamp() * 1000)
    assert id_millis(high) == int(datetime(2026, 11, 1, 21, tzinfo=UTC).timestamp() * 1000) - 1
    made = new_id("txn")
    assert first_id_at("txn", id_millis(made)) <= made <= last_id_at("txn", id_millis(made))
    assert id_before(made) < made and id_millis(id_before(made)) == id_millis(made)


def test_a_cursor_bounds_the_page_below_it_within_the_range():
    ranged = plan(TxnFilter(statuses=(TxnStatus.CREATED,), to_date=date(2026, 11, 1)), TODAY)
    later = new_id("txn")
    assert ranged.bounds(later)[1] == ranged.high  # a cursor beyond the range keeps the range's end
    assert ranged.bounds(None) == (ranged.low, ranged.high)


def test_bad_ranges_are_refused():
    with pytest.raises(InvalidRequest):
        TxnFilter(from_date=date(2026, 11, 2), to_date=date(2026, 11, 1))
    with pytest.raises(InvalidRequest):
        TxnFilter(min_amount=10, max_amount=9)


def test_filters_survive_the_job_row():
    filters = TxnFilter(statuses=(TxnStatus.FUNDED,), from_date=date(2026, 1, 2), user_id="u", max_amount=7)
    assert TxnFilter.from_json(filters.to_json()) == filters


@pytest.mark.parametrize("text", ["=1+1", "+90", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_cells_that_could_run_as_formulas_stay_text(text):
    assert neutralised(text) == "'" + text
    assert csv_bytes([[text]]).decode().lstrip('"').startswith("'")


def test_other_cells_and_money():
    assert neutralised("Çiğdem") == "Çiğdem" and neutralised(150) == 150 and neutralised(None) is None
    assert amount_try(150_000) == "1500.00" and amount_try(5) == "0.05" and amount_try(150_050) == "1500.50"
    assert csv_bytes([["a,b", 1, None]]) == b'"a,b",1,\r\n'
