"""KPI tiles for the dashboards and the board report: per family, each KPI's latest value in a
scope, its baseline, target, status, the goal it measures and a short trend (a fixed number of
queries for any number of KPIs and periods)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from kpis.models import Baseline, Category, Kpi, Measurement, Scope, Target
from kpis.selectors import STATUS_LABELS, target_status

TREND_POINTS = 12


@dataclass
class Tile:
    kpi: Kpi
    latest: Measurement | None
    baseline: Baseline | None
    target: Target | None
    trend: list[float] = field(default_factory=list)  # oldest first

    @property
    def status(self) -> str | None:
        return target_status(self.kpi, self.latest, self.target)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, ""))

    @property
    def goal(self):
        return self.target.goal if self.target is not None else None


@dataclass
class TileFamily:
    category: str
    label: str
    tiles: list[Tile]


def tiles(*, department=None, start: date | None = None, end: date | None = None, goal_program=None) -> list[TileFamily]:
    """Tiles of every KPI that has a value in the scope (the company, or one department), within
    the period when given; with ``goal_program`` only KPIs whose target measures one of that
    program's goals. Four queries."""
    where = Q(scope=Scope.DEPARTMENT, department=department) if department is not None else Q(scope=Scope.COMPANY)
    values = Measurement.objects.filter(where)
    if start is not None:
        values = values.filter(period_end__gte=start)
    if end is not None:
        values = values.filter(period_end__lte=end)
    history: dict[int, list[Measurement]] = {}
    for m in (
        values.select_related("wave")
        .order_by("kpi_id", "period_end", "computed_at")
        .only("kpi_id", "value", "period", "period_end", "period_start", "computed_at", "wave__title", "sample_size", "origin")
    ):
        history.setdefault(m.kpi_id, []).append(m)
    baselines = {b.kpi_id: b for b in Baseline.objects.filter(where)}
    targets = {t.kpi_id: t for t in Target.objects.filter(where).select_related("goal__program")}
    kpis = [k for k in Kpi.objects.all() if k.pk in history]
    if goal_program is not None:
        kpis = [k for k in kpis if k.pk in targets and targets[k.pk].goal is not None and targets[k.pk].goal.program_id == goal_program.pk]
    families = []
    for category, label in Category.choices:
        found = [
            Tile(
                kpi=k,
                latest=history[k.pk][-1],
                baseline=baselines.get(k.pk),
                target=targets.get(k.pk),
                trend=[float(m.value) for m in history[k.pk][-TREND_POINTS:]],
            )
            for k in kpis
            if k.category == category
        ]
        if found:
            families.append(TileFamily(category=category, label=str(label), tiles=found))
    return families
