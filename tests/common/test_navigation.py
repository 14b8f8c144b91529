from common.navigation import nav_for
from common.roles import EMPLOYEE, HR_MANAGER


def labels(items):
    return [str(item["label"]) for item in items]


def test_hr_manager_gets_organisation_pages_in_one_dropdown(db):
    items = nav_for(frozenset({HR_MANAGER}))
    organisation = next(item for item in items if str(item["label"]) == "Organisation")
    assert [child["name"] for child in organisation["children"]] == [
        "people:org_chart",
        "people:employee_list",
        "people:segment_list",
        "people:import_start",
    ]
    assert labels(items).count("Organisation") == 1


def test_employee_sees_no_hr_pages(db):
    items = nav_for(frozenset({EMPLOYEE}))
    names = [item["name"] for item in items] + [c["name"] for item in items for c in item.get("children", [])]
    assert "people:employee_list" not in names
    assert "hr_home" not in names
    assert "employee_home" in names
    assert "people:org_chart" in names
