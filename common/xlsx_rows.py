"""A lean reader for the first sheet of an XLSX workbook: rows of cell texts, streamed.

openpyxl's read-only mode builds a cell object per value and is several times slower on a
50,000-row export; the tabular imports (common.tabular) only need text. Numbers formatted as dates become ISO
dates, whole numbers lose their ".0". Anything this reader does not understand makes it raise
``UnsupportedWorkbook`` before the first row, and the caller falls back to openpyxl.

Memory stays bounded by what the caller allows (the caller bounds the parts' sizes before):
the shared strings are kept compactly (one string per few thousand, not an object each), parsed
elements are dropped once read, a row holding more cells than Excel's 16,384 columns is
unreadable, and with ``max_row`` a sheet whose dimension or rows reach beyond it raises
``SheetTooLong`` instead of being read on.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from array import array
from collections.abc import Iterator

# Same parser openpyxl uses without defusedxml; expat (>= 2.4.1) limits entity expansion.
from xml.etree.ElementTree import ParseError, iterparse

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CELL_REF = re.compile(r"([A-Z]+)(\d+)")
MAX_COLUMN = 16384  # Excel's last column, XFD


class UnsupportedWorkbook(Exception):
    pass


class SheetTooLong(Exception):
    """The sheet reaches beyond ``max_row``; ``row`` is the row number (or row count) found."""

    def __init__(self, row: int):
        super().__init__(row)
        self.row = row


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _elements(part) -> Iterator[tuple[str, object]]:
    """("start" or "end", element) of an XML part read for its attributes; each element is dropped
    from the tree once it has ended, so the part costs memory for its depth, not its length."""
    open_elements = []
    for event, element in iterparse(part, events=("start", "end")):  # noqa: S314
        if event == "start":
            open_elements.append(element)
        else:
            open_elements.pop()
        yield event, element
        if event == "end" and open_elements:
            open_elements[-1].remove(element)  # its earlier siblings are gone: the search is short


def _first_sheet_path(archive: zipfile.ZipFile) -> tuple[str, bool]:
    date1904 = False
    sheet_rel = None
    for event, element in _elements(archive.open("xl/workbook.xml")):
        if event == "start":
            continue
        if element.tag == f"{MAIN}workbookPr":
            date1904 = element.get("date1904") in ("1", "true")
        elif element.tag == f"{MAIN}sheet" and sheet_rel is None:
            sheet_rel = element.get(f"{REL}id")
    if sheet_rel is None:
        raise UnsupportedWorkbook("no sheet")
    for event, element in _elements(archive.open("xl/_rels/workbook.xml.rels")):
        if event == "end" and element.tag == f"{PKG_REL}Relationship" and element.get("Id") == sheet_rel:
            target = element.get("Target")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            return path, date1904
    raise UnsupportedWorkbook("sheet not found")


class SharedStrings:
    """The workbook's shared strings, packed: a Python object per string costs about 50 bytes
    beyond its text, which made a small workbook of millions of short strings cost hundreds of MB."""

    CHUNK = 4096

    def __init__(self):
        self._chunks: list[str] = []
        self._ends: list[array] = []  # per chunk, where each string ends in it
        self._pending: list[str] = []

    def append(self, text: str) -> None:
        self._pending.append(text)
        if len(self._pending) == self.CHUNK:
            self._pack()

    def _pack(self) -> None:
        ends, end = array("L"), 0
        for text in self._pending:
            end += len(text)
            ends.append(end)
        self._chunks.append("".join(self._pending))
        self._ends.append(ends)
        self._pending = []

    def __len__(self) -> int:
        return len(self._chunks) * self.CHUNK + len(self._pending)

    def __getitem__(self, index: int) -> str:
        if index < 0:
            raise IndexError(index)
        chunk, position = divmod(index, self.CHUNK)
        if chunk == len(self._chunks):
            return self._pending[position]
        ends = self._ends[chunk]
        return self._chunks[chunk][ends[position - 1] if position else 0 : ends[position]]


def _shared_strings(archive: zipfile.ZipFile) -> SharedStrings:
    strings = SharedStrings()
    if "xl/sharedStrings.xml" not in archive.namelist():
        return strings
    root = None
    for event, element in iterparse(archive.open("xl/sharedStrings.xml"), events=("start", "end")):  # noqa: S314
        if root is None:
            root = element
        if event == "end" and element.tag == f"{MAIN}si":
            strings.append("".join(t.text or "" for t in element.iter(f"{MAIN}t")))
            root.clear()  # read strings are dropped from the tree, not only emptied
    return strings


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    if "xl/styles.xml" not in archive.namelist():
        return set()
    custom: dict[int, str] = {}
    date_styles: set[int] = set()
    in_cell_xfs = False
    index = 0
    for event, element in _elements(archive.open("xl/styles.xml")):
        if event == "start":
            if element.tag == f"{MAIN}cellXfs":
                in_cell_xfs = True
            continue
        if element.tag == f"{MAIN}numFmt":
            custom[int(element.get("numFmtId"))] = element.get("formatCode", "")
        elif element.tag == f"{MAIN}cellXfs":
            in_cell_xfs = False
        elif element.tag == f"{MAIN}xf" and in_cell_xfs:
            fmt_id = int(element.get("numFmtId", 0))
            code = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "General")
            if is_date_format(code):
                date_styles.add(index)
            index += 1
    return date_styles


def _number_text(value: str, is_date: bool, epoch) -> str:
    if is_date:
        return from_excel(float(value), epoch).date().isoformat()
    if value.lstrip("-").isdigit():
        return value
    number = float(value)
    return str(int(number)) if number.is_integer() else value


def _dimension_last_row(ref: str | None) -> int:
    match = CELL_REF.search((ref or "").rpartition(":")[2])
    return int(match.group(2)) if match else 0


def iter_xlsx_rows(stream, *, max_row: int | None = None, max_column: int = MAX_COLUMN) -> Iterator[tuple[int, list[str]]]:
    """(sheet row number, cell texts) for every row of the first sheet that has any text.

    With ``max_row``, a sheet whose dimension ends below it, or that has a row element (empty or
    not) numbered or counted beyond it, raises ``SheetTooLong`` at that point: the dimension is
    only a claim, so the rows are counted too. Cells right of ``max_column`` are left out (one
    cell in column XFD would otherwise make a row of 16,384 cells)."""
    try:
        archive = zipfile.ZipFile(stream)
        sheet_path, date1904 = _first_sheet_path(archive)
        strings = _shared_strings(archive)
        date_styles = _date_styles(archive)
        sheet = archive.open(sheet_path)
    except (KeyError, ValueError, zipfile.BadZipFile, ParseError) as error:
        raise UnsupportedWorkbook(str(error)) from error
    epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
    row_tag, cell_tag, value_tag, inline_tag, text_tag = f"{MAIN}row", f"{MAIN}c", f"{MAIN}v", f"{MAIN}is", f"{MAIN}t"
    dimension_tag, sheet_data_tag = f"{MAIN}dimension", f"{MAIN}sheetData"
    next_row, counted, cells_seen = 1, 0, 0
    with archive, sheet:
        for _event, element in iterparse(sheet):  # noqa: S314
            tag = element.tag
            if tag == cell_tag:
                # A row is read when it ends: no row may grow beyond Excel's columns meanwhile.
                cells_seen += 1
                if cells_seen > MAX_COLUMN:
                    raise ValueError("a row with more cells than Excel allows")
                continue
            if tag == dimension_tag:
                if max_row is not None and _dimension_last_row(element.get("ref")) > max_row:
                    raise SheetTooLong(_dimension_last_row(element.get("ref")))
                continue
            if tag == sheet_data_tag:
                return  # what follows the rows (merged cells, formatting, ...) is not read
            if tag != row_tag:
                continue
            row, cells_seen = element, 0
            number = int(row.get("r") or next_row)
            next_row, counted = number + 1, counted + 1
            if max_row is not None and max(number, counted) > max_row:
                raise SheetTooLong(max(number, counted))
            cells: list[str] = []
            for position, cell in enumerate(row.iter(cell_tag)):
                ref = CELL_REF.match(cell.get("r") or "")
                column = _column_index(ref.group(1)) if ref else position
                if column >= max_column:
                    continue
                kind = cell.get("t", "n")
                if kind == "inlineStr":
                    inline = cell.find(inline_tag)
                    text = "".join(t.text or "" for t in inline.iter(text_tag)) if inline is not None else ""
                else:
                    value = cell.findtext(value_tag)
                    if value is None:
                        text = ""
                    elif kind == "s":
                        index = int(value)
                        if not 0 <= index < len(strings):
                            raise ValueError(f"no shared string {index}")
                        text = strings[index]
                    elif kind == "b":
                        text = "yes" if value == "1" else "no"
                    elif kind == "n":
                        text = _number_text(value, int(cell.get("s", 0)) in date_styles, epoch)
                    else:  # "str" (formula result), "e" (error), "d" (ISO date)
                        text = value[:10] if kind == "d" else value
                if column >= len(cells):
                    cells.extend([""] * (column + 1 - len(cells)))
                cells[column] = text.strip()
            row.clear()  # emptied; the row limit bounds how many empty rows stay in the tree
            if any(cells):
                yield number, cells
