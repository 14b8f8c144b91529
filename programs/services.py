"""Every write to a program goes through here; each one records who changed what in ChangeRecord."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from common.roles import HR_MANAGER, has_role
from programs.models import (
    Activity,
    ChangeRecord,
    ExitCriterion,
    Finding,
    FocusArea,
    Goal,
    Instrument,
    NewsPost,
    NewsRead,
    Phase,
    Pillar,
    PillarScore,
    PlannedInstrument,
    Program,
    ProgramFocusArea,
    SelfAssessment,
    Suitability,
    TargetSegment,
)

# ---------------------------------------------------------------------------------------------
# audit trail


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _record(*, program: Program, actor, obj: Model, action: str, changes: dict | None = None) -> None:
    ChangeRecord.objects.create(
        program=program,
        actor=actor,
        target_model=obj._meta.model_name,
        target_id=obj.pk,
        target_label=str(obj)[:300],
        action=action,
        changes=changes or {},
    )


def _apply(instance: Model, data: dict) -> dict:
    """Set the given fields and return {field: [old, new]} for those that really changed."""
    changes = {}
    for name, new in data.items():
        old = getattr(instance, name)
        same = getattr(old, "pk", None) == getattr(new, "pk", None) if isinstance(old, Model) or isinstance(new, Model) else old == new
        if not same:
            changes[name] = [_text(old), _text(new)]
            setattr(instance, name, new)
    return changes


def _set_m2m(instance: Model, name: str, new_objects, changes: dict) -> None:
    manager = getattr(instance, name)
    old = sorted(str(o) for o in manager.all())
    new = sorted(str(o) for o in new_objects)
    if {o.pk for o in manager.all()} != {o.pk for o in new_objects}:
        manager.set(new_objects)
        changes[name] = [_text(old), _text(new)]


# ---------------------------------------------------------------------------------------------
# validation shared by several use cases


def _check_period(start: date | None, end: date | None, *, start_field="start_date", end_field="end_date") -> None:
    if start and end and end < start:
        raise ValidationError({end_field: _("The end date must not be before the start date.")})


def _check_inside_program(program: Program, day: date | None, field: str) -> None:
    if day and not (program.start_date <= day <= program.end_date):
        raise ValidationError(
            {
                field: _("The date must lie within the program period (%(start)s to %(end)s).")
                % {"start": program.start_date.isoformat(), "end": program.end_date.isoformat()}
            }
        )


# ---------------------------------------------------------------------------------------------
# program


# number -> [(title, is_seminar)], gettext'd at creation so the creator's language is used;
# the titles are ordinary editable data afterwards.
def _standard_activities() -> dict[int, list[tuple[str, bool]]]:
    return {
        1: [(_("Executive workshop"), False), (_("Signed commitment statement"), False)],
        2: [(_("Kick-off communication"), False), (_("Team dialogues led by supervisors"), False)],
        3: [
            (_("Seminar: mission statement and marketing strategy"), True),
            (_("Seminar: new leadership methods (appraisal talks)"), True),
            (_("Seminar: quality techniques (KVP, EFQM)"), True),
            (_("Seminar: handling internal and external customer contact (complaints)"), True),
        ],
        4: [(_("Values commitment"), False), (_("Pulse survey on the internalisation of the values"), False)],
    }


def _standard_criteria() -> dict[int, list[str]]:
    return {
        1: [_("The executive team has committed to the program"), _("The commitment statement is signed")],
        2: [_("The kick-off communication reached every target segment"), _("Every supervisor has held a team dialogue")],
        3: [_("All four seminars have taken place"), _("Attendance reached the planned numbers")],
        4: [_("Employees have made the values commitment"), _("The internalisation pulse has been evaluated")],
    }


def _quarter_end(start: date, end: date, number: int) -> date:
    """The due date of a phase's standard activities: the end of its quarter of the period."""
    span = (end - start).days
    return start + timedelta(days=span * number // 4)


@transaction.atomic
def program_create(
    *, actor, name: str, start_date: date, end_date: date, description: str = "", owners=(), status: str = Program.Status.DRAFT
) -> Program:
    """Create a program with its four implementation phases, standard activities and exit criteria."""
    _check_period(start_date, end_date)
    program = Program.objects.create(name=name, description=description, start_date=start_date, end_date=end_date, status=status)
    program.owners.set({actor, *owners})
    activities, criteria = _standard_activities(), _standard_criteria()
    for number in Phase.Number.values:
        phase = Phase.objects.create(program=program, number=number)
        due = _quarter_end(start_date, end_date, number)
        Activity.objects.bulk_create(
            Activity(phase=phase, title=title, owner=actor, due_date=due, is_seminar=seminar) for title, seminar in activities[number]
        )
        ExitCriterion.objects.bulk_create(ExitCriterion(phase=phase, text=text) for text in criteria[number])
    _record(program=program, actor=actor, obj=program, action=ChangeRecord.Action.CREATED)
    return program


@transaction.atomic
def program_update(*, program: Program, actor, data: dict, owners=None) -> Program:
    _check_period(data.get("start_date", program.start_date), data.get("end_date", program.end_date))
    start, end = data.get("start_date", program.start_date), data.get("end_date", program.end_date)
    outside = Activity.objects.filter(phase__program=program).exclude(due_date__range=(start, end)).first()
    if outside:
        raise ValidationError(
            {
                "end_date": _("The activity “%(title)s” is due on %(due)s, outside the new period.")
                % {"title": outside, "due": outside.due_date}
            }
        )
    if owners is not None and any(not has_role(owner, HR_MANAGER) for owner in owners):
        raise ValidationError({"owners": _("Only HR managers can own a program.")})
    changes = _apply(program, data)
    if owners is not None:
        _set_m2m(program, "owners", list(owners), changes)
    if changes:
        program.save()
        _record(program=program, actor=actor, obj=program, action=ChangeRecord.Action.UPDATED, changes=changes)
    return program


# ---------------------------------------------------------------------------------------------
# situation analysis


@transaction.atomic
def finding_create(*, program: Program, actor, scope: str, source: str, swot: str, description: str, evidence_links=()) -> Finding:
    finding = Finding.objects.create(
        program=program, scope=scope, source=source, swot=swot, description=description, evidence_links=list(evidence_links)
    )
    _record(program=program, actor=actor, obj=finding, action=ChangeRecord.Action.CREATED)
    return finding


@transaction.atomic
def finding_update(*, finding: Finding, actor, data: dict) -> Finding:
    changes = _apply(finding, data)
    if changes:
        finding.save()
        _record(program=finding.program, actor=actor, obj=finding, action=ChangeRecord.Action.UPDATED, changes=changes)
    return finding


@transaction.atomic
def finding_delete(*, finding: Finding, actor) -> None:
    _record(program=finding.program, actor=actor, obj=finding, action=ChangeRecord.Action.DELETED)
    finding.delete()


# ---------------------------------------------------------------------------------------------
# strategic planning


@transaction.atomic
def program_focus_area_set(*, program: Program, actor, focus_area: FocusArea, priority: int, rationale: str = "") -> ProgramFocusArea:
    """Choose a focus area for the program, or change its priority and rationale if already chosen."""
    chosen = ProgramFocusArea.objects.filter(program=program, focus_area=focus_area).first()
    if chosen is None:
        chosen = ProgramFocusArea.objects.create(program=program, focus_area=focus_area, priority=priority, rationale=rationale)
        _record(program=program, actor=actor, obj=chosen, action=ChangeRecord.Action.CREATED)
        return chosen
    changes = _apply(chosen, {"priority": priority, "rationale": rationale})
    if changes:
        chosen.save()
        _record(program=program, actor=actor, obj=chosen, action=ChangeRecord.Action.UPDATED, changes=changes)
    return chosen


@transaction.atomic
def program_focus_area_delete(*, chosen: ProgramFocusArea, actor) -> None:
    _record(program=chosen.program, actor=actor, obj=chosen, action=ChangeRecord.Action.DELETED)
    chosen.delete()


def _check_goal(program: Program, kind: str, parent: Goal | None, exclude_pk=None) -> None:
    if kind == Goal.Kind.GENERAL:
        if parent is not None:
            raise ValidationError({"parent": _("The general goal is the root of the tree and has no parent.")})
        if Goal.objects.filter(program=program, kind=Goal.Kind.GENERAL).exclude(pk=exclude_pk).exists():
            raise ValidationError({"kind": _("This program already has a general goal.")})
    if parent is not None and parent.program_id != program.pk:
        raise ValidationError({"parent": _("Choose a goal of this program.")})
    if kind == Goal.Kind.SUB and (parent is None or parent.kind != Goal.Kind.GENERAL):
        raise ValidationError({"parent": _("A sub-goal sits under the general goal; add the general goal first and choose it.")})


@transaction.atomic
def goal_create(*, program: Program, actor, kind: str, title: str, description: str = "", due_date=None, parent=None) -> Goal:
    _check_goal(program, kind, parent)
    goal = Goal.objects.create(program=program, kind=kind, parent=parent, title=title, description=description, due_date=due_date)
    _record(program=program, actor=actor, obj=goal, action=ChangeRecord.Action.CREATED)
    return goal


@transaction.atomic
def goal_update(*, goal: Goal, actor, data: dict) -> Goal:
    _check_goal(goal.program, data.get("kind", goal.kind), data.get("parent", goal.parent), exclude_pk=goal.pk)
    if data.get("parent") is not None and data["parent"].pk == goal.pk:
        raise ValidationError({"parent": _("A goal cannot be its own parent.")})
    changes = _apply(goal, data)
    if changes:
        goal.save()
        _record(program=goal.program, actor=actor, obj=goal, action=ChangeRecord.Action.UPDATED, changes=changes)
    return goal


@transaction.atomic
def goal_delete(*, goal: Goal, actor) -> None:
    _record(program=goal.program, actor=actor, obj=goal, action=ChangeRecord.Action.DELETED)
    goal.delete()


@transaction.atomic
def target_segment_add(*, program: Program, actor, segment, note: str = "") -> TargetSegment:
    if TargetSegment.objects.filter(program=program, segment=segment).exists():
        raise ValidationError({"segment": _("This segment is already a target segment of the program.")})
    target = TargetSegment.objects.create(program=program, segment=segment, note=note)
    _record(program=program, actor=actor, obj=target, action=ChangeRecord.Action.CREATED)
    return target


@transaction.atomic
def target_segment_delete(*, target: TargetSegment, actor) -> None:
    _record(program=target.program, actor=actor, obj=target, action=ChangeRecord.Action.DELETED)
    target.delete()


@transaction.atomic
def suitability_set(*, target: TargetSegment, actor, ratings: dict[int, int | None]) -> None:
    """Ratings by chosen-focus-area id; ``None`` removes a rating."""
    chosen_names = {c.pk: str(c) for c in ProgramFocusArea.objects.filter(program=target.program_id).select_related("focus_area")}
    existing = {s.program_focus_area_id: s for s in target.suitabilities.all()}
    changes = {}
    for chosen_id, rating in ratings.items():
        if chosen_id not in chosen_names:
            raise ValidationError(_("Rate only the focus areas chosen for this program."))
        if rating is not None and not 1 <= rating <= 5:
            raise ValidationError(_("A suitability rating is between 1 and 5."))
        current = existing.get(chosen_id)
        old = current.rating if current else None
        if old == rating:
            continue
        if rating is None:
            current.delete()
        elif current:
            current.rating = rating
            current.save(update_fields=["rating"])
        else:
            Suitability.objects.create(target_segment=target, program_focus_area_id=chosen_id, rating=rating)
        changes[f"suitability:{chosen_names[chosen_id]}"] = [_text(old), _text(rating)]
    if changes:
        _record(program=target.program, actor=actor, obj=target, action=ChangeRecord.Action.UPDATED, changes=changes)


# ---------------------------------------------------------------------------------------------
# operational planning


@transaction.atomic
def instrument_create(*, actor, group: str, name_en: str, name_de: str = "") -> Instrument:
    """An HR manager's own catalogue entry (standard entries are seeded)."""
    return Instrument.objects.create(group=group, name_en=name_en, name_de=name_de, created_by=actor)


def _check_planned_instrument(program: Program, data: dict) -> None:
    if data.get("budget") is not None and data["budget"] < 0:
        raise ValidationError({"budget": _("The budget cannot be negative.")})
    _check_period(data.get("start_date"), data.get("end_date"))
    _check_inside_program(program, data.get("start_date"), "start_date")
    _check_inside_program(program, data.get("end_date"), "end_date")
    for chosen in data.get("focus_areas", []):
        if chosen.program_id != program.pk:
            raise ValidationError({"focus_areas": _("Choose focus areas of this program.")})
    for target in data.get("target_segments", []):
        if target.program_id != program.pk:
            raise ValidationError({"target_segments": _("Choose target segments of this program.")})


@transaction.atomic
def planned_instrument_create(*, program: Program, actor, data: dict) -> PlannedInstrument:
    _check_planned_instrument(program, data)
    fields = {k: v for k, v in data.items() if k not in ("focus_areas", "target_segments")}
    planned = PlannedInstrument.objects.create(program=program, **fields)
    planned.focus_areas.set(data.get("focus_areas", []))
    planned.target_segments.set(data.get("target_segments", []))
    _record(program=program, actor=actor, obj=planned, action=ChangeRecord.Action.CREATED)
    return planned


@transaction.atomic
def planned_instrument_update(*, planned: PlannedInstrument, actor, data: dict) -> PlannedInstrument:
    merged = {"start_date": planned.start_date, "end_date": planned.end_date, **data}
    _check_planned_instrument(planned.program, merged)
    changes = _apply(planned, {k: v for k, v in data.items() if k not in ("focus_areas", "target_segments")})
    planned.save()
    for name in ("focus_areas", "target_segments"):
        if name in data:
            _set_m2m(planned, name, list(data[name]), changes)
    if changes:
        _record(program=planned.program, actor=actor, obj=planned, action=ChangeRecord.Action.UPDATED, changes=changes)
    return planned


@transaction.atomic
def planned_instrument_delete(*, planned: PlannedInstrument, actor) -> None:
    _record(program=planned.program, actor=actor, obj=planned, action=ChangeRecord.Action.DELETED)
    planned.delete()


# ---------------------------------------------------------------------------------------------
# implementation


def _normalise_activity(program: Program, data: dict) -> dict:
    if "due_date" in data:
        _check_inside_program(program, data["due_date"], "due_date")
    completion = data.get("completion")
    if completion is not None and not 0 <= completion <= 100:
        raise ValidationError({"completion": _("Completion is a percentage between 0 and 100.")})
    if data.get("status") == Activity.Status.DONE:
        data = {**data, "completion": 100}
    return data


@transaction.atomic
def activity_create(*, phase: Phase, actor, data: dict) -> Activity:
    data = _normalise_activity(phase.program, data)
    activity = Activity.objects.create(phase=phase, **data)
    _record(program=phase.program, actor=actor, obj=activity, action=ChangeRecord.Action.CREATED)
    return activity


@transaction.atomic
def activity_update(*, activity: Activity, actor, data: dict) -> Activity:
    program = activity.phase.program
    data = _normalise_activity(program, data)
    changes = _apply(activity, data)
    if changes:
        activity.save()
        _record(program=program, actor=actor, obj=activity, action=ChangeRecord.Action.UPDATED, changes=changes)
    return activity


@transaction.atomic
def activity_delete(*, activity: Activity, actor) -> None:
    _record(program=activity.phase.program, actor=actor, obj=activity, action=ChangeRecord.Action.DELETED)
    activity.delete()


@transaction.atomic
def criterion_create(*, phase: Phase, actor, text: str) -> ExitCriterion:
    criterion = ExitCriterion.objects.create(phase=phase, text=text)
    _record(program=phase.program, actor=actor, obj=phase, action=ChangeRecord.Action.UPDATED, changes={"criteria": ["", text]})
    return criterion


@transaction.atomic
def criterion_set_met(*, criterion: ExitCriterion, actor, met: bool) -> ExitCriterion:
    if criterion.met != met:
        criterion.met = met
        criterion.save(update_fields=["met", "modified"])
        phase = criterion.phase
        _record(
            program=phase.program,
            actor=actor,
            obj=phase,
            action=ChangeRecord.Action.UPDATED,
            changes={f"criterion:{criterion.text}"[:120]: [_text(not met), _text(met)]},
        )
    return criterion


@transaction.atomic
def criterion_delete(*, criterion: ExitCriterion, actor) -> None:
    phase = criterion.phase
    _record(program=phase.program, actor=actor, obj=phase, action=ChangeRecord.Action.UPDATED, changes={"criteria": [criterion.text, ""]})
    criterion.delete()


def phase_completion_blockers(phase: Phase, phases: list[Phase], criteria: list) -> list[str]:
    """Why this phase cannot be completed by criteria alone (empty: it can). ``criteria`` are
    checklist items and KPI thresholds (``phase.kpi_gates``, evaluated by the KPI job): both
    have ``met``."""
    blockers = []
    previous = next((p for p in phases if p.number == phase.number - 1), None)
    if previous is not None and not previous.is_completed:
        blockers.append(_("Phase %(number)s is not completed yet.") % {"number": previous.number})
    if not criteria:
        blockers.append(_("This phase has no exit criteria."))
    else:
        open_count = sum(1 for c in criteria if not c.met)
        if open_count:
            blockers.append(_("%(count)s of %(total)s exit criteria are not met.") % {"count": open_count, "total": len(criteria)})
    return blockers


@transaction.atomic
def phase_complete(*, phase: Phase, actor, override_reason: str = "") -> Phase:
    """Complete a phase when its predecessor is completed and its criteria are met, or by an
    explicit override whose written reason is recorded."""
    phase = Phase.objects.select_for_update().select_related("program").get(pk=phase.pk)
    if phase.is_completed:
        raise ValidationError(_("This phase is already completed."))
    program = phase.program
    phases = list(program.phases.all())
    blockers = phase_completion_blockers(phase, phases, [*phase.criteria.all(), *phase.kpi_gates.all()])
    reason = override_reason.strip()
    if blockers and not reason:
        raise ValidationError(
            {"override_reason": [*blockers, _("Meet the criteria first, or give a written reason to complete the phase by override.")]}
        )
    phase.status = Phase.Status.COMPLETED
    phase.completed_at = timezone.now()
    phase.completed_by = actor
    phase.override_reason = reason if blockers else ""
    phase.save()
    changes = {"status": [Phase.Status.OPEN, Phase.Status.COMPLETED]}
    if phase.override_reason:
        changes["override_reason"] = ["", phase.override_reason]
    _record(program=program, actor=actor, obj=phase, action=ChangeRecord.Action.COMPLETED, changes=changes)
    # The program's status follows its phases: started once a phase is done, completed with the last.
    new_status = program.status
    if all(p.is_completed or p.pk == phase.pk for p in phases):
        new_status = Program.Status.COMPLETED
    elif program.status == Program.Status.DRAFT:
        new_status = Program.Status.ACTIVE
    if new_status != program.status:
        program_update(program=program, actor=actor, data={"status": new_status})
    return phase


@transaction.atomic
def phase_reopen(*, phase: Phase, actor) -> Phase:
    later = phase.program.phases.filter(number__gt=phase.number, status=Phase.Status.COMPLETED).first()
    if later:
        raise ValidationError(_("Reopen phase %(number)s first.") % {"number": later.number})
    changes = _apply(phase, {"status": Phase.Status.OPEN, "completed_at": None, "completed_by": None, "override_reason": ""})
    if changes:
        phase.save()
        _record(program=phase.program, actor=actor, obj=phase, action=ChangeRecord.Action.UPDATED, changes=changes)
    return phase


# ---------------------------------------------------------------------------------------------
# self-assessment and news


@transaction.atomic
def self_assessment_create(*, program: Program, actor, assessed_on: date, scores: dict[int, tuple[int, str]]) -> SelfAssessment:
    if set(scores) != set(Pillar.values):
        raise ValidationError(_("Score each of the six pillars."))
    for score, _note in scores.values():
        if not 1 <= score <= 5:
            raise ValidationError(_("A pillar score is between 1 and 5."))
    assessment = SelfAssessment.objects.create(program=program, assessed_on=assessed_on, author=actor)
    PillarScore.objects.bulk_create(
        PillarScore(assessment=assessment, pillar=pillar, score=score, note=note) for pillar, (score, note) in sorted(scores.items())
    )
    _record(program=program, actor=actor, obj=assessment, action=ChangeRecord.Action.CREATED)
    return assessment


@transaction.atomic
def news_post_create(*, program: Program, actor, title: str, body: str) -> NewsPost:
    post = NewsPost.objects.create(program=program, title=title, body=body, author=actor)
    _record(program=program, actor=actor, obj=post, action=ChangeRecord.Action.CREATED)
    return post


@transaction.atomic
def news_post_delete(*, post: NewsPost, actor) -> None:
    _record(program=post.program, actor=actor, obj=post, action=ChangeRecord.Action.DELETED)
    post.delete()


def news_seen(*, user, posts) -> None:
    """Record that a signed-in employee saw these news posts (first time only)."""
    if not user.is_authenticated or not posts:
        return
    NewsRead.objects.bulk_create([NewsRead(post=post, user=user) for post in posts], ignore_conflicts=True)
