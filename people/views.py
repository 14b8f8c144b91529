import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common import import_pages
from common.roles import EXECUTIVE, HR_MANAGER, has_role, role_required
from people import selectors, services
from people.forms import DepartmentForm, ImportUploadForm, SegmentForm
from people.models import Department, Employee, Segment


def can_see_employees(user) -> bool:
    """Employee lists are for HR managers and staff only."""
    return user.is_authenticated and (has_role(user, HR_MANAGER) or user.is_staff)


def employees_access(view):
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_see_employees(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# --- Org chart ----------------------------------------------------------------------------


@login_required
@require_GET
def org_chart(request):
    return render(request, "people/org_chart.html", {"roots": selectors.org_chart()})


# --- Employees and privacy ----------------------------------------------------------------


@employees_access
@require_GET
def employee_list(request):
    # PostgreSQL text cannot hold NUL; and isdigit() alone also accepts digits int() refuses ("²").
    query = request.GET.get("q", "").replace("\x00", "").strip()
    department_id = request.GET.get("department") or ""
    department_id = int(department_id) if department_id.isascii() and department_id.isdigit() else None
    page = Paginator(selectors.employee_list(query=query, department_id=department_id), 50).get_page(request.GET.get("page"))
    departments = Department.objects.only("id", "name_en", "name_de")
    return render(
        request, "people/employee_list.html", {"page": page, "query": query, "department_id": department_id, "departments": departments}
    )


@employees_access
@require_GET
def employee_detail(request, pk: int):
    employee = get_object_or_404(Employee.objects.select_related("department", "location", "manager", "user"), pk=pk)
    return render(request, "people/employee_detail.html", {"employee": employee, "can_act": has_role(request.user, HR_MANAGER)})


@role_required(HR_MANAGER)
@require_POST
def employee_export(request, pk: int):
    employee = get_object_or_404(Employee, pk=pk)
    data = services.employee_export(employee=employee, actor=request.user)
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="employee-{employee.pk}.json"'
    return response


@role_required(HR_MANAGER)
@require_POST
def employee_erase(request, pk: int):
    employee = get_object_or_404(Employee, pk=pk)
    try:
        services.employee_erase(employee=employee, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("people:employee_detail", pk=pk)
    messages.success(request, _("The employee's personal data and user account were erased. Anonymous survey answers are unaffected."))
    return redirect("people:employee_list")


# --- HRIS import --------------------------------------------------------------------------


IMPORT_URLS = {
    "start": "people:import_start",
    "detail": "people:import_run_detail",
    "commit": "people:import_run_commit",
    "template": "people:import_template",
}


@role_required(HR_MANAGER)
def import_start(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        run = services.import_run_create(
            file_name=data["file"].name,
            content=data["file"].read(),
            create_missing=data["create_missing"],
            mark_absent_exited_on=data["exit_date"] if data["mark_absent_exited"] else None,
            user=request.user,
        )
        return redirect("people:import_run_detail", pk=run.pk)
    runs = services.EMPLOYEE_IMPORT.recent_runs()
    return import_pages.render_start(
        request,
        services.EMPLOYEE_IMPORT,
        form=form,
        runs=runs,
        title=_("HRIS import"),
        urls=IMPORT_URLS,
        template="people/import_start.html",
    )


@role_required(HR_MANAGER)
@require_GET
def import_template(request, kind: str):
    return import_pages.template_download(services.EMPLOYEE_IMPORT, kind, file_stem="employees")


@role_required(HR_MANAGER)
@require_GET
def import_run_detail(request, pk: int):
    return import_pages.render_run(
        request,
        services.EMPLOYEE_IMPORT,
        pk,
        title=_("HRIS import"),
        key_label=_("Employee number"),
        urls=IMPORT_URLS,
        template="people/import_run_detail.html",
    )


@role_required(HR_MANAGER)
@require_POST
def import_run_commit(request, pk: int):
    return import_pages.commit(request, services.EMPLOYEE_IMPORT, pk, urls=IMPORT_URLS)


# --- Segments -----------------------------------------------------------------------------


@role_required(HR_MANAGER, EXECUTIVE)
@require_GET
def segment_list(request):
    return render(request, "people/segment_list.html", {"segments": selectors.segment_list()})


@role_required(HR_MANAGER, EXECUTIVE)
@require_GET
def segment_detail(request, pk: int):
    segment = get_object_or_404(Segment, pk=pk)
    form = SegmentForm(instance=segment)
    context = {"segment": segment, "rules": form.describe(), "match": form.initial.get("match")}
    if has_role(request.user, HR_MANAGER):
        members = Paginator(selectors.segment_members_page(segment=segment), 50).get_page(request.GET.get("page"))
        context.update(members=members, member_count=members.paginator.count)
    else:
        context["member_count"] = selectors.segment_member_count(segment=segment)
    return render(request, "people/segment_detail.html", context)


@role_required(HR_MANAGER)
def segment_create(request):
    form = SegmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        segment = services.segment_create(
            name=form.cleaned_data["name"], description=form.cleaned_data["description"], rules=form.rules(), user=request.user
        )
        return redirect("people:segment_detail", pk=segment.pk)
    count = (
        selectors.rules_employees(rules=form.rules_for_count()).count() if form.is_bound else selectors.rules_employees(rules={}).count()
    )
    return render(request, "people/segment_form.html", {"form": form, "member_count": count})


@role_required(HR_MANAGER)
def segment_edit(request, pk: int):
    segment = get_object_or_404(Segment, pk=pk)
    form = SegmentForm(request.POST or None, instance=segment)
    if request.method == "POST" and form.is_valid():
        services.segment_update(
            segment=segment, name=form.cleaned_data["name"], description=form.cleaned_data["description"], rules=form.rules()
        )
        return redirect("people:segment_detail", pk=segment.pk)
    count = (
        selectors.rules_employees(rules=form.rules_for_count()).count()
        if form.is_bound
        else selectors.segment_member_count(segment=segment)
    )
    return render(request, "people/segment_form.html", {"form": form, "segment": segment, "member_count": count})


@role_required(HR_MANAGER)
@require_POST
def segment_count(request):
    """The live member count while rules are edited (htmx); reads only."""
    count = selectors.rules_employees(rules=SegmentForm(request.POST).rules_for_count()).count()
    return render(request, "people/_segment_count.html", {"member_count": count})


@role_required(HR_MANAGER)
@require_POST
def segment_delete(request, pk: int):
    try:
        services.segment_delete(segment=get_object_or_404(Segment, pk=pk))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("people:segment_detail", pk=pk)
    messages.success(request, _("The segment was deleted."))
    return redirect("people:segment_list")


@role_required(HR_MANAGER)
def department_edit(request, pk: int):
    department = get_object_or_404(Department.objects.select_related("head"), pk=pk)
    form = DepartmentForm(request.POST or None, instance=department)
    if request.method == "POST" and form.is_valid():
        services.department_update(department=department, data=form.cleaned_data, head=form.cleaned_data["head_number"])
        messages.success(request, _("The department was saved."))
        return redirect(reverse("people:org_chart") + f"#department-{department.code}")
    return render(request, "people/department_edit.html", {"form": form, "department": department})
