"""An HR manager, as a new user in a real browser: template, a file with errors, the fix, the
commit, a segment whose count changes as the rules change; and the org chart in both languages."""

from datetime import date

import pytest
from django.contrib.auth.models import Group

from common.roles import EMPLOYEE, HR_MANAGER
from people.models import Employee, ImportRun, Location, Segment
from tests.conftest import login
from tests.people.factories import DepartmentFactory, EmployeeFactory, LocationFactory, UserFactory

pytestmark = pytest.mark.browser

HEADER = "employee_number;first_name;last_name;email;department;location;hire_date;exit_date;manager_number;customer_facing;job_family"
WITH_ERRORS = [
    "3001;Jürgen;Weiß;juergen.weiss@example.com;sales;Headquarters;01.02.2021;;;ja;Vertrieb",
    "3002;Eva;Roth;eva.roth(at)example.com;sales;Road;2021-03-01;;3001;ja;Vertrieb",
    "3003;Ali;Kaya;ali.kaya@example.com;warehouse;Headquarters;2022-05-01;2021-01-01;9999;nein;Logistik",
    "3001;Tom;Lange;tom.lange@example.com;it;Headquarters;30.02.2020;;;nein;IT",
]
FIXED = [
    "3001;Jürgen;Weiß;juergen.weiss@example.com;sales;Headquarters;01.02.2021;;;ja;Vertrieb",
    "3002;Eva;Roth;eva.roth@example.com;sales;Road;2021-03-01;;3001;ja;Vertrieb",
    "3003;Ali;Kaya;ali.kaya@example.com;it;Headquarters;2022-05-01;;;nein;IT",
    "3004;Tom;Lange;tom.lange@example.com;it;Headquarters;28.02.2020;;3003;nein;IT",
]


@pytest.fixture
def organisation(transactional_db):
    sales = DepartmentFactory(
        name_en="Sales",
        name_de="Vertrieb",
        code="sales",
        services_en="Offers and key accounts.",
        services_de="Angebote und Schlüsselkunden.",
    )
    field_sales = DepartmentFactory(
        name_en="Field Sales", name_de="Außendienst", code="field-sales", parent=sales, contact="field@x.example"
    )
    DepartmentFactory(name_en="IT", name_de="IT", code="it", services_en="Helpdesk and laptops.", services_de="Helpdesk und Laptops.")
    hr = DepartmentFactory(name_en="Human Resources", name_de="Personal", code="hr")
    hq = LocationFactory(name="Headquarters")
    LocationFactory(name="Road", kind=Location.Kind.OFF_SITE)
    user = UserFactory(username="hanna.hr", first_name="Hanna", last_name="Richter")
    user.groups.add(*Group.objects.filter(name__in=[HR_MANAGER, EMPLOYEE]))
    head = EmployeeFactory(user=user, department=hr, location=hq, first_name="Hanna", last_name="Richter", hire_date=date(2019, 4, 1))
    hr.head = head
    hr.save()
    EmployeeFactory(department=field_sales, location=hq, first_name="Fritz", last_name="Feld")
    return user


def upload(page, name: str, rows: list[str]) -> None:
    page.goto(page.base_url + "/people/import/")
    content = ("\n".join([HEADER, *rows]) + "\n").encode("cp1252")
    page.set_input_files("input[name=file]", files=[{"name": name, "mimeType": "text/csv", "buffer": content}])
    page.click("#import-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_hr_manager_imports_fixes_commits_and_defines_a_segment(page, organisation, screenshot_dir, eager_celery):
    login(page, "hanna.hr")
    page.goto(page.base_url + "/people/import/")
    with page.expect_download() as download_info:
        page.click("#template-csv")
    template = download_info.value
    assert template.suggested_filename == "employees-template.csv"
    with open(template.path(), encoding="utf-8-sig") as handle:
        assert handle.readline().startswith("employee_number;first_name;last_name")
    page.screenshot(path=str(screenshot_dir / "people-import-start-en.png"), full_page=True)

    upload(page, "hris-with-errors.csv", WITH_ERRORS)
    rows = page.locator("#import-rows tbody tr")
    assert rows.count() == 4
    text = page.locator("#import-rows").inner_text()
    for reason in (
        "is not a valid email address",
        "Unknown department “warehouse”",
        "Manager 9999 is neither in the file nor in the portal",
        "is before the hire date",
        "appears more than once in the file (first in row 2)",
        "is not a valid date",
    ):
        assert reason in text, reason
    assert page.get_by_role("button", name="Commit the import").count() == 0
    assert not Employee.objects.filter(employee_number__startswith="300").exists()
    page.screenshot(path=str(screenshot_dir / "people-import-errors-en.png"), full_page=True)

    page.click("#language-switch button[value=de]")
    page.wait_for_load_state("networkidle")
    assert "ist keine gültige E-Mail-Adresse" in page.locator("#import-rows").inner_text()
    page.screenshot(path=str(screenshot_dir / "people-import-errors-de.png"), full_page=True)
    page.click("#language-switch button[value=en]")
    page.wait_for_load_state("networkidle")

    upload(page, "hris-fixed.csv", FIXED)
    assert page.locator("#import-rows .badge", has_text="created").count() == 4
    page.get_by_role("button", name="Commit the import").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Committed", exact=False).count()
    assert Employee.objects.get(employee_number="3004").manager.employee_number == "3003"
    assert ImportRun.objects.filter(status=ImportRun.Status.COMMITTED).count() == 1
    page.screenshot(path=str(screenshot_dir / "people-import-committed-en.png"), full_page=True)

    page.goto(page.base_url + "/people/segments/new/")
    count = page.locator("#segment-count [data-count]")
    assert count.get_attribute("data-count") == "6"
    page.fill("input[name=name]", "Customer-facing off-site staff")
    page.select_option("select[name=customer_facing]", "yes")
    page.wait_for_function("document.querySelector('#segment-count [data-count]').dataset.count === '2'")
    page.check("input[name=location_type][value=off_site]")
    page.wait_for_function("document.querySelector('#segment-count [data-count]').dataset.count === '1'")
    page.screenshot(path=str(screenshot_dir / "people-segment-form-en.png"), full_page=True)
    page.click("#segment-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert Segment.objects.get().name == "Customer-facing off-site staff"
    assert page.locator("#segment-members tbody tr").count() == 1
    assert "Roth" in page.locator("#segment-members").inner_text()
    page.screenshot(path=str(screenshot_dir / "people-segment-detail-en.png"), full_page=True)

    page.click("#language-switch button[value=de]")
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="Regeln bearbeiten").click()
    page.wait_for_load_state("networkidle")
    page.uncheck("input[name=location_type][value=off_site]")
    page.wait_for_function("document.querySelector('#segment-count [data-count]').dataset.count === '2'")
    assert "Mitarbeiter passen" in page.locator("#segment-count").inner_text()
    page.screenshot(path=str(screenshot_dir / "people-segment-form-de.png"), full_page=True)


def test_org_chart_in_both_languages(page, organisation, screenshot_dir):
    login(page, "hanna.hr")
    page.goto(page.base_url + "/people/org-chart/")
    assert page.locator("#department-field-sales").count() == 1
    assert "Offers and key accounts." in page.locator("#department-sales").inner_text()
    page.fill("#org-filter", "helpdesk")
    assert page.locator("#department-it").is_visible() and not page.locator("#department-sales").is_visible()
    page.fill("#org-filter", "field@x")
    assert page.locator("#department-field-sales").is_visible() and page.locator("#department-sales").is_visible(), "parents stay"
    assert not page.locator("#department-it").is_visible()
    page.fill("#org-filter", "")
    page.screenshot(path=str(screenshot_dir / "people-org-chart-en.png"), full_page=True)
    page.click("#language-switch button[value=de]")
    page.wait_for_load_state("networkidle")
    assert "Angebote und Schlüsselkunden." in page.locator("#department-sales").inner_text()
    assert page.get_by_role("heading", name="Organigramm").count()
    page.screenshot(path=str(screenshot_dir / "people-org-chart-de.png"), full_page=True)
