"""Import KPI values from a CSV or XLSX file (see ``kpis.imports``).

manage.py import_kpis values.csv            # dry run: print what would change
manage.py import_kpis values.xlsx --commit  # write it, all or nothing

Exits with status 1 when the file or any row has an error (nothing is written then).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kpis.imports import MEASUREMENT_IMPORT


class Command(BaseCommand):
    help = "Import KPI values from a CSV or XLSX file (a dry run unless --commit)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--commit", action="store_true", help="write the values (default: a dry run that writes nothing)")

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        run = MEASUREMENT_IMPORT.from_path(path=path, commit=options["commit"])
        report = MEASUREMENT_IMPORT.spec_class.report_for_display(run.report)
        for text in report["file_errors"]:
            self.stderr.write(f"file: {text}")
        for entry in report["rows"]:
            details = " ".join(entry["reasons"]) or ", ".join(entry["changes"])
            line = f"row {entry['row']} {entry['key'] or '-'}: {entry['status']}" + (f" ({details})" if details else "")
            (self.stderr if entry["status"] == "error" else self.stdout).write(line)
        if report["rows_truncated"]:
            self.stdout.write("(more rows than listed; the counts below cover every row)")
        done = "written" if run.status == run.Status.COMMITTED else "dry run, nothing written"
        self.stdout.write(
            f"{run.rows_total} rows: {run.rows_created} created, {run.rows_updated} updated, "
            f"{run.rows_unchanged} unchanged, {run.rows_error} errors ({done})"
        )
        if run.has_errors:
            raise CommandError("Nothing was written: fix the errors above and run again.", returncode=1)
