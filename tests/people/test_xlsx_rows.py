"""The lean XLSX reader gives the same texts as openpyxl, and falls back when it must."""

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from people.hris_import import _cell_text, template_xlsx
from people.xlsx_rows import UnsupportedWorkbook, iter_xlsx_rows


def openpyxl_rows(content: bytes):
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    rows = []
    for number, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
        cells = [_cell_text(v) for v in values]
        while cells and not cells[-1]:
            cells.pop()
        if any(cells):
            rows.append((number, cells))
    return rows


def lean_rows(content: bytes):
    rows = []
    for number, cells in iter_xlsx_rows(io.BytesIO(content)):
        while cells and not cells[-1]:
            cells.pop()
        rows.append((number, cells))
    return rows


def workbook_bytes(*rows, first_sheet="employees") -> bytes:
    workbook = Workbook()
    workbook.active.title = first_sheet
    for row in rows:
        workbook.active.append(row)
    workbook.create_sheet("other").append(["not", "read"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_same_texts_as_openpyxl():
    content = workbook_bytes(
        ["employee_number", "hire_date", "customer_facing", "note"],
        [1001, date(2020, 1, 15), True, "  Müller  "],
        [None, None, None, None],
        ["1002", datetime(2019, 9, 15, 0, 0), False, 3.5],
        [None, None, None, "sparse"],
    )
    assert lean_rows(content) == openpyxl_rows(content)
    assert lean_rows(content)[1] == (2, ["1001", "2020-01-15", "yes", "Müller"])
    assert lean_rows(content)[2][0] == 4, "sheet row numbers survive blank rows"


def test_write_only_template_reads_the_same():
    content = template_xlsx()
    assert lean_rows(content) == openpyxl_rows(content)


def test_not_a_workbook_is_unsupported():
    with pytest.raises(UnsupportedWorkbook):
        list(iter_xlsx_rows(io.BytesIO(b"PK\x03\x04 not really")))
