"""Done-when, in a browser: HR builds a pulse from the bank and opens it for a segment; an employee
answers from the emailed link and another from the home page; HR sees participation, results and
a heatmap with a suppressed small group, in English and German."""

import re

import pytest
from django.contrib.auth.models import Group

from common.roles import EMPLOYEE
from surveys import services
from surveys.models import Invitation, Question, Wave
from tests.accessibility import serious_violations
from tests.conftest import login
from tests.people.factories import DepartmentFactory, EmployeeFactory, SegmentFactory, UserFactory
from tests.surveys.factories import batches, pulse_template

pytestmark = pytest.mark.browser


@pytest.fixture
def organisation(transactional_db, hr_manager, employee, sales, hq):
    pulse_template(())  # makes sure the seeded bank is there after other tests flushed it
    legal = DepartmentFactory(name_en="Legal", name_de="Recht", code="legal")
    colleagues = []
    for n in range(7):
        user = UserFactory(username=f"sales{n}", first_name=f"Sam{n}")
        user.groups.add(Group.objects.get(name=EMPLOYEE))
        colleagues.append(EmployeeFactory(user=user, department=sales, location=hq, email=user.email))
    lawyers = EmployeeFactory.create_batch(2, department=legal, location=hq)
    service = DepartmentFactory(name_en="Customer Service", name_de="Kundenservice", code="service")
    agents = EmployeeFactory.create_batch(6, department=service, location=hq)
    segment = SegmentFactory(
        name="Customer contact", rules={"match": "any", "conditions": [{"field": "department", "values": [sales.pk, legal.pk, service.pk]}]}
    )
    return {"colleagues": colleagues, "lawyers": lawyers, "agents": agents, "segment": segment}


def test_pulse_from_bank_to_heatmap(page, organisation, screenshot_dir, settings, live_server, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.PORTAL_BASE_URL = live_server.url

    # HR builds a pulse from the bank.
    login(page, "hanna.hr")
    page.goto(page.base_url + "/surveys/")
    page.click("text=New survey template")
    page.fill("#id_name", "Team pulse")
    page.click("input[type=submit]")
    for code in ("eng-proud", "eng-heard", "enps", "ideas-open"):
        page.select_option("#id_question", value=str(Question.objects.get(code=code).pk))
        if code == "ideas-open":
            page.uncheck("#id_required")  # the open question is optional
        page.click("#add-item button.btn-primary")
    assert page.locator("ol.list-group li").count() == 4
    page.screenshot(path=str(screenshot_dir / "surveys-template-en.png"), full_page=True)

    # ... and opens a wave for a segment.
    page.click("text=Open a wave")
    page.uncheck("#id_whole_company")
    page.check(f"input[name=segments][value='{organisation['segment'].pk}']")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/surveys/waves/\d+/$"))
    wave = Wave.objects.get(title="Team pulse")
    assert wave.invitations.count() == 16  # Emma, 7 colleagues, 2 lawyers, 6 service agents

    # The mail job runs (the lead's test runs it through a real worker); mails land in the mail log.
    for first, last in batches(wave):
        services.invitations_mail(wave_id=wave.pk, first_id=first, last_id=last)
    mails = list((tmp_path / "mail").glob("*.log"))
    text = "\n".join(path.read_text() for path in mails)
    link = re.search(r"^(http://\S+/surveys/a/\S+/)$", text.split("To: emma.sales@example.com", 1)[1], re.M).group(1)

    # Emma answers from the emailed link, on a phone-sized screen.
    phone = page.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    mobile = phone.new_page()
    mobile.goto(link)
    # The link is exchanged for a session: neither the address bar nor the form keeps the token.
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert mobile.url == f"{live_server.url}/surveys/answer/"
    assert token not in mobile.content() and token not in mobile.url
    assert serious_violations(mobile) == []  # the answer page on a phone
    mobile.click("text=Send my answers")  # nothing chosen yet: errors, nothing lost
    assert mobile.locator(".alert-danger").count() == 1
    mobile.fill("textarea", "More team lunches")
    for question in ("eng-proud", "eng-heard"):
        qid = Question.objects.get(code=question).pk
        mobile.click(f"label[for=id_q{qid}_3]")
    mobile.click(f"label[for=id_q{Question.objects.get(code='enps').pk}_9]")
    mobile.screenshot(path=str(screenshot_dir / "surveys-answer-mobile-en.png"), full_page=True)
    mobile.click("text=Send my answers")
    assert mobile.locator("text=Thank you for your answers!").count() == 1
    mobile.goto(link)
    assert mobile.locator("text=This link is not valid (any more)").count() == 1
    used_page = mobile.locator("#token-problem").inner_text()
    mobile.goto(link[:-5] + "abcd/")  # an unknown link reads exactly the same
    assert mobile.locator("#token-problem").inner_text() == used_page
    phone.close()

    # A colleague answers from the home page, without the link.
    page.click("#navbar-logout, form[action$='/logout/'] button")
    login(page, "sales0")
    page.click("text=Answer now")
    for question in ("eng-proud", "eng-heard"):
        page.click(f"label[for=id_q{Question.objects.get(code=question).pk}_4]")
    page.click(f"label[for=id_q{Question.objects.get(code='enps').pk}_10]")
    page.click("text=Send my answers")
    assert page.locator("text=Thank you for your answers!").count() == 1

    # The other colleagues, the two lawyers and the service agents answer too.
    others = list(organisation["colleagues"][1:]) + organisation["lawyers"] + organisation["agents"]
    items = list(wave.questions.select_related("question"))
    for person in others:
        invitation = Invitation.objects.get(wave=wave, employee=person)
        answers = [
            {"question_id": i.question_id, "value": 9 if i.question.kind == "scale10" else 4} for i in items if i.question.kind != "text"
        ]
        services.response_submit(invitation=invitation, employee=person, answers=answers)

    # HR closes the wave and reads participation, results and the heatmap.
    page.click("form[action$='/logout/'] button")
    login(page, "hanna.hr")
    page.goto(f"{page.base_url}/surveys/waves/{wave.pk}/")
    page.click("text=Close wave")
    # Legal (two people) is below the threshold: their answers keep no department, and the
    # total leaves them out rather than hiding a second department; the page says so.
    assert page.locator("#answered").inner_text().startswith("14")
    assert "without 1 hidden department" in page.content()
    page.screenshot(path=str(screenshot_dir / "surveys-results-en.png"), full_page=True)
    page.click("#heatmap-tab")
    heatmap = page.locator("#heatmap")
    assert heatmap.locator("tr", has_text="Legal").count() == 0
    assert "fewer than 5 responses" in heatmap.locator("tr", has_text="not recorded").inner_text()
    assert "hidden" not in heatmap.locator("tr", has_text="Customer Service").inner_text()
    assert "hidden" not in heatmap.locator("tr", has_text="Sales").inner_text()
    page.screenshot(path=str(screenshot_dir / "surveys-heatmap-en.png"), full_page=True)

    page.click("#language-switch button[value=de]")
    page.wait_for_load_state("networkidle")
    page.click("#heatmap-tab")
    assert "weniger als 5 Antworten" in page.locator("#heatmap").inner_text()
    page.screenshot(path=str(screenshot_dir / "surveys-heatmap-de.png"), full_page=True)
    page.click("text=Beteiligung")
    page.screenshot(path=str(screenshot_dir / "surveys-participation-de.png"), full_page=True)
