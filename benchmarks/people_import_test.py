"""People: a 50,000-row HRIS import (issue 3 asks for under 60 s with bounded memory).

Figures: dry run, first commit (creates employees and their accounts), the same file again
(idempotent: nothing changes), and the peak Python memory of a dry run (tracemalloc, measured in
a separate run because tracing slows everything down).
"""

import csv
import time
import tracemalloc
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model

from common.roles import ensure_role_groups
from people.models import Employee
from people.services import import_run_from_path
from tests.people.factories import DepartmentFactory, LocationFactory

ROWS = 50_000


@pytest.fixture
def hris_file(db, tmp_path):
    ensure_role_groups()
    departments = [DepartmentFactory(code=f"dept-{i}").code for i in range(40)]
    locations = [LocationFactory(name=f"Site {i}").name for i in range(8)]
    path = tmp_path / "hris-50k.csv"
    with path.open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(
            ["employee_number", "first_name", "last_name", "email", "department", "location", "hire_date", "manager_number"]
            + ["customer_facing", "job_family", "exit_date", "preferred_language"]
        )
        for n in range(ROWS):
            hired = date(2005, 1, 1) + timedelta(days=(n * 37) % 7000)
            writer.writerow(
                [
                    f"P{n:06d}",
                    "Jürgen",
                    f"Weiß{n}",
                    f"person{n}@bench.example",
                    departments[n % len(departments)],
                    locations[n % len(locations)],
                    hired.strftime("%d.%m.%Y"),
                    f"P{n // 10:06d}" if n >= 10 else "",
                    "ja" if n % 3 == 0 else "nein",
                    ["Sales", "IT", "Operations", "Service"][n % 4],
                    "",
                    "de",
                ]
            )
    return path


def _timed(**kwargs):
    started = time.perf_counter()
    run = import_run_from_path(create_missing=False, mark_absent_exited_on=None, **kwargs)
    return run, time.perf_counter() - started


def test_people_import_50k_rows(hris_file, report):
    dry, dry_seconds = _timed(path=hris_file, commit=False)
    assert dry.rows_created == ROWS and not dry.has_errors
    report("people: HRIS import dry run, 50,000 rows (CSV)", dry_seconds, "s")

    first, first_seconds = _timed(path=hris_file, commit=True)
    assert first.rows_created == ROWS and Employee.objects.count() == ROWS
    assert get_user_model().objects.filter(employee__isnull=False).count() == ROWS
    report("people: HRIS import commit, 50,000 new employees and accounts (CSV)", first_seconds, "s")

    again, again_seconds = _timed(path=hris_file, commit=True)
    assert again.rows_unchanged == ROWS and again.rows_created == again.rows_updated == 0
    report("people: HRIS import of the same 50,000 rows again (nothing changes)", again_seconds, "s")

    tracemalloc.start()
    _timed(path=hris_file, commit=False)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    report("people: HRIS import dry run, peak Python memory for 50,000 rows", peak / 1024 / 1024, "MiB")
    report("people: HRIS file size", hris_file.stat().st_size / 1024 / 1024, "MiB")


def test_people_import_50k_rows_xlsx(hris_file, tmp_path, report):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("employees")
    with hris_file.open(encoding="cp1252", newline="") as handle:
        for row in csv.reader(handle, delimiter=";"):
            sheet.append(row)
    path = tmp_path / "hris-50k.xlsx"
    workbook.save(path)

    dry, dry_seconds = _timed(path=path, commit=False)
    assert dry.rows_created == ROWS and not dry.has_errors
    report("people: HRIS import dry run, 50,000 rows (XLSX)", dry_seconds, "s")
    committed, commit_seconds = _timed(path=path, commit=True)
    assert committed.rows_created == ROWS
    report("people: HRIS import commit, 50,000 new employees and accounts (XLSX)", commit_seconds, "s")
