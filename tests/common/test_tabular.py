"""The tabular import facility with a tiny spec of its own: heartbeats by name, read from a file.

The spec knows only its columns, one row's check and its writes; everything else (reading,
column checks, reasons, dry run, all-or-nothing, the report, the run's life and its Celery
jobs) is common's, and is what these tests pin down.
"""

import io
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from openpyxl import Workbook

from common import tabular
from common.imports import TabularImport
from common.models import Heartbeat
from common.tabular import ImportSpec, TableRow, reason
from people.models import ImportRun
from tests.people.conftest import eager_celery  # noqa: F401 (runs enqueued jobs inline)

HEADER = "name;seen_at"


@dataclass
class Beat:
    row: int
    name: str
    seen_at: datetime | None
    errors: list = field(default_factory=list)


class HeartbeatSpec(ImportSpec):
    required_columns = ("name", "seen_at")
    optional_columns = ("note",)
    max_lengths = {"name": 50}
    column_help = [("name", "who", "celery"), ("seen_at", "when", "2026-03-01T09:00:00+00:00")]
    template_rows = [["celery", "2026-03-01T09:00:00+00:00", ""]]
    messages = {"invalid_time": _("“%(value)s” is not a time.")}
    key_column = "name"

    def parse_row(self, row: TableRow) -> Beat:
        text = row.cell("seen_at")
        try:
            seen_at = datetime.fromisoformat(text) if text else None
        except ValueError:
            seen_at = None
            row.errors.append(reason("invalid_time", value=text))
        return Beat(row=row.number, name=row.cell("name"), seen_at=seen_at, errors=row.errors)

    def flush(self, batch, writing):
        existing = {b.name: b for b in Heartbeat.objects.filter(name__in=[beat.name for beat in batch])}
        new, changed = [], []
        for beat in batch:
            known = existing.get(beat.name)
            if known is None:
                new.append(Heartbeat(name=beat.name, last_seen=beat.seen_at))
                self.result.record(beat.row, beat.name, "created")
            elif known.last_seen != beat.seen_at:
                known.last_seen = beat.seen_at
                changed.append(known)
                self.result.record(beat.row, beat.name, "updated", changes=["last_seen"])
            else:
                self.result.record(beat.row, beat.name, "unchanged")
        if writing:
            Heartbeat.objects.bulk_create(new)  # a name twice in the file: the database refuses
            Heartbeat.objects.bulk_update(changed, ["last_seen"])


class CreateOnlySpec(HeartbeatSpec):
    """Writes a batch at a time and never compares, so a name seen in an earlier batch collides."""

    batch_size = 1

    def flush(self, batch, writing):
        for beat in batch:
            self.result.record(beat.row, beat.name, "created")
        if writing:
            Heartbeat.objects.bulk_create([Heartbeat(name=beat.name, last_seen=beat.seen_at) for beat in batch])


class BrokenSpec(HeartbeatSpec):
    def flush(self, batch, writing):
        raise RuntimeError("a bug in the spec")


HEARTBEATS = TabularImport(path="tests.common.test_tabular.HEARTBEATS", run_model=ImportRun, spec_class=HeartbeatSpec)
BROKEN = TabularImport(path="tests.common.test_tabular.BROKEN", run_model=ImportRun, spec_class=BrokenSpec)
NOT_AN_IMPORT = object()


def content(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def run(data: bytes, *, commit: bool = False, spec_class=HeartbeatSpec):
    return tabular.run_import_atomically(spec_class(), open_binary=lambda: io.BytesIO(data), commit=commit)


GOOD = ["celery;2026-03-01T09:00:00+00:00", "beat;2026-03-01T09:05:00+00:00"]


def test_a_missing_required_column_is_a_file_error_named_in_the_message(db):
    result = run(content("celery", header="name;note"))
    assert [e["code"] for e in result.file_errors] == ["missing_column"]
    assert "seen_at" in HeartbeatSpec.message_text(result.file_errors[0])
    assert result.rows_total == 0 and result.has_errors


def test_an_empty_file_and_garbage_are_file_errors(db):
    assert [e["code"] for e in run(b"").file_errors] == ["empty_file"]
    assert [e["code"] for e in run(b"PK\x03\x04 no zip at all").file_errors] == ["unreadable"]


def test_a_file_with_only_the_header_is_a_file_error(db):
    for data in (content(), content(";", "")):
        result = run(data, commit=True)
        assert [e["code"] for e in result.file_errors] == ["no_rows"] and result.has_errors and not result.committed
    with override("de"):
        assert HeartbeatSpec.message_text(result.file_errors[0]) == "Die Datei enthält keine Datenzeilen."


def test_a_change_keeps_old_and_new_raw_and_shows_them_in_the_readers_language(db):
    entry_of = tabular.ImportResult(key_name="name")
    entry_of.record(2, "celery", "updated", changes=[("count", 1234, 1250.5), ("on", False, True), "note"])
    entry_of.record(3, "beat", "updated", changes=[("day", datetime(2026, 3, 1).date(), None)])
    assert entry_of.rows[0]["changes"] == ["count", "on", "note"]
    assert entry_of.rows[0]["values"] == {"count": [1234, 1250.5], "on": [False, True]}
    assert entry_of.rows[1]["values"] == {"day": ["2026-03-01", None]}, "JSON: dates as ISO text"
    with override("de"):
        shown = HeartbeatSpec.report_for_display(entry_of.report())["rows"]
        assert shown[0]["changes"] == ["count 1234 → 1250,5", "on nein → ja", "note"]
        assert shown[1]["changes"] == ["day 01.03.2026 → —"]


def test_each_row_error_is_reported_on_its_row_in_the_readers_language(db):
    result = run(content(GOOD[0], ";2026-03-01T09:00:00+00:00", "late;someday", "x" * 51 + ";2026-03-01T09:00:00+00:00"), commit=True)
    assert (result.errors, result.committed) == (3, False)
    assert result.created == 1, "the valid row is still compared: the report says what it would do"
    by_row = {entry["row"]: entry for entry in result.rows}
    assert [r["code"] for r in by_row[3]["reasons"]] == ["missing_value"]
    assert [r["code"] for r in by_row[4]["reasons"]] == ["invalid_time"] and by_row[4]["name"] == "late"
    assert [r["code"] for r in by_row[5]["reasons"]] == ["too_long"]
    assert by_row[2]["status"] == "created"
    shown = HeartbeatSpec.report_for_display(result.report())
    with override("en"):
        assert HeartbeatSpec.message_text(by_row[4]["reasons"][0]) == "“someday” is not a time."
    assert [row["key"] for row in shown["rows"]] == ["celery", "", "late", "x" * 51]
    assert not Heartbeat.objects.exists(), "nothing is written while any row has an error"


def test_german_messages_of_the_generic_reasons(db):
    result = run(content("celery", header="name"))
    with override("de"):
        assert HeartbeatSpec.message_text(result.file_errors[0]).startswith("Die Spalte „seen_at“ fehlt.")


def test_a_dry_run_reports_and_writes_nothing(db):
    result = run(content(*GOOD))
    assert (result.rows_total, result.created, result.errors, result.committed) == (2, 2, 0, False)
    assert [(e["row"], e["name"], e["status"]) for e in result.rows] == [(2, "celery", "created"), (3, "beat", "created")]
    assert result.file_format == {"kind": "csv", "encoding": "utf-8-sig", "delimiter": ";"}
    assert not Heartbeat.objects.exists()


def test_a_commit_writes_every_row_and_the_same_file_again_changes_nothing(db):
    assert run(content(*GOOD), commit=True).committed
    assert set(Heartbeat.objects.values_list("name", flat=True)) == {"celery", "beat"}
    again = run(content(GOOD[0], "beat;2026-03-02T09:05:00+00:00"), commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    assert next(e for e in again.rows if e["status"] == "updated")["changes"] == ["last_seen"]


def test_a_write_the_database_refuses_undoes_every_batch(db):
    result = run(content(*GOOD, "celery;2026-03-01T10:00:00+00:00"), commit=True, spec_class=CreateOnlySpec)
    assert [e["code"] for e in result.file_errors] == ["database_refused"] and not result.committed
    assert not Heartbeat.objects.exists(), "the batches written before the refusal are rolled back too"


def test_xlsx_is_read_like_csv(db):
    workbook = Workbook()
    workbook.active.append(["Name", "Seen at", "Other"])  # headers are normalised; extra columns are ignored
    workbook.active.append(["celery", "2026-03-01T09:00:00+00:00", "x"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = run(buffer.getvalue(), commit=True)
    assert result.committed and result.file_format["kind"] == "xlsx"
    assert Heartbeat.objects.get().name == "celery"


def test_the_report_lists_a_limited_number_of_rows_but_counts_them_all(db, monkeypatch):
    monkeypatch.setattr(tabular, "REPORT_ROW_LIMIT", 2)
    result = run(content(*[f"n{i};2026-03-01T09:00:00+00:00" for i in range(5)]))
    assert result.created == 5 and len(result.rows) == 2 and result.rows_truncated


def test_the_template_imports_cleanly(db):
    assert HeartbeatSpec.template_csv().decode("utf-8-sig").startswith("name;seen_at;note")
    assert run(HeartbeatSpec.template_csv()).created == 1
    assert run(HeartbeatSpec.template_xlsx()).created == 1


@pytest.mark.usefixtures("eager_celery")
def test_a_run_is_checked_and_committed_by_celery_jobs(hr_manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = HEARTBEATS.create(file_name="beats.csv", content=content(*GOOD), user=hr_manager)
    assert created.status == ImportRun.Status.CHECKING, "the upload is only kept; a worker checks it"
    created.refresh_from_db()
    assert (created.status, created.rows_total, created.rows_created, created.has_errors) == (ImportRun.Status.PREVIEWED, 2, 2, False)
    assert not Heartbeat.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        HEARTBEATS.commit_request(run=created, user=hr_manager)
    created.refresh_from_db()
    assert created.status == ImportRun.Status.COMMITTED and created.committed_at and bytes(created.content) == b""
    assert Heartbeat.objects.count() == 2
    with pytest.raises(ValidationError, match="already been committed"):
        HEARTBEATS.commit_request(run=created, user=hr_manager)


@pytest.mark.usefixtures("eager_celery")
def test_a_run_with_errors_cannot_be_committed(hr_manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = HEARTBEATS.create(file_name="beats.csv", content=content("celery;never"), user=hr_manager)
    created.refresh_from_db()
    assert created.status == ImportRun.Status.PREVIEWED and created.rows_error == 1
    with pytest.raises(ValidationError, match="any row has an error"):
        HEARTBEATS.commit_request(run=created, user=hr_manager)
    created.refresh_from_db()
    assert created.status == ImportRun.Status.PREVIEWED


@pytest.mark.usefixtures("eager_celery")
def test_a_job_that_fails_marks_the_run_failed(hr_manager, django_capture_on_commit_callbacks):
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        BROKEN.create(file_name="beats.csv", content=content(*GOOD), user=hr_manager)
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED


def test_a_job_runs_only_what_names_an_import(db):
    from common.tasks import tabular_import_check

    with pytest.raises(TypeError):
        tabular_import_check.run("tests.common.test_tabular.NOT_AN_IMPORT", 1)


def test_the_command_line_run_streams_a_file_and_records_it(db, tmp_path):
    path = tmp_path / "beats.csv"
    path.write_bytes(content(*GOOD))
    dry = HEARTBEATS.from_path(path=path, commit=False)
    assert (dry.source, dry.status, dry.rows_created) == (ImportRun.Source.COMMAND, ImportRun.Status.PREVIEWED, 2)
    committed = HEARTBEATS.from_path(path=path, commit=True)
    assert committed.status == ImportRun.Status.COMMITTED and Heartbeat.objects.count() == 2
