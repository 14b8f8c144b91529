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


def console_errors(page) -> list[str]:
    """Collects what the page reports as errors (console and uncaught) from now on. The
    browser's own request for /favicon.ico (the portal has none) is not the page's error."""
    errors: list[str] = []

    def on_console(message):
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            errors.append(f"{message.text} ({message.location['url']})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def drawn_chart(page, element_id: str):
    """The chart's SVG once vega-embed has drawn it into the figure."""
    page.wait_for_selector(f'#{element_id} .chart-view[data-chart-state="drawn"] svg')
    return page.locator(f"#{element_id} svg").first


def test_catalogue_and_kpi_page_in_both_languages(page, absenteeism, sales, screenshot_dir):
    errors = console_errors(page)
    login(page, "hanna.hr")
    page.goto(page.base_url + "/kpis/")
    assert page.locator("#kpis-behavioural").get_by_role("link", name="Absenteeism rate").count() == 1
    assert serious_violations(page) == []
    page.screenshot(path=str(screenshot_dir / "kpis-catalogue-en.png"), full_page=True)

    page.get_by_role("link", name="Absenteeism rate").click()
    page.wait_for_load_state("networkidle")
    assert "Line chart of Absenteeism rate" in page.locator("figure #kpi-history[role=img]").get_attribute("aria-label")
    svg = drawn_chart(page, "kpi-history")
    labels = svg.locator("text").all_text_contents()
    assert "Baseline" in labels and "Target" in labels and "Absenteeism rate (%)" in labels  # the rules are named
    assert svg.locator(".mark-line path").count() == 1 and svg.locator(".mark-rule.role-mark line").count() == 2
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
    german = drawn_chart(page, "kpi-history").locator("text").all_text_contents()
    assert "Zeitraum" in german and "Fehlzeitenquote (%)" in german, german  # (Sales: no baseline or target)
    assert "5,5" in german and "5.5" not in german, german  # the y axis with decimal commas
    assert serious_violations(page) == []
    page.screenshot(path=str(screenshot_dir / "kpis-detail-de.png"), full_page=True)
    page.goto(page.base_url + "/kpis/")
    assert page.locator("#kpis-behavioural").get_by_role("link", name=absenteeism.name_de).count() == 1
    page.screenshot(path=str(screenshot_dir / "kpis-catalogue-de.png"), full_page=True)
    assert errors == []


def test_kpi_page_on_a_phone(browser, live_server, absenteeism):
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    phone.base_url = live_server.url
    errors = console_errors(phone)
    login(phone, "hanna.hr")
    phone.goto(phone.base_url + "/kpis/absenteeism-rate/")
    svg = drawn_chart(phone, "kpi-history")
    assert svg.is_visible() and svg.bounding_box()["width"] <= 390
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert serious_violations(phone) == []
    assert errors == []
    context.close()


def test_charts_draw_under_a_content_security_policy_without_eval(page, absenteeism):
    """Vega's expressions run in vega-embed's interpreter: with script-src 'self' (no
    'unsafe-eval', no inline script) the chart still draws and nothing is refused."""
    errors = console_errors(page)
    login(page, "hanna.hr")
    policy = "script-src 'self'; object-src 'none'"

    def with_policy(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": policy})

    page.route("**/kpis/absenteeism-rate/", with_policy)
    page.goto(page.base_url + "/kpis/absenteeism-rate/")
    svg = drawn_chart(page, "kpi-history")
    assert "Target" in svg.locator("text").all_text_contents()
    refused = [e for e in errors if "Content Security Policy" in e or "unsafe-eval" in e]
    assert refused == []
