"""Run the nightly KPI job by hand and print what it wrote.

manage.py compute_kpis                       # as the nightly job
manage.py compute_kpis --period 2026-03      # only these months or quarters' months
manage.py compute_kpis --kpi turnover-rate   # only these KPIs
manage.py compute_kpis --correlations        # also the weekly correlation
"""

from django.core.management.base import BaseCommand, CommandError

from kpis import periods, services
from kpis.models import Kpi


class Command(BaseCommand):
    help = "Compute every survey, HR, customer-feedback, derived and phase KPI that changed, then alerts and KPI exit criteria."

    def add_arguments(self, parser):
        parser.add_argument("--period", action="append", default=[], help="a month (2026-03) or quarter (2026-Q1); repeatable")
        parser.add_argument("--kpi", action="append", default=[], help="a KPI code, e.g. turnover-rate; repeatable")
        parser.add_argument("--all-waves", action="store_true", help="recompute the KPIs of every closed wave, not only changed ones")
        parser.add_argument("--correlations", action="store_true", help="also compute the weekly correlation")

    def handle(self, *args, **options):
        months = None
        if options["period"]:
            months = []
            for text in options["period"]:
                period = periods.parse(text)
                if period is None:
                    raise CommandError(f"“{text}” is not a month (2026-03) or quarter (2026-Q1).")
                months += periods.months_between(period.start, period.end)
        codes = set(options["kpi"]) or None
        if codes:
            unknown = codes - set(Kpi.objects.filter(code__in=codes).values_list("code", flat=True))
            if unknown:
                raise CommandError(f"Unknown KPI code(s): {', '.join(sorted(unknown))}. See the KPI catalogue for codes.")
        report = services.compute_kpis(months=months, kpi_codes=codes, all_waves=options["all_waves"])
        for name, written in report.items():
            self.stdout.write(f"{name}: {written}")
        if options["correlations"]:
            self.stdout.write(f"correlations: {services.correlations_compute()} changed")
