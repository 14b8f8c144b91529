"""Writes of the KPI app: computing measurements, storing imported or entered values,
baselines, targets, alerts, phase gates, correlations and drivers.

Every computation is idempotent: it compares what it computed with what is stored and writes
only differences, so running it twice in a row writes nothing the second time. Survey figures
come only from ``surveys.figures`` (the disclosure-control layer): a group it does not publish
never becomes a measurement.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kpis import periods, statistics
from kpis.catalogue import SURVEY_CATEGORY_KPIS, SURVEY_ITEM_KPIS
from kpis.models import (
    Alert,
    Baseline,
    ComputedWave,
    Correlation,
    Direction,
    Driver,
    Kpi,
    Measurement,
    PhaseGate,
    ProgramMeasurement,
    Scope,
    Source,
    Target,
)
from kpis.periods import Period
from people.models import Employee, Segment
from people.selectors import segment_employees
from programs.models import Activity, NewsPost, NewsRead, Program, TargetSegment
from surveys import figures
from surveys.models import CustomerFeedback, Dimension, FeedbackLink, Idea, QuestionCategory, QuestionKind, Wave

log = logging.getLogger(__name__)

PLACES = Decimal("0.0001")
HISTORY_MONTHS = 24  # how far back the nightly job recomputes monthly KPIs


def _decimal(value) -> Decimal:
    return Decimal(str(value)).quantize(PLACES)


@dataclass(frozen=True)
class Value:
    """One computed value, before it is stored."""

    kpi: str
    period: Period
    scope: str
    department_id: int | None
    location_id: int | None
    value: Decimal
    sample_size: int | None = None
    wave_id: int | None = None

    @property
    def key(self) -> tuple:
        return (self.kpi, self.period.key, self.scope, self.department_id, self.location_id)


@dataclass
class Written:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped_manual: int = 0
    changed: list[Measurement] = field(default_factory=list)

    def add(self, other: Written) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.removed += other.removed
        self.skipped_manual += other.skipped_manual
        self.changed += other.changed

    def __str__(self) -> str:
        return _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(removed)s removed") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
        }


def _scope_of(dimension: str, key: str) -> tuple[str, int | None, int | None] | None:
    if dimension == Dimension.ALL:
        return (Scope.COMPANY, None, None)
    if not key:
        return None  # "not recorded" is no department or location
    if dimension == Dimension.DEPARTMENT:
        return (Scope.DEPARTMENT, int(key), None)
    if dimension == Dimension.LOCATION:
        return (Scope.LOCATION, None, int(key))
    return None


def store_computed(values: list[Value], *, replace: dict | None = None) -> Written:
    """Store computed values: create new rows, update changed ones, leave equal ones alone, and
    never overwrite an imported or entered value. ``replace`` (filter kwargs) names the computed
    rows these values fully replace; computed rows there that were not produced are removed."""
    written = Written()
    kpis = {k.code: k for k in Kpi.objects.filter(code__in={v.kpi for v in values})}
    wanted = {}
    for v in values:
        kpi = kpis.get(v.kpi)
        if kpi is None or v.scope not in kpi.scopes:
            continue
        wanted[v.key] = v
    existing = {}
    if wanted:
        rows = Measurement.objects.filter(kpi__code__in={k[0] for k in wanted}, period__in={k[1] for k in wanted}).select_related("kpi")
        existing = {(m.kpi.code, m.period, m.scope, m.department_id, m.location_id): m for m in rows}
    now = timezone.now()
    to_create, to_update = [], []
    for key, v in wanted.items():
        value = _decimal(v.value)
        current = existing.get(key)
        if current is None:
            to_create.append(
                Measurement(
                    kpi=kpis[v.kpi],
                    period=v.period.key,
                    period_start=v.period.start,
                    period_end=v.period.end,
                    wave_id=v.wave_id,
                    scope=v.scope,
                    department_id=v.department_id,
                    location_id=v.location_id,
                    value=value,
                    sample_size=v.sample_size,
                    origin=Measurement.Origin.COMPUTED,
                    computed_at=now,
                )
            )
        elif current.origin != Measurement.Origin.COMPUTED:
            written.skipped_manual += 1
        elif current.value != value or current.sample_size != v.sample_size:
            current.value, current.sample_size, current.computed_at = value, v.sample_size, now
            to_update.append(current)
        else:
            written.unchanged += 1
    with transaction.atomic():
        if to_create:
            Measurement.objects.bulk_create(to_create, ignore_conflicts=False)
        if to_update:
            Measurement.objects.bulk_update(to_update, ["value", "sample_size", "computed_at"], batch_size=500)
        if replace is not None:
            stale = Measurement.objects.filter(origin=Measurement.Origin.COMPUTED, **replace).values_list(
                "pk", "kpi__code", "period", "scope", "department_id", "location_id"
            )
            gone = [pk for pk, *key in stale if tuple(key) not in wanted]
            written.removed = Measurement.objects.filter(pk__in=gone).delete()[0] if gone else 0
    written.created, written.updated = len(to_create), len(to_update)
    written.changed = to_create + to_update
    return written


# --- survey KPIs -----------------------------------------------------------------------


def survey_values(*, wave: Wave) -> list[Value]:
    """The survey KPIs of one closed wave, from the figures the disclosure layer publishes."""
    period = periods.wave_period(wave)
    values = []
    groups = figures.kpi_figures(wave=wave, categories=SURVEY_CATEGORY_KPIS, items=SURVEY_ITEM_KPIS)
    groups += figures.kpi_participation(wave=wave)
    groups += figures.kpi_internal_service(wave=wave)
    for group in groups:
        scope = _scope_of(group.dimension, group.key)
        if scope is None:
            continue
        for code, value in group.values.items():
            values.append(Value(code, period, *scope, value=_decimal(value), sample_size=group.responses, wave_id=wave.pk))
    return values


def compute_wave(*, wave: Wave) -> Written:
    written = store_computed(survey_values(wave=wave), replace={"wave": wave})
    drivers_compute(wave=wave)
    _mark_computed(wave)
    return written


# --- HR KPIs ---------------------------------------------------------------------------

_HR_SQL = """
SELECT m.start, m.finish, GROUPING(e.department_id) AS g_department, GROUPING(e.location_id) AS g_location,
       e.department_id, e.location_id,
       count(*) FILTER (WHERE e.hire_date <= m.start AND (e.exit_date IS NULL OR e.exit_date >= m.start)) AS at_start,
       count(*) FILTER (WHERE e.hire_date <= m.finish AND (e.exit_date IS NULL OR e.exit_date >= m.finish)) AS at_end,
       count(*) FILTER (WHERE e.exit_date BETWEEN m.start AND m.finish) AS exits,
       count(*) FILTER (WHERE e.exit_date BETWEEN m.start AND m.finish AND e.exit_date < e.hire_date + 365) AS early_exits
FROM unnest(%s::date[], %s::date[]) AS m(start, finish)
JOIN people_employee e ON e.hire_date <= m.finish AND (e.exit_date IS NULL OR e.exit_date >= m.start)
GROUP BY GROUPING SETS ((m.start, m.finish), (m.start, m.finish, e.department_id), (m.start, m.finish, e.location_id))
"""


def hr_values(*, months: list[Period]) -> list[Value]:
    """Headcount, turnover and early turnover per month and scope, aggregated in PostgreSQL."""
    if not months:
        return []
    by_start = {p.start: p for p in months}
    with connection.cursor() as cursor:
        cursor.execute(_HR_SQL, [[p.start for p in months], [p.end for p in months]])
        rows = cursor.fetchall()
    values = []
    for start, _finish, g_department, g_location, department_id, location_id, at_start, at_end, exits, early in rows:
        period = by_start[start]
        if g_department and g_location:
            scope = (Scope.COMPANY, None, None)
        elif not g_department:
            scope = (Scope.DEPARTMENT, department_id, None)
        else:
            scope = (Scope.LOCATION, None, location_id)
        values.append(Value("headcount", period, *scope, value=_decimal(at_end), sample_size=at_end))
        average = (at_start + at_end) / 2
        if average:
            values.append(Value("turnover-rate", period, *scope, value=_decimal(100 * exits / average), sample_size=at_end))
            values.append(Value("early-turnover", period, *scope, value=_decimal(100 * early / average), sample_size=at_end))
    return values


# --- external customer feedback, derived and phase KPIs ---------------------------------


def feedback_values(*, months: list[Period]) -> list[Value]:
    """Customer satisfaction and NPS from the portal's own customer feedback, as published
    (complete months, per link from the threshold); imported values take precedence."""
    links = list(FeedbackLink.objects.values_list("department_id", "location_id").distinct())
    if not links or not CustomerFeedback.objects.exists():
        return []
    scopes = [(Scope.COMPANY, None, None)]
    scopes += [(Scope.DEPARTMENT, d, None) for d in sorted({d for d, _l in links if d})]
    scopes += [(Scope.LOCATION, None, loc) for loc in sorted({loc for _d, loc in links if loc})]
    values = []
    for period in months:
        for scope in scopes:
            result = figures.customer_feedback_figures(
                start=period.start,
                end=period.end,
                department=scope[1],  # a primary key filters as well as an instance
                location=scope[2],
            )
            if result["n"]:
                values.append(
                    Value("customer-satisfaction", period, *scope, value=_decimal(result["satisfaction"]), sample_size=result["n"])
                )
                values.append(Value("customer-nps", period, *scope, value=_decimal(result["nps"]), sample_size=result["n"]))
    return values


def derived_values(*, months: list[Period]) -> list[Value]:
    """Revenue per employee: revenue of a period and scope divided by its headcount."""
    rows = Measurement.objects.filter(kpi__code__in=["revenue", "headcount"], period__in=[p.key for p in months]).values_list(
        "kpi__code", "period", "scope", "department_id", "location_id", "value"
    )
    by_key = defaultdict(dict)
    for code, period, scope, department_id, location_id, value in rows:
        by_key[(period, scope, department_id, location_id)][code] = value
    by_period = {p.key: p for p in months}
    values = []
    for (period, scope, department_id, location_id), found in by_key.items():
        if "revenue" in found and found.get("headcount"):
            value = found["revenue"] / found["headcount"]
            values.append(Value("revenue-per-employee", by_period[period], scope, department_id, location_id, _decimal(value)))
    return values


def phase_values(*, months: list[Period]) -> list[Value]:
    """The phase KPIs from the portal itself, for the whole company per month."""
    values = []
    company = (Scope.COMPANY, None, None)
    segments = list(TargetSegment.objects.filter(program__status=Program.Status.ACTIVE).values_list("segment_id", flat=True).distinct())
    for period in months:
        employed = Employee.objects.filter(hire_date__lte=period.end).filter(Q(exit_date__isnull=True) | Q(exit_date__gte=period.end))
        headcount = employed.count()
        # Only managers with a portal account can sign in or own an activity: without any, the
        # KPI cannot be measured (no value rather than a misleading 0 %).
        managers = employed.filter(reports__in=employed, user__isnull=False).distinct()
        manager_count = managers.count()
        if manager_count:
            owners = set(Activity.objects.filter(due_date__range=(period.start, period.end)).values_list("owner_id", flat=True))
            committed = managers.filter(
                Q(user_id__in=[o for o in owners if o]) | Q(user__last_login__date__range=(period.start, period.end))
            ).count()
            values.append(
                Value("management-commitment", period, *company, value=_decimal(100 * committed / manager_count), sample_size=manager_count)
            )
        # Reach is measured in months in which the programs had news to read.
        if segments and NewsPost.objects.filter(program__status=Program.Status.ACTIVE, created__date__lte=period.end).exists():
            targeted = Employee.objects.none()
            for segment in Segment.objects.filter(pk__in=segments):
                targeted = targeted | segment_employees(segment=segment)
            targeted = employed.filter(pk__in=targeted.values("pk"))
            audience = targeted.count()
            if audience:
                readers = targeted.filter(
                    user__in=NewsRead.objects.filter(read_on__range=(period.start, period.end)).values("user_id")
                ).count()
                values.append(
                    Value("communication-reach", period, *company, value=_decimal(100 * readers / audience), sample_size=audience)
                )
        seminars = Activity.objects.filter(
            is_seminar=True, due_date__range=(period.start, period.end), planned_attendance__gt=0, actual_attendance__isnull=False
        ).aggregate(planned=Sum("planned_attendance"), actual=Sum("actual_attendance"))
        if seminars["planned"]:
            values.append(
                Value(
                    "knowhow-transfer",
                    period,
                    *company,
                    value=_decimal(100 * seminars["actual"] / seminars["planned"]),
                    sample_size=seminars["planned"],
                )
            )
        if headcount:
            ideas = Idea.objects.filter(submitted_on__range=(period.start, period.end)).count()
            values.append(Value("ideas-per-employee", period, *company, value=_decimal(100 * ideas / headcount), sample_size=headcount))
    return values


# --- the job ---------------------------------------------------------------------------


def default_months(today: date | None = None) -> list[Period]:
    """The last HISTORY_MONTHS complete months: a month is measured once it is over (headcount
    on its last day, exits during it), so a value never changes while the month runs."""
    today = today or timezone.localdate()
    last = periods.month_of(today).start - timedelta(days=1)
    first = last
    for _i in range(HISTORY_MONTHS - 1):
        first = periods.month_of(first).start - timedelta(days=1)
    return periods.months_between(periods.month_of(first).start, last)


def waves_to_compute(*, everything: bool = False) -> list[Wave]:
    """Closed waves with published results whose KPIs were not computed from their latest state."""
    waves = Wave.objects.filter(status=Wave.Status.CLOSED, results_batch__gt=0).order_by("closes_on", "pk")
    if everything:
        return list(waves)
    done = dict(ComputedWave.objects.values_list("wave_id", "results_batch"))
    return [w for w in waves if done.get(w.pk) != w.results_batch]


def _mark_computed(wave: Wave) -> None:
    ComputedWave.objects.update_or_create(wave=wave, defaults={"results_batch": wave.results_batch})


def compute_kpis(*, months: list[Period] | None = None, kpi_codes: set[str] | None = None, all_waves: bool = False) -> dict[str, Written]:
    """The nightly job: survey KPIs of waves that changed, HR, customer-feedback, derived and
    phase KPIs for the recent months, then alerts and phase gates. Returns what it wrote."""
    months = months if months is not None else default_months()
    report: dict[str, Written] = {}

    def keep(values: list[Value]) -> list[Value]:
        return [v for v in values if kpi_codes is None or v.kpi in kpi_codes]

    surveys = Written()
    for wave in waves_to_compute(everything=all_waves or kpi_codes is not None):
        if kpi_codes is None:
            surveys.add(compute_wave(wave=wave))
        else:  # only some KPIs: the wave's other values, drivers and mark stay as they are
            surveys.add(store_computed(keep(survey_values(wave=wave))))
    report["surveys"] = surveys
    report["hr"] = store_computed(keep(hr_values(months=months)))
    report["customer feedback"] = store_computed(keep(feedback_values(months=months)))
    report["derived"] = store_computed(keep(derived_values(months=months)))
    report["phase"] = store_computed(keep(phase_values(months=months)))
    changed = [m for written in report.values() for m in written.changed]
    alerts_raise(measurements=changed)
    gates_evaluate()
    plans_summarise()
    return report


# --- alerts and gates ------------------------------------------------------------------


def _scope_filter(obj) -> dict:
    return {"scope": obj.scope, "department_id": obj.department_id, "location_id": obj.location_id}


def _key(obj) -> tuple:
    return (obj.kpi_id, obj.scope, obj.department_id, obj.location_id)


def _latest(keys: set[tuple]) -> dict[tuple, Measurement]:
    """The latest measurement of each KPI x scope in ``keys``: one query."""
    if not keys:
        return {}
    rows = (
        Measurement.objects.filter(kpi_id__in={k[0] for k in keys})
        .select_related("wave")
        .order_by("kpi_id", "scope", "department_id", "location_id", "-period_end", "-computed_at")
        .distinct("kpi_id", "scope", "department_id", "location_id")
    )
    return {_key(m): m for m in rows if _key(m) in keys}


def alerts_raise(*, measurements: list[Measurement]) -> int:
    """For each new or changed measurement: missed target (the target's date has passed and the
    value is on the wrong side of it) and worsened beyond the KPI's tolerance compared with the
    previous period. One alert per KPI x period x scope x kind, mailed to the KPI's owner.
    Targets and earlier values are read in two queries for any number of measurements."""
    measurements = [m for m in measurements if m.kpi.direction != Direction.NEUTRAL]
    if not measurements:
        return 0
    kpi_ids = {m.kpi_id for m in measurements}
    targets = {_key(t): t for t in Target.objects.filter(kpi_id__in=kpi_ids)}
    history: dict[tuple, list[Measurement]] = {}
    tolerant = {m.kpi_id for m in measurements if m.kpi.tolerance is not None}
    if tolerant:
        for earlier in (
            Measurement.objects.filter(kpi_id__in=tolerant)
            .order_by("period_end")
            .only("kpi_id", "scope", "department_id", "location_id", "period_end", "value")
        ):
            history.setdefault(_key(earlier), []).append(earlier)
    raised = 0
    for m in measurements:
        kpi = m.kpi
        checks = []
        target = targets.get(_key(m))
        if target is not None and m.period_end >= target.due_date and kpi.better(target.value, m.value):
            checks.append((Alert.Kind.MISSED_TARGET, target.value))
        if kpi.tolerance is not None:
            previous = next((e for e in reversed(history.get(_key(m), [])) if e.period_end < m.period_start), None)
            if previous is not None and kpi.better(previous.value, m.value) and abs(previous.value - m.value) > kpi.tolerance:
                checks.append((Alert.Kind.WORSENED, previous.value))
        for kind, compared in checks:
            alert, created = Alert.objects.get_or_create(
                kpi=kpi, period=m.period, kind=kind, **_scope_filter(m), defaults={"value": m.value, "compared_with": compared}
            )
            if created:
                raised += 1
                transaction.on_commit(lambda pk=alert.pk: _queue_alert_mail(pk))
    return raised


def _queue_alert_mail(alert_id: int) -> None:
    from kpis.tasks import alert_mail

    alert_mail.delay(alert_id)


def alert_mail(*, alert_id: int) -> bool:
    """Mail one alert to its KPI's owner, once (claimed by a conditional update)."""
    alert = Alert.objects.select_related("kpi__owner", "department", "location").filter(pk=alert_id).first()
    if alert is None or alert.kpi.owner is None or not alert.kpi.owner.email:
        return False
    if not Alert.objects.filter(pk=alert_id, mailed_at__isnull=True).update(mailed_at=timezone.now()):
        return False
    owner = alert.kpi.owner
    employee = Employee.objects.filter(user=owner).first()
    language = employee.preferred_language if employee else settings.LANGUAGE_CODE
    with translation.override(language):
        subject = _("KPI alert: %(kpi)s %(kind)s") % {"kpi": alert.kpi.name, "kind": alert.get_kind_display()}
        body = _(
            "%(kpi)s (%(scope)s, %(period)s) is %(value)s and %(kind)s (compared with %(compared)s).\n\n"
            "See the KPI in the portal: %(url)s\n"
        ) % {
            "kpi": alert.kpi.name,
            "scope": alert.scope_label,
            "period": alert.period,
            "value": f"{alert.value.normalize():f}",
            "kind": alert.get_kind_display(),
            "compared": f"{alert.compared_with.normalize():f}",
            "url": f"{settings.PORTAL_BASE_URL.rstrip('/')}/kpis/{alert.kpi.code}/",
        }
    send_mail(subject, body, None, [owner.email])
    return True


def gates_evaluate() -> int:
    """Evaluate every KPI exit criterion from the latest measurement of its KPI and scope, and
    every target's progress from its baseline (so goals show it). Returns gates changed."""
    targets_evaluate()
    gates = list(PhaseGate.objects.all())
    latest = _latest({_key(g) for g in gates})
    changed = 0
    now = timezone.now()
    for gate in gates:
        found = latest.get(_key(gate))
        value = found.value if found else None
        met = gate.passes(value)
        period = found.period if found else ""
        if (gate.met, gate.latest_value, gate.latest_period) != (met, value, period):
            PhaseGate.objects.filter(pk=gate.pk).update(met=met, latest_value=value, latest_period=period, evaluated_at=now)
            changed += 1
    return changed


def targets_evaluate() -> int:
    """Progress of every target from its baseline, from the latest value of its KPI and scope:
    (latest - baseline) / (target - baseline), 0 to 100 %; stored for the goal tree."""
    from kpis.selectors import goal_progress

    baselines = {_key(b): b.value for b in Baseline.objects.all()}
    targets = list(Target.objects.all())
    latest = _latest({_key(t) for t in targets})
    changed = 0
    for target in targets:
        found = latest.get(_key(target))
        share = goal_progress(baselines.get(_key(target)), target.value, found.value if found else None)
        fields = {
            "progress": None if share is None else round(100 * share, 1),
            "latest_value": found.value if found else None,
            "latest_period": found.period if found else "",
            "latest_label": _period_label(found) if found else "",
        }
        if any(getattr(target, k) != v for k, v in fields.items()):
            Target.objects.filter(pk=target.pk).update(**fields)
            changed += 1
    return changed


def _period_label(measurement: Measurement) -> str:
    """A period as people name it, stored for pages in programs: the wave's title, or the
    month or quarter key (2026-03, 2026-Q1), which reads the same in both languages."""
    return measurement.wave.title[:200] if measurement.wave_id else measurement.period


def plans_summarise() -> int:
    """The engagement index before and after of every program's pre/post plan, in both
    languages, for the program's page. Returns plans changed."""
    from kpis.selectors import prepost

    changed = 0
    for plan in ProgramMeasurement.objects.select_related("pre_wave", "post_wave", "target_segment", "control_segment"):
        summary = {}
        if plan.pre_wave and plan.post_wave and Wave.Status.CLOSED == plan.pre_wave.status == plan.post_wave.status:
            index = prepost(before=plan.pre_wave, after=plan.post_wave, target_segment=plan.target_segment).items[0]
            if not index.hidden and index.comparison is not None and index.comparison.enough:
                c = index.comparison
                summary = {"before": c.mean_before, "after": c.mean_after, "difference": c.difference, "p": c.p_value}
                for language in ("en", "de"):
                    with translation.override(language):
                        summary[language] = c.reading()
        if plan.summary != summary:
            ProgramMeasurement.objects.filter(pk=plan.pk).update(summary=summary)
            changed += 1
    return changed


# --- driver analysis and correlation ---------------------------------------------------


def drivers_compute(*, wave: Wave) -> int:
    """Which items relate most to the outcome (the engagement index, or the eNPS when the wave
    asks engagement items and little else) across the wave's respondents, next to their
    published score. Only for a published whole-wave group."""
    matrix = figures.respondent_matrix(wave=wave)
    if matrix is None:
        Driver.objects.filter(wave=wave).delete()
        return 0
    questions = matrix.questions
    engagement = [i for i, q in enumerate(questions) if q.category == QuestionCategory.ENGAGEMENT and q.kind == QuestionKind.AGREEMENT]
    enps = [i for i, q in enumerate(questions) if q.category == QuestionCategory.ENPS and q.kind == QuestionKind.SCALE10]
    others = [i for i in range(len(questions)) if i not in engagement and i not in enps]
    # The engagement index is the outcome when there are other items to explain it; a pulse of
    # engagement items and the eNPS asks which engagement items go with recommending us.
    if engagement and (len(others) >= 2 or not enps):
        outcome_name, outcome_columns = "engagement", engagement
    elif enps:
        outcome_name, outcome_columns = "enps", enps
    else:
        return 0
    outcome = []
    for row in matrix.rows:
        answered = [row[i] for i in outcome_columns if row[i] is not None]
        outcome.append(sum(answered) / len(answered) if answered else None)
    candidates = {str(q.pk): [row[i] for row in matrix.rows] for i, q in enumerate(questions) if i not in outcome_columns}
    if not candidates:
        return 0
    cells, _questions = figures.whole_wave_cells(waves=[wave])
    scores = {}
    for key in candidates:
        cell = cells.get(wave.pk, {}).get(int(key))
        if cell is not None and not cell.hidden and cell.favourability is not None:
            scores[key] = cell.favourability
    ranked = statistics.prioritise(statistics.drivers(outcome, candidates, min_n=statistics.MIN_PAIRS), scores)
    wanted = {}
    for rank, d in enumerate(ranked, start=1):
        wanted[int(d.key)] = (d.impact, d.n, scores.get(d.key), rank, d.priority)
    stored = {(r.question_id): r for r in Driver.objects.filter(wave=wave, outcome=outcome_name)}
    with transaction.atomic():
        Driver.objects.filter(wave=wave).exclude(outcome=outcome_name).delete()
        Driver.objects.filter(wave=wave, outcome=outcome_name).exclude(question_id__in=list(wanted)).delete()
        for question_id, (impact, n, score, rank, priority) in wanted.items():
            row = stored.get(question_id)
            fields = {"impact": impact, "n": n, "score": score, "rank": rank, "priority": priority}
            if row is None:
                Driver.objects.create(wave=wave, outcome=outcome_name, question_id=question_id, **fields)
            elif any(getattr(row, k) != v for k, v in fields.items()):
                Driver.objects.filter(pk=row.pk).update(**fields)
    return len(wanted)


CORRELATED = [("engagement-index", "customer-satisfaction"), ("enps", "customer-satisfaction")]


def _monthly_by_department(code: str) -> dict[tuple[str, date], float]:
    """Department x month means of a KPI (waves fall into the month they close in)."""
    sums = defaultdict(list)
    rows = Measurement.objects.filter(kpi__code=code, scope=Scope.DEPARTMENT).values_list("department_id", "period_end", "value", "wave_id")
    for department_id, period_end, value, _wave in rows:
        sums[(str(department_id), periods.month_of(period_end).start)].append(float(value))
    return {key: sum(v) / len(v) for key, v in sums.items()}


def correlations_compute() -> int:
    """Engagement (index, eNPS) against customer satisfaction across departments x months, at
    the same month and with engagement leading by one month. Returns rows changed."""
    changed = 0
    kpis = {k.code: k for k in Kpi.objects.filter(code__in={c for pair in CORRELATED for c in pair})}
    for x_code, y_code in CORRELATED:
        if x_code not in kpis or y_code not in kpis:
            continue
        x_values, y_values = _monthly_by_department(x_code), _monthly_by_department(y_code)
        months = sorted({month for _d, month in x_values} | {month for _d, month in y_values})
        for lag in (0, 1):
            xs, ys = statistics.paired_series(x_values, y_values, months, lag=lag)
            result = statistics.correlate(xs, ys)
            points = _points(x_values, y_values, months, lag)
            fields = {
                "n": result.n,
                "pearson_r": result.pearson_r,
                "pearson_p": result.pearson_p,
                "spearman_rho": result.spearman_rho,
                "spearman_p": result.spearman_p,
                "points": points,
            }
            row = Correlation.objects.filter(x=kpis[x_code], y=kpis[y_code], lag=lag).first()
            if row is None:
                Correlation.objects.create(x=kpis[x_code], y=kpis[y_code], lag=lag, **fields)
                changed += 1
            elif any(getattr(row, k) != v for k, v in fields.items()):
                Correlation.objects.filter(pk=row.pk).update(computed_at=timezone.now(), **fields)
                changed += 1
    return changed


def _points(x_values, y_values, months, lag) -> list:
    index = {month: i for i, month in enumerate(months)}
    points = []
    for (department, month), y in sorted(y_values.items()):
        i = index[month] - lag
        if i < 0:
            continue
        x = x_values.get((department, months[i]))
        if x is not None:
            points.append([int(department), month.isoformat(), round(x, 2), round(y, 2)])
    return points


# --- values entered by hand, baselines and targets --------------------------------------


def measurement_enter(*, kpi: Kpi, period: Period, scope: str, department=None, location=None, value, actor) -> Measurement:
    """A single value typed into the form, for KPIs whose values are imported or entered (the
    portal computes the others); it raises alerts like any new value."""
    if kpi.source != Source.IMPORTED:
        raise ValidationError(_("The portal computes the values of this KPI; they cannot be typed in."))
    if scope not in kpi.scopes:
        raise ValidationError(_("This KPI is not measured for that scope."))
    with transaction.atomic():
        measurement, _created = Measurement.objects.update_or_create(
            kpi=kpi,
            period=period.key,
            scope=scope,
            department=department,
            location=location,
            defaults={
                "period_start": period.start,
                "period_end": period.end,
                "value": _decimal(value),
                "sample_size": None,
                "origin": Measurement.Origin.ENTERED,
                "entered_by": actor,
                "computed_at": timezone.now(),
            },
        )
        alerts_raise(measurements=[measurement])
    gates_evaluate()
    return measurement


def baseline_set(
    *, kpi: Kpi, scope: str, department=None, location=None, value=None, from_period: str = "", from_wave=None, note="", actor=None
) -> Baseline:
    """Set a baseline typed in, or taken from the measurement of a pre-measurement wave or period."""
    if value is None:
        source = Measurement.objects.filter(kpi=kpi, scope=scope, department=department, location=location)
        source = source.filter(wave=from_wave) if from_wave is not None else source.filter(period=from_period)
        measurement = source.first()
        if measurement is None:
            raise ValidationError(_("There is no value of this KPI for that wave or period and scope to take as the baseline."))
        value = measurement.value
        from_period = measurement.period
    baseline, _created = Baseline.objects.update_or_create(
        kpi=kpi,
        scope=scope,
        department=department,
        location=location,
        defaults={
            "value": _decimal(value),
            "from_period": from_period,
            "from_wave": from_wave,
            "note": note,
            "set_by": actor,
            "set_at": timezone.now(),
        },
    )
    targets_evaluate()  # goals measured against this baseline show their progress at once
    return baseline


def target_set(*, kpi: Kpi, scope: str, department=None, location=None, value, due_date, goal=None, actor=None) -> Target:
    target, _created = Target.objects.update_or_create(
        kpi=kpi,
        scope=scope,
        department=department,
        location=location,
        defaults={"value": _decimal(value), "due_date": due_date, "goal": goal, "set_by": actor, "set_at": timezone.now()},
    )
    targets_evaluate()  # the goal shows its progress at once, not after the nightly job
    target.refresh_from_db()
    return target


def kpi_create(
    *, code: str, name_en: str, name_de: str, category: str, unit: str, direction: str, frequency: str, scopes, owner=None, **extra
) -> Kpi:
    """An HR manager's own KPI: always of the imported kind."""
    return Kpi.objects.create(
        code=code,
        name_en=name_en,
        name_de=name_de,
        category=category,
        unit=unit,
        direction=direction,
        frequency=frequency,
        scopes=list(scopes),
        source=Source.IMPORTED,
        owner=owner,
        **extra,
    )


def alerts_seen(*, user) -> int:
    return Alert.objects.filter(kpi__owner=user, seen_at__isnull=True).update(seen_at=timezone.now())


def kpi_settings_update(*, kpi: Kpi, owner, tolerance) -> Kpi:
    """Who gets the KPI's alerts, and how much worse than the previous value raises one."""
    Kpi.objects.filter(pk=kpi.pk).update(owner=owner, tolerance=tolerance, modified=timezone.now())
    kpi.owner, kpi.tolerance = owner, tolerance
    return kpi


def program_measurement_set(*, program, pre_wave, post_wave, target_segment=None, control_segment=None) -> ProgramMeasurement:
    """Name a program's pre- and post-measurement waves (and optional segments)."""
    if pre_wave is not None and post_wave is not None and pre_wave.pk == post_wave.pk:
        raise ValidationError(_("Choose two different waves for the pre- and the post-measurement."))
    if target_segment is not None and control_segment is not None and target_segment.pk == control_segment.pk:
        raise ValidationError(_("The control segment must differ from the targeted segment."))
    plan, _created = ProgramMeasurement.objects.update_or_create(
        program=program,
        defaults={"pre_wave": pre_wave, "post_wave": post_wave, "target_segment": target_segment, "control_segment": control_segment},
    )
    plans_summarise()
    plan.refresh_from_db()
    return plan


def gate_create(*, phase, kpi: Kpi, scope: str, department=None, location=None, comparison: str, threshold) -> PhaseGate:
    """A KPI threshold as exit criterion of a program phase, evaluated at once."""
    if scope not in kpi.scopes:
        raise ValidationError(_("This KPI is not measured for that scope."))
    gate = PhaseGate.objects.create(
        phase=phase, kpi=kpi, scope=scope, department=department, location=location, comparison=comparison, threshold=threshold
    )
    gates_evaluate()
    gate.refresh_from_db()
    return gate


def gate_delete(*, gate: PhaseGate) -> None:
    gate.delete()
