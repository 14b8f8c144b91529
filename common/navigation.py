"""The navigation bar, by role. Apps add their entries here (URL names only, no imports)."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from common.roles import EMPLOYEE, EXECUTIVE, HR_MANAGER

# (url name, label, roles that see it)
NAV_ITEMS = [
    ("hr_home", _("Programs & surveys"), {HR_MANAGER}),
    ("executive_dashboard", _("Dashboard"), {EXECUTIVE}),
    ("employee_home", _("My surveys & news"), {EMPLOYEE}),
    ("people:org_chart", _("Org chart"), {HR_MANAGER, EXECUTIVE, EMPLOYEE}),
    ("people:employee_list", _("Employees"), {HR_MANAGER}),
    ("people:segment_list", _("Segments"), {HR_MANAGER, EXECUTIVE}),
    ("people:import_start", _("HRIS import"), {HR_MANAGER}),
    ("programs:list", _("Programs"), {HR_MANAGER, EXECUTIVE}),
    ("surveys:index", _("Surveys"), {HR_MANAGER}),
    ("surveys:ideas", _("Ideas board"), {HR_MANAGER, EXECUTIVE, EMPLOYEE}),
]


def nav_for(roles: frozenset[str]) -> list[dict]:
    items = []
    for url_name, label, allowed in NAV_ITEMS:
        if roles & allowed:
            try:
                items.append({"url": reverse(url_name), "label": label, "name": url_name})
            except NoReverseMatch:
                continue
    return items
