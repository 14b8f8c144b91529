"""Demo KPIs: the survey, HR and feedback KPIs computed from the demo company exactly as the
nightly job does, plus 12 months of imported history (absenteeism, revenue, platform usage,
customer satisfaction and NPS per department) in which customer satisfaction follows the
department's engagement in the customer-facing departments and not in the others. Then
baselines, targets (one already missed, so an alert is raised), a goal measured by a KPI, a KPI
exit criterion, the program's pre/post waves, the weekly correlation and the driver lists.

Deterministic (fixed seed) and idempotent (skips when its imported history is present).
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from kpis import periods, services
from kpis.models import Kpi, Measurement, PhaseGate, ProgramMeasurement, Scope
from people.models import Department
from programs.models import Goal, Phase, Program
from surveys.models import Wave

MONTHS = 12
RELATED = {"sales", "field-sales", "service", "marketing"}  # customer satisfaction follows engagement here
ABSENTEEISM = {"production": 7.5, "logistics": 8.2, "service": 5.1}  # percent; 4.5 elsewhere
REVENUE = {"sales": 1_400_000, "field-sales": 900_000, "service": 350_000, "marketing": 120_000}  # euro per month


def seed(stdout) -> None:
    if Measurement.objects.filter(kpi__code="absenteeism-rate", origin=Measurement.Origin.IMPORTED).exists():
        stdout.write("kpis: demo data already present")
        return
    rng = random.Random(2026)
    today = timezone.localdate()
    months = services.default_months(today)[-MONTHS:]
    complete = [p for p in months if p.end < today]
    hr = get_user_model().objects.filter(username="hr.manager").first()

    services.compute_kpis(months=months, all_waves=True)
    departments = {d.code: d for d in Department.objects.all()}
    engagement = _monthly_engagement()
    kpis = {k.code: k for k in Kpi.objects.all()}
    rows = []

    def imported(code, period, department, value, sample_size=None):
        rows.append(
            Measurement(
                kpi=kpis[code],
                period=period.key,
                period_start=period.start,
                period_end=period.end,
                scope=Scope.DEPARTMENT if department else Scope.COMPANY,
                department=department,
                value=Decimal(str(round(value, 2))),
                sample_size=sample_size,
                origin=Measurement.Origin.IMPORTED,
            )
        )

    for index, period in enumerate(complete):
        season = 1.0 if period.start.month in (1, 2, 12) else 0.0
        for code, department in departments.items():
            base = ABSENTEEISM.get(code, 4.5)
            imported("absenteeism-rate", period, department, max(0.5, base + season - 0.08 * index + rng.gauss(0, 0.4)))
            imported("platform-usage", period, department, min(100, 48 + 2.5 * index + rng.gauss(0, 4)))
            if code in REVENUE:
                imported("revenue", period, department, REVENUE[code] * (1 + 0.01 * index + rng.gauss(0, 0.03)))
            own = engagement.get((department.pk, period.start))
            if code in RELATED and own is not None:
                satisfaction = 20 + 0.85 * own + rng.gauss(0, 3)  # follows engagement
            elif code in RELATED or code in {"logistics", "production", "it", "finance"}:
                satisfaction = 70 + rng.gauss(0, 7)  # unrelated: noise around a level
            else:
                continue
            satisfaction = max(5, min(99, satisfaction))
            imported("customer-satisfaction", period, department, satisfaction, sample_size=rng.randint(40, 160))
            imported("customer-nps", period, department, max(-100, min(100, 2.1 * satisfaction - 130 + rng.gauss(0, 6))))
        imported("revenue", period, None, sum(REVENUE.values()) * (1 + 0.01 * index))
        imported("absenteeism-rate", period, None, 5.0 + season - 0.08 * index)
        imported("platform-usage", period, None, min(100, 50 + 2.5 * index))
    Measurement.objects.bulk_create(rows, ignore_conflicts=True)
    services.store_computed(services.derived_values(months=months))

    _plan(kpis, hr, today)
    services.compute_kpis(months=months)
    services.correlations_compute()
    stdout.write(f"kpis: {Measurement.objects.count()} measurements over {len(months)} months, baselines, targets and alerts")


def _monthly_engagement() -> dict:
    """Department x month means of the computed engagement index (waves by closing month)."""
    values: dict = {}
    for department_id, period_end, value in Measurement.objects.filter(kpi__code="engagement-index", scope=Scope.DEPARTMENT).values_list(
        "department_id", "period_end", "value"
    ):
        values.setdefault((department_id, periods.month_of(period_end).start), []).append(float(value))
    return {key: sum(v) / len(v) for key, v in values.items()}


def _plan(kpis, hr, today) -> None:
    waves = list(Wave.objects.filter(status=Wave.Status.CLOSED, template__name="Weekly pulse").order_by("closes_on"))
    first = waves[0] if waves else None
    engagement = kpis["engagement-index"]
    engagement.owner = hr
    engagement.tolerance = Decimal("8")
    engagement.save()
    absenteeism = kpis["absenteeism-rate"]
    absenteeism.owner = hr
    absenteeism.save()
    program = Program.objects.filter(status=Program.Status.ACTIVE).order_by("pk").first()
    goal = Goal.objects.filter(program=program, kind=Goal.Kind.GENERAL).first() if program else None
    if first is not None and Measurement.objects.filter(kpi=engagement, wave=first, scope=Scope.COMPANY).exists():
        services.baseline_set(kpi=engagement, scope=Scope.COMPANY, from_wave=first, note="First weekly pulse", actor=hr)
    services.target_set(kpi=engagement, scope=Scope.COMPANY, value=75, due_date=today + timedelta(days=240), goal=goal, actor=hr)
    services.baseline_set(kpi=absenteeism, scope=Scope.COMPANY, value=Decimal("5.6"), note="Average of last year", actor=hr)
    # The target date has passed and the latest month is above it: the demo shows an alert.
    services.target_set(kpi=absenteeism, scope=Scope.COMPANY, value=Decimal("4.0"), due_date=today - timedelta(days=60), actor=hr)
    services.target_set(kpi=kpis["customer-satisfaction"], scope=Scope.COMPANY, value=80, due_date=today + timedelta(days=240), actor=hr)
    if program is not None:
        phase = Phase.objects.filter(program=program, number=Phase.Number.COMMUNICATION).first()
        if phase is not None:
            PhaseGate.objects.get_or_create(
                phase=phase, kpi=kpis["participation-rate"], scope=Scope.COMPANY, defaults={"threshold": Decimal("70")}
            )
        if len(waves) >= 2:
            ProgramMeasurement.objects.get_or_create(program=program, defaults={"pre_wave": waves[0], "post_wave": waves[-1]})
    # Imported values raise their alerts like the import does.
    missed = list(Measurement.objects.filter(kpi=absenteeism, scope=Scope.COMPANY).order_by("-period_end")[:1])
    services.alerts_raise(measurements=missed)
