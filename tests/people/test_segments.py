"""Segment rules: every attribute, sub-departments, AND/OR, status scope, tenure bands."""

from datetime import date

import pytest
import time_machine

from people.models import Location
from people.selectors import rules_employees, segment_employees, segment_member_count
from tests.people.factories import DepartmentFactory, EmployeeFactory, LocationFactory, SegmentFactory

TODAY = date(2026, 6, 15)


@pytest.fixture
def company(db):
    sales = DepartmentFactory(code="sales")
    field_sales = DepartmentFactory(code="field-sales", parent=sales)
    key_accounts = DepartmentFactory(code="key-accounts", parent=field_sales)
    it = DepartmentFactory(code="it")
    hq = LocationFactory(name="HQ")
    road = LocationFactory(name="Road", kind=Location.Kind.OFF_SITE)
    people = {
        "boss": EmployeeFactory(employee_number="boss", department=sales, location=hq, customer_facing=True, hire_date=date(2010, 1, 1)),
        "field": EmployeeFactory(
            employee_number="field", department=field_sales, location=road, customer_facing=True, hire_date=date(2024, 1, 1)
        ),
        "key": EmployeeFactory(
            employee_number="key", department=key_accounts, location=road, customer_facing=True, hire_date=date(2025, 12, 1)
        ),
        "dev": EmployeeFactory(employee_number="dev", department=it, location=hq, job_family="IT", hire_date=date(2021, 6, 15)),
        "gone": EmployeeFactory(
            employee_number="gone", department=it, location=hq, hire_date=date(2015, 1, 1), exit_date=date(2026, 1, 31)
        ),
        "future": EmployeeFactory(employee_number="future", department=it, location=hq, hire_date=date(2026, 9, 1)),
    }
    people["field"].manager = people["boss"]
    people["field"].save()
    people["key"].manager = people["field"]
    people["key"].save()
    return {"sales": sales, "field_sales": field_sales, "it": it, "hq": hq, "road": road, **people}


def numbers(rules):
    with time_machine.travel(TODAY):
        return sorted(rules_employees(rules=rules).values_list("employee_number", flat=True))


def test_no_rules_means_every_active_employee(company):
    assert numbers({}) == ["boss", "dev", "field", "key"]


def test_department_includes_sub_departments(company):
    assert numbers({"conditions": [{"field": "department", "values": [company["field_sales"].pk]}]}) == ["field", "key"]
    assert numbers({"conditions": [{"field": "department", "values": [str(company["sales"].pk)]}]}) == ["boss", "field", "key"]


def test_location_and_location_type(company):
    assert numbers({"conditions": [{"field": "location", "values": [company["hq"].pk]}]}) == ["boss", "dev"]
    assert numbers({"conditions": [{"field": "location_type", "values": ["off_site"]}]}) == ["field", "key"]


def test_job_family_and_customer_facing(company):
    assert numbers({"conditions": [{"field": "job_family", "values": ["IT"]}]}) == ["dev"]
    assert numbers({"conditions": [{"field": "customer_facing", "values": [False]}]}) == ["dev"]


def test_manager_or_not(company):
    assert numbers({"conditions": [{"field": "is_manager", "values": [True]}]}) == ["boss", "field"]
    assert numbers({"conditions": [{"field": "is_manager", "values": [False]}]}) == ["dev", "key"]


def test_tenure_bands_follow_the_derived_band(company):
    assert numbers({"conditions": [{"field": "tenure_band", "values": ["lt1"]}]}) == ["key"]
    assert numbers({"conditions": [{"field": "tenure_band", "values": ["1-3"]}]}) == ["field"]
    assert numbers({"conditions": [{"field": "tenure_band", "values": ["5-10"]}]}) == ["dev"], "exactly 5 years today counts as 5-10"
    assert numbers({"conditions": [{"field": "tenure_band", "values": ["10+", "lt1"]}]}) == ["boss", "key"]


def test_status_scope(company):
    assert numbers({"conditions": [{"field": "status", "values": ["exited"]}]}) == ["gone"]
    assert numbers({"conditions": [{"field": "status", "values": ["active", "exited"]}]}) == ["boss", "dev", "field", "gone", "key"]


def test_all_combines_with_and_any_with_or(company):
    off_site = {"field": "location_type", "values": ["off_site"]}
    it_family = {"field": "job_family", "values": ["IT"]}
    managers = {"field": "is_manager", "values": [True]}
    assert numbers({"match": "all", "conditions": [off_site, managers]}) == ["field"]
    assert numbers({"match": "any", "conditions": [off_site, it_family]}) == ["dev", "field", "key"]
    assert numbers({"match": "any", "conditions": [it_family, {"field": "status", "values": ["exited"]}]}) == []


def test_segment_selectors_evaluate_saved_rules(company):
    segment = SegmentFactory(
        rules={
            "match": "all",
            "conditions": [{"field": "customer_facing", "values": [True]}, {"field": "location_type", "values": ["off_site"]}],
        }
    )
    with time_machine.travel(TODAY):
        assert segment_member_count(segment=segment) == 2
        assert set(segment_employees(segment=segment)) == {company["field"], company["key"]}


def test_unknown_field_is_refused(company):
    with pytest.raises(ValueError, match="unknown segment field"):
        rules_employees(rules={"conditions": [{"field": "salary", "values": [1]}]})
