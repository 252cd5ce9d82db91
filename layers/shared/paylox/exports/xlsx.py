"""An XLSX workbook written as a zip stream that can stop and continue in another invocation.

An XLSX file is a zip of XML parts. A spreadsheet library assembles it when the workbook is
closed, so its writing cannot span function runs; here the zip is written front to back instead,
into the export's S3 multipart upload, and everything needed to go on is small enough for the
job's row (:class:`XlsxState`: the bytes written so far and, per zip entry, its CRC-32 and sizes).

- Each sheet is one zip entry, deflated, with its CRC and sizes in a data descriptor after the
  data (zip flag bit 3): they are known only at the end of the sheet.
- A run stops only at a :meth:`XlsxStream.checkpoint`: a full flush of the deflate stream, which
  ends on a byte boundary with no reference to earlier data, so the next run's fresh compressor
  simply carries on the same stream, and the CRC-32 carries on from the stored value.
- The small parts (workbook, styles, relations, content types) and the central directory are
  written by :meth:`XlsxStream.finish`, once the number of sheets is known.

Strings are inline (``t="inlineStr"``, as spreadsheet writers do in constant-memory mode), never
formulas; money cells are numbers. No ZIP64: the export stays below 4 GiB of compressed data
(some 100 million rows) and each sheet below 4 GiB of XML (Excel's row limit keeps it near 300 MB).
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from pydantic import BaseModel, Field

from paylox.exports.rows import COLUMNS, Cell, amount_try

_FLAGS = 0x0808  # bit 3: sizes in a data descriptor; bit 11: UTF-8 names
_DOS_TIME, _DOS_DATE = 0, (2020 - 1980) << 9 | 1 << 5 | 1  # a fixed stamp: the content decides, not the clock
_LETTERS = [chr(ord("A") + n) for n in range(len(COLUMNS))]
#: Characters XML 1.0 cannot carry at all (a description may hold them): dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews>'
    '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    "</sheetView></sheetViews><sheetData>"
)
_TAIL = "</sheetData></worksheet>"
BOLD, TWO_DECIMALS = 1, 2  # cell styles of styles.xml below


class Entry(BaseModel):
    """One zip entry: where its local header starts and, once written, its CRC and sizes."""

    name: str
    offset: int
    crc: int = 0
    compressed: int = 0
    size: int = 0


class XlsxState(BaseModel):
    """How far the workbook got: stored with the export job between runs."""

    written: int = 0  # bytes of the zip written (and uploaded) so far
    done: list[Entry] = Field(default_factory=list)
    sheet: Entry | None = None  # the sheet being written
    line: int = 0  # rows in that sheet, the header included


class XlsxStream:
    """Writes the workbook; every method returns the next bytes of the zip file."""

    def __init__(self, state: XlsxState | None = None) -> None:
        self.state = state or XlsxState()
        self._deflate: Any = None

    @property
    def sheets(self) -> int:
        return len(self.state.done) + (self.state.sheet is not None)

    @property
    def rows_in_sheet(self) -> int:
        """Data rows in the current sheet (the header not counted)."""
        return max(self.state.line - 1, 0)

    def start_sheet(self) -> bytes:
        """Ends the current sheet, if any, and starts the next with its bold header row."""
        out = self.end_sheet()
        name = f"xl/worksheets/sheet{self.sheets + 1}.xml"
        local = _local_header(name)
        entry = Entry(name=name, offset=self.state.written)
        self.state.written += len(local)
        self.state.sheet, self.state.line = entry, 1
        header = "".join(_text_cell(f"{_LETTERS[n]}1", column, BOLD) for n, column in enumerate(COLUMNS))
        return out + local + self._deflated(_HEAD + f'<row r="1">{header}</row>')

    def row(self, cells: Sequence[Cell]) -> bytes:
        """One row of :data:`~paylox.exports.rows.COLUMNS` values in the current sheet."""
        self.state.line += 1
        return self._deflated(_row_xml(self.state.line, cells))

    def checkpoint(self) -> bytes:
        """Everything so far, flushed to a byte boundary: a later run may continue from here."""
        if self._deflate is None:
            return b""
        out: bytes = self._deflate.flush(zlib.Z_FULL_FLUSH)
        self._deflate = None
        return self._count(out)

    def end_sheet(self) -> bytes:
        """The current sheet's closing tags, the end of its deflate stream and its data descriptor."""
        entry = self.state.sheet
        if entry is None:
            return b""
        data = self._deflated(_TAIL)
        data += self._count(self._compressor().flush(zlib.Z_FINISH))
        self._deflate = None
        descriptor = struct.pack("<IIII", 0x08074B50, entry.crc, entry.compressed, entry.size)
        self.state.written += len(descriptor)
        self.state.done.append(entry)
        self.state.sheet = None
        return data + descriptor

    def finish(self) -> bytes:
        """The last sheet's end, the workbook's other parts and the zip's central directory."""
        out = b"" if self.sheets else self.start_sheet()  # no rows: still a sheet with the header
        out += self.end_sheet()
        for name, text in _fixed_parts(len(self.state.done)):
            out += self._small_entry(name, text.encode("utf-8"))
        directory = b"".join(_central_header(entry) for entry in self.state.done)
        count, at = len(self.state.done), self.state.written
        end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), at, 0)
        self.state.written += len(directory) + len(end)
        return out + directory + end

    # -------------------------------------------------------------------------- internals
    def _compressor(self) -> Any:
        if self._deflate is None:
            self._deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
        return self._deflate

    def _deflated(self, text: str) -> bytes:
        raw = text.encode("utf-8")
        entry = self.state.sheet
        assert entry is not None, "no sheet started"
        entry.crc, entry.size = zlib.crc32(raw, entry.crc), entry.size + len(raw)
        return self._count(self._compressor().compress(raw))

    def _count(self, data: bytes) -> bytes:
        if self.state.sheet is not None:
            self.state.sheet.compressed += len(data)
        self.state.written += len(data)
        return data

    def _small_entry(self, name: str, data: bytes) -> bytes:
        """A small part, deflated in one go (its CRC and sizes in the descriptor, like the sheets)."""
        entry = Entry(name=name, offset=self.state.written, crc=zlib.crc32(data), size=len(data))
        deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
        body = deflate.compress(data) + deflate.flush()
        entry.compressed = len(body)
        out = _local_header(name) + body + struct.pack("<IIII", 0x08074B50, entry.crc, len(body), len(data))
        self.state.written += len(out)
        self.state.done.append(entry)
        return out


def _local_header(name: str) -> bytes:
    encoded = name.encode("utf-8")
    return (
        struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, _FLAGS, 8, _DOS_TIME, _DOS_DATE, 0, 0, 0, len(encoded), 0) + encoded
    )


def _central_header(entry: Entry) -> bytes:
    name = entry.name.encode("utf-8")
    fixed = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        20,
        20,
        _FLAGS,
        8,
        _DOS_TIME,
        _DOS_DATE,
        entry.crc,
        entry.compressed,
        entry.size,
        len(name),
        0,
        0,
        0,
        0,
        0,
        entry.offset,
    )
    return fixed + name


def _row_xml(line: int, cells: Sequence[Cell]) -> str:
    parts = []
    for n, (column, cell) in enumerate(zip(COLUMNS, cells, strict=True)):
        ref = f"{_LETTERS[n]}{line}"
        if cell is None:
            continue
        if column == "amount_try":
            # lira with two decimals, exact from the kuruş (never through a float)
            parts.append(f'<c r="{ref}" s="{TWO_DECIMALS}"><v>{amount_try(int(cells[5] or 0))}</v></c>')
        elif column in ("amount_kurus", "refunded_kurus"):
            parts.append(f'<c r="{ref}"><v>{int(cell)}</v></c>')
        else:
            parts.append(_text_cell(ref, str(cell)))
    return f'<row r="{line}">{"".join(parts)}</row>'


def _text_cell(ref: str, text: str, style: int = 0) -> str:
    styled = f' s="{style}"' if style else ""
    clean = escape(_NOT_XML.sub("", text))
    return f'<c r="{ref}"{styled} t="inlineStr"><is><t xml:space="preserve">{clean}</t></is></c>'


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def _fixed_parts(sheets: int) -> list[tuple[str, str]]:
    """The workbook's parts other than its sheets."""
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    numbers = range(1, sheets + 1)
    sheet_list = "".join(f'<sheet name="Sheet{n}" sheetId="{n}" r:id="rId{n}"/>' for n in numbers)
    sheet_rels = "".join(
        f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>' for n in numbers
    )
    sheet_types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in numbers
    )
    return [
        (
            "[Content_Types].xml",
            f'{head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{sheet_types}</Types>",
        ),
        (
            "_rels/.rels",
            f'{head}<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        ),
        (
            "xl/workbook.xml",
            f'{head}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{sheet_list}</sheets></workbook>',
        ),
        (
            "xl/_rels/workbook.xml.rels",
            f'{head}<Relationships xmlns="{_PKG_REL}">{sheet_rels}'
            f'<Relationship Id="rId{sheets + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>',
        ),
        ("xl/styles.xml", _STYLES),
    ]
