from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from common.roles import EMPLOYEE
from surveys import services
from surveys.figures import internal_customer_results
from surveys.models import Ballot, CustomerFeedback, FeedbackLink, Idea, Invitation, Response, SurveyTemplate
from tests.people.factories import DepartmentFactory, LocationFactory, SegmentFactory, UserFactory
from tests.surveys.factories import open_wave, pulse_template, staff

pytestmark = pytest.mark.django_db

SERVICE = ("service-reliability", "service-responsiveness", "service-satisfaction", "service-inps")


@pytest.fixture
def internal_wave(db):
    hq = LocationFactory()
    it, hr, sales, legal = (DepartmentFactory(name_en=n) for n in ("IT", "HR", "Sales", "Legal"))
    people = {"sales": staff(sales, hq, 7), "hr": staff(hr, hq, 6), "legal": staff(legal, hq, 2)}
    template = pulse_template(SERVICE, name="Internal services", kind=SurveyTemplate.Kind.INTERNAL_CUSTOMER)
    return open_wave(template), people, {"it": it, "hr": hr, "sales": sales, "legal": legal}


def test_employee_picks_departments_and_rates_each(client, internal_wave):
    wave, people, departments = internal_wave
    person = people["sales"][0]
    items = {wq.question.code: wq.question_id for wq in wave.questions.select_related("question")}
    user = UserFactory(username="rater")
    user.groups.add(Group.objects.get(name=EMPLOYEE))
    person.user = user
    person.save()
    client.force_login(user)
    url = reverse("surveys:answer", args=[wave.pk])
    page = client.get(url)
    assert b"Step 1" in page.content and b"IT" in page.content
    it = departments["it"].pk
    # Chose IT but left a required rating out: the page says so and keeps the choices.
    data = {"providers": [it], f"q{items['service-reliability']}_p{it}": "5"}
    again = client.post(url, data)
    assert b"Please answer this question." in again.content and Response.objects.count() == 0
    data.update(
        {
            f"q{items['service-responsiveness']}_p{it}": "4",
            f"q{items['service-satisfaction']}_p{it}": "5",
            f"q{items['service-inps']}_p{it}": "10",
        }
    )
    done = client.post(url, data)
    assert b"Thank you" in done.content
    assert Response.objects.count() == 0 and Ballot.objects.count() == 1  # sealed until counted
    services.wave_close(wave=wave)
    assert Response.objects.get().answers.filter(provider_id=it).count() == 4


def _rate(wave, employees, provider, satisfaction, inps):
    items = {wq.question.code: wq.question_id for wq in wave.questions.select_related("question")}
    for employee in employees:
        invitation = Invitation.objects.get(wave=wave, employee=employee)
        rows = [{"question_id": items[c], "provider_id": provider.pk, "value": satisfaction} for c in SERVICE[:3]]
        rows.append({"question_id": items["service-inps"], "provider_id": provider.pk, "value": inps})
        services.response_submit(invitation=invitation, employee=employee, answers=rows)


def test_matrix_scorecard_and_internal_nps_with_thresholds(internal_wave, client, hr_manager):
    wave, people, departments = internal_wave
    _rate(wave, people["sales"], departments["it"], 5, 10)
    _rate(wave, people["hr"], departments["it"], 2, 3)
    _rate(wave, people["legal"], departments["it"], 1, 0)
    services.wave_close(wave=wave)
    results = internal_customer_results(wave=wave)
    ((provider, cells),) = results.items() if False else results["matrix"]
    assert provider == departments["it"]
    by_customer = dict(zip([c.name for c in results["customers"]], cells, strict=True))
    # Legal (2 invitees) is below the threshold, so its answers keep no department at all.
    assert "Legal" not in by_customer
    assert by_customer["HR"].favourability == 0 and by_customer["Sales"].favourability == 100
    # The overall score leaves out the two unplaced ratings, which total minus HR minus Sales would show.
    score = results["scorecards"][0]
    assert score.n == 13 and score.inps == round(100 * (7 - 6) / 13) and "without 1 hidden department" in score.note
    client.force_login(hr_manager)
    page = client.get(reverse("surveys:internal_results", args=[wave.pk]))
    assert page.status_code == 200 and b"Internal NPS" in page.content
    # The export holds the same scorecard and matrix, per provider.
    exported = client.get(reverse("surveys:wave_export_csv", args=[wave.pk])).content.decode()
    assert "Provider: IT,All customers" in exported and "Provider: IT,Sales" in exported and "All respondents" not in exported


def test_ideas_named_or_anonymous_and_triaged_in_public(client, employee, other_employee, hr_manager):
    client.force_login(employee)
    client.post(reverse("surveys:idea_submit"), {"title": "Standing desks", "body": "Please", "anonymous": "on"})
    client.post(reverse("surveys:idea_submit"), {"title": "Shared calendar", "body": "For rooms"})
    anonymous, named = Idea.objects.get(title="Standing desks"), Idea.objects.get(title="Shared calendar")
    assert anonymous.author is None and named.author == employee
    invalid = client.post(reverse("surveys:idea_submit"), {"title": "", "body": ""})
    assert invalid.status_code == 200 and Idea.objects.count() == 2
    assert client.post(reverse("surveys:idea_triage", args=[named.pk]), {"status": "accepted"}).status_code == 403
    client.force_login(hr_manager)
    client.post(reverse("surveys:idea_triage", args=[named.pk]), {"status": "accepted", "public_answer": "Coming in May"})
    client.force_login(other_employee)
    board = client.get(reverse("surveys:ideas")).content.decode()
    assert "Coming in May" in board and "Standing desks" in board and "anonymous" in board
    assert client.get(reverse("surveys:ideas") + "?status=accepted").content.decode().count("Shared calendar") == 1
    client.logout()
    assert client.get(reverse("surveys:ideas")).status_code == 302


def test_public_customer_feedback_link_without_login(client, hr_manager, settings):
    client.force_login(hr_manager)
    store = LocationFactory(name="Store Berlin")
    client.post(reverse("surveys:feedback_links"), {"location": store.pk})
    link = FeedbackLink.objects.get(location=store)
    client.logout()
    url = reverse("surveys:feedback_public", args=[link.slug])
    assert b"Store Berlin" in client.get(url).content
    bad = client.post(url, {"satisfaction": "9"})
    assert bad.status_code == 200 and b"Please answer both questions" in bad.content
    for _ in range(5):
        assert b"Thank you" in client.post(url, {"satisfaction": "5", "nps": "10"}).content
    assert CustomerFeedback.objects.count() == 5
    assert client.get(reverse("surveys:feedback_public", args=["nope"])).status_code == 404
    settings.SURVEYS_FEEDBACK_RATE = "2/m"
    addr = {"REMOTE_ADDR": f"10.7.6.{timezone.now().microsecond % 250}"}
    statuses = [client.post(url, {"satisfaction": "5", "nps": "10"}, **addr).status_code for _ in range(4)]
    assert statuses[-1] == 429
    client.force_login(hr_manager)
    summary = client.get(reverse("surveys:feedback_links")).content.decode()
    assert "Store Berlin" in summary and "100 %" not in summary  # the running month is not shown yet
    with time_machine.travel(timezone.localdate().replace(day=1) + timedelta(days=40)):
        client.force_login(hr_manager)
        summary = client.get(reverse("surveys:feedback_links")).content.decode()
    assert "Store Berlin" in summary and "100 %" in summary


def test_feedback_summary_hides_small_groups(client, hr_manager):
    link = services.feedback_link_create(department=DepartmentFactory(name_en="Service desk"))
    services.feedback_submit(link=link, satisfaction=1, nps=0)
    client.force_login(hr_manager)
    assert b"fewer than 5 responses" in client.get(reverse("surveys:feedback_links")).content


def test_wave_form_rejects_bad_input(client, hr_manager):
    SegmentFactory(name="Field sales")
    template = pulse_template()
    client.force_login(hr_manager)
    today = timezone.localdate()
    response = client.post(
        reverse("surveys:wave_create", args=[template.pk]),
        {"title": "X", "opens_on": today, "closes_on": today - timedelta(days=1), "reminder_days": "1,2,3"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "must close on or after" in content
    assert "at most two reminder days" in content
    assert "at least one segment" in content


def test_internal_customer_trend_per_provider(internal_wave, client, hr_manager, django_assert_max_num_queries):
    wave, people, departments = internal_wave
    _rate(wave, people["sales"], departments["it"], 5, 10)
    services.wave_close(wave=wave)
    client.force_login(hr_manager)
    with django_assert_max_num_queries(11):  # as the pulse trend, plus the providers' ledger entries and rollups
        page = client.get(reverse("surveys:template_trend", args=[wave.template_id]))
    content = page.content.decode()
    assert 'id="provider-trend"' in content and "100 %" in content
