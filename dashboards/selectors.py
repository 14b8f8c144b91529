"""What the dashboards and the board report show, composed from the other apps' selectors.

The dashboards app owns no business tables. Every survey figure comes from ``surveys.figures``
(the disclosure-control layer), every KPI from ``kpis``; a filter never reaches a figure the
layer has not published: a department it hides shows the layer's reason instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from kpis import periods
from kpis import selectors as kpi_selectors
from kpis.models import Correlation, Driver, ProgramMeasurement
from kpis.periods import Period
from kpis.tiles import TileFamily, tiles
from people.models import Department
from programs.models import Program
from programs.selectors import PhaseStatus, ProgramRow, dashboard_programs
from surveys import figures
from surveys.models import Dimension, SurveyTemplate, Wave

TREND_WAVES = 26


@dataclass
class Filters:
    program: Program | None = None
    period: Period | None = None
    department: Department | None = None
    errors: list[str] = field(default_factory=list)
    program_has_waves: bool = False  # waves serve the program: only those are shown

    @property
    def any(self) -> bool:
        return bool(self.program or self.period or self.department)

    def query(self) -> dict:
        out = {}
        if self.program:
            out["program"] = self.program.pk
        if self.period:
            out["period"] = self.period.key
        if self.department:
            out["department"] = self.department.pk
        return out


def filters_from(params) -> Filters:
    """Filters from a query string; what cannot be understood is reported, not guessed."""
    filters = Filters()
    program = (params.get("program") or "").strip()
    if program:
        filters.program = (
            Program.objects.exclude(status=Program.Status.ARCHIVED).filter(pk=int(program)).first() if program.isdigit() else None
        )
        if filters.program is None:
            filters.errors.append(_("That program does not exist or is archived."))
        else:
            filters.program_has_waves = Wave.objects.filter(program=filters.program).exists()
    period = (params.get("period") or "").strip()
    if period:
        filters.period = periods.parse(period)
        if filters.period is None:
            filters.errors.append(_("“%(value)s” is not a month (2026-03) or a quarter (2026-Q1).") % {"value": period})
    department = (params.get("department") or "").strip()
    if department:
        filters.department = Department.objects.filter(pk=int(department)).first() if department.isdigit() else None
        if filters.department is None:
            filters.errors.append(_("That department does not exist."))
    return filters


@dataclass
class ProgramCard:
    row: ProgramRow
    phases: list[PhaseStatus]
    prepost: dict  # the program's pre/post summary ({} when it has none)


@dataclass
class LatestWave:
    wave: Wave
    results: figures.WaveResults
    rows: list[dict]  # heatmap rows shown (one department when filtered)
    notice: str = ""  # why a filtered department is not shown
    hidden: list[tuple[str, str]] = field(default_factory=list)  # (group, why its "–" cells are hidden)


@dataclass
class Scatter:
    correlation: Correlation
    reading: str
    points: list[dict]


@dataclass
class ExecutiveOverview:
    filters: Filters
    programs: list[ProgramCard]
    kpis: list[TileFamily]
    trend: list[figures.WaveScores]
    latest: LatestWave | None
    internal: dict | None
    internal_wave: Wave | None
    scatter: Scatter | None
    drivers: list[Driver]
    drivers_wave: Wave | None
    generated_on: date = field(default_factory=timezone.localdate)


def _closed_waves(filters: Filters, kind: str):
    waves = Wave.objects.filter(status=Wave.Status.CLOSED, results_batch__gt=0, template__kind=kind).select_related("template")
    if filters.program and filters.program_has_waves:
        waves = waves.filter(program=filters.program)
    if filters.period:
        waves = waves.filter(closes_on__gte=filters.period.start, closes_on__lte=filters.period.end)
    return waves.order_by("-closes_on", "-pk")


def _latest_wave(filters: Filters) -> LatestWave | None:
    wave = _closed_waves(filters, SurveyTemplate.Kind.PULSE).first()
    if wave is None:
        return None
    results = figures.wave_results(wave=wave, dimension=Dimension.DEPARTMENT)
    rows = results.heatmap_rows
    notice = ""
    if filters.department:
        group = next((g for g in results.groups if g.key == str(filters.department.pk)), None)
        if group is None:
            notice = _(
                "%(department)s is not shown: it has fewer people than the smallest group that may be shown, so its answers "
                "count only in the whole company."
            ) % {"department": filters.department.name}
            rows = []
        elif group.reason:
            notice = _("%(department)s is not shown: %(reason)s.") % {"department": filters.department.name, "reason": group.reason_label}
            rows = []
        else:
            rows = [r for r in rows if r["group"].key == group.key]
    hidden = {}
    for row in rows:
        for cell in [row["engagement"], *(c for c, _style in row["cells"])]:
            if cell.hidden:
                hidden.setdefault(row["group"].label, cell.reason_label)
    return LatestWave(wave=wave, results=results, rows=rows, notice=notice, hidden=list(hidden.items()))


def _scatter() -> Scatter | None:
    found = kpi_selectors.correlation(x="engagement-index", y="customer-satisfaction", lag=0)
    if found is None:
        return None
    points = [{"department": p.department, "month": p.period, "x": p.x, "y": p.y} for p in found.points]
    return Scatter(correlation=found.row, reading=found.reading, points=points)


def executive_overview(*, filters: Filters | None = None, waves: bool = True) -> ExecutiveOverview:
    """Everything the executive dashboard and the board report show, within the filters. With
    ``waves=False`` the latest wave's heatmap and the internal-service matrix are left out (the
    page loads them as sections of their own, so each request stays at a few queries)."""
    filters = filters or Filters()
    rows = dashboard_programs(program_id=filters.program.pk if filters.program else None)
    # The kpis app stores each program's pre/post summary; one query for all of them.
    summaries = dict(ProgramMeasurement.objects.filter(program__in=[r.program for r, _p in rows]).values_list("program_id", "summary"))
    programs = [ProgramCard(row=row, phases=phases, prepost=summaries.get(row.program.pk) or {}) for row, phases in rows]
    families = tiles(
        department=filters.department,
        start=filters.period.start if filters.period else None,
        end=filters.period.end if filters.period else None,
        goal_program=filters.program,
    )
    trend_waves = list(_closed_waves(filters, SurveyTemplate.Kind.PULSE)[:TREND_WAVES])[::-1]
    internal_wave = _closed_waves(filters, SurveyTemplate.Kind.INTERNAL_CUSTOMER).first()
    # The drivers of the latest pulse that has them, with their wave, in one query.
    drivers_wave_id = _closed_waves(filters, SurveyTemplate.Kind.PULSE).filter(pk__in=Driver.objects.values("wave_id")).values("pk")[:1]
    drivers = list(Driver.objects.filter(wave=Subquery(drivers_wave_id)).select_related("question", "wave__template").order_by("rank")[:5])
    return ExecutiveOverview(
        filters=filters,
        programs=programs,
        kpis=families,
        trend=figures.wave_scores(waves=trend_waves),
        latest=_latest_wave(filters) if waves else None,
        internal=figures.internal_customer_results(wave=internal_wave) if internal_wave and waves else None,
        internal_wave=internal_wave,
        scatter=_scatter(),
        drivers=drivers,
        drivers_wave=drivers[0].wave if drivers else None,
    )


def department_choices() -> list[Department]:
    return sorted(Department.objects.all(), key=lambda d: d.name.lower())


def program_choices() -> list[Program]:
    return list(Program.objects.exclude(status=Program.Status.ARCHIVED).order_by("name"))


# --- the HR cockpit --------------------------------------------------------------------


@dataclass
class OpenWave:
    wave: Wave
    participation: dict  # as published: invited, answered, rate, as_of


def hr_cockpit(*, user) -> dict:
    """The HR manager's home: my programs with next and overdue activities, waves open now
    (participation as published), waves opening soon, new ideas, KPI alerts."""
    from kpis.models import Alert
    from programs.selectors import activities_due, programs_for_owner
    from surveys.models import Idea

    today = timezone.localdate()
    open_waves = list(Wave.objects.filter(status=Wave.Status.OPEN).select_related("template").order_by("closes_on", "pk")[:10])
    soon = list(
        Wave.objects.filter(status=Wave.Status.DRAFT, opens_on__gte=today, opens_on__lte=today + timedelta(days=14))
        .select_related("template")
        .order_by("opens_on", "pk")[:10]
    )
    return {
        "programs": programs_for_owner(user=user),
        "activities": activities_due(user=user),
        "open_waves": [OpenWave(wave=w, participation=figures.participation_total(wave=w)) for w in open_waves],
        "soon": soon,
        "new_ideas": list(Idea.objects.filter(status=Idea.Status.NEW).order_by("-submitted_on", "-pk")[:5]),
        "new_ideas_count": Idea.objects.filter(status=Idea.Status.NEW).count(),
        "alerts": list(Alert.objects.filter(seen_at__isnull=True).select_related("kpi", "department", "location").order_by("-created")[:5]),
    }


# --- the employee home -----------------------------------------------------------------


def employee_home(*, user) -> dict:
    """My open surveys are read by the view; here: ideas (mine and everyone's), what happened
    with our feedback since the last wave, and the threshold to explain anonymity."""
    from surveys.anonymity import group_sizes
    from surveys.models import Idea

    last = Wave.objects.filter(status=Wave.Status.CLOSED).order_by("-closes_on").first()
    since = last.opens_on if last else None
    taken_up = Idea.objects.filter(status__in=[Idea.Status.ACCEPTED, Idea.Status.IMPLEMENTED])
    if since:
        taken_up = taken_up.filter(answered_on__gte=since)
    return {
        "my_ideas": list(Idea.objects.filter(author=user).order_by("-submitted_on", "-pk")[:5]) if user.is_authenticated else [],
        "taken_up": list(taken_up.select_related("department").order_by("-answered_on", "-pk")[:5]),
        "since": since,
        "threshold": group_sizes().reporting,  # printed in the explanation
    }


def latest_wave_section(*, filters: Filters) -> LatestWave | None:
    return _latest_wave(filters)


def internal_section(*, filters: Filters) -> tuple[Wave | None, dict | None]:
    wave = _closed_waves(filters, SurveyTemplate.Kind.INTERNAL_CUSTOMER).first()
    return wave, (figures.internal_customer_results(wave=wave) if wave else None)
