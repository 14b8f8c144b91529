"""CSV and XLSX downloads whose text cells can never run as spreadsheet formulas.

Names typed by users (departments, segments, providers) reach the exports; a name such as
`=HYPERLINK("http://x","y")` would otherwise be a live formula when the file is opened
(OWASP "CSV injection"). Every export goes through `neutralise`, so the rule lives here.
"""

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal

# A spreadsheet reads a cell starting with any of these as a formula (or the start of one).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value):
    """The value for a cell: numbers, dates and empty cells unchanged, text as text with a
    leading apostrophe when it would start a formula."""
    if value is None or isinstance(value, (bool, int, float, Decimal, date, datetime, time)):
        return value
    text = str(value)  # also turns lazy translations into text
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def neutralised_rows(rows: Iterable[Iterable]) -> list[list]:
    return [[neutralise(value) for value in row] for row in rows]


def csv_text(rows: Iterable[Iterable], *, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(neutralised_rows(rows))
    return buffer.getvalue()


def xlsx_bytes(rows: Iterable[Iterable], *, title: str) -> bytes:
    """One sheet; text is stored as a string cell, never as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for row in neutralised_rows(rows):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would take any text starting with "=" for a formula
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
