"""Importing KPI values from a file: an HR manager's absenteeism and revenue figures, checked
row by row in a dry run and written all or nothing, through the shared tabular import."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.translation import override
from openpyxl import Workbook

from kpis import services
from kpis.imports import MEASUREMENT_IMPORT, MeasurementSpec, parse_number
from kpis.models import Alert, Kpi, Measurement, MeasurementImportRun, Scope
from kpis.periods import month
from tests.people.conftest import eager_celery  # noqa: F401 (runs enqueued jobs inline)

pytestmark = pytest.mark.django_db

HEADER = "kpi;period;value;scope;department;location;sample_size"
ABSENTEEISM_AND_REVENUE = [
    "absenteeism-rate;2026-03;4,5;;;;",
    "Fehlzeitenquote;2026-03;6,25;Abteilung;sales;;42",
    "Absenteeism rate;2026-Q1;5;standort;;Headquarters;",
    "revenue;03.2026;1.250.000;;;;",
]


def content(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode("utf-8")


@pytest.fixture
def run_file(tmp_path):
    def run(data: bytes, *, commit: bool = False, name: str = "values.csv") -> MeasurementImportRun:
        path = tmp_path / name
        path.write_bytes(data)
        return MEASUREMENT_IMPORT.from_path(path=path, commit=commit)

    return run


def reasons(run: MeasurementImportRun, row: int) -> list[str]:
    return [r["code"] for entry in run.report["rows"] if entry["row"] == row for r in entry.get("reasons", [])]


def texts(run: MeasurementImportRun, row: int) -> list[str]:
    report = MeasurementSpec.report_for_display(run.report)
    return [text for entry in report["rows"] if entry["row"] == row for text in entry["reasons"]]


def statuses(run: MeasurementImportRun) -> list[str]:
    return [entry["status"] for entry in run.report["rows"]]


def stored(code: str, period: str, **place) -> Measurement:
    return Measurement.objects.get(kpi__code=code, period=period, **({"scope": Scope.COMPANY} | place))


# --- numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("4,5", "4.5"),
        ("4.5", "4.5"),
        ("1.234,5", "1234.5"),
        ("1,234.5", "1234.5"),
        ("1.250.000", "1250000"),
        ("1,250,000.75", "1250000.75"),
        ("1 234,5", "1234.5"),
        ("-3,25", "-3.25"),
        ("4,5 %", "4.5"),
        ("1e-05", "0.00001"),
    ],
)
def test_numbers_in_german_and_english_format(text, number):
    assert parse_number(text) == Decimal(number)


@pytest.mark.parametrize("text", ["abc", "1.23,5", "12.34.5", "1,2.3", "NaN", "4,5,"])
def test_what_is_no_number(text):
    assert parse_number(text) is None


# --- dry run and commit ------------------------------------------------------------------


def test_a_dry_run_reports_and_writes_nothing(run_file, sales, hq):
    run = run_file(content(*ABSENTEEISM_AND_REVENUE))
    assert (run.rows_total, run.rows_created, run.rows_error, run.status) == (4, 4, 0, MeasurementImportRun.Status.PREVIEWED)
    assert [entry["kpi"] for entry in run.report["rows"]] == [
        {"kpi": "absenteeism-rate", "period": "2026-03", "scope": "company"},
        {"kpi": "absenteeism-rate", "period": "2026-03", "scope": "department", "department": "sales"},
        {"kpi": "absenteeism-rate", "period": "2026-Q1", "scope": "location", "location": "Headquarters"},
        {"kpi": "revenue", "period": "2026-03", "scope": "company"},
    ]
    assert not Measurement.objects.filter(kpi__code__in=["absenteeism-rate", "revenue"]).exists()


def test_a_row_is_named_in_the_readers_language(run_file, sales, hq):
    run = run_file(content(*ABSENTEEISM_AND_REVENUE, "nonsense;2026-03;1;;;;"))
    keys = lambda: [entry["key"] for entry in MeasurementSpec.report_for_display(run.report)["rows"]]  # noqa: E731
    with override("en"):
        assert keys() == [
            "absenteeism-rate · 2026-03 · Whole company",
            "absenteeism-rate · 2026-03 · Sales",
            "absenteeism-rate · 2026-Q1 · Headquarters",
            "revenue · 2026-03 · Whole company",
            "nonsense",
        ]
    with override("de"):
        assert keys()[:2] == ["absenteeism-rate · 2026-03 · Gesamtes Unternehmen", "absenteeism-rate · 2026-03 · Vertrieb"]


def test_a_commit_writes_every_row_as_imported(run_file, sales, hq):
    run = run_file(content(*ABSENTEEISM_AND_REVENUE), commit=True)
    assert run.status == MeasurementImportRun.Status.COMMITTED and run.rows_created == 4
    company = stored("absenteeism-rate", "2026-03")
    assert (company.value, company.origin, company.import_run, company.period_start) == (
        Decimal("4.5"),
        Measurement.Origin.IMPORTED,
        run,
        date(2026, 3, 1),
    )
    in_sales = stored("absenteeism-rate", "2026-03", scope=Scope.DEPARTMENT, department=sales)
    assert (in_sales.value, in_sales.sample_size) == (Decimal("6.25"), 42)
    quarter = stored("absenteeism-rate", "2026-Q1", scope=Scope.LOCATION, location=hq)
    assert (quarter.value, quarter.period_end) == (Decimal("5"), date(2026, 3, 31))
    assert stored("revenue", "2026-03").value == Decimal("1250000")


def test_one_bad_row_writes_nothing_and_says_why_in_english_and_german(run_file, sales):
    run = run_file(
        content("absenteeism-rate;2026-03;4,5;;;;", "absenteeism-rate;2026-04;;;;;", "revenue;2026-03;12;;nowhere;;"), commit=True
    )
    assert run.status != MeasurementImportRun.Status.COMMITTED and run.rows_error == 2
    assert not Measurement.objects.filter(kpi__code__in=["absenteeism-rate", "revenue"]).exists()
    assert reasons(run, 3) == ["missing_value"]
    assert reasons(run, 4) == ["unknown_department"]
    assert texts(run, 3) == ["value is empty."]
    assert texts(run, 4) == ["There is no department with the code “nowhere”."]
    with override("de"):
        assert texts(run, 3) == ["value ist leer."]
        assert "nowhere" in texts(run, 4)[0]


def test_every_kind_of_bad_row_is_named(run_file, sales, hq):
    run = run_file(
        content(
            "headcount-per-moon;2026-03;1;;;;",
            "absenteeism-rate;March;1;;;;",
            "absenteeism-rate;2026-03;1;region;;;",
            "cost-per-hire;2026-03;1;location;;Headquarters;",
            "absenteeism-rate;2026-03;1;department;;;",
            "absenteeism-rate;2026-03;1;;;Atlantis;",
            "absenteeism-rate;2026-03;viel;;;;",
            "absenteeism-rate;2026-03;120;;;;",
            "absenteeism-rate;2026-03;1;company;sales;;",
            "absenteeism-rate;2026-03;1;;;;-2",
        )
    )
    assert {row: reasons(run, row) for row in range(2, 12)} == {
        2: ["unknown_kpi"],
        3: ["unknown_period"],
        4: ["unknown_scope"],
        5: ["no_location_values"],
        6: ["missing_department"],
        7: ["unknown_location"],
        8: ["invalid_number"],
        9: ["percent_out_of_range"],
        10: ["place_not_in_scope"],
        11: ["invalid_sample_size"],
    }


def test_the_same_kpi_period_and_scope_twice_names_the_first_row(run_file, sales):
    run = run_file(content("absenteeism-rate;2026-03;4,5;;;;", "absenteeism-rate;03.2026;4,7;company;;;"))
    assert reasons(run, 3) == ["duplicate"]
    assert texts(run, 3) == ["The same KPI, period and scope are already in row 2."]


def test_a_computed_kpi_is_refused(run_file):
    run = run_file(content("engagement-index;2026-03;70;;;;", "Revenue per employee;2026-03;100;;;;"), commit=True)
    assert reasons(run, 2) == reasons(run, 3) == ["computed_kpi"]
    assert texts(run, 2) == ["The values of “engagement-index” are computed by the portal and cannot be imported."]
    assert not Measurement.objects.exists()


def test_the_same_file_twice_is_unchanged_the_second_time(run_file, sales, hq):
    run_file(content(*ABSENTEEISM_AND_REVENUE), commit=True)
    again = run_file(content(*ABSENTEEISM_AND_REVENUE), commit=True)
    assert (again.rows_created, again.rows_updated, again.rows_unchanged) == (0, 0, 4)
    assert set(statuses(again)) == {"unchanged"}


def test_a_changed_value_is_updated_and_replaces_a_computed_one(run_file, hr_manager):
    services.measurement_enter(
        kpi=Kpi.objects.get(code="absenteeism-rate"), period=month(2026, 3), scope=Scope.COMPANY, value=Decimal("4.5"), actor=hr_manager
    )
    Measurement.objects.filter(kpi__code="absenteeism-rate").update(origin=Measurement.Origin.COMPUTED)
    run = run_file(content("absenteeism-rate;2026-03;4,5;;;;", "absenteeism-rate;2026-04;3,9;;;;"), commit=True)
    assert (run.rows_created, run.rows_updated) == (1, 1)
    assert run.report["rows"][0]["changes"] == ["origin"]
    assert stored("absenteeism-rate", "2026-03").origin == Measurement.Origin.IMPORTED
    rerun = run_file(content("absenteeism-rate;2026-03;4,6;;;;"), commit=True)
    assert rerun.report["rows"][0]["changes"] == ["value"]
    assert stored("absenteeism-rate", "2026-03").value == Decimal("4.6")


def test_an_updated_value_shows_old_and_new_in_the_readers_locale(run_file):
    run_file(content("revenue;2026-03;1.250.000;;;;", "absenteeism-rate;2026-03;4,36;;;;"), commit=True)
    rerun = run_file(content("revenue;2026-03;1.500.000,5;;;;", "absenteeism-rate;2026-03;4,6;;;;"))
    assert rerun.report["rows"][1]["values"] == {"value": ["4.3600", "4.6000"]}, "raw numbers, formatted only for display"
    changes = lambda: [entry["changes"] for entry in MeasurementSpec.report_for_display(rerun.report)["rows"]]  # noqa: E731
    with override("en"):
        assert changes() == [["value 1,250,000 → 1,500,000.5"], ["value 4.36 → 4.6"]]
    with override("de"):
        assert changes() == [["Wert 1.250.000 → 1.500.000,5"], ["Wert 4,36 → 4,6"]]


def test_a_file_with_only_the_header_is_a_file_error(run_file):
    run = run_file(content(), commit=True)
    assert run.status != MeasurementImportRun.Status.COMMITTED and run.has_errors
    assert MeasurementSpec.report_for_display(run.report)["file_errors"] == ["The file has no data rows."]


def test_an_xlsx_file_is_read_like_csv(run_file, sales):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["KPI", "Period", "Value", "Scope", "Department"])
    sheet.append(["absenteeism-rate", date(2026, 3, 1), 4.5, "department", "sales"])
    sheet.append(["revenue", "2026-Q1", 3750000, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    run = run_file(buffer.getvalue(), commit=True, name="values.xlsx")
    assert run.report["file_format"]["kind"] == "xlsx" and run.rows_created == 2
    assert stored("absenteeism-rate", "2026-03", scope=Scope.DEPARTMENT, department=sales).value == Decimal("4.5")
    assert stored("revenue", "2026-Q1").value == Decimal("3750000")


def test_the_templates_import_as_they_are(run_file, sales):
    for name, data in (("t.csv", MeasurementSpec.template_csv()), ("t.xlsx", MeasurementSpec.template_xlsx())):
        run = run_file(data, name=name)
        assert (run.rows_created, run.rows_error) == (2, 0), run.report
    assert "absenteeism-rate;2026-03;4,5;department;sales;;42" in MeasurementSpec.template_csv().decode("utf-8-sig")


def test_the_xlsx_template_keeps_numbers_as_numbers_on_a_neutral_sheet():
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(MeasurementSpec.template_xlsx())).worksheets[0]
    assert sheet.title == "import"
    assert [sheet["C2"].value, sheet["G2"].value, sheet["C3"].value] == [4.5, 42, 1250000]
    assert sheet["C2"].data_type == "n" and sheet["A2"].data_type == "s"


# --- what follows a commit -----------------------------------------------------------------


def test_imported_revenue_recomputes_revenue_per_employee(run_file):
    headcount = services.Value("headcount", month(2026, 3), Scope.COMPANY, None, None, Decimal("250"))
    services.store_computed([headcount])
    run_file(content("revenue;2026-03;1.250.000;;;;"), commit=True)
    assert stored("revenue-per-employee", "2026-03").value == Decimal("5000")
    run_file(content("revenue;2026-03;1.500.000;;;;"), commit=True)
    assert stored("revenue-per-employee", "2026-03").value == Decimal("6000")


def test_a_missed_target_raises_an_alert(run_file, hr_manager):
    kpi = Kpi.objects.get(code="absenteeism-rate")
    services.target_set(kpi=kpi, scope=Scope.COMPANY, value=Decimal("4.0"), due_date=date(2026, 2, 28), actor=hr_manager)
    run_file(content("absenteeism-rate;2026-03;5,5;;;;"))
    assert not Alert.objects.exists(), "a dry run raises nothing"
    run_file(content("absenteeism-rate;2026-03;5,5;;;;"), commit=True)
    alert = Alert.objects.get()
    assert (alert.kind, alert.period, alert.value, alert.compared_with) == (
        Alert.Kind.MISSED_TARGET,
        "2026-03",
        Decimal("5.5"),
        Decimal("4.0"),
    )


# --- the command ---------------------------------------------------------------------------


def test_the_command_runs_dry_unless_told_to_commit(tmp_path, capsys):
    path = tmp_path / "values.csv"
    path.write_bytes(content("absenteeism-rate;2026-03;4,5;;;;"))
    call_command("import_kpis", str(path))
    assert "1 created" in capsys.readouterr().out and not Measurement.objects.exists()
    call_command("import_kpis", str(path), "--commit")
    assert stored("absenteeism-rate", "2026-03").value == Decimal("4.5")
    path.write_bytes(content("absenteeism-rate;2026-13;4,5;;;;"))
    with pytest.raises(CommandError):
        call_command("import_kpis", str(path), "--commit")
    assert "2026-13" in capsys.readouterr().err


# --- the pages -----------------------------------------------------------------------------


@pytest.mark.usefixtures("eager_celery")
def test_an_hr_manager_uploads_checks_and_commits(client, hr_manager, sales, hq, django_capture_on_commit_callbacks):
    client.force_login(hr_manager)
    start = client.get(reverse("kpis:import_start"))
    assert start.status_code == 200 and "absenteeism-rate" in start.content.decode()
    upload = SimpleUploadedFile("values.csv", content(*ABSENTEEISM_AND_REVENUE, "revenue;2026-04;1,5 Mio;;;;"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("kpis:import_start"), {"file": upload})
    run = MeasurementImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("kpis:import_run_detail", args=[run.pk])
    report = client.get(response["Location"]).content.decode()
    assert "“1,5 Mio” is not a number." in report and "Commit the import" not in report

    upload = SimpleUploadedFile("values.csv", content(*ABSENTEEISM_AND_REVENUE))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("kpis:import_start"), {"file": upload})
    report = client.get(response["Location"]).content.decode()
    assert "Commit the import" in report and "absenteeism-rate · 2026-03 · Sales" in report
    assert not Measurement.objects.filter(kpi__code="revenue").exists()
    good = MeasurementImportRun.objects.order_by("-pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        committed = client.post(reverse("kpis:import_run_commit", args=[good.pk]))
    assert committed.status_code == 302
    good.refresh_from_db()
    assert good.status == MeasurementImportRun.Status.COMMITTED and good.created_by == hr_manager
    assert stored("revenue", "2026-03").entered_by == hr_manager
    assert "Committed" in client.get(reverse("kpis:import_run_detail", args=[good.pk])).content.decode()


def test_the_run_page_polls_while_a_worker_checks(client, hr_manager):
    run = MEASUREMENT_IMPORT.create(file_name="values.csv", content=content("revenue;2026-03;1;;;;"), user=hr_manager)
    client.force_login(hr_manager)
    html = client.get(reverse("kpis:import_run_detail", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in html and "Checking the file" in html


def test_a_run_waiting_long_for_a_worker_says_so(client, hr_manager):
    run = MEASUREMENT_IMPORT.create(file_name="values.csv", content=content("revenue;2026-03;1;;;;"), user=hr_manager)
    client.force_login(hr_manager)
    url = reverse("kpis:import_run_detail", args=[run.pk])
    assert "Still waiting for the background worker" not in client.get(url).content.decode()
    MeasurementImportRun.objects.filter(pk=run.pk).update(modified=run.modified - timedelta(seconds=90))
    html = client.get(url).content.decode()
    assert "Still waiting for the background worker" in html and 'hx-trigger="every 2s"' in html, "a hint, and it keeps polling"
    assert 'id="import-failed"' not in html


@pytest.mark.usefixtures("eager_celery")
def test_a_file_without_rows_offers_no_commit_and_counts_its_error(client, hr_manager, django_capture_on_commit_callbacks):
    client.force_login(hr_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("kpis:import_start"), {"file": SimpleUploadedFile("values.csv", content())})
    html = client.get(response["Location"]).content.decode()
    assert "The file has no data rows." in html and "Commit the import" not in html
    assert "1 file error" in html and "0 errors" not in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("kpis:import_start"), {"file": SimpleUploadedFile("values.txt", b"name;amount\nx;1\n")})
    html = client.get(response["Location"]).content.decode()
    assert "The column “kpi” is missing." in html and "3 file errors" in html and "0 errors" not in html


def test_an_upload_that_is_no_table_file_is_refused(client, hr_manager):
    client.force_login(hr_manager)
    response = client.post(reverse("kpis:import_start"), {"file": SimpleUploadedFile("values.pdf", b"%PDF")})
    assert response.status_code == 200 and not MeasurementImportRun.objects.exists()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_templates_download(client, hr_manager, kind):
    client.force_login(hr_manager)
    response = client.get(reverse("kpis:import_template", args=[kind]))
    assert response.status_code == 200 and f"kpi-values-template.{kind}" in response["Content-Disposition"]


def test_only_hr_managers_import(client, hr_manager, executive, employee):
    run = MEASUREMENT_IMPORT.create(file_name="values.csv", content=content("revenue;2026-03;1;;;;"), user=hr_manager)
    urls = [
        reverse("kpis:import_start"),
        reverse("kpis:import_template", args=["csv"]),
        reverse("kpis:import_run_detail", args=[run.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302, "anonymous visitors are sent to the login page"
    for user in (employee, executive):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [403, 403, 403]
        assert client.post(reverse("kpis:import_run_commit", args=[run.pk])).status_code == 403
    catalogue = client.get(reverse("kpis:catalogue")).content.decode()
    assert reverse("kpis:import_start") not in catalogue, "the executive sees neither the link nor the menu entry"
    client.force_login(hr_manager)
    catalogue = client.get(reverse("kpis:catalogue")).content.decode()
    assert 'id="kpi-import"' in catalogue and "Import KPI values" in catalogue
