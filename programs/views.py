"""Program pages. HR managers and executives read every program; owners (HR managers) edit.

Each page has a ``_render_<page>`` helper so a POST with invalid input re-renders the same page
with the bound form (and what the user typed) in place of the empty one.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.forms import run_service
from common.roles import EXECUTIVE, HR_MANAGER, role_required
from programs import charts, selectors, services
from programs.forms import (
    ActivityForm,
    CatalogueEntryForm,
    CriterionForm,
    FindingForm,
    FocusAreaChoiceForm,
    GoalForm,
    NewsPostForm,
    PhaseCompleteForm,
    PlannedInstrumentForm,
    ProgramForm,
    SelfAssessmentForm,
    SuitabilityForm,
    SummaryForm,
    TargetSegmentForm,
)
from programs.models import Activity, ExitCriterion, Finding, Goal, NewsPost, PlannedInstrument, ProgramFocusArea, TargetSegment

readers = role_required(HR_MANAGER, EXECUTIVE)


def _program(request, pk: int, *, edit: bool = False):
    program = selectors.program_get(user=request.user, pk=pk)
    can_edit = selectors.can_edit_program(user=request.user, program=program)
    if edit and not can_edit:
        raise PermissionDenied
    return program, can_edit


def _page(request, program, can_edit, template: str, context: dict, status: int = 200):
    context = {"program": program, "can_edit": can_edit, "steps": selectors.program_steps(program=program), **context}
    return render(request, template, context, status=status)


_run = run_service


# ---------------------------------------------------------------------------------------------
# program


@readers
def program_list(request):
    return render(
        request, "programs/program_list.html", {"rows": selectors.program_list(), "can_create": selectors.can_create_programs(request.user)}
    )


@role_required(HR_MANAGER)
def program_create(request):
    form = ProgramForm(request.POST or None)
    if request.method == "POST":
        created = {}
        if _run(form, lambda d: created.update(program=services.program_create(actor=request.user, **d))):
            messages.success(request, _("The program was created with its four implementation phases."))
            return redirect("programs:detail", pk=created["program"].pk)
    return render(request, "programs/program_form.html", {"form": form}, status=400 if form.errors else 200)


@readers
def program_detail(request, pk):
    program, can_edit = _program(request, pk)
    return _page(request, program, can_edit, "programs/program_detail.html", selectors.program_overview(program=program))


@readers
def program_edit(request, pk):
    program, can_edit = _program(request, pk, edit=True)
    # The form works on a copy so ``program`` keeps the stored values for the audit diff.
    form = ProgramForm(request.POST or None, instance=type(program).objects.get(pk=pk), initial={"owners": list(program.owners.all())})

    def save(data):
        owners = data.pop("owners")
        services.program_update(program=program, actor=request.user, data=data, owners=[*owners, request.user])

    if request.method == "POST" and _run(form, save):
        messages.success(request, _("The program was saved."))
        return redirect("programs:detail", pk=pk)
    return _page(request, program, can_edit, "programs/program_form.html", {"form": form}, status=400 if form.errors else 200)


# ---------------------------------------------------------------------------------------------
# situation analysis


def _render_analysis(request, program, can_edit, finding_form=None, summary_form=None):
    context = selectors.situation_analysis(program=program) | {
        "finding_form": finding_form or FindingForm(),
        "summary_form": summary_form or SummaryForm(initial={"situation_summary": program.situation_summary}),
    }
    status = 400 if (finding_form and finding_form.errors) or (summary_form and summary_form.errors) else 200
    return _page(request, program, can_edit, "programs/analysis.html", context, status)


@readers
def analysis(request, pk):
    program, can_edit = _program(request, pk)
    return _render_analysis(request, program, can_edit)


@readers
@require_POST
def finding_create(request, pk):
    program, can_edit = _program(request, pk, edit=True)
    form = FindingForm(request.POST)
    if _run(form, lambda d: services.finding_create(program=program, actor=request.user, **d)):
        return redirect("programs:analysis", pk=pk)
    return _render_analysis(request, program, can_edit, finding_form=form)


@readers
def finding_edit(request, pk, finding_pk):
    program, can_edit = _program(request, pk, edit=True)
    finding = get_object_or_404(Finding, pk=finding_pk, program=program)
    form = FindingForm(request.POST or None, instance=Finding.objects.get(pk=finding.pk))
    if request.method == "POST" and _run(form, lambda d: services.finding_update(finding=finding, actor=request.user, data=d)):
        return redirect("programs:analysis", pk=pk)
    return _page(
        request, program, can_edit, "programs/object_form.html", {"form": form, "title": _("Edit finding")}, 400 if form.errors else 200
    )


@readers
@require_POST
def finding_delete(request, pk, finding_pk):
    program, _can_edit = _program(request, pk, edit=True)
    services.finding_delete(finding=get_object_or_404(Finding, pk=finding_pk, program=program), actor=request.user)
    return redirect("programs:analysis", pk=pk)


@readers
@require_POST
def summary_update(request, pk):
    program, can_edit = _program(request, pk, edit=True)
    form = SummaryForm(request.POST)
    if _run(form, lambda d: services.program_update(program=program, actor=request.user, data=d)):
        messages.success(request, _("The summary was saved."))
        return redirect("programs:analysis", pk=pk)
    return _render_analysis(request, program, can_edit, summary_form=form)


# ---------------------------------------------------------------------------------------------
# strategic planning


def _render_strategy(request, program, can_edit, focus_form=None, goal_form=None, target_form=None, suitability_form=None):
    plan = selectors.strategic_plan(program=program)
    focus_form = focus_form or FocusAreaChoiceForm(initial={"priority": len(plan["chosen_focus_areas"]) + 1})
    rows = [
        (
            row,
            suitability_form
            if suitability_form is not None and suitability_form.target_pk == row.target.pk
            else SuitabilityForm(
                chosen=plan["chosen_focus_areas"], initial_ratings={c.pk: r for c, r in row.ratings}, prefix=f"t{row.target.pk}"
            ),
        )
        for row in plan["target_rows"]
    ]
    context = plan | {
        "focus_form": focus_form,
        "goal_form": goal_form or GoalForm(program=program),
        "target_form": target_form or TargetSegmentForm(),
        "target_forms": rows,
    }
    bound = [f for f in (focus_form, goal_form, target_form, suitability_form) if f is not None and f.is_bound]
    return _page(request, program, can_edit, "programs/strategy.html", context, 400 if any(f.errors for f in bound) else 200)


@readers
def strategy(request, pk):
    program, can_edit = _program(request, pk)
    return _render_strategy(request, program, can_edit)


@readers
@require_POST
def focus_area_set(request, pk):
    program, can_edit = _program(request, pk, edit=True)
    form = FocusAreaChoiceForm(request.POST)
    if _run(form, lambda d: services.program_focus_area_set(program=program, actor=request.user, **d)):
        return redirect("programs:strategy", pk=pk)
    return _render_strategy(request, program, can_edit, focus_form=form)


@readers
@require_POST
def focus_area_delete(request, pk, chosen_pk):
    program, _can_edit = _program(request, pk, edit=True)
    services.program_focus_area_delete(chosen=get_object_or_404(ProgramFocusArea, pk=chosen_pk, program=program), actor=request.user)
    return redirect("programs:strategy", pk=pk)


@readers
@require_POST
def goal_create(request, pk):
    program, can_edit = _program(request, pk, edit=True)
    form = GoalForm(request.POST, program=program)
    if _run(form, lambda d: services.goal_create(program=program, actor=request.user, **d)):
        return redirect("programs:strategy", pk=pk)
    return _render_strategy(request, program, can_edit, goal_form=form)


@readers
def goal_edit(request, pk, goal_pk):
    program, can_edit = _program(request, pk, edit=True)
    goal = get_object_or_404(Goal, pk=goal_pk, program=program)
    form = GoalForm(request.POST or None, instance=Goal.objects.get(pk=goal.pk), program=program)
    if request.method == "POST" and _run(form, lambda d: services.goal_update(goal=goal, actor=request.user, data=d)):
        return redirect("programs:strategy", pk=pk)
    return _page(
        request, program, can_edit, "programs/object_form.html", {"form": form, "title": _("Edit goal")}, 400 if form.errors else 200
    )


@readers
@require_POST
def goal_delete(request, pk, goal_pk):
    program, _can_edit = _program(request, pk, edit=True)
    services.goal_delete(goal=get_object_or_404(Goal, pk=goal_pk, program=program), actor=request.user)
    return redirect("programs:strategy", pk=pk)


@readers
@require_POST
def target_create(request, pk):
    program, can_edit = _program(request, pk, edit=True)
    form = TargetSegmentForm(request.POST)
    if _run(form, lambda d: services.target_segment_add(program=program, actor=request.user, **d)):
        return redirect("programs:strategy", pk=pk)
    return _render_strategy(request, program, can_edit, target_form=form)


@readers
@require_POST
def target_delete(request, pk, target_pk):
    program, _can_edit = _program(request, pk, edit=True)
    services.target_segment_delete(target=get_object_or_404(TargetSegment, pk=target_pk, program=program), actor=request.user)
    return redirect("programs:strategy", pk=pk)


@readers
@require_POST
def suitability_update(request, pk, target_pk):
    program, can_edit = _program(request, pk, edit=True)
    target = get_object_or_404(TargetSegment, pk=target_pk, program=program)
    chosen = list(ProgramFocusArea.objects.filter(program=program).select_related("focus_area"))
    form = SuitabilityForm(request.POST, chosen=chosen, prefix=f"t{target.pk}")
    form.target_pk = target.pk
    if _run(form, lambda d: services.suitability_set(target=target, actor=request.user, ratings=form.ratings())):
        return redirect("programs:strategy", pk=pk)
    return _render_strategy(request, program, can_edit, suitability_form=form)


# ---------------------------------------------------------------------------------------------
# operational planning


def _render_operations(request, program, can_edit, planned_form=None, catalogue_form=None):
    context = selectors.operational_plan(program=program) | {
        "planned_form": planned_form
        or PlannedInstrumentForm(
            program=program, initial={"owner": request.user, "start_date": program.start_date, "end_date": program.end_date}
        ),
        "catalogue_form": catalogue_form or CatalogueEntryForm(),
    }
    status = 400 if any(f is not None and f.errors for f in (planned_form, catalogue_form)) else 200
    return _page(request, program, can_edit, "programs/operations.html", context, status)


@readers
def operations(request, pk):
    program, can_edit = _program(request, pk)
    return _render_operations(request, program, can_edit)


@readers
@require_POST
def planned_create(request, pk):
    program, can_edit = _program(request, pk, edit=True)
    form = PlannedInstrumentForm(request.POST, program=program)
    if _run(form, lambda d: services.planned_instrument_create(program=program, actor=request.user, data=d)):
        return redirect("programs:operations", pk=pk)
    return _render_operations(request, program, can_edit, planned_form=form)


@readers
def planned_edit(request, pk, planned_pk):
    program, can_edit = _program(request, pk, edit=True)
    planned = get_object_or_404(PlannedInstrument, pk=planned_pk, program=program)
    form = PlannedInstrumentForm(request.POST or None, instance=PlannedInstrument.objects.get(pk=planned.pk), program=program)
    if request.method == "POST" and _run(form, lambda d: services.planned_instrument_update(planned=planned, actor=request.user, data=d)):
        return redirect("programs:operations", pk=pk)
    context = {"form": form, "title": _("Edit planned instrument")}
    return _page(request, program, can_edit, "programs/object_form.html", context, 400 if form.errors else 200)


@readers
@require_POST
def planned_delete(request, pk, planned_pk):
    program, _can_edit = _program(request, pk, edit=True)
    services.planned_instrument_delete(planned=get_object_or_404(PlannedInstrument, pk=planned_pk, program=program), actor=request.user)
    return redirect("programs:operations", pk=pk)


@readers
@require_POST
def catalogue_create(request, pk):
    program, can_edit = _program(request, pk, edit=True)
    form = CatalogueEntryForm(request.POST)
    if _run(form, lambda d: services.instrument_create(actor=request.user, **d)):
        messages.success(request, _("The instrument was added to the catalogue."))
        return redirect("programs:operations", pk=pk)
    return _render_operations(request, program, can_edit, catalogue_form=form)


# ---------------------------------------------------------------------------------------------
# implementation


@readers
def implementation(request, pk):
    program, can_edit = _program(request, pk)
    return _page(request, program, can_edit, "programs/implementation.html", selectors.implementation(program=program))


def _render_phase(request, program, can_edit, number, activity_form=None, criterion_form=None, complete_form=None):
    context = selectors.phase_detail(program=program, number=number)
    context |= {
        "activity_form": activity_form or ActivityForm(initial={"owner": request.user, "due_date": program.end_date}),
        "criterion_form": criterion_form or CriterionForm(),
        "complete_form": complete_form or PhaseCompleteForm(),
        "active_step": "implementation",
    }
    status = 400 if any(f is not None and f.errors for f in (activity_form, criterion_form, complete_form)) else 200
    return _page(request, program, can_edit, "programs/phase.html", context, status)


@readers
def phase(request, pk, number):
    program, can_edit = _program(request, pk)
    return _render_phase(request, program, can_edit, number)


def _phase_of(program, number):
    return get_object_or_404(program.phases.select_related("program"), number=number)


@readers
@require_POST
def activity_create(request, pk, number):
    program, can_edit = _program(request, pk, edit=True)
    phase_obj = _phase_of(program, number)
    form = ActivityForm(request.POST)
    if _run(form, lambda d: services.activity_create(phase=phase_obj, actor=request.user, data=d)):
        return redirect("programs:phase", pk=pk, number=number)
    return _render_phase(request, program, can_edit, number, activity_form=form)


@readers
def activity_edit(request, pk, activity_pk):
    program, can_edit = _program(request, pk, edit=True)
    activity = get_object_or_404(Activity.objects.select_related("phase__program"), pk=activity_pk, phase__program=program)
    form = ActivityForm(request.POST or None, instance=Activity.objects.get(pk=activity.pk))
    if request.method == "POST" and _run(form, lambda d: services.activity_update(activity=activity, actor=request.user, data=d)):
        return redirect("programs:phase", pk=pk, number=activity.phase.number)
    context = {"form": form, "title": _("Edit activity"), "back_phase": activity.phase}
    return _page(request, program, can_edit, "programs/object_form.html", context, 400 if form.errors else 200)


@readers
@require_POST
def activity_delete(request, pk, activity_pk):
    program, _can_edit = _program(request, pk, edit=True)
    activity = get_object_or_404(Activity.objects.select_related("phase__program"), pk=activity_pk, phase__program=program)
    services.activity_delete(activity=activity, actor=request.user)
    return redirect("programs:phase", pk=pk, number=activity.phase.number)


@readers
@require_POST
def criterion_create(request, pk, number):
    program, can_edit = _program(request, pk, edit=True)
    phase_obj = _phase_of(program, number)
    form = CriterionForm(request.POST)
    if _run(form, lambda d: services.criterion_create(phase=phase_obj, actor=request.user, **d)):
        return redirect("programs:phase", pk=pk, number=number)
    return _render_phase(request, program, can_edit, number, criterion_form=form)


@readers
@require_POST
def criterion_toggle(request, pk, criterion_pk):
    program, _can_edit = _program(request, pk, edit=True)
    criterion = get_object_or_404(ExitCriterion.objects.select_related("phase__program"), pk=criterion_pk, phase__program=program)
    services.criterion_set_met(criterion=criterion, actor=request.user, met=request.POST.get("met") == "1")
    return redirect("programs:phase", pk=pk, number=criterion.phase.number)


@readers
@require_POST
def criterion_delete(request, pk, criterion_pk):
    program, _can_edit = _program(request, pk, edit=True)
    criterion = get_object_or_404(ExitCriterion.objects.select_related("phase__program"), pk=criterion_pk, phase__program=program)
    services.criterion_delete(criterion=criterion, actor=request.user)
    return redirect("programs:phase", pk=pk, number=criterion.phase.number)


@readers
@require_POST
def phase_complete(request, pk, number):
    program, can_edit = _program(request, pk, edit=True)
    phase_obj = _phase_of(program, number)
    form = PhaseCompleteForm(request.POST)
    if _run(form, lambda d: services.phase_complete(phase=phase_obj, actor=request.user, **d)):
        messages.success(request, _("Phase %(number)s is completed.") % {"number": number})
        return redirect("programs:phase", pk=pk, number=number)
    return _render_phase(request, program, can_edit, number, complete_form=form)


@readers
@require_POST
def phase_reopen(request, pk, number):
    program, _can_edit = _program(request, pk, edit=True)
    try:
        services.phase_reopen(phase=_phase_of(program, number), actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("programs:phase", pk=pk, number=number)


# ---------------------------------------------------------------------------------------------
# self-assessment, timeline, news, history


def _render_assessment(request, program, can_edit, form=None):
    view = selectors.self_assessments(program=program)
    context = {
        "view": view,
        "chart": charts.pillars(view) if view.latest else None,
        "form": form or SelfAssessmentForm(initial={"assessed_on": timezone.localdate()}),
    }
    return _page(request, program, can_edit, "programs/assessment.html", context, 400 if form is not None and form.errors else 200)


@readers
def assessment(request, pk):
    program, can_edit = _program(request, pk)
    return _render_assessment(request, program, can_edit)


@readers
@require_POST
def assessment_create(request, pk):
    program, can_edit = _program(request, pk, edit=True)
    form = SelfAssessmentForm(request.POST)

    def call(d):
        return services.self_assessment_create(program=program, actor=request.user, assessed_on=d["assessed_on"], scores=form.scores())

    if _run(form, call):
        return redirect("programs:assessment", pk=pk)
    return _render_assessment(request, program, can_edit, form)


@readers
def timeline(request, pk):
    program, can_edit = _program(request, pk)
    return _page(request, program, can_edit, "programs/timeline.html", selectors.timeline(program=program))


def _render_news(request, program, can_edit, form=None):
    context = {"posts": selectors.program_news(program=program), "form": form or NewsPostForm()}
    return _page(request, program, can_edit, "programs/news.html", context, 400 if form is not None and form.errors else 200)


@readers
def news(request, pk):
    program, can_edit = _program(request, pk)
    return _render_news(request, program, can_edit)


@readers
@require_POST
def news_create(request, pk):
    program, can_edit = _program(request, pk, edit=True)
    form = NewsPostForm(request.POST)
    if _run(form, lambda d: services.news_post_create(program=program, actor=request.user, **d)):
        messages.success(request, _("The news was published to the program's target segments."))
        return redirect("programs:news", pk=pk)
    return _render_news(request, program, can_edit, form)


@readers
@require_POST
def news_delete(request, pk, post_pk):
    program, _can_edit = _program(request, pk, edit=True)
    services.news_post_delete(post=get_object_or_404(NewsPost, pk=post_pk, program=program), actor=request.user)
    return redirect("programs:news", pk=pk)


@readers
def history(request, pk):
    program, can_edit = _program(request, pk)
    page = Paginator(selectors.program_history(program=program), 50).get_page(request.GET.get("page"))
    return _page(
        request, program, can_edit, "programs/history.html", {"page_obj": page, "entries": selectors.history_entries(page.object_list)}
    )
