"""The demo programs as a new HR manager and executive see them, with screenshots in both languages."""

from io import StringIO

import pytest
from django.core.management import call_command

from programs.demo import COMPLETED, RUNNING
from programs.models import Program
from tests.conftest import login
from tests.kpis.test_browser_kpis import console_errors, drawn_chart

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_company(transactional_db):
    call_command("seed_demo", stdout=StringIO())


def test_demo_programs_in_english_and_german(page, demo_company, screenshot_dir):
    running = Program.objects.get(name=RUNNING)
    errors = console_errors(page)
    login(page, "hr.manager", "demo-portal-2026")
    page.goto(page.base_url + "/programs/")
    assert page.get_by_text(RUNNING).count() and page.get_by_text(COMPLETED).count()
    page.screenshot(path=str(screenshot_dir / "programs-list-en.png"), full_page=True)
    for name in ("detail", "strategy", "operations", "assessment"):
        suffix = "" if name == "detail" else f"{name}/"
        page.goto(f"{page.base_url}/programs/{running.pk}/{suffix}")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(screenshot_dir / f"programs-demo-{name}-en.png"), full_page=True)
    bars = drawn_chart(page, "pillar-chart")
    lines = bars.locator("text tspan").all_text_contents()  # long pillar names break into lines
    assert "Senior management" in lines and "participation" in lines, lines
    page.click("#language-switch button[value=de]")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Selbstbewertung der sechs Erfolgssäulen").count()
    drawn_chart(page, "pillar-chart")
    page.screenshot(path=str(screenshot_dir / "programs-demo-assessment-de.png"), full_page=True)
    page.goto(f"{page.base_url}/programs/{running.pk}/phases/3/")
    page.screenshot(path=str(screenshot_dir / "programs-demo-phase3-de.png"), full_page=True)
    page.goto(f"{page.base_url}/programs/")
    page.screenshot(path=str(screenshot_dir / "programs-list-de.png"), full_page=True)
    assert errors == []
