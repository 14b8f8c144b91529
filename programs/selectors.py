"""Reads for the programs pages and for the dashboards; every query count here is bounded
by the number of programs/segments, never by the number of activities or findings."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Avg, Case, Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from common.roles import EXECUTIVE, HR_MANAGER, has_role
from people.models import Employee, Segment
from people.selectors import segment_employees
from programs.models import (
    Activity,
    ChangeRecord,
    ExitCriterion,
    Finding,
    FocusArea,
    Goal,
    Instrument,
    NewsPost,
    Phase,
    Pillar,
    PlannedInstrument,
    Program,
    ProgramFocusArea,
    SelfAssessment,
    TargetSegment,
)
from programs.services import phase_completion_blockers

# ---------------------------------------------------------------------------------------------
# access


def can_read_programs(user) -> bool:
    return has_role(user, HR_MANAGER, EXECUTIVE)


def can_create_programs(user) -> bool:
    return has_role(user, HR_MANAGER)


def program_get(*, user, pk: int) -> Program:
    """A program the user may read (HR managers and executives), 404 otherwise."""
    if not can_read_programs(user):
        from django.http import Http404

        raise Http404
    return get_object_or_404(Program.objects.prefetch_related("owners"), pk=pk)


def can_edit_program(*, user, program: Program) -> bool:
    """Owners who hold the HR manager role edit; everyone else who may read, reads."""
    return has_role(user, HR_MANAGER) and any(owner.pk == user.pk for owner in program.owners.all())


# ---------------------------------------------------------------------------------------------
# phases and progress

_activity_progress = Case(
    When(activities__status=Activity.Status.DONE, then=Value(100)), default=F("activities__completion"), output_field=IntegerField()
)


def phases_with_progress() -> QuerySet[Phase]:
    """Phases annotated with ``progress`` (mean completion of their non-cancelled activities)."""
    return Phase.objects.annotate(
        progress=Coalesce(Avg(_activity_progress, filter=~Q(activities__status=Activity.Status.CANCELLED)), 0.0),
        activity_count=Count("activities", filter=~Q(activities__status=Activity.Status.CANCELLED)),
    ).order_by("number")


def current_phase(phases: list[Phase]) -> Phase | None:
    return next((p for p in phases if not p.is_completed), None)


@dataclass
class ProgramRow:
    program: Program
    phases: list[Phase]
    current: Phase | None
    owner_names: list[str] = field(default_factory=list)


def program_list() -> list[ProgramRow]:
    programs = Program.objects.prefetch_related("owners", Prefetch("phases", queryset=phases_with_progress())).order_by(
        Case(When(status=Program.Status.ARCHIVED, then=Value(1)), default=Value(0)), "-start_date", "name"
    )
    rows = []
    for program in programs:
        phases = list(program.phases.all())
        rows.append(
            ProgramRow(
                program=program,
                phases=phases,
                current=current_phase(phases),
                owner_names=[o.get_full_name() or o.username for o in program.owners.all()],
            )
        )
    return rows


def phase_labels() -> list[tuple[int, str]]:
    return [(number, str(label)) for number, label in Phase.Number.choices]


def program_phase_overview() -> list[ProgramRow]:
    """For the executive dashboard: every program not archived, with its four phases."""
    return [row for row in program_list() if row.program.status != Program.Status.ARCHIVED]


# ---------------------------------------------------------------------------------------------
# stepper


@dataclass
class Step:
    key: str
    label: str
    url_name: str
    done: bool
    current: bool = False


def program_steps(*, program: Program) -> list[Step]:
    """The five steps of the process with where the program stands (one query)."""
    counts = Program.objects.filter(pk=program.pk).aggregate(
        findings=Count("findings", distinct=True),
        focus=Count("focus_areas", distinct=True),
        goals=Count("goals", distinct=True),
        targets=Count("target_segments", distinct=True),
        instruments=Count("planned_instruments", distinct=True),
        open_phases=Count("phases", filter=Q(phases__status=Phase.Status.OPEN), distinct=True),
        assessments=Count("assessments", distinct=True),
    )
    steps = [
        Step("analysis", _("Situation analysis"), "programs:analysis", bool(counts["findings"] and program.situation_summary)),
        Step("strategy", _("Strategic planning"), "programs:strategy", bool(counts["focus"] and counts["goals"] and counts["targets"])),
        Step("operations", _("Operational planning"), "programs:operations", bool(counts["instruments"])),
        Step("implementation", _("Implementation"), "programs:implementation", counts["open_phases"] == 0),
        Step("assessment", _("Self-assessment"), "programs:assessment", bool(counts["assessments"])),
    ]
    current = next((s for s in steps if not s.done), None)
    if current:
        current.current = True
    return steps


# ---------------------------------------------------------------------------------------------
# pages


def program_overview(*, program: Program) -> dict:
    phases = list(phases_with_progress().filter(program=program))
    return {
        "phases": phases,
        "current_phase": current_phase(phases),
        "news": list(NewsPost.objects.filter(program=program).select_related("author")[:3]),
    }


def situation_analysis(*, program: Program) -> dict:
    findings = list(Finding.objects.filter(program=program))
    quadrants = [(value, label, [f for f in findings if f.swot == value]) for value, label in Finding.Swot.choices]
    return {"findings": findings, "quadrants": quadrants}


def segment_sizes(segments: list[Segment]) -> dict[int, int]:
    """Live member counts of several segments in one query."""
    if not segments:
        return {}
    aggregates = {f"s{segment.pk}": Count("pk", filter=Q(pk__in=segment_employees(segment=segment).values("pk"))) for segment in segments}
    result = Employee.objects.aggregate(**aggregates)
    return {segment.pk: result[f"s{segment.pk}"] or 0 for segment in segments}


@dataclass
class TargetRow:
    target: TargetSegment
    size: int
    ratings: list[tuple[ProgramFocusArea, int | None]]


def strategic_plan(*, program: Program) -> dict:
    chosen = list(ProgramFocusArea.objects.filter(program=program).select_related("focus_area"))
    # KPI targets that measure a goal are stored by the kpis app (with their computed progress)
    # and read back through the reverse relation.
    goals = list(Goal.objects.filter(program=program).prefetch_related("kpi_targets__kpi"))
    general = [g for g in goals if g.kind == Goal.Kind.GENERAL]
    subs = [g for g in goals if g.kind == Goal.Kind.SUB]
    indirect = [g for g in goals if g.kind == Goal.Kind.INDIRECT]
    targets = list(TargetSegment.objects.filter(program=program).select_related("segment").prefetch_related("suitabilities"))
    sizes = segment_sizes([t.segment for t in targets])
    rows = []
    for target in targets:
        by_area = {s.program_focus_area_id: s.rating for s in target.suitabilities.all()}
        rows.append(TargetRow(target=target, size=sizes.get(target.segment_id, 0), ratings=[(c, by_area.get(c.pk)) for c in chosen]))
    return {
        "chosen_focus_areas": chosen,
        "available_focus_areas": list(FocusArea.objects.exclude(pk__in=[c.focus_area_id for c in chosen])),
        "general_goals": general,
        "sub_goals": subs,
        "indirect_goals": indirect,
        "target_rows": rows,
    }


def planned_instruments(*, program: Program) -> list[PlannedInstrument]:
    return list(
        PlannedInstrument.objects.filter(program=program)
        .select_related("instrument", "owner")
        .prefetch_related(
            Prefetch("focus_areas", queryset=ProgramFocusArea.objects.select_related("focus_area")),
            Prefetch("target_segments", queryset=TargetSegment.objects.select_related("segment")),
        )
    )


def instrument_catalogue() -> list[tuple[str, list[Instrument]]]:
    instruments = list(Instrument.objects.all())
    return [(label, [i for i in instruments if i.group == value]) for value, label in Instrument.Group.choices]


def operational_plan(*, program: Program) -> dict:
    planned = planned_instruments(program=program)
    return {
        "planned": planned,
        "total_budget": sum((p.budget for p in planned), 0),
        "catalogue": instrument_catalogue(),
    }


def implementation(*, program: Program) -> dict:
    phases = list(
        phases_with_progress()
        .filter(program=program)
        .prefetch_related("criteria")
        .annotate(
            done_count=Count("activities", filter=Q(activities__status=Activity.Status.DONE), distinct=True),
        )
    )
    return {"phases": phases, "current_phase": current_phase(phases)}


def phase_detail(*, program: Program, number: int) -> dict:
    phases = list(phases_with_progress().filter(program=program).select_related("completed_by"))
    phase = next((p for p in phases if p.number == number), None)
    if phase is None:
        from django.http import Http404

        raise Http404
    activities = list(Activity.objects.filter(phase=phase).select_related("owner", "participants"))
    criteria = list(ExitCriterion.objects.filter(phase=phase))
    # KPI thresholds are stored by the kpis app and read back through the reverse relation.
    kpi_gates = list(phase.kpi_gates.select_related("kpi", "department", "location"))
    return {
        "phases": phases,
        "phase": phase,
        "activities": activities,
        "criteria": criteria,
        "kpi_gates": kpi_gates,
        "blockers": [] if phase.is_completed else phase_completion_blockers(phase, phases, [*criteria, *kpi_gates]),
        "seminars": [a for a in activities if a.is_seminar],
    }


@dataclass
class AssessmentView:
    latest: SelfAssessment | None
    previous: SelfAssessment | None
    rows: list[tuple[str, object, object]]
    history: list[SelfAssessment]


def self_assessments(*, program: Program) -> AssessmentView:
    history = list(SelfAssessment.objects.filter(program=program).select_related("author").prefetch_related("scores"))
    latest = history[0] if history else None
    previous = history[1] if len(history) > 1 else None

    def by_pillar(assessment):
        return {s.pillar: s for s in assessment.scores.all()} if assessment else {}

    latest_map, previous_map = by_pillar(latest), by_pillar(previous)
    labels = [str(label) for label in Pillar.labels]
    return AssessmentView(
        latest=latest,
        previous=previous,
        rows=[(label, latest_map.get(p), previous_map.get(p)) for p, label in zip(Pillar.values, labels, strict=True)],
        history=history,
    )


@dataclass
class TimelineBar:
    label: str
    kind: str
    start: date
    end: date
    left: float
    width: float
    status: str
    detail: str = ""


def timeline(*, program: Program) -> dict:
    """Phases (spanning their activities), activities (at their due date) and instruments,
    positioned as percentages of the program period."""
    span = max((program.end_date - program.start_date).days, 1)

    def pos(day: date) -> float:
        clamped = min(max(day, program.start_date), program.end_date)
        return round((clamped - program.start_date).days * 100 / span, 2)

    def bar(label, kind, start, end, status, detail=""):
        left = pos(start)
        return TimelineBar(label, kind, start, end, left, max(round(pos(end) - left, 2), 1.0), status, detail)

    phases = list(phases_with_progress().filter(program=program))
    activities = list(Activity.objects.filter(phase__program=program).select_related("phase", "owner"))
    rows = []
    for phase in phases:
        own = [a for a in activities if a.phase_id == phase.pk]
        if own:
            start, end = min(a.due_date for a in own), max(a.due_date for a in own)
        else:
            start = end = program.start_date
        rows.append(bar(str(phase), "phase", start, end, phase.status, f"{round(phase.progress)} %"))
        rows.extend(bar(a.title, "activity", a.due_date, a.due_date, a.status, a.owner.get_full_name() if a.owner else "") for a in own)
    instruments = [bar(str(p.instrument), "instrument", p.start_date, p.end_date, p.status) for p in planned_instruments(program=program)]
    months = []
    cursor = date(program.start_date.year, program.start_date.month, 1)
    while cursor <= program.end_date:
        if cursor >= program.start_date:
            months.append((cursor, pos(cursor)))
        cursor = date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
    return {"phase_rows": rows, "instrument_rows": instruments, "months": months}


def program_news(*, program: Program) -> list[NewsPost]:
    return list(NewsPost.objects.filter(program=program).select_related("author"))


def program_history(*, program: Program) -> QuerySet[ChangeRecord]:
    return ChangeRecord.objects.filter(program=program).select_related("actor")


# ---------------------------------------------------------------------------------------------
# employees


def news_for_employee(*, user, limit: int = 10) -> list[NewsPost]:
    """News of programs (not drafts or archived) that target a segment the user's employee
    record belongs to. Membership is evaluated live, in one query over all target segments."""
    employee = Employee.objects.filter(user=user).first() if user.is_authenticated else None
    if employee is None:
        return []
    segments = list(
        Segment.objects.filter(
            program_targets__program__status__in=[Program.Status.ACTIVE, Program.Status.COMPLETED],
            program_targets__program__news__isnull=False,
        ).distinct()
    )
    if not segments:
        return []
    membership = (
        Employee.objects.filter(pk=employee.pk)
        .annotate(**{f"s{s.pk}": Exists(segment_employees(segment=s).filter(pk=OuterRef("pk"))) for s in segments})
        .values(*[f"s{s.pk}" for s in segments])
        .first()
        or {}
    )
    member_of = [s.pk for s in segments if membership.get(f"s{s.pk}")]
    if not member_of:
        return []
    return list(
        NewsPost.objects.filter(
            program__status__in=[Program.Status.ACTIVE, Program.Status.COMPLETED],
            program__target_segments__segment_id__in=member_of,
        )
        .select_related("program")
        .distinct()
        .order_by("-created", "-id")[:limit]
    )


# ---------------------------------------------------------------------------------------------
# history


_AUDITED_MODELS = {
    model._meta.model_name: model
    for model in (Program, Finding, ProgramFocusArea, Goal, TargetSegment, PlannedInstrument, Phase, Activity, SelfAssessment, NewsPost)
}


@dataclass
class HistoryEntry:
    record: ChangeRecord
    object_type: str
    changes: list[tuple[str, str, str]]


def _display(field, value: str) -> str:
    if value in ("yes", "no"):
        return _("yes") if value == "yes" else _("no")
    if field is not None and field.choices:
        return str({str(k): v for k, v in field.choices}.get(value, value))
    return value


def _special_label(name: str) -> str:
    """Keys that are not model fields: "criteria", "criterion:<text>", "suitability:<focus area>"."""
    prefix, _sep, rest = name.partition(":")
    labels = {"criteria": _("exit criteria"), "criterion": _("exit criterion"), "suitability": _("suitability")}
    if prefix in labels:
        return f"{labels[prefix]}: {rest}" if rest else labels[prefix]
    return name


def history_entries(records) -> list[HistoryEntry]:
    """Change records with field names and choice values shown in the reader's language."""
    entries = []
    for record in records:
        model = _AUDITED_MODELS.get(record.target_model)
        rows = []
        for name, (old, new) in record.changes.items():
            field = None
            if model is not None:
                try:
                    field = model._meta.get_field(name)
                except FieldDoesNotExist:
                    field = None
            label = str(field.verbose_name) if field is not None else _special_label(name)
            rows.append((label, _display(field, old), _display(field, new)))
        object_type = str(model._meta.verbose_name) if model is not None else record.target_model
        entries.append(HistoryEntry(record=record, object_type=object_type, changes=rows))
    return entries


# ---------------------------------------------------------------------------------------------
# dashboards


@dataclass
class PhaseStatus:
    phase: Phase
    criteria_total: int = 0
    criteria_met: int = 0
    overdue: int = 0
    done: int = 0

    @property
    def criteria_open(self) -> int:
        return self.criteria_total - self.criteria_met


def dashboard_programs(*, program_id: int | None = None) -> list[tuple[ProgramRow, list[PhaseStatus]]]:
    """Programs that are not archived (active ones first), or one, with each phase's progress,
    exit criteria met (checklist items and KPI thresholds, which the kpis app stores against
    the phases, read through the ``kpi_gates`` relation), done and overdue activities: four queries."""
    rows = [r for r in program_list() if r.program.status != Program.Status.ARCHIVED]
    rows.sort(key=lambda r: r.program.status != Program.Status.ACTIVE)
    if program_id is not None:
        rows = [r for r in rows if r.program.pk == program_id]
    ids = [p.pk for r in rows for p in r.phases]
    today = timezone.localdate()
    open_states = [Activity.Status.DONE, Activity.Status.CANCELLED]

    # One query: each count is a correlated subquery, so the three child tables are never joined
    # into one row set (whose size would be their product per phase).
    def counted(relation: str, condition=None):
        related = Phase._meta.get_field(relation).related_model  # kpi_gates belong to the kpis app
        related_rows = related._default_manager.filter(phase=OuterRef("pk"))
        if condition is not None:
            related_rows = related_rows.filter(condition)
        return Subquery(related_rows.order_by().values("phase").annotate(n=Count("pk")).values("n"), output_field=IntegerField())

    counts = Phase.objects.filter(pk__in=ids).annotate(
        criteria_total=counted("criteria"),
        criteria_met=counted("criteria", Q(met=True)),
        gates_total=counted("kpi_gates"),
        gates_met=counted("kpi_gates", Q(met=True)),
        overdue=counted("activities", Q(due_date__lt=today) & ~Q(status__in=open_states)),
        done=counted("activities", Q(status=Activity.Status.DONE)),
    )
    fields = ("criteria_total", "criteria_met", "gates_total", "gates_met", "overdue", "done")
    found = {row[0]: [n or 0 for n in row[1:]] for row in counts.values_list("pk", *fields)}
    checklist = {pk: (v[0], v[1]) for pk, v in found.items()}
    gates = {pk: (v[2], v[3]) for pk, v in found.items()}
    activities = {pk: (v[4], v[5]) for pk, v in found.items()}
    out = []
    for row in rows:
        statuses = []
        for phase in row.phases:
            total, met = gates.get(phase.pk, (0, 0))
            overdue, done = activities.get(phase.pk, (0, 0))
            statuses.append(
                PhaseStatus(
                    phase=phase,
                    criteria_total=checklist.get(phase.pk, (0, 0))[0] + total,
                    criteria_met=checklist.get(phase.pk, (0, 0))[1] + met,
                    overdue=overdue,
                    done=done,
                )
            )
        out.append((row, statuses))
    return out


def programs_for_owner(*, user) -> list[ProgramRow]:
    """Programs the user owns (HR cockpit), not archived."""
    return [r for r in program_list() if r.program.status != Program.Status.ARCHIVED and user.pk in {o.pk for o in r.program.owners.all()}]


def activities_due(*, user=None, days: int = 14, limit: int = 10) -> dict:
    """Next and overdue activities of active programs (the user's own programs when given)."""
    today = timezone.localdate()
    base = Activity.objects.filter(phase__program__status=Program.Status.ACTIVE).exclude(
        status__in=[Activity.Status.DONE, Activity.Status.CANCELLED]
    )
    if user is not None:
        base = base.filter(Q(owner=user) | Q(phase__program__owners=user)).distinct()
    base = base.select_related("phase__program", "owner").order_by("due_date", "pk")
    return {
        "overdue": list(base.filter(due_date__lt=today)[:limit]),
        "next": list(base.filter(due_date__gte=today, due_date__lte=today + timedelta(days=days))[:limit]),
    }
