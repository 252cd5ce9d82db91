"""Exports of the transaction list: asked for by an admin (202), made by the worker from the bus
event, read back only by that admin, as CSV (BOM, neutralised formulas, multipart, continued in
new runs) or XLSX (numbers, a new sheet past the row limit)."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any
from xml.etree import ElementTree

import boto3
import moto.s3.models
import pytest

from devstack.lambda_context import LambdaContext
from devstack.template import REGION
from functions.admin import export_worker, exports_get, transactions_export
from paylox.audit import audit_trail
from paylox.config import get_settings
from paylox.exports import store, worker
from tests.apigw import ADMIN, AGENT, STRANGER, HttpResult, api_event, invoke
from tests.integration.bus import EventTap, of_type
from tests.integration.steps import funded_transaction, new_transaction

RUN_EVENTS = ("TransactionsExportRequested", "TransactionsExportContinued")


def as_staff(event: dict[str, Any], sub: str, groups: tuple[str, ...]) -> dict[str, Any]:
    event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] = "[" + " ".join(groups) + "]"
    return event


def ask_export(sub: str = ADMIN, groups: tuple[str, ...] = ("admin",), **query: Any) -> HttpResult:
    event = api_event("admin/transactions_export.json", query={k: str(v) for k, v in query.items()}, sub=sub)
    return invoke(transactions_export, as_staff(event, sub, groups))


def export_of(export_id: str, sub: str = ADMIN, groups: tuple[str, ...] = ("admin",)) -> HttpResult:
    event = api_event("admin/exports_get.json", path={"export_id": export_id}, sub=sub)
    return invoke(exports_get, as_staff(event, sub, groups))


def run_worker(bus: EventTap) -> list[str]:
    """Hand every export run event on the bus to the worker, as the rule does; their statuses."""
    statuses = []
    for event in [e for e in bus.drain() if e["detail-type"] in RUN_EVENTS]:
        context = LambdaContext(function_name="AdminExportWorkerFunction", timeout_seconds=900)
        statuses.append(export_worker.handler(event, context)["status"])
    return statuses


def file_of(export_id: str, fmt: str) -> bytes:
    s3 = boto3.client("s3", region_name=REGION)
    return bytes(s3.get_object(Bucket=get_settings().exports_bucket, Key=f"exports/{export_id}.{fmt}")["Body"].read())


def test_a_csv_export_from_request_to_download():
    # Given transactions, one with Turkish letters and one whose description is a formula
    plain = funded_transaction(150_050)
    formula = str(new_transaction(2_000, description='=HYPERLINK("http://evil")')["id"])
    turkish = str(new_transaction(3_000, description="Çiğdem için şık ütü")["id"])
    bus = EventTap(("paylox.exports",))

    # When an admin asks for a CSV export of all of them
    asked = ask_export(format="csv")

    # Then it is accepted at once, pending, and only its requester can read it
    assert asked.status == 202, asked.raw
    export_id = asked.json["export_id"]
    assert asked.json["status"] == "PENDING"
    assert export_of(export_id).json["status"] == "PENDING"
    assert export_of(export_id, sub=AGENT, groups=("support",)).code == "NOT_FOUND"
    assert export_of(export_id, sub=STRANGER).code == "NOT_FOUND"

    # When the worker runs from the bus event
    assert run_worker(bus) == ["READY"]

    # Then the status says READY with the row count and a download link valid 5 minutes
    ready = export_of(export_id)
    assert ready.json["status"] == "READY" and ready.json["rows"] == 3 and ready.json["format"] == "csv"
    assert "X-Amz-Expires=300" in ready.json["download_url"]
    # and the file is UTF-8 with a BOM, the exact columns, newest first, formulas neutralised
    body = file_of(export_id, "csv")
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == [
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
    ]
    assert [row[0] for row in rows[1:]] == [turkish, formula, plain]
    assert rows[1][8] == "Çiğdem için şık ütü"
    assert rows[2][8] == '\'=HYPERLINK("http://evil")'
    assert rows[3][5:8] == ["150050", "1500.50", "TRY"] and rows[3][9] and rows[3][11] == "0"
    # and both the request and the download are audited
    actions = [record.action for record in audit_trail(export_id)]
    assert actions == ["TRANSACTIONS_EXPORT_REQUESTED", "TRANSACTIONS_EXPORT_DOWNLOADED"]


def test_exports_are_admin_only_and_each_request_is_a_new_job():
    assert ask_export(sub=AGENT, groups=("support",)).code == "ADMIN_ONLY"
    assert ask_export(format="pdf").status == 422
    assert ask_export(status="NOPE").code == "INVALID_REQUEST"
    assert ask_export().json["export_id"] != ask_export().json["export_id"]
    assert export_of("exp_01JD3Z8Q4V7C2N5R0M6K9T1B3F").code == "NOT_FOUND"


@pytest.fixture
def tiny_parts(monkeypatch):
    """Parts and pages of a few rows, so that a handful of transactions spans several runs."""
    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 1)
    monkeypatch.setattr(worker, "PAGE_ROWS", 2)


def test_a_long_csv_export_continues_in_new_runs_from_its_cursor(tiny_parts):
    # Given seven transactions of which five are CREATED, and an export of those
    made = [str(new_transaction(1_000 + n)["id"]) for n in range(5)]
    funded_transaction()
    funded_transaction()
    bus = EventTap(("paylox.exports",))
    export_id = ask_export(status="CREATED").json["export_id"]
    [first] = of_type(bus.drain(), "TransactionsExportRequested")

    # When every run finds its time nearly up after each part
    statuses = [worker.run(export_id, 1, lambda: 0, part_bytes=1)]
    new = str(new_transaction(9_999)["id"])  # created meanwhile: newer than the export's cursor
    for _ in range(5):
        continued = of_type(bus.drain(), "TransactionsExportContinued")
        if not continued:
            break
        [event] = continued
        statuses.append(worker.run(export_id, event["detail"]["run"], lambda: 0, part_bytes=1))

    # Then it took several runs, and the file has every row once, in order, without the newcomer
    assert statuses[-1] == "READY" and len(statuses) == 3, statuses
    rows = list(csv.reader(io.StringIO(file_of(export_id, "csv").decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == list(reversed(made)) and new not in {row[0] for row in rows}
    assert export_of(export_id).json["rows"] == 5
    # and a late repeat of the first event does nothing
    assert worker.run(export_id, first["detail"]["run"], lambda: 0) == "READY"


def test_an_xlsx_export_has_numbers_and_continues_on_a_new_sheet_past_the_row_limit():
    made = [str(new_transaction(150_000 + n)["id"]) for n in range(5)]
    bus = EventTap(("paylox.exports",))
    export_id = ask_export(format="xlsx").json["export_id"]
    bus.drain()

    assert worker.run(export_id, 1, lambda: 900_000, sheet_rows=2) == "READY"

    book = zipfile.ZipFile(io.BytesIO(file_of(export_id, "xlsx")))
    sheets = sorted(name for name in book.namelist() if name.startswith("xl/worksheets/sheet"))
    assert sheets == ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"]
    first = book.read("xl/worksheets/sheet1.xml").decode()
    assert '<pane ySplit="1"' in first  # the header row is frozen
    assert "<v>150004</v>" in first and "<v>1500.04</v>" in first  # amounts are numbers
    assert export_of(export_id).json["rows"] == len(made)


def sheet_ids(book: zipfile.ZipFile) -> list[list[str]]:
    """The transaction ids of each sheet, in order (the header row left out)."""
    names = sorted((n for n in book.namelist() if n.startswith("xl/worksheets/sheet")), key=lambda n: int(n[19:-4]))
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    found = []
    for name in names:
        root = ElementTree.fromstring(book.read(name))  # noqa: S314 - the file the test itself made
        rows = root.iter(f"{main}row")
        found.append([row.findtext(f"{main}c/{main}is/{main}t") or "" for row in rows][1:])
    return found


def test_a_long_xlsx_export_continues_in_new_runs_and_on_new_sheets(tiny_parts):
    # Given seven transactions, and an XLSX export of them
    made = [str(new_transaction(150_000 + n, description=f'=HYPERLINK("x") & <{n}>')["id"]) for n in range(7)]
    bus = EventTap(("paylox.exports",))
    export_id = ask_export(format="xlsx").json["export_id"]
    bus.drain()

    # When every run finds its time nearly up after each part, with sheets of three rows
    statuses = [worker.run(export_id, 1, lambda: 0, part_bytes=1, sheet_rows=3)]
    for _ in range(6):
        continued = of_type(bus.drain(), "TransactionsExportContinued")
        if not continued:
            break
        [event] = continued
        statuses.append(worker.run(export_id, event["detail"]["run"], lambda: 0, part_bytes=1, sheet_rows=3))

    # Then it took several runs, and the workbook is whole: every row once, in order, three a sheet
    assert statuses[-1] == "READY" and len(statuses) >= 3, statuses
    book = zipfile.ZipFile(io.BytesIO(file_of(export_id, "xlsx")))
    assert book.testzip() is None  # every entry's CRC and size check out
    newest_first = list(reversed(made))
    assert sheet_ids(book) == [newest_first[0:3], newest_first[3:6], newest_first[6:7]]
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert '<pane ySplit="1"' in sheet and "<v>150006</v>" in sheet and "<v>1500.06</v>" in sheet
    assert "<f>" not in sheet and "&lt;6&gt;" in sheet  # text stays text, never a formula
    assert 'sheetId="3"' in book.read("xl/workbook.xml").decode()
    assert export_of(export_id).json["rows"] == 7


def test_an_xlsx_export_of_nothing_is_a_workbook_with_its_header():
    export_id = ask_export(format="xlsx", status="REFUNDED").json["export_id"]

    assert worker.run(export_id, 1, lambda: 900_000) == "READY"

    book = zipfile.ZipFile(io.BytesIO(file_of(export_id, "xlsx")))
    assert book.testzip() is None and sheet_ids(book) == [[]]
    assert ">amount_kurus<" in book.read("xl/worksheets/sheet1.xml").decode()


def test_a_job_saved_by_the_worker_is_what_is_stored_and_a_stale_copy_loses():
    # Given an export job, and two copies of it as two workers read it
    bus = EventTap()
    export_id = ask_export().json["export_id"]
    bus.drain()
    mine, theirs = store.find(export_id), store.find(export_id)
    assert mine is not None and theirs is not None

    # When one saves its progress (a value set, one removed)
    assert store.save(mine, {"status": "RUNNING", "runs": 1, "rows": 7, "cursor": "txn_x", "error": None})

    # Then its copy is the stored job, version included, and the stale copy cannot write over it
    stored = store.find(export_id)
    assert stored is not None and mine.serialize() == stored.serialize()
    assert not store.save(theirs, {"status": "FAILED"})
    assert theirs.serialize() == stored.serialize()
