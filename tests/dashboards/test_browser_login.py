"""A new user in a real browser: each demo role signs in and reaches its home page, in English and German."""

from io import StringIO

import pytest

from people import demo as people_demo
from tests.conftest import login

pytestmark = pytest.mark.browser

HOMES = [
    ("hr.manager", "/hr/", "My programs", "Meine Programme"),
    ("executive", "/dashboard/", "Executive dashboard", "Dashboard für die Geschäftsleitung"),
    ("employee", "/me/", "Open surveys", "Offene Umfragen"),
]


@pytest.fixture
def demo_company(transactional_db):
    people_demo.seed(StringIO())  # the demo logins; the other apps' demo data is not needed here


@pytest.mark.parametrize(("username", "home", "english", "german"), HOMES)
def test_demo_user_reaches_home_in_english_and_german(page, demo_company, screenshot_dir, username, home, english, german):
    login(page, username, "demo-portal-2026")
    assert page.url.endswith(home)
    assert page.get_by_role("heading", name=english).count() or page.get_by_text(english).count()
    page.screenshot(path=str(screenshot_dir / f"home-{username}-en.png"), full_page=True)

    page.click("#language-switch button[value=de]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(home)
    assert page.get_by_text(german).count()
    assert page.locator("html").get_attribute("lang") == "de"
    page.screenshot(path=str(screenshot_dir / f"home-{username}-de.png"), full_page=True)

    page.goto(page.base_url + "/")  # the choice is remembered
    assert page.get_by_text(german).count()


def test_wrong_password_shows_a_clear_message(page, demo_company):
    login(page, "employee", "wrong")
    assert "/login/" in page.url
    assert page.get_by_text("Please enter a correct username and password").count()
