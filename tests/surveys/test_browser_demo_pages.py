"""The demo company in a browser: results with a suppressed small department, the internal
customer matrix, the ideas board and the public customer link, in English and German."""

import io

import pytest

from people import demo as people_demo
from surveys import demo
from surveys.models import SurveyTemplate, Wave
from tests.accessibility import serious_violations
from tests.conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_company(transactional_db):
    from tests.surveys.factories import pulse_template

    pulse_template(())  # the seeded bank, in case another test flushed it
    SurveyTemplate.objects.all().delete()
    people_demo.seed(io.StringIO())
    demo.seed(io.StringIO())


def test_demo_pages_in_both_languages(page, demo_company, screenshot_dir):
    login(page, "hr.manager", "demo-portal-2026")
    wave = Wave.objects.filter(template__name=demo.PULSE_NAME, status=Wave.Status.CLOSED).order_by("-opens_on").first()
    page.goto(f"{page.base_url}/surveys/waves/{wave.pk}/")
    page.click("#heatmap-tab")
    # Legal's four people keep no department in the data; the unplaced few are not shown.
    assert "fewer than 5 responses" in page.locator("#heatmap tr", has_text="not recorded").inner_text()
    assert page.locator("#heatmap tr", has_text="Legal").count() == 0
    page.screenshot(path=str(screenshot_dir / "surveys-demo-heatmap-en.png"), full_page=True)
    assert serious_violations(page) == []
    page.goto(f"{page.base_url}/surveys/waves/{wave.pk}/?by=segment#heatmap")
    assert serious_violations(page) == []  # refused groups with their reasons

    internal = Wave.objects.get(template__kind=SurveyTemplate.Kind.INTERNAL_CUSTOMER)
    page.goto(f"{page.base_url}/surveys/waves/{internal.pk}/internal/")
    assert page.locator("#matrix tbody tr").count() >= 5
    page.screenshot(path=str(screenshot_dir / "surveys-internal-matrix-en.png"), full_page=True)
    assert serious_violations(page) == []

    page.goto(f"{page.base_url}/surveys/templates/{wave.template_id}/trend/")
    assert page.locator("#trend tbody tr").count() >= 5
    page.screenshot(path=str(screenshot_dir / "surveys-trend-en.png"), full_page=True)

    page.click("#language-switch button[value=de]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{page.base_url}/surveys/waves/{internal.pk}/internal/")
    assert "Wer bedient wen wie gut" in page.content()
    page.screenshot(path=str(screenshot_dir / "surveys-internal-matrix-de.png"), full_page=True)
    page.goto(f"{page.base_url}/surveys/ideas/")
    assert page.locator("text=umgesetzt").count() >= 1
    page.screenshot(path=str(screenshot_dir / "surveys-ideas-de.png"), full_page=True)

    page.click("form[action$='/logout/'] button")
    page.goto(f"{page.base_url}/surveys/f/demo-customer-service/")
    page.click("label[for=id_satisfaction_4]")
    page.click("label[for=id_nps_9]")
    page.screenshot(path=str(screenshot_dir / "surveys-customer-feedback-de.png"), full_page=True)
    page.click("button.btn-primary.btn-lg")
    assert "Vielen Dank für Ihr Feedback" in page.content()

    login(page, "employee", "demo-portal-2026")
    page.goto(f"{page.base_url}/")
    page.screenshot(path=str(screenshot_dir / "surveys-employee-home-de.png"), full_page=True)
    assert page.locator("#open-surveys").count() == 1
