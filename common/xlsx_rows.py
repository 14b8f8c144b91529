"""A lean reader for the first sheet of an XLSX workbook: rows of cell texts, streamed.

openpyxl's read-only mode builds a cell object per value and is several times slower on a
50,000-row export; the tabular imports (common.tabular) only need text. Numbers formatted as dates become ISO
dates, whole numbers lose their ".0". Anything this reader does not understand makes it raise
``UnsupportedWorkbook`` before the first row, and the caller falls back to openpyxl.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator

# Same parser openpyxl uses without defusedxml; expat (>= 2.4.1) limits entity expansion.
from xml.etree.ElementTree import iterparse

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CELL_REF = re.compile(r"([A-Z]+)(\d+)")


class UnsupportedWorkbook(Exception):
    pass


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _first_sheet_path(archive: zipfile.ZipFile) -> tuple[str, bool]:
    date1904 = False
    sheet_rel = None
    for _event, element in iterparse(archive.open("xl/workbook.xml")):  # noqa: S314
        if element.tag == f"{MAIN}workbookPr":
            date1904 = element.get("date1904") in ("1", "true")
        elif element.tag == f"{MAIN}sheet" and sheet_rel is None:
            sheet_rel = element.get(f"{REL}id")
    if sheet_rel is None:
        raise UnsupportedWorkbook("no sheet")
    for _event, element in iterparse(archive.open("xl/_rels/workbook.xml.rels")):  # noqa: S314
        if element.tag == f"{PKG_REL}Relationship" and element.get("Id") == sheet_rel:
            target = element.get("Target")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            return path, date1904
    raise UnsupportedWorkbook("sheet not found")


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings = []
    for _event, element in iterparse(archive.open("xl/sharedStrings.xml")):  # noqa: S314
        if element.tag == f"{MAIN}si":
            strings.append("".join(t.text or "" for t in element.iter(f"{MAIN}t")))
            element.clear()
    return strings


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    if "xl/styles.xml" not in archive.namelist():
        return set()
    custom: dict[int, str] = {}
    date_styles: set[int] = set()
    in_cell_xfs = False
    index = 0
    for event, element in iterparse(archive.open("xl/styles.xml"), events=("start", "end")):  # noqa: S314
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


def iter_xlsx_rows(stream) -> Iterator[tuple[int, list[str]]]:
    """(sheet row number, cell texts) for every row of the first sheet that has any text."""
    try:
        archive = zipfile.ZipFile(stream)
        sheet_path, date1904 = _first_sheet_path(archive)
        strings = _shared_strings(archive)
        date_styles = _date_styles(archive)
        sheet = archive.open(sheet_path)
    except (KeyError, ValueError, zipfile.BadZipFile) as error:
        raise UnsupportedWorkbook(str(error)) from error
    epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
    row_tag, cell_tag, value_tag, inline_tag, text_tag = f"{MAIN}row", f"{MAIN}c", f"{MAIN}v", f"{MAIN}is", f"{MAIN}t"
    next_row = 1
    with archive, sheet:
        for _event, row in iterparse(sheet):  # noqa: S314
            if row.tag != row_tag:
                continue
            number = int(row.get("r") or next_row)
            next_row = number + 1
            cells: list[str] = []
            for position, cell in enumerate(row.iter(cell_tag)):
                ref = cell.get("r")
                column = _column_index(CELL_REF.match(ref).group(1)) if ref else position
                kind = cell.get("t", "n")
                if kind == "inlineStr":
                    inline = cell.find(inline_tag)
                    text = "".join(t.text or "" for t in inline.iter(text_tag)) if inline is not None else ""
                else:
                    value = cell.findtext(value_tag)
                    if value is None:
                        text = ""
                    elif kind == "s":
                        text = strings[int(value)]
                    elif kind == "b":
                        text = "yes" if value == "1" else "no"
                    elif kind == "n":
                        text = _number_text(value, int(cell.get("s", 0)) in date_styles, epoch)
                    else:  # "str" (formula result), "e" (error), "d" (ISO date)
                        text = value[:10] if kind == "d" else value
                if column >= len(cells):
                    cells.extend([""] * (column + 1 - len(cells)))
                cells[column] = text.strip()
            row.clear()
            if any(cells):
                yield number, cells
