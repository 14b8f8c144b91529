"""An HR manager walks a new program from situation analysis to a completed phase 1 (override)
and a completed phase 2 (criteria) in a real browser; an executive reads it; an employee in a
target segment reads its news. Screenshots in English and German under .data/screenshots/."""

import pytest

from programs.models import Phase, Program
from tests.conftest import login
from tests.people.factories import SegmentFactory

pytestmark = pytest.mark.browser


def submit(page, action_suffix: str) -> None:
    page.click(f"form[action$='{action_suffix}'] button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_hr_manager_walks_a_program_through_phases_1_and_2(page, transactional_db, request, sales, screenshot_dir, browser):
    hr = request.getfixturevalue("hr_manager")
    request.getfixturevalue("executive")
    request.getfixturevalue("employee")
    SegmentFactory(name="Sales team", rules={"match": "all", "conditions": [{"field": "department", "values": [sales.pk]}]})

    login(page, hr.username)
    page.goto(page.base_url + "/programs/")
    page.click("text=New program")
    page.fill("#id_name", "Customer first")
    page.fill("#id_description", "Service promises lived inside first.")
    page.fill("#id_start_date", "2026-01-01")
    page.fill("#id_end_date", "2025-12-31")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("The end date must not be before the start date.").count()
    assert page.input_value("#id_name") == "Customer first"
    page.fill("#id_end_date", "2026-12-31")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.wait_for_load_state("networkidle")
    program = Program.objects.get(name="Customer first")
    base = f"{page.base_url}/programs/{program.pk}"

    # 1. situation analysis
    page.click("ol.stepper >> text=Situation analysis")
    page.select_option("#id_scope", "internal")
    page.select_option("#id_source", "employee_survey")
    page.select_option("#id_swot", "weakness")
    page.fill("#id_description", "Only 41% know our service promises.")
    page.fill("#id_evidence_links", "Employee survey, spring wave")
    submit(page, "/findings/new/")
    page.fill("#id_situation_summary", "People want to serve customers but do not know our promises.")
    submit(page, "/analysis/summary/")
    assert page.get_by_text("Only 41% know our service promises.").count()

    # 2. strategic planning
    page.goto(base + "/strategy/")
    page.select_option("#id_focus_area", label="Internal communication")
    page.fill("#id_rationale", "Promises must be known to be kept.")
    submit(page, "/focus-areas/")
    page.select_option("#id_kind", "general")
    page.fill("#id_title", "Customer orientation in every team")
    submit(page, "/goals/new/")
    page.select_option("#id_segment", label="Sales team")
    submit(page, "/target-segments/new/")
    page.locator("select[name$='-area_" + str(program.focus_areas.get().pk) + "']").select_option("5")
    page.click("form[action$='/suitability/'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(screenshot_dir / "programs-strategy-en.png"), full_page=True)

    # 3. operational planning
    page.goto(base + "/operations/")
    page.select_option("#id_instrument", label="Town hall meeting")
    page.fill("#id_budget", "-5")
    page.fill("#id_description", "Kick-off town hall")
    submit(page, "/instruments/new/")
    assert page.get_by_text("The budget cannot be negative.").count()
    page.fill("#id_budget", "3500")
    submit(page, "/instruments/new/")
    assert page.get_by_text("Total budget: 3,500.00 €").count()

    # 4. implementation: phase 1 by override
    page.goto(base + "/phases/1/")
    page.click("form[action$='/phases/1/complete/'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Meet the criteria first, or give a written reason").count()
    page.fill("#id_override_reason", "The board signed the commitment in its meeting; no separate workshop.")
    submit(page, "/phases/1/complete/")
    assert page.get_by_text("Completed by override.").count()
    page.screenshot(path=str(screenshot_dir / "programs-phase1-override-en.png"), full_page=True)

    # phase 2 by criteria: tick both criteria, finish an activity, complete
    page.goto(base + "/phases/2/")
    for _ in range(2):
        page.locator("form[action$='/toggle/'] button[aria-label^='Mark as met']").first.click()
        page.wait_for_load_state("networkidle")
    assert page.get_by_text("All exit criteria are met: the phase can be completed.").count()
    submit(page, "/phases/2/complete/")
    assert page.get_by_text("Completed because its exit criteria were met.").count()
    phases = {p.number: p for p in Phase.objects.filter(program=program)}
    assert phases[1].completed_by_override and phases[2].is_completed and not phases[2].override_reason
    page.screenshot(path=str(screenshot_dir / "programs-phase2-criteria-en.png"), full_page=True)

    # news for the target segment
    page.goto(base + "/news/")
    page.fill("#id_title", "Phase 2 done: thank you!")
    page.fill("#id_body", "Every team has held its dialogue.")
    submit(page, "/news/new/")

    # the same pages in German
    page.click("#language-switch button[value=de]")
    page.wait_for_load_state("networkidle")
    page.goto(base + "/phases/2/")
    assert page.get_by_text("Abgeschlossen, weil die Abschlusskriterien erfüllt waren.").count()
    page.screenshot(path=str(screenshot_dir / "programs-phase2-criteria-de.png"), full_page=True)
    page.goto(base + "/phases/1/")
    assert page.get_by_text("Per Übersteuerung abgeschlossen.").count()
    page.screenshot(path=str(screenshot_dir / "programs-phase1-override-de.png"), full_page=True)
    page.goto(base + "/timeline/")
    page.screenshot(path=str(screenshot_dir / "programs-timeline-de.png"), full_page=True)
    page.goto(base + "/history/")
    assert page.get_by_text("Änderungsverlauf").count()
    page.screenshot(path=str(screenshot_dir / "programs-history-de.png"), full_page=True)

    # the executive reads the same program, without edit controls
    context = browser.new_context(locale="de-DE")
    executive_page = context.new_page()
    executive_page.base_url = page.base_url
    login(executive_page, "erik.exec")
    executive_page.goto(base + "/phases/2/")
    assert executive_page.get_by_text("Nur die Verantwortlichen können es ändern.").count()
    assert executive_page.locator("form[action$='/complete/']").count() == 0
    executive_page.goto(executive_page.base_url + "/dashboard/")
    executive_page.screenshot(path=str(screenshot_dir / "programs-executive-dashboard-de.png"), full_page=True)
    context.close()

    # an employee in the target segment sees the news on the home page
    context = browser.new_context(locale="en-US")
    employee_page = context.new_page()
    employee_page.base_url = page.base_url
    login(employee_page, "emma.sales")
    assert employee_page.get_by_text("Phase 2 done: thank you!").count()
    employee_page.screenshot(path=str(screenshot_dir / "programs-employee-news-en.png"), full_page=True)
    context.close()
