from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from common.roles import EMPLOYEE, EXECUTIVE, HR_MANAGER, role_required, user_roles
from dashboards import charts, selectors
from programs import selectors as program_selectors
from programs import services as program_services
from surveys.selectors import open_waves_for_user


@login_required
def home(request):
    """Send each role to its own home page; HR first when a user holds several roles."""
    roles = user_roles(request.user)
    if HR_MANAGER in roles:
        return redirect("hr_home")
    if EXECUTIVE in roles:
        return redirect("executive_dashboard")
    if EMPLOYEE in roles:
        return redirect("employee_home")
    if request.user.is_staff:
        return redirect("admin:index")
    return render(request, "dashboards/no_role.html", status=403)


@role_required(HR_MANAGER)
def hr_home(request):
    return render(request, "dashboards/hr_home.html", selectors.hr_cockpit(user=request.user))


@role_required(EXECUTIVE, HR_MANAGER)
def executive_dashboard(request):
    """Where programs stand and whether internal marketing works, within the filters."""
    filters = selectors.filters_from(request.GET)
    overview = selectors.executive_overview(filters=filters, waves=False)
    context = {
        "overview": overview,
        "filters": filters,
        "programs": selectors.program_choices(),
        "departments": selectors.department_choices(),
        "charts": charts.executive_charts(overview),
    }
    return render(request, "dashboards/executive_dashboard.html", context)


@role_required(EMPLOYEE)
def employee_home(request):
    news = program_selectors.news_for_employee(user=request.user)
    program_services.news_seen(user=request.user, posts=news)  # what the communication-reach KPI counts
    context = {"program_news": news, "open_waves": open_waves_for_user(user=request.user), **selectors.employee_home(user=request.user)}
    return render(request, "dashboards/employee_home.html", context)


@role_required(EXECUTIVE, HR_MANAGER)
def executive_latest_wave(request):
    """The dashboard's section on the latest wave (loaded by htmx, or opened on its own)."""
    filters = selectors.filters_from(request.GET)
    return render(request, "dashboards/_latest_wave.html", {"latest": selectors.latest_wave_section(filters=filters), "filters": filters})


@role_required(EXECUTIVE, HR_MANAGER)
def executive_internal(request):
    """The dashboard's section on internal service (loaded by htmx, or opened on its own)."""
    filters = selectors.filters_from(request.GET)
    wave, internal = selectors.internal_section(filters=filters)
    return render(request, "dashboards/_internal.html", {"internal_wave": wave, "internal": internal})
