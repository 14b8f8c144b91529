"""Reads over the organisation: segment evaluation, the org chart, employee lists and exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from people.models import TENURE_BAND_BOUNDS, Department, Employee, Location, Segment

# Fields a segment rule may use. "status" is a scope, not a rule: it always applies (default:
# active employees only), and the other conditions are combined with all/any inside it.
SEGMENT_FIELDS = ("department", "location", "location_type", "job_family", "customer_facing", "is_manager", "tenure_band", "status")
TRUE_VALUES = {True, "1", "true", "yes", "True"}


def department_descendant_ids(department_ids) -> set[int]:
    """The given departments and every department below them."""
    parents = dict(Department.objects.values_list("id", "parent_id"))
    children: dict[int | None, list[int]] = {}
    for dept_id, parent_id in parents.items():
        children.setdefault(parent_id, []).append(dept_id)
    result, stack = set(), [int(d) for d in department_ids]
    while stack:
        current = stack.pop()
        if current not in result:
            result.add(current)
            stack.extend(children.get(current, []))
    return result


def _years_before(on: date, years: int) -> date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February in a year without one
        return on.replace(year=on.year - years, day=28)


def _tenure_band_q(band: str, on: date) -> Q:
    """Hire dates falling into a tenure band on ``on``; mirrors ``people.models.tenure_band``."""
    bounds = [lower for lower, _band in TENURE_BAND_BOUNDS]
    bands = [b.value for _lower, b in TENURE_BAND_BOUNDS]
    if band not in bands:
        raise ValueError(f"unknown tenure band {band!r}")
    index = bands.index(band)
    q = Q(hire_date__lte=_years_before(on, bounds[index]))
    if index + 1 < len(bounds):
        q &= Q(hire_date__gt=_years_before(on, bounds[index + 1]))
    return q


def _is_manager_q(on: date) -> Q:
    reports = Employee.objects.active(on).filter(manager=OuterRef("pk"))
    return Q(Exists(reports))


def _condition_q(condition: dict, on: date) -> Q:
    field_name, values = condition.get("field"), list(condition.get("values") or [])
    if field_name == "department":
        return Q(department_id__in=department_descendant_ids(values))
    if field_name == "location":
        return Q(location_id__in=[int(v) for v in values])
    if field_name == "location_type":
        return Q(location__kind__in=values)
    if field_name == "job_family":
        return Q(job_family__in=values)
    if field_name == "customer_facing":
        return Q(customer_facing__in={v in TRUE_VALUES for v in values})
    if field_name == "is_manager":
        wanted = {v in TRUE_VALUES for v in values}
        if wanted == {True}:
            return _is_manager_q(on)
        if wanted == {False}:
            return ~_is_manager_q(on)
        return Q()
    if field_name == "tenure_band":
        combined = Q(pk__in=[])
        for band in values:
            combined |= _tenure_band_q(band, on)
        return combined
    raise ValueError(f"unknown segment field {field_name!r}")


def _status_q(values: list, on: date) -> Q:
    active = Q(hire_date__lte=on) & (Q(exit_date__isnull=True) | Q(exit_date__gt=on))
    exited = Q(exit_date__lte=on)
    wanted = set(values)
    if wanted == {"exited"}:
        return exited
    if wanted == {"active", "exited"}:
        return active | exited
    return active


def rules_employees(*, rules: dict, on: date | None = None) -> QuerySet[Employee]:
    """Employees matching a rule set (saved or still being edited) on a given day."""
    on = on or timezone.localdate()
    conditions = [c for c in (rules or {}).get("conditions", []) if c.get("values") not in (None, [], "")]
    status_values: list = []
    rule_qs = []
    for condition in conditions:
        if condition.get("field") == "status":
            status_values.extend(condition["values"])
        else:
            rule_qs.append(_condition_q(condition, on))
    queryset = Employee.objects.filter(_status_q(status_values, on))
    if not rule_qs:
        return queryset
    combined = rule_qs[0]
    for q in rule_qs[1:]:
        combined = (combined | q) if rules.get("match") == "any" else (combined & q)
    return queryset.filter(combined)


def segment_employees(*, segment: Segment) -> QuerySet[Employee]:
    """The employees matching a segment's rules, evaluated today (active employees unless the
    segment's status rule says otherwise)."""
    return rules_employees(rules=segment.rules)


def segment_member_count(*, segment: Segment) -> int:
    return segment_employees(segment=segment).count()


def segment_members_page(*, segment: Segment) -> QuerySet[Employee]:
    return segment_employees(segment=segment).select_related("department", "location").order_by("last_name", "first_name", "pk")


def segment_list() -> list[Segment]:
    """All segments with their member counts (one count query per segment: segments are few)."""
    segments = list(Segment.objects.all())
    for segment in segments:
        segment.member_count = segment_member_count(segment=segment)
    return segments


def segment_choices() -> dict[str, list[tuple[str, str]]]:
    """Values offered by the segment editor."""
    departments = list(Department.objects.only("id", "name_en", "name_de", "parent_id"))
    children: dict[int | None, list[Department]] = {}
    for department in departments:
        children.setdefault(department.parent_id, []).append(department)
    ordered: list[tuple[str, str]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for department in sorted(children.get(parent_id, []), key=lambda d: d.name.lower()):
            ordered.append((str(department.pk), "\u2003" * depth + department.name))
            walk(department.pk, depth + 1)

    walk(None, 0)
    return {
        "department": ordered,
        "location": [(str(pk), name) for pk, name in Location.objects.values_list("pk", "name")],
        "job_family": [
            (jf, jf)
            for jf in Employee.objects.exclude(job_family="").order_by("job_family").values_list("job_family", flat=True).distinct()
        ],
    }


# --- Org chart ---------------------------------------------------------------------------


@dataclass
class OrgNode:
    department: Department
    headcount: int
    children: list[OrgNode] = field(default_factory=list)
    depth: int = 0

    @property
    def total_headcount(self) -> int:
        return self.headcount + sum(child.total_headcount for child in self.children)


def org_chart(*, on: date | None = None) -> list[OrgNode]:
    """The department tree with heads and active headcount: two queries whatever its size."""
    headcounts = dict(
        Employee.objects.active(on).values("department_id").annotate(n=Count("pk")).order_by().values_list("department_id", "n")
    )
    departments = list(Department.objects.select_related("head"))
    nodes = {d.pk: OrgNode(department=d, headcount=headcounts.get(d.pk, 0)) for d in departments}
    roots = []
    for department in departments:
        node = nodes[department.pk]
        parent = nodes.get(department.parent_id)
        (parent.children if parent else roots).append(node)

    def sort_and_depth(items: list[OrgNode], depth: int) -> None:
        items.sort(key=lambda n: n.department.name.lower())
        for item in items:
            item.depth = depth
            sort_and_depth(item.children, depth + 1)

    sort_and_depth(roots, 0)
    return roots


# --- Employee lists and exports ---------------------------------------------------------


def employee_list(*, query: str = "", department_id: int | None = None) -> QuerySet[Employee]:
    queryset = Employee.objects.select_related("department", "location", "manager")
    if query:
        queryset = queryset.filter(
            Q(first_name__icontains=query) | Q(last_name__icontains=query) | Q(email__icontains=query) | Q(employee_number__iexact=query)
        )
    if department_id:
        queryset = queryset.filter(department_id__in=department_descendant_ids([department_id]))
    return queryset.order_by("last_name", "first_name", "pk")


def employee_personal_data(*, employee: Employee) -> dict:
    """Everything stored about one employee, for a data-subject access request (JSON-ready)."""
    employee = Employee.objects.select_related("department", "location", "manager", "user").get(pk=employee.pk)
    data = {
        "employee_number": employee.employee_number,
        "first_name": employee.first_name,
        "last_name": employee.last_name,
        "email": employee.email,
        "preferred_language": employee.preferred_language,
        "department": {"code": employee.department.code, "name_en": employee.department.name_en, "name_de": employee.department.name_de},
        "location": {"name": employee.location.name, "type": employee.location.kind},
        "job_family": employee.job_family,
        "manager": {"employee_number": employee.manager.employee_number, "name": employee.manager.full_name} if employee.manager else None,
        "direct_reports": list(employee.reports.order_by("employee_number").values_list("employee_number", flat=True)),
        "heads_departments": list(employee.headed_departments.order_by("code").values_list("code", flat=True)),
        "customer_facing": employee.customer_facing,
        "hire_date": employee.hire_date.isoformat(),
        "exit_date": employee.exit_date.isoformat() if employee.exit_date else None,
        "tenure_band": employee.tenure_band,
        "record_created": employee.created.isoformat(),
        "record_modified": employee.modified.isoformat(),
        "user_account": None,
        "note": "Survey answers are anonymous and not linked to any person, so none are included.",
    }
    data["other_records"] = _records_pointing_at(employee)
    if employee.user:
        user = employee.user
        data["user_account"] = {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "is_active": user.is_active,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "roles": sorted(user.groups.values_list("name", flat=True)),
        }
    return data


SECRET_FIELD_MARKERS = ("token", "hash", "password")


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return str(value)


def _records_pointing_at(employee: Employee, limit: int = 1000) -> dict[str, list[dict]]:
    """Rows of other apps that name this employee (e.g. survey invitations), found through the
    reverse relations so that this app never imports the apps built on it. Secrets such as
    token hashes are left out.

    A model that declares ``privacy_export_fields`` (a tuple of field names) has only those
    fields exported, a foreign key as the related object's text: a survey invitation must not
    say when, or whether, it was used, which could be matched with an anonymous response."""
    records: dict[str, list[dict]] = {}
    for relation in Employee._meta.related_objects:
        model = relation.related_model
        if model in (Employee, Department) or not (relation.one_to_many or relation.one_to_one):
            continue
        fields = [f for f in model._meta.concrete_fields if not any(marker in f.name for marker in SECRET_FIELD_MARKERS)]
        opted_in = getattr(model, "privacy_export_fields", None)
        if opted_in is not None:
            fields = [f for f in fields if f.name in opted_in]
        fields = [f for f in fields if f.attname != relation.field.attname]
        related = [f.name for f in fields if opted_in is not None and f.many_to_one]
        rows = model._default_manager.filter(**{relation.field.name: employee}).select_related(*related)[:limit]
        serialised = [
            {f.name: _jsonable(getattr(row, f.name) if f.name in related else getattr(row, f.attname)) for f in fields} for row in rows
        ]
        if serialised:
            records[model._meta.label] = serialised
    return records
