"""KPI pages. HR managers and executives read; HR managers edit. A POST with invalid input
re-renders its page with the bound form (what the user typed, and why it was refused)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.forms import run_service
from common.roles import EXECUTIVE, HR_MANAGER, has_role, role_required
from kpis import charts, selectors, services
from kpis.forms import (
    BaselineForm,
    KpiForm,
    KpiUpdateForm,
    MeasurementForm,
    PhaseGateForm,
    Places,
    PrePostForm,
    ProgramMeasurementForm,
    TargetForm,
)
from kpis.models import PhaseGate
from programs.models import Phase
from programs.selectors import can_edit_program
from surveys.models import Wave

readers = role_required(HR_MANAGER, EXECUTIVE)
editors = role_required(HR_MANAGER)


_run = run_service


def _status(*forms) -> int:
    return 400 if any(f is not None and f.is_bound and f.errors for f in forms) else 200


# --- catalogue ------------------------------------------------------------------------


@readers
def catalogue(request):
    context = selectors.catalogue(user=request.user) | {"can_edit": has_role(request.user, HR_MANAGER)}
    return render(request, "kpis/catalogue.html", context)


@editors
def kpi_create(request):
    form = KpiForm(request.POST or None)
    created = {}
    if request.method == "POST" and _run(form, lambda d: created.update(kpi=services.kpi_create(owner=request.user, **d))):
        messages.success(request, _("The KPI was added. Enter or import its values."))
        return redirect("kpis:detail", code=created["kpi"].code)
    return render(request, "kpis/kpi_form.html", {"form": form}, status=_status(form))


@editors
@require_POST
def alerts_seen(request):
    services.alerts_seen(user=request.user)
    return redirect("kpis:catalogue")


# --- one KPI --------------------------------------------------------------------------


def _kpi(code: str):
    kpi = selectors.kpi_get(code=code)
    if kpi is None:
        raise Http404
    return kpi


def _render_detail(request, kpi, scope="", **bound):
    page = selectors.kpi_page(kpi=kpi, scope=scope or request.GET.get("scope", ""))
    context = {"page": page, "kpi": kpi, "chart": charts.kpi_history(page), "can_edit": has_role(request.user, HR_MANAGER)}
    if context["can_edit"]:
        places = Places(page.departments, page.locations)
        initial = {"scope_key": page.scope}
        context |= {
            "value_form": bound.get("value_form") or MeasurementForm(kpi=kpi, places=places, initial=initial),
            "baseline_form": bound.get("baseline_form") or BaselineForm(kpi=kpi, places=places, initial=initial),
            "target_form": bound.get("target_form") or TargetForm(kpi=kpi, places=places, initial=initial),
            "settings_form": bound.get("settings_form") or KpiUpdateForm(instance=kpi),
        }
    return render(request, "kpis/detail.html", context, status=_status(*bound.values()))


@readers
def detail(request, code):
    return _render_detail(request, _kpi(code))


def _scoped_post(request, code, form_class, name, call, success):
    """The shared body of the three scoped forms of the KPI page."""
    kpi = _kpi(code)
    form = form_class(request.POST, kpi=kpi, places=Places(*selectors.places()))
    if _run(form, lambda d: call(kpi, d)):
        messages.success(request, success)
        return redirect(f"{reverse('kpis:detail', args=[kpi.code])}?scope={request.POST.get(f'{form.prefix}-scope_key', '')}")
    return _render_detail(request, kpi, scope=request.POST.get(f"{form.prefix}-scope_key", ""), **{name: form})


@editors
@require_POST
def measurement_enter(request, code):
    def call(kpi, d):
        services.measurement_enter(kpi=kpi, period=d["period"], value=d["value"], actor=request.user, **d["scope_key"])

    return _scoped_post(request, code, MeasurementForm, "value_form", call, _("The value was saved."))


@editors
@require_POST
def baseline_set(request, code):
    def call(kpi, d):
        services.baseline_set(
            kpi=kpi,
            value=d["value"],
            from_wave=d.get("from_wave"),
            from_period=d["from_period"],
            note=d["note"],
            actor=request.user,
            **d["scope_key"],
        )

    return _scoped_post(request, code, BaselineForm, "baseline_form", call, _("The baseline was set."))


@editors
@require_POST
def target_set(request, code):
    def call(kpi, d):
        services.target_set(kpi=kpi, value=d["value"], due_date=d["due_date"], goal=d["goal"], actor=request.user, **d["scope_key"])

    return _scoped_post(request, code, TargetForm, "target_form", call, _("The target was set."))


@editors
@require_POST
def kpi_update(request, code):
    kpi = _kpi(code)
    form = KpiUpdateForm(request.POST, instance=selectors.kpi_get(code=code))
    if form.is_valid():
        services.kpi_settings_update(kpi=kpi, owner=form.cleaned_data["owner"], tolerance=form.cleaned_data["tolerance"])
        messages.success(request, _("Owner and tolerance were saved."))
        return redirect("kpis:detail", code=kpi.code)
    return _render_detail(request, kpi, settings_form=form)


# --- phase gates ----------------------------------------------------------------------


def _editable_phase(request, pk) -> Phase:
    phase = get_object_or_404(Phase.objects.select_related("program").prefetch_related("program__owners"), pk=pk)
    if not can_edit_program(user=request.user, program=phase.program):
        raise PermissionDenied
    return phase


def _phase_url(phase):
    return redirect("programs:phase", pk=phase.program_id, number=phase.number)


@editors
def gate_create(request):
    phase_id = request.POST.get("phase") or request.GET.get("phase") or ""
    if not phase_id.isdigit():
        raise Http404
    phase = _editable_phase(request, int(phase_id))
    form = PhaseGateForm(request.POST or None, phase=phase, places=Places(*selectors.places()))
    if request.method == "POST" and form.is_valid():
        gate = form.instance
        services.gate_create(
            phase=phase,
            kpi=gate.kpi,
            scope=gate.scope,
            department=gate.department,
            location=gate.location,
            comparison=gate.comparison,
            threshold=gate.threshold,
        )
        messages.success(request, _("The KPI threshold was added to the phase's exit criteria."))
        return _phase_url(phase)
    gates = phase.kpi_gates.select_related("kpi", "department", "location")
    return render(request, "kpis/gate_form.html", {"form": form, "phase": phase, "gates": gates}, status=_status(form))


@editors
@require_POST
def gate_delete(request, pk):
    gate = get_object_or_404(PhaseGate, pk=pk)
    phase = _editable_phase(request, gate.phase_id)
    services.gate_delete(gate=gate)
    messages.success(request, _("The KPI threshold was removed."))
    return _phase_url(phase)


# --- analyses -------------------------------------------------------------------------


@readers
def correlation(request):
    results = [(item, charts.correlation(item)) for item in selectors.correlations()]
    return render(request, "kpis/correlation.html", {"results": results})


@readers
def driver_waves(request):
    return render(request, "kpis/driver_waves.html", {"waves": list(selectors.driver_waves())})


@readers
def drivers(request, wave_id):
    wave = get_object_or_404(Wave.objects.select_related("template"), pk=wave_id, status=Wave.Status.CLOSED)
    return render(request, "kpis/drivers.html", {"wave": wave, "drivers": selectors.drivers(wave=wave)})


def _render_prepost(request, plan_form=None):
    plans = selectors.program_plans()
    params = request.GET.copy()
    chosen = next((p for p in plans if str(p.program_id) == params.get("program")), None)
    if chosen is not None:
        params["before"], params["after"] = chosen.pre_wave_id, chosen.post_wave_id
        params["target_segment"], params["control_segment"] = chosen.target_segment_id or "", chosen.control_segment_id or ""
    form = PrePostForm(params if "before" in params else None)
    result = selectors.prepost(**form.cleaned_data) if form.is_bound and form.is_valid() else None
    context = {
        "form": form,
        "result": result,
        "plans": plans,
        "chosen": chosen,
        "can_edit": has_role(request.user, HR_MANAGER),
        "plan_form": plan_form or ProgramMeasurementForm(initial=_plan_initial(chosen)),
    }
    return render(request, "kpis/prepost.html", context, status=_status(form, plan_form))


def _plan_initial(plan) -> dict:
    if plan is None:
        return {}
    fields = ("program", "pre_wave", "post_wave", "target_segment", "control_segment")
    return {name: getattr(plan, f"{name}_id") for name in fields}


@readers
def prepost(request):
    return _render_prepost(request)


@editors
@require_POST
def program_measurement_set(request):
    form = ProgramMeasurementForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        program = data.pop("program")
        if _run(form, lambda d: services.program_measurement_set(program=program, **data)):
            messages.success(request, _("The program's pre- and post-measurement were saved."))
            return redirect(f"{reverse('kpis:prepost')}?program={program.pk}")
    return _render_prepost(request, plan_form=form)
