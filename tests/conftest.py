"""The fixed cast every test can use: an HR manager, an executive, two employees in
different departments and an outsider without any role."""

import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import translation

from common.roles import EMPLOYEE, EXECUTIVE, HR_MANAGER
from tests.people.factories import DepartmentFactory, EmployeeFactory, LocationFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by test code
# there are still synchronous, so Django's async guard is relaxed for tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _user_with_role(username: str, *roles: str, department=None, location=None, first_name=""):
    user = UserFactory(username=username, first_name=first_name or username.title())
    user.groups.add(*Group.objects.filter(name__in=roles))
    if department is not None:
        EmployeeFactory(user=user, department=department, location=location, email=user.email, first_name=user.first_name)
    return user


@pytest.fixture(autouse=True)
def english_by_default():
    """A German request leaves German active in the thread; start every test in English."""
    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def generous_login_rate(settings):
    """Many tests sign in from the same address within a minute; the throttle has its own tests."""
    settings.LOGIN_RATE = "10000/m"


@pytest.fixture
def sales(db):
    return DepartmentFactory(name_en="Sales", name_de="Vertrieb", code="sales")


@pytest.fixture
def it_department(db):
    return DepartmentFactory(name_en="IT", name_de="IT", code="it")


@pytest.fixture
def hq(db):
    return LocationFactory(name="Headquarters")


@pytest.fixture
def hr_manager(db, hq):
    hr = DepartmentFactory(name_en="Human Resources", name_de="Personal", code="hr")
    return _user_with_role("hanna.hr", HR_MANAGER, EMPLOYEE, department=hr, location=hq, first_name="Hanna")


@pytest.fixture
def executive(db, hq):
    board = DepartmentFactory(name_en="Board", name_de="Geschäftsführung", code="board")
    return _user_with_role("erik.exec", EXECUTIVE, EMPLOYEE, department=board, location=hq, first_name="Erik")


@pytest.fixture
def employee(db, sales, hq):
    return _user_with_role("emma.sales", EMPLOYEE, department=sales, location=hq, first_name="Emma")


@pytest.fixture
def other_employee(db, it_department, hq):
    return _user_with_role("otto.it", EMPLOYEE, department=it_department, location=hq, first_name="Otto")


@pytest.fixture
def outsider(db):
    return _user_with_role("olga.outsider", first_name="Olga")


@pytest.fixture
def browser():
    """A headless system Chromium driven by Playwright (its own browser download is not used)."""
    if not CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required for browser tests in CI (apt-get install chromium)")
        pytest.skip("system Chromium not installed (apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def screenshot_dir():
    path = Path(__file__).resolve().parent.parent / ".data" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def login(page, username: str, password: str = "pw-for-tests") -> None:
    page.goto(page.base_url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def pytest_collection_modifyitems(items):
    """Transactional tests flush the database, which would also remove the reference data that
    data migrations seed (role groups, question bank, instrument catalogue, beat schedule).
    Serialized rollback reloads that data before each of them."""
    for item in items:
        names = getattr(item, "fixturenames", None)
        if names is None:
            continue
        marker = item.get_closest_marker("django_db")
        transactional = "transactional_db" in names or "live_server" in names or (marker and marker.kwargs.get("transaction"))
        if transactional and "django_db_serialized_rollback" not in names:
            names.append("django_db_serialized_rollback")
