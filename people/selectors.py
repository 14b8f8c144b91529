from django.db.models import Q, QuerySet

from people.models import Department, Employee, Segment


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


def _condition_q(condition: dict) -> Q:
    field, values = condition.get("field"), condition.get("values") or []
    if field == "department":
        return Q(department_id__in=department_descendant_ids(values))
    if field == "location":
        return Q(location_id__in=values)
    if field == "location_type":
        return Q(location__kind__in=values)
    if field == "job_family":
        return Q(job_family__in=values)
    if field == "customer_facing":
        return Q(customer_facing__in=[v in (True, "true", "1", 1) for v in values])
    raise ValueError(f"unknown segment field {field!r}")


def segment_employees(*, segment: Segment) -> QuerySet[Employee]:
    """The active employees matching a segment's rules (evaluated now)."""
    conditions = segment.rules.get("conditions", [])
    queryset = Employee.objects.active()
    if not conditions:
        return queryset
    combined = Q()
    for condition in conditions:
        q = _condition_q(condition)
        combined = (combined | q) if segment.rules.get("match") == "any" and combined else (combined & q)
    return queryset.filter(combined)
