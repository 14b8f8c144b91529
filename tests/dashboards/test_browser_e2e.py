"""The whole way in a real browser: an HR manager (desktop) creates a program and opens a pulse
wave for the whole company; ten employees answer from the mailed link on a phone; HR closes the
wave and the KPI job runs; an executive reads the result on the dashboard in German and downloads
the board report. No JavaScript errors on any page, no serious axe violation on the answer page
and the dashboard; a screenshot of each step under .data/screenshots/ (kept by CI)."""

import io
import re

import pytest
from django.core import mail
from pypdf import PdfReader

from kpis import services as kpi_services
from kpis.models import Measurement, Scope
from programs.models import Program
from surveys.models import Question, Wave
from tests.accessibility import serious_violations
from tests.conftest import login
from tests.surveys.factories import mail_tokens, pulse_template, staff

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
BAR_FULL = """() => {
  const bar = document.getElementById("progress-bar");
  return bar.getBoundingClientRect().width >= bar.parentElement.getBoundingClientRect().width - 1;
}"""
LINK_RE = re.compile(r"^(http://\S+/surveys/a/[A-Za-z0-9_\-]+/)$", re.M)


def console_errors(page) -> list[str]:
    """What the page reports as errors (console and uncaught) from now on; the browser's own
    request for /favicon.ico (the portal has none) is not the page's error."""
    errors: list[str] = []

    def on_console(message):
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{page.url}: {message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    return errors


def submit(page, selector: str = "main form button[type=submit]") -> None:
    page.click(selector)
    page.wait_for_load_state("networkidle")


@pytest.fixture
def company(transactional_db, settings, live_server, hr_manager, executive, sales, it_department, hq):
    """Sales and IT with five people each (the reporting threshold), HR and the board with one
    each, and a pulse template of two engagement items and the eNPS question."""
    settings.REPORTING_THRESHOLD = 5
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PORTAL_BASE_URL = live_server.url
    template = pulse_template(("eng-proud", "eng-motivated", "enps"), name="Team pulse")
    return {"template": template, "sales": staff(sales, hq, 5), "it": staff(it_department, hq, 5)}


def answer_on_phone(browser, link: str, choices: dict[int, int], screenshot=None) -> list[str]:
    """One employee opens the mailed link on a phone, taps an answer to each question and sends
    them. ``choices`` maps question ids to the index of the option tapped."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-US")
    phone = context.new_page()
    phone.set_default_timeout(15_000)
    errors = console_errors(phone)
    phone.goto(link)
    assert phone.url.endswith("/surveys/answer/")  # the token is exchanged for a session
    assert phone.locator("#progress-label").inner_text() == f"0 / {len(choices)}"
    if screenshot:
        assert serious_violations(phone) == []
    for question_id, index in choices.items():
        phone.locator(f"label[for=id_q{question_id}_{index}]").tap()
    assert phone.locator("#progress-label").inner_text() == f"{len(choices)} / {len(choices)}"
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # nothing wider than the phone
    if screenshot:  # once the progress bar and the buttons have finished their transitions
        phone.wait_for_function(BAR_FULL)
        phone.wait_for_timeout(300)
        phone.screenshot(path=str(screenshot[0]), full_page=True)
    with phone.expect_navigation():
        phone.get_by_role("button", name="Send my answers").tap()
    assert phone.get_by_text("Thank you for your answers!").count() == 1
    if screenshot:
        phone.screenshot(path=str(screenshot[1]), full_page=True)
    context.close()
    return errors


def test_from_program_and_wave_to_the_board_report(page, browser, company, screenshot_dir, live_server):
    # 1. HR, on a desktop screen, creates a program and opens a wave for the whole company.
    page.set_viewport_size(DESKTOP)
    errors = console_errors(page)
    login(page, "hanna.hr")
    page.goto(page.base_url + "/programs/new/")
    page.fill("#id_name", "Customer first")
    page.fill("#id_description", "Service promises lived inside first.")
    page.fill("#id_start_date", "2026-01-01")
    page.fill("#id_end_date", "2026-12-31")
    page.select_option("#id_status", "active")
    submit(page)
    program = Program.objects.get(name="Customer first")
    assert page.url.endswith(f"/programs/{program.pk}/")
    assert page.get_by_text("The program was created with its four implementation phases.").count() == 1
    page.screenshot(path=str(screenshot_dir / "e2e-1-hr-program-created.png"), full_page=True)

    template = company["template"]
    page.goto(f"{page.base_url}/surveys/templates/{template.pk}/")
    page.click("text=Open a wave")
    assert page.url.endswith(f"/surveys/templates/{template.pk}/waves/new/")
    page.fill("#id_title", "Spring pulse")
    assert page.is_checked("#id_whole_company")
    page.select_option("#id_program", label="Customer first")
    page.screenshot(path=str(screenshot_dir / "e2e-1-hr-wave-form.png"), full_page=True)
    submit(page, "main form input[type=submit]")
    page.wait_for_url(re.compile(r"/surveys/waves/\d+/$"))
    wave = Wave.objects.get(title="Spring pulse")
    assert wave.status == Wave.Status.OPEN and wave.whole_company and wave.program == program
    assert wave.invited_count == 12  # five in Sales, five in IT, Hanna (HR) and Erik (board)
    assert page.get_by_text("Wave created; 12 employees invited.").count() == 1
    page.screenshot(path=str(screenshot_dir / "e2e-1-hr-wave-opened.png"), full_page=True)

    # 2. The invitation job runs; ten employees answer from the mailed link on a phone.
    tokens = mail_tokens(wave)
    links = {}
    for message in mail.outbox:
        match = LINK_RE.search(message.body)
        if match:
            links[message.to[0]] = match.group(1)
    assert len(links) == len(tokens) == 12
    assert all(link.startswith(live_server.url + "/surveys/a/") for link in links.values())
    proud, motivated, enps = (Question.objects.get(code=code).pk for code in ("eng-proud", "eng-motivated", "enps"))
    # Sales agree (option 4 of 5) and would recommend (9); IT is neutral (3 of 5) and gives a 6.
    answers = [(person, {proud: 3, motivated: 3, enps: 9}) for person in company["sales"]]
    answers += [(person, {proud: 2, motivated: 2, enps: 6}) for person in company["it"]]
    for number, (person, choices) in enumerate(answers):
        shots = None
        if number == 0:
            shots = (screenshot_dir / "e2e-2-employee-answer-phone.png", screenshot_dir / "e2e-2-employee-thanks-phone.png")
        errors += answer_on_phone(browser, links[person.email], choices, screenshot=shots)
    wave.refresh_from_db()
    assert wave.invitations.filter(used_on__isnull=False).count() == 10

    # 3. HR closes the wave; the KPI job runs (the nightly job, here for the closed wave only).
    page.goto(f"{page.base_url}/surveys/waves/{wave.pk}/")
    page.click("text=Close wave")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("The wave is closed and its results are final.").count() == 1
    assert page.locator("#answered").inner_text().startswith("10")
    page.screenshot(path=str(screenshot_dir / "e2e-3-hr-wave-closed.png"), full_page=True)
    wave.refresh_from_db()
    assert wave.status == Wave.Status.CLOSED and wave.results_batch == 1 and wave.uncounted == 0
    kpi_services.compute_kpis(months=[])
    engagement = Measurement.objects.get(kpi__code="engagement-index", wave=wave, scope=Scope.COMPANY)
    assert engagement.value == 50  # Sales all favourable, IT all neutral

    # The executive signs in, switches to German and reads the result.
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    board = context.new_page()
    board.set_default_timeout(15_000)
    board.base_url = live_server.url
    errors += console_errors(board)
    login(board, "erik.exec")
    assert board.url.endswith("/dashboard/")
    board.click("#language-switch button[value=de]")
    board.wait_for_load_state("networkidle")
    assert board.url.endswith("/dashboard/") and board.locator("html").get_attribute("lang") == "de"
    assert board.get_by_role("heading", name="Dashboard für die Geschäftsleitung").count() == 1
    assert board.locator(".program-card", has_text="Customer first").count() == 1

    tile = board.locator(".kpi-tile", has=board.locator("a[href$='/kpis/engagement-index/']"))
    assert tile.count() == 1 and "50" in tile.locator(".fs-4").inner_text()
    board.click("#trend-heading ~ details summary")
    trend_row = board.locator("#trend-heading ~ details tbody tr", has=board.locator(f"a[href$='/surveys/waves/{wave.pk}/']"))
    assert "50" in trend_row.locator("td").nth(1).inner_text()

    heatmap = board.locator("#latest-wave-section #dashboard-heatmap")  # loaded by htmx
    heatmap.wait_for()
    assert "Spring pulse" in board.locator("#latest-wave-section").inner_text()
    assert heatmap.locator("tbody tr", has_text="Vertrieb").count() == 1
    assert heatmap.locator("tbody tr", has_text="IT").count() == 1
    assert heatmap.locator("tbody tr", has_text="Personal").count() == 0  # one person: not a group of its own
    board.wait_for_load_state("networkidle")
    assert serious_violations(board) == []
    board.screenshot(path=str(screenshot_dir / "e2e-3-dashboard-de.png"), full_page=True)

    with board.expect_download() as download:
        board.get_by_role("link", name="Bericht für die Geschäftsleitung (PDF)").click()
    pdf = (download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    (screenshot_dir / "e2e-3-board-report-de.pdf").write_bytes(pdf)
    first_page = re.sub(r"\s+", " ", PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    assert "Seite 1 von" in first_page
    assert "Customer first" in first_page
    context.close()

    assert errors == []
