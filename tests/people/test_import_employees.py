"""The HRIS import: every error kind, all-or-nothing, idempotence, formats, options, command."""

import io
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from openpyxl import Workbook

from common.roles import EMPLOYEE
from people.hris_import import ImportOptions, message_text, report_for_display, run_import_atomically, template_csv, template_xlsx
from people.models import Department, Employee, ImportRun, Location
from tests.people.factories import DepartmentFactory, EmployeeFactory, LocationFactory

HEADER = "employee_number,first_name,last_name,email,department,location,hire_date,exit_date,manager_number,customer_facing,job_family"


@pytest.fixture
def org(db):
    DepartmentFactory(code="sales", name_en="Sales")
    DepartmentFactory(code="it", name_en="IT")
    LocationFactory(name="Hamburg")
    LocationFactory(name="Field", kind=Location.Kind.OFF_SITE)


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    text = "\n".join([header, *rows]) + "\n"
    return text.replace(",", delimiter).encode(encoding)


def run(content: bytes, commit: bool = False, **options):
    return run_import_atomically(open_binary=lambda: io.BytesIO(content), options=ImportOptions(**options), commit=commit)


GOOD = [
    "1001,Anna,Müller,anna@example.com,sales,Hamburg,2020-01-15,,,yes,Sales",
    "1002,Ben,Schmidt,ben@example.com,it,Field,15.09.2019,,1001,no,IT",
]


def reasons(result, row):
    entry = next(e for e in result.rows if e["row"] == row)
    return [r["code"] for r in entry.get("reasons", [])]


def test_dry_run_reports_created_rows_and_writes_nothing(org):
    result = run(csv_bytes(*GOOD))
    assert (result.created, result.updated, result.unchanged, result.errors) == (2, 0, 0, 0)
    assert [e["status"] for e in result.rows] == ["created", "created"]
    assert not Employee.objects.exists()


def test_commit_creates_employees_with_manager_and_employee_accounts(org):
    result = run(csv_bytes(*GOOD), commit=True)
    assert result.committed
    anna, ben = Employee.objects.get(employee_number="1001"), Employee.objects.get(employee_number="1002")
    assert ben.manager == anna and ben.hire_date == date(2019, 9, 15) and anna.customer_facing and not ben.customer_facing
    assert ben.location.name == "Field" and ben.department.code == "it"
    assert anna.user.username == "anna@example.com" and anna.user.groups.filter(name=EMPLOYEE).exists()
    assert not anna.user.has_usable_password()


def test_the_same_file_twice_changes_nothing(org):
    content = csv_bytes(*GOOD)
    run(content, commit=True)
    before = list(Employee.objects.order_by("pk").values())
    users = get_user_model().objects.count()
    again = run(content, commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert list(Employee.objects.order_by("pk").values()) == before
    assert get_user_model().objects.count() == users


def test_changed_rows_are_reported_as_updated_with_the_fields(org):
    run(csv_bytes(*GOOD), commit=True)
    result = run(csv_bytes(GOOD[0], "1002,Ben,Schmidt,ben@example.com,sales,Field,15.09.2019,,,no,IT"), commit=True)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    entry = next(e for e in result.rows if e["status"] == "updated")
    assert set(entry["changes"]) == {"department", "manager"}
    ben = Employee.objects.get(employee_number="1002")
    assert ben.department.code == "sales" and ben.manager is None
    assert entry["values"] == {"department": ["it", "sales"], "manager": ["1001", None]}


def test_changed_fields_show_old_and_new_in_the_readers_language(org):
    run(csv_bytes(*GOOD), commit=True)
    result = run(csv_bytes(GOOD[0], "1002,Ben,Schmitt,ben@example.com,it,Hamburg,16.09.2019,,1001,yes,IT"))
    shown = report_for_display(result.report())
    changes = next(row["changes"] for row in shown["rows"] if row["status"] == "updated")
    assert changes == [
        "last name Schmidt → Schmitt",
        "customer-facing no → yes",
        "hire date 09/15/2019 → 09/16/2019",
        "location Field → Hamburg",
    ]


def test_a_file_with_only_the_header_marks_nobody_as_exited(org):
    run(csv_bytes(*GOOD), commit=True)
    result = run(csv_bytes(), commit=True, mark_absent_exited_on=date(2026, 1, 31))
    assert [e["code"] for e in result.file_errors] == ["no_rows"] and not result.committed
    assert not Employee.objects.filter(exit_date__isnull=False).exists()


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ("1003,Cem,Kaya,cem@example.com,marketing,Hamburg,2020-01-01,,,no,IT", "unknown_department"),
        ("1003,Cem,Kaya,cem@example.com,sales,Berlin,2020-01-01,,,no,IT", "unknown_location"),
        ("1003,Cem,Kaya,not-an-email,sales,Hamburg,2020-01-01,,,no,IT", "invalid_email"),
        ("1003,Cem,Kaya,cem@example.com,sales,Hamburg,31.02.2020,,,no,IT", "invalid_date"),
        ("1003,Cem,Kaya,cem@example.com,sales,Hamburg,2020-01-01,someday,,no,IT", "invalid_date"),
        ("1003,Cem,Kaya,cem@example.com,sales,Hamburg,2020-01-01,,9999,no,IT", "manager_not_found"),
        ("1003,Cem,Kaya,cem@example.com,sales,Hamburg,2020-01-01,2019-12-31,,no,IT", "exit_before_hire"),
        ("1003,Cem,,cem@example.com,sales,Hamburg,2020-01-01,,,no,IT", "missing_value"),
        ("1003,Cem,Kaya,cem@example.com,sales,Hamburg,2020-01-01,,,maybe,IT", "invalid_yes_no"),
        ("1001,Cem,Kaya,cem@example.com,sales,Hamburg,2020-01-01,,,no,IT", "duplicate_number"),
        ("1003,Cem,Kaya,anna@example.com,sales,Hamburg,2020-01-01,,,no,IT", "duplicate_email"),
        ("1003,Cem,Kaya,cem@example.com,sales,Hamburg,2020-01-01,,1003,no,IT", "own_manager"),
    ],
)
def test_each_error_kind_is_reported_on_its_row_and_nothing_is_written(org, row, code):
    result = run(csv_bytes(*GOOD, row), commit=True)
    assert not result.committed and result.errors == 1
    assert code in reasons(result, 4)
    assert all(message_text(r) for e in result.rows for r in e.get("reasons", []))
    assert not Employee.objects.exists(), "all or nothing: the valid rows are not written either"


def test_missing_column_is_a_file_error(org):
    result = run(csv_bytes("1001,Anna,Müller,sales,Hamburg", header="employee_number,first_name,last_name,department,location"))
    assert [e["code"] for e in result.file_errors] == ["missing_column"]
    assert "hire_date" in message_text(result.file_errors[0])
    assert result.has_errors


def test_email_of_another_existing_employee_is_rejected(org):
    EmployeeFactory(employee_number="X1", email="anna@example.com")
    result = run(csv_bytes(*GOOD))
    assert reasons(result, 2) == ["email_taken"]


def test_manager_may_already_be_in_the_portal(org):
    EmployeeFactory(employee_number="BOSS")
    result = run(csv_bytes("1001,Anna,Müller,anna@example.com,sales,Hamburg,2020-01-15,,BOSS,yes,Sales"), commit=True)
    assert result.committed
    assert Employee.objects.get(employee_number="1001").manager.employee_number == "BOSS"


def test_unknown_department_and_location_are_created_when_chosen(org):
    content = csv_bytes(
        "1001,Anna,Müller,anna@example.com,Marketing,Leipzig,2020-01-15,,,yes,Sales",
    )
    dry = run(content, create_missing=True)
    assert dry.new_departments == ["marketing"] and dry.new_locations == ["Leipzig"] and dry.errors == 0
    assert not Department.objects.filter(code="marketing").exists()
    run(content, commit=True, create_missing=True)
    assert Employee.objects.get(employee_number="1001").department == Department.objects.get(code="marketing")
    assert Location.objects.filter(name="Leipzig").exists()


def test_absent_employees_are_left_alone_unless_asked(org):
    stays = EmployeeFactory(employee_number="OLD1")
    run(csv_bytes(*GOOD), commit=True)
    stays.refresh_from_db()
    assert stays.exit_date is None
    dry = run(csv_bytes(*GOOD), mark_absent_exited_on=date(2026, 6, 30))
    assert dry.marked_exited == 1
    stays.refresh_from_db()
    assert stays.exit_date is None
    run(csv_bytes(*GOOD), commit=True, mark_absent_exited_on=date(2026, 6, 30))
    stays.refresh_from_db()
    assert stays.exit_date == date(2026, 6, 30)
    assert run(csv_bytes(*GOOD), commit=True, mark_absent_exited_on=date(2026, 6, 30)).marked_exited == 0


def test_windows_1252_with_semicolons_as_german_excel_writes_it(org):
    content = csv_bytes("1001;Jürgen;Weiß;juergen@example.com;sales;Hamburg;01.02.2021;;;ja;Vertrieb", encoding="cp1252", delimiter=";")
    result = run(content, commit=True)
    assert result.committed, result.rows
    assert Employee.objects.get().last_name == "Weiß"
    assert result.file_format == {"kind": "csv", "encoding": "cp1252", "delimiter": ";"}


def test_utf8_with_byte_order_mark(org):
    result = run(b"\xef\xbb\xbf" + csv_bytes(*GOOD))
    assert result.created == 2


def test_xlsx_workbook(org):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append([1001, "Anna", "Müller", "anna@example.com", "sales", "Hamburg", date(2020, 1, 15), None, None, "yes", "Sales"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = run(buffer.getvalue(), commit=True)
    assert result.committed, result.rows
    assert Employee.objects.get().employee_number == "1001"


def test_garbage_is_unreadable(org):
    result = run(b"PK\x03\x04 definitely not a zip file")
    assert [e["code"] for e in result.file_errors] == ["unreadable"]


def test_templates_import_cleanly_with_their_example_rows(db):
    DepartmentFactory(code="sales")
    LocationFactory(name="Headquarters Hamburg")
    assert run(template_csv()).created == 2
    result = run(template_xlsx())
    assert result.created == 2 and not result.has_errors


def test_command_dry_run_exits_non_zero_on_errors(org, tmp_path, capsys):
    path = tmp_path / "hris.csv"
    path.write_bytes(csv_bytes(*GOOD, "1003,Cem,Kaya,cem@example.com,nowhere,Hamburg,2020-01-01,,,no,IT"))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_employees", str(path), "--commit")
    assert exit_info.value.code == 1
    assert "row 4" in capsys.readouterr().err
    assert not Employee.objects.exists()
    assert ImportRun.objects.get().source == ImportRun.Source.COMMAND


def test_command_commits_with_flags(org, tmp_path, capsys):
    EmployeeFactory(employee_number="OLD1", hire_date=date(2010, 1, 1))
    path = tmp_path / "hris.csv"
    path.write_bytes(csv_bytes(*GOOD, "1003,Cem,Kaya,cem@example.com,new-dept,Hamburg,2020-01-01,,,no,IT"))
    call_command("import_employees", str(path), "--commit", "--create-missing", "--mark-absent-exited", "2026-01-31")
    out = capsys.readouterr().out
    assert "3 created" in out and "Committed." in out
    assert Employee.objects.get(employee_number="OLD1").exit_date == date(2026, 1, 31)
    run_record = ImportRun.objects.get()
    assert (run_record.status, run_record.rows_created, run_record.marked_exited) == (ImportRun.Status.COMMITTED, 3, 1)


def test_command_dry_run_writes_nothing(org, tmp_path, capsys):
    path = tmp_path / "hris.csv"
    path.write_bytes(csv_bytes(*GOOD))
    call_command("import_employees", str(path))
    assert "Dry run only" in capsys.readouterr().out
    assert not Employee.objects.exists()


def test_uncommitted_uploads_are_forgotten_after_two_days(hr_manager):
    import time_machine

    from people.services import import_run_create, import_runs_purge

    with time_machine.travel("2026-03-01 09:00Z"):
        stale = import_run_create(file_name="a.csv", content=b"x", create_missing=False, mark_absent_exited_on=None, user=hr_manager)
    with time_machine.travel("2026-03-03 10:00Z"):
        fresh = import_run_create(file_name="b.csv", content=b"y", create_missing=False, mark_absent_exited_on=None, user=hr_manager)
        assert import_runs_purge() == 1
        assert import_runs_purge() == 0
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert bytes(stale.content) == b"" and bytes(fresh.content) == b"y"
    assert stale.file_name == "a.csv", "the run record stays"


def test_xlsx_errors_name_the_sheet_row_even_after_blank_rows(org):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(["1001", "Anna", "Müller", "anna@example.com", "sales", "Hamburg", "2020-01-15", None, None, "yes", "Sales"])
    sheet.append([None] * 11)
    sheet.append(["1002", "Ben", "Schmidt", "ben@example.com", "nowhere", "Hamburg", "2020-01-15", None, None, "no", "IT"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = run(buffer.getvalue())
    assert result.rows_total == 2 and reasons(result, 4) == ["unknown_department"]
    assert result.file_format["kind"] == "xlsx"


def test_the_jobs_find_the_employee_import_by_its_path():
    from django.utils.module_loading import import_string

    from people.services import EMPLOYEE_IMPORT

    assert import_string(EMPLOYEE_IMPORT.path) is EMPLOYEE_IMPORT
