"""Exports never hand a spreadsheet a live formula, whatever a department is called."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from common.exports import csv_text, neutralise, xlsx_bytes
from surveys import services
from tests.people.factories import DepartmentFactory, LocationFactory
from tests.surveys.factories import open_wave, pulse_template, staff
from tests.surveys.test_results import answer_all

FORMULA = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize("text", [FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_would_start_a_formula_gets_an_apostrophe(text):
    assert neutralise(text) == f"'{text}"


@pytest.mark.parametrize("value", [-20, 0, 4.2, Decimal("-1.5"), None, "Sales", "a=b", ""])
def test_numbers_and_ordinary_text_stay_as_they_are(value):
    assert neutralise(value) == value


def test_helpers_store_text_as_text():
    rows = [["Group", "eNPS"], [FORMULA, -20]]
    assert list(csv.reader(io.StringIO(csv_text(rows)))) == [["Group", "eNPS"], [f"'{FORMULA}", "-20"]]
    sheet = load_workbook(io.BytesIO(xlsx_bytes(rows, title="Results"))).active
    name, enps = sheet["A2"], sheet["B2"]
    assert (name.value, name.data_type) == (f"'{FORMULA}", "s")
    assert (enps.value, enps.data_type) == (-20, "n")


@pytest.mark.django_db
def test_a_department_named_like_a_formula_arrives_as_text_in_both_exports(client, hr_manager):
    hq = LocationFactory(name="HQ")
    rogue = DepartmentFactory(name_en=FORMULA, name_de=FORMULA)
    people = staff(rogue, hq, 6) + staff(DepartmentFactory(name_en="Sales"), hq, 6)
    wave = open_wave(pulse_template())
    answer_all(wave, people, value=4, enps=2)  # eNPS -100: a negative number must stay a number
    services.wave_close(wave=wave)
    client.force_login(hr_manager)

    exported = list(csv.reader(io.StringIO(client.get(reverse("surveys:wave_export_csv", args=[wave.pk])).content.decode())))
    rogue_rows = [row for row in exported if row[1].endswith(FORMULA)]
    assert rogue_rows and all(row[1] == f"'{FORMULA}" for row in rogue_rows)
    assert not any(cell.startswith("=") for row in exported for cell in row)

    response = client.get(reverse("surveys:wave_export_xlsx", args=[wave.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    group_cells = [row[1] for row in sheet.iter_rows(min_row=2) if str(row[1].value).endswith(FORMULA)]
    assert group_cells and all((c.value, c.data_type) == (f"'{FORMULA}", "s") for c in group_cells)
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    enps = [row[6].value for row in sheet.iter_rows(min_row=2) if row[6].value is not None]
    assert -100 in enps


def test_the_import_template_is_unchanged_by_the_rule():
    from people.hris_import import COLUMNS, TEMPLATE_EXAMPLE_ROWS, template_csv

    rows = list(csv.reader(io.StringIO(template_csv().decode("utf-8-sig")), delimiter=";"))
    as_text = [[value.isoformat() if hasattr(value, "isoformat") else str(value) for value in row] for row in TEMPLATE_EXAMPLE_ROWS]
    assert rows == [list(COLUMNS), *as_text], "example numbers and dates are written as plain text"
