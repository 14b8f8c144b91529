"""The navigation bar, by role. Apps add their entries here (URL names only, no imports)."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from common.roles import EMPLOYEE, EXECUTIVE, HR_MANAGER

# (url name, label, roles that see it)
NAV_ITEMS = [
    ("hr_home", _("Overview"), {HR_MANAGER}),
    ("executive_dashboard", _("Dashboard"), {EXECUTIVE}),
    ("employee_home", _("My surveys & news"), {EMPLOYEE}),
    ("people:org_chart", _("Org chart"), {HR_MANAGER, EXECUTIVE, EMPLOYEE}),
    ("people:employee_list", _("Employees"), {HR_MANAGER}),
    ("people:segment_list", _("Segments"), {HR_MANAGER, EXECUTIVE}),
    ("people:import_start", _("HRIS import"), {HR_MANAGER}),
    ("programs:list", _("Programs"), {HR_MANAGER, EXECUTIVE}),
    ("surveys:index", _("Surveys"), {HR_MANAGER, EXECUTIVE}),
    ("surveys:ideas", _("Ideas board"), {HR_MANAGER, EXECUTIVE, EMPLOYEE}),
    ("kpis:catalogue", _("KPI catalogue"), {HR_MANAGER, EXECUTIVE}),
    ("kpis:correlation", _("Engagement and customers"), {HR_MANAGER, EXECUTIVE}),
    ("kpis:driver_waves", _("Drivers"), {HR_MANAGER, EXECUTIVE}),
    ("kpis:prepost", _("Pre/post comparison"), {HR_MANAGER, EXECUTIVE}),
    ("kpis:import_start", _("Import KPI values"), {HR_MANAGER}),
]


# Entries gathered under one dropdown, so the bar stays on one line: url name -> menu label.
NAV_GROUPS = {
    "people:org_chart": _("Organisation"),
    "people:employee_list": _("Organisation"),
    "people:segment_list": _("Organisation"),
    "people:import_start": _("Organisation"),
    "kpis:catalogue": _("KPIs"),
    "kpis:correlation": _("KPIs"),
    "kpis:driver_waves": _("KPIs"),
    "kpis:prepost": _("KPIs"),
    "kpis:import_start": _("KPIs"),
}


def nav_for(roles: frozenset[str]) -> list[dict]:
    """Entries for the navigation bar; grouped ones become one entry with ``children``."""
    items: list[dict] = []
    groups: dict[str, dict] = {}
    for url_name, label, allowed in NAV_ITEMS:
        if not roles & allowed:
            continue
        try:
            entry = {"url": reverse(url_name), "label": label, "name": url_name}
        except NoReverseMatch:
            continue
        group_label = NAV_GROUPS.get(url_name)
        if group_label is None:
            items.append(entry)
        elif str(group_label) in groups:
            groups[str(group_label)]["children"].append(entry)
        else:
            groups[str(group_label)] = {"label": group_label, "children": [entry], "name": ""}
            items.append(groups[str(group_label)])
    return items
