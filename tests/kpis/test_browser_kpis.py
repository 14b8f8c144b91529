"""An HR manager in a real browser: the KPI catalogue, a KPI page with its chart, a value
entered through the form, the page in German; no serious accessibility violation."""

from datetime import date
from decimal import Decimal

import pytest

from kpis import services
from kpis.models import Kpi, Measurement, Scope
from kpis.periods import month
from tests.accessibility import serious_violations
from tests.conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture
def absenteeism(transactional_db, hr_manager, sales):
    kpi = Kpi.objects.get(code="absenteeism-rate")
    for number, value in enumerate(["6.1", "5.9", "5.6", "5.8", "5.2", "5.0"], start=1):
        services.measurement_enter(kpi=kpi, period=month(2026, number), scope=Scope.COMPANY, value=Decimal(value), actor=hr_manager)
        services.measurement_enter(
            kpi=kpi, period=month(2026, number), scope=Scope.DEPARTMENT, department=sales, value=Decimal(value) + 1, actor=hr_manager
        )
    services.baseline_set(kpi=kpi, scope=Scope.COMPANY, from_period="2026-01", actor=hr_manager)
    services.target_set(kpi=kpi, scope=Scope.COMPANY, value=Decimal("4.5"), due_date=date(2026, 12, 31), actor=hr_manager)
    return kpi


def test_catalogue_and_kpi_page_in_both_languages(page, absenteeism, sales, screenshot_dir):
    login(page, "hanna.hr")
    page.goto(page.base_url + "/kpis/")
    assert page.locator("#kpis-behavioural").get_by_role("link", name="Absenteeism rate").count() == 1
    assert serious_violations(page) == []
    page.screenshot(path=str(screenshot_dir / "kpis-catalogue-en.png"), full_page=True)

    page.get_by_role("link", name="Absenteeism rate").click()
    page.wait_for_load_state("networkidle")
    canvas = page.locator("canvas#kpi-history")
    assert canvas.get_attribute("aria-label")
    page.wait_for_function("Chart.getChart(document.getElementById('kpi-history')) !== undefined")
    assert page.evaluate("Chart.getChart(document.getElementById('kpi-history')).data.datasets.length") == 3  # values, baseline, target
    # (5.0 - 6.1) / (4.5 - 6.1) = 0.6875
    assert page.locator("#goal-progress").inner_text() == "Progress from baseline to target: 69\u00a0%"
    assert serious_violations(page) == []
    page.screenshot(path=str(screenshot_dir / "kpis-detail-en.png"), full_page=True)

    page.select_option("#value-form select[name=value-scope_key]", f"department-{sales.pk}")
    page.fill("#value-form input[name=value-period]", "2026-07")
    page.fill("#value-form input[name=value-value]", "4.9")
    page.click("#value-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert Measurement.objects.get(kpi=absenteeism, period="2026-07", department=sales).value == Decimal("4.9")
    assert "4.9\u00a0%" in page.locator("#kpi-history-table").inner_text()

    page.click("#language-switch button[value=de]")
    page.wait_for_load_state("networkidle")
    assert "4,9\u00a0%" in page.locator("#kpi-history-table").inner_text()
    assert serious_violations(page) == []
    page.screenshot(path=str(screenshot_dir / "kpis-detail-de.png"), full_page=True)
    page.goto(page.base_url + "/kpis/")
    assert page.locator("#kpis-behavioural").get_by_role("link", name=absenteeism.name_de).count() == 1
    page.screenshot(path=str(screenshot_dir / "kpis-catalogue-de.png"), full_page=True)


def test_kpi_page_on_a_phone(browser, live_server, absenteeism):
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    phone.base_url = live_server.url
    login(phone, "hanna.hr")
    phone.goto(phone.base_url + "/kpis/absenteeism-rate/")
    assert phone.locator("canvas#kpi-history").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert serious_violations(phone) == []
    context.close()
