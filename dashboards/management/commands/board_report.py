import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dashboards import selectors
from dashboards.report import LANGUAGES, board_report_pdf


class Command(BaseCommand):
    help = "Write the board report (the executive dashboard as a PDF) in German or English."

    def add_arguments(self, parser):
        parser.add_argument("--language", choices=LANGUAGES, default="de")
        parser.add_argument("--output", required=True, help="the PDF file to write")
        parser.add_argument("--program", help="id of an active program")
        parser.add_argument("--period", help="a month (2026-03) or a quarter (2026-Q3)")
        parser.add_argument("--department", help="id of a department")

    def handle(self, *args, **options):
        filters = selectors.filters_from({key: options[key] or "" for key in ("program", "period", "department")})
        if filters.errors:
            raise CommandError(" ".join(str(e) for e in filters.errors))
        started = time.monotonic()
        pdf = board_report_pdf(filters=filters, language=options["language"])
        Path(options["output"]).write_bytes(pdf)
        self.stdout.write(f"{options['output']}: {len(pdf) // 1024} KiB in {time.monotonic() - started:.1f} s")
