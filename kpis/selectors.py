"""Reads of the KPI pages: the catalogue, one KPI's history per scope, the correlation, the
driver lists and the pre/post comparison of two waves. Each returns plain data with its
related rows already loaded, in a fixed number of queries (the pre/post comparison: a fixed
number per compared item). Survey figures come only from ``surveys.figures``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kpis import periods, statistics
from kpis.models import Alert, Baseline, Category, Correlation, Direction, Driver, Kpi, Measurement, ProgramMeasurement, Scope, Target
from people.models import Department, Location
from surveys import figures
from surveys.models import Dimension, QuestionCategory, QuestionKind, Wave, WaveQuestion

ON_TRACK, NOT_YET, OFF_TRACK = "on_track", "not_yet", "off_track"
STATUS_LABELS = {
    ON_TRACK: gettext_lazy("on track"),
    NOT_YET: gettext_lazy("target not reached yet"),
    OFF_TRACK: gettext_lazy("off track"),
}


# --- shared ---------------------------------------------------------------------------


def target_status(kpi: Kpi, latest: Measurement | None, target: Target | None, today: date | None = None) -> str | None:
    """On track when the latest value reaches the target; off track when it does not and the
    target's date has passed; otherwise not reached yet. None without both or a direction."""
    if latest is None or target is None or kpi.direction == Direction.NEUTRAL:
        return None
    if latest.value == target.value or kpi.better(latest.value, target.value):
        return ON_TRACK
    return OFF_TRACK if (today or timezone.localdate()) > target.due_date else NOT_YET


def goal_progress(baseline, target, latest) -> float | None:
    """How far the latest value has come from the baseline towards the target, 0 to 1:
    (latest - baseline) / (target - baseline), clipped. None when it cannot be said."""
    if baseline is None or target is None or latest is None or target == baseline:
        return None
    share = (Decimal(latest) - Decimal(baseline)) / (Decimal(target) - Decimal(baseline))
    return float(min(Decimal(1), max(Decimal(0), share)))


def period_label(measurement: Measurement) -> str:
    """A measurement's period as a reader says it: March 2026, Q1 2026, or the wave's title."""
    if measurement.wave_id is not None:
        return measurement.wave.title
    parsed = periods.parse(measurement.period)
    if parsed is None:
        return measurement.period
    if parsed.kind == periods.MONTH:
        return formats.date_format(parsed.start, "YEAR_MONTH_FORMAT")
    return parsed.label


def scope_key(scope: str, department_id: int | None, location_id: int | None) -> str:
    if scope == Scope.DEPARTMENT:
        return f"department-{department_id}"
    if scope == Scope.LOCATION:
        return f"location-{location_id}"
    return Scope.COMPANY.value


def places():
    """Every department and location, ordered by name (two queries)."""
    departments = sorted(Department.objects.all(), key=lambda d: d.name.lower())
    locations = list(Location.objects.order_by("name"))
    return departments, locations


# --- catalogue ------------------------------------------------------------------------


@dataclass
class CatalogueRow:
    kpi: Kpi
    latest: Measurement | None
    baseline: Baseline | None
    target: Target | None

    @property
    def status(self) -> str | None:
        return target_status(self.kpi, self.latest, self.target)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, ""))


@dataclass
class Family:
    category: str
    label: str
    rows: list[CatalogueRow]


def catalogue(*, user) -> dict:
    """The KPIs by family with their latest company value, baseline, target and status, and
    the unseen alerts of KPIs the user owns (five queries)."""
    kpis = list(Kpi.objects.select_related("owner"))
    company = {"scope": Scope.COMPANY}
    latest = {
        m.kpi_id: m
        for m in Measurement.objects.filter(**company)
        .select_related("wave")
        .order_by("kpi_id", "-period_end", "-computed_at")
        .distinct("kpi_id")
    }
    baselines = {b.kpi_id: b for b in Baseline.objects.filter(**company)}
    targets = {t.kpi_id: t for t in Target.objects.filter(**company)}
    families = []
    for category, label in Category.choices:
        rows = [CatalogueRow(k, latest.get(k.pk), baselines.get(k.pk), targets.get(k.pk)) for k in kpis if k.category == category]
        if rows:
            families.append(Family(category, label, rows))
    alerts = list(
        Alert.objects.filter(kpi__owner=user, seen_at__isnull=True)
        .select_related("kpi", "department", "location")
        .order_by("-created")[:20]
    )
    return {"families": families, "alerts": alerts}


# --- one KPI --------------------------------------------------------------------------


@dataclass
class ScopeOption:
    key: str
    label: str


@dataclass
class HistoryRow:
    measurement: Measurement
    label: str

    @property
    def short_label(self) -> str:
        """For the chart's axis: a wave by the day it closed, not its full title."""
        if self.measurement.wave_id is not None:
            return formats.date_format(self.measurement.period_end, "SHORT_DATE_FORMAT")
        return self.label


@dataclass
class KpiPage:
    kpi: Kpi
    scope: str
    scope_label: str
    scopes: list[ScopeOption]
    history: list[HistoryRow]
    baseline: Baseline | None
    target: Target | None
    alerts: list[Alert]
    departments: list = field(default_factory=list)
    locations: list = field(default_factory=list)

    @property
    def latest(self) -> Measurement | None:
        return self.history[-1].measurement if self.history else None

    @property
    def progress(self) -> float | None:
        return goal_progress(self.baseline and self.baseline.value, self.target and self.target.value, self.latest and self.latest.value)

    @property
    def progress_percent(self) -> int | None:
        return None if self.progress is None else round(100 * self.progress)

    @property
    def status(self) -> str | None:
        return target_status(self.kpi, self.latest, self.target)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, ""))


def kpi_get(*, code: str) -> Kpi | None:
    return Kpi.objects.select_related("owner").filter(code=code).first()


def kpi_page(*, kpi: Kpi, scope: str = "") -> KpiPage:
    """One KPI: the scopes that have values, the history of the chosen scope (company unless
    another is asked for), its baseline, target (with the goal it measures) and the alerts."""
    departments, locations = places()
    names = {f"department-{d.pk}": d.name for d in departments} | {f"location-{loc.pk}": loc.name for loc in locations}
    names[Scope.COMPANY.value] = _("Whole company")
    present = {
        scope_key(*row) for row in Measurement.objects.filter(kpi=kpi).values_list("scope", "department_id", "location_id").distinct()
    }
    present.add(Scope.COMPANY.value)
    options = [ScopeOption(Scope.COMPANY.value, names[Scope.COMPANY.value])]
    options += [ScopeOption(key, names[key]) for key in names if key in present and key.startswith("department-")]
    options += [ScopeOption(key, names[key]) for key in names if key in present and key.startswith("location-")]
    scope = scope if scope in names else Scope.COMPANY.value
    where = _scope_filter(scope)
    history = [
        HistoryRow(m, period_label(m))
        for m in Measurement.objects.filter(kpi=kpi, **where).select_related("wave").order_by("period_start", "period_end", "period")
    ]
    baseline = Baseline.objects.filter(kpi=kpi, **where).select_related("from_wave").first()
    target = Target.objects.filter(kpi=kpi, **where).select_related("goal__program").first()
    alerts = list(Alert.objects.filter(kpi=kpi).select_related("department", "location").order_by("-created")[:20])
    return KpiPage(
        kpi=kpi,
        scope=scope,
        scope_label=str(names[scope]),
        scopes=options,
        history=history,
        baseline=baseline,
        target=target,
        alerts=alerts,
        departments=departments,
        locations=locations,
    )


def _scope_filter(key: str) -> dict:
    kind, _sep, pk = key.partition("-")
    if kind == Scope.DEPARTMENT:
        return {"scope": Scope.DEPARTMENT, "department_id": int(pk), "location__isnull": True}
    if kind == Scope.LOCATION:
        return {"scope": Scope.LOCATION, "location_id": int(pk), "department__isnull": True}
    return {"scope": Scope.COMPANY, "department__isnull": True, "location__isnull": True}


# --- correlation ----------------------------------------------------------------------


@dataclass
class Point:
    department: str
    period: str
    x: float
    y: float


@dataclass
class CorrelationResult:
    row: Correlation
    result: statistics.Correlation
    points: list[Point]

    @property
    def reading(self) -> str:
        return self.result.reading(_("department-months"))


def correlation(*, x: str, y: str, lag: int = 0) -> CorrelationResult | None:
    """One stored correlation by its KPI codes, as ``correlations`` gives it."""
    found = _correlations(Correlation.objects.filter(x__code=x, y__code=y, lag=lag))
    return found[0] if found else None


def correlations() -> list[CorrelationResult]:
    """The stored correlations (engagement index and eNPS against customer satisfaction, at the
    same month and one month later), with department names and the reading of the stored
    coefficients (three queries)."""
    return _correlations(Correlation.objects.all())


def _correlations(queryset) -> list[CorrelationResult]:
    rows = list(queryset.select_related("x", "y").order_by("x__position", "x__code", "lag"))
    ids = {point[0] for row in rows for point in row.points}
    names = {d.pk: d.name for d in Department.objects.filter(pk__in=ids)}
    out = []
    for row in rows:
        points = [Point(names.get(dept, "?"), _month_label(period), float(x), float(y)) for dept, period, x, y in row.points]
        result = statistics.stored_correlation(
            n=row.n, pearson_r=row.pearson_r, pearson_p=row.pearson_p, spearman_rho=row.spearman_rho, spearman_p=row.spearman_p
        )
        out.append(CorrelationResult(row=row, result=result, points=points))
    return out


def _month_label(iso: str) -> str:
    try:
        return formats.date_format(date.fromisoformat(iso), "YEAR_MONTH_FORMAT")
    except ValueError:
        return iso


# --- drivers --------------------------------------------------------------------------


def driver_waves():
    """Closed waves that have a driver list, newest first."""
    return (
        Wave.objects.filter(status=Wave.Status.CLOSED, pk__in=Driver.objects.values("wave_id"))
        .select_related("template")
        .order_by("-closes_on", "-pk")
    )


@dataclass
class DriverRow:
    driver: Driver
    priority_label: str


def drivers(*, wave: Wave) -> list[DriverRow]:
    """The priority list of a wave: low score and high impact first (the job's ranking)."""
    rows = Driver.objects.filter(wave=wave).select_related("question").order_by("rank", "pk")
    return [DriverRow(d, statistics.priority_label(d.priority)) for d in rows]


# --- pre/post -------------------------------------------------------------------------


def _favourable(kind: str, value: int) -> bool:
    """The portal's definition of a favourable answer (agree or strongly agree, 9-10, yes)."""
    if kind == QuestionKind.AGREEMENT:
        return value >= 4
    if kind == QuestionKind.SCALE10:
        return value >= 9
    return kind == QuestionKind.YES_NO and value == 1


def _share(kind: str, distribution: dict[int, int] | None) -> tuple[int, int] | None:
    if not distribution:
        return None
    return sum(c for v, c in distribution.items() if _favourable(kind, v)), sum(distribution.values())


@dataclass
class ItemComparison:
    """One compared item (or the engagement index) between two waves."""

    label: str
    is_index: bool = False
    hidden: bool = False
    reason: str = ""  # why it is hidden, in the reader's language
    comparison: statistics.Comparison | None = None
    did: statistics.DifferenceInDifferences | None = None


@dataclass
class PrePost:
    before: Wave
    after: Wave
    target_segment: object | None
    control_segment: object | None
    items: list[ItemComparison]


def prepost(*, before: Wave, after: Wave, target_segment=None, control_segment=None) -> PrePost:
    """Per scored item both waves asked, and for the engagement index: before, after, the
    difference with its 95% interval, a test suited to the scale, an effect size and a
    reading. Whole waves, or the targeted segment when one is given; with a control segment
    also the difference-in-differences of favourable shares. Every distribution comes from
    ``surveys.figures.group_distributions``: an item hidden in any group compared is hidden.
    The two waves are independent samples (respondents are not linked across waves)."""
    asked = {}
    for wq in WaveQuestion.objects.filter(wave__in=[before, after]).select_related("question").order_by("position", "pk"):
        asked.setdefault(wq.question_id, [wq.question, set()])[1].add(wq.wave_id)
    scored = (QuestionKind.AGREEMENT, QuestionKind.SCALE10, QuestionKind.YES_NO)
    common = [q for q, waves in asked.values() if len(waves) == 2 and q.kind in scored]

    def group(segment):
        if segment is None:
            return Dimension.ALL, ""
        return Dimension.SEGMENT, str(segment.pk)

    groups = {"target": group(target_segment)}
    if control_segment is not None:
        groups["control"] = group(control_segment)

    # One ledger and sheet per group and wave for all the items (a fixed number of queries).
    published = {
        (name, when): figures.group_distributions(wave=wave, dimension=dimension, key=key, questions=common)
        for name, (dimension, key) in groups.items()
        for when, wave in (("before", before), ("after", after))
    }
    hidden_because = {}

    def distributions(question) -> dict | None:
        found = {}
        for part, result in published.items():
            if question.pk not in result.counts:
                hidden_because[question.pk] = result.reasons.get(question.pk, "")
                return None
            found[part] = result.counts[question.pk]
        return found

    items = []
    index_parts = {}
    for question in common:
        found = distributions(question)
        if found is None:
            items.append(ItemComparison(label=question.text, hidden=True, reason=hidden_because.get(question.pk, "")))
            continue
        shares = {k: _share(question.kind, v) for k, v in found.items()}
        if question.kind == QuestionKind.YES_NO:  # a share of "yes", compared like the index
            comparison = statistics.compare_proportions(*shares[("target", "before")], *shares[("target", "after")])
        else:
            comparison = statistics.compare_distributions(found[("target", "before")], found[("target", "after")], ordinal=True)
        item = ItemComparison(label=question.text, comparison=comparison)
        if "control" in groups:
            item.did = statistics.difference_in_differences(
                shares[("target", "before")], shares[("target", "after")], shares[("control", "before")], shares[("control", "after")]
            )
        items.append(item)
        if question.category == QuestionCategory.ENGAGEMENT and question.kind == QuestionKind.AGREEMENT:
            for key, share in shares.items():
                k, n = index_parts.get(key, (0, 0))
                index_parts[key] = (k + share[0], n + share[1])
    index = ItemComparison(label=_("Engagement index (share favourable over the engagement items)"), is_index=True)
    if index_parts:
        tb, ta = index_parts[("target", "before")], index_parts[("target", "after")]
        index.comparison = statistics.compare_proportions(*tb, *ta)
        if "control" in groups:
            index.did = statistics.difference_in_differences(tb, ta, index_parts[("control", "before")], index_parts[("control", "after")])
    else:
        index.hidden = True
        index.reason = next(iter(hidden_because.values()), "")
    return PrePost(before=before, after=after, target_segment=target_segment, control_segment=control_segment, items=[index, *items])


def program_plans():
    """Programs that name a pre- and a post-measurement wave."""
    return list(
        ProgramMeasurement.objects.filter(pre_wave__isnull=False, post_wave__isnull=False)
        .select_related("program", "pre_wave", "post_wave", "target_segment", "control_segment")
        .order_by("program__name")
    )
