"""Import employees from an HRIS export; used for scheduled syncs.

Prints the dry-run report and exits with status 1 when any row has an error; with --commit it
writes (in one transaction, nothing when any row has an error).
"""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from people.hris_import import FIELD_LABELS, message_text
from people.services import import_run_from_path


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--mark-absent-exited expects a date as YYYY-MM-DD, not {value!r}") from error


class Command(BaseCommand):
    help = "Import employees from a CSV or XLSX HRIS export (dry run unless --commit)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--commit", action="store_true", help="write the changes (default: dry run only)")
        parser.add_argument("--create-missing", action="store_true", help="create unknown departments and locations")
        parser.add_argument(
            "--mark-absent-exited", type=_date, metavar="DATE", help="mark employees missing from the file as exited on DATE"
        )
        parser.add_argument("--quiet-rows", action="store_true", help="print only errors and the summary, not every changed row")

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        run = import_run_from_path(
            path=path,
            commit=options["commit"],
            create_missing=options["create_missing"],
            mark_absent_exited_on=options["mark_absent_exited"],
        )
        report = run.report
        for reason in report.get("file_errors", []):
            self.stderr.write(f"file: {message_text(reason)}")
        for entry in report.get("rows", []):
            if entry["status"] == "error":
                reasons = "; ".join(message_text(r) for r in entry.get("reasons", []))
                self.stderr.write(f"row {entry['row']} ({entry['employee_number'] or '-'}): error: {reasons}")
            elif not options["quiet_rows"] and entry["status"] != "unchanged":
                changes = ", ".join(str(FIELD_LABELS.get(c, c)) for c in entry.get("changes", []))
                self.stdout.write(f"row {entry['row']} ({entry['employee_number']}): {entry['status']}{': ' + changes if changes else ''}")
        if report.get("rows_truncated"):
            self.stdout.write("(more rows than listed; the counts below cover every row)")
        for code in report.get("new_departments", []):
            self.stdout.write(f"new department: {code}")
        for name in report.get("new_locations", []):
            self.stdout.write(f"new location: {name}")
        self.stdout.write(
            f"{run.rows_total} rows: {run.rows_created} created, {run.rows_updated} updated, {run.rows_unchanged} unchanged, "
            f"{run.rows_error} with errors; {run.marked_exited} absent employees marked as exited"
        )
        if run.has_errors:
            self.stderr.write("Nothing was written: fix the errors above and run the import again.")
            raise SystemExit(1)
        self.stdout.write("Committed." if run.status == run.Status.COMMITTED else "Dry run only: nothing was written (use --commit).")
