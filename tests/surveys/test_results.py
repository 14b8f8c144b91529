"""Results from rollups, and the anonymity rules tried as an attacking HR manager would."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from people.models import Employee
from surveys import services
from surveys.figures import wave_results
from surveys.models import Invitation, Question, Wave
from tests.people.factories import DepartmentFactory, LocationFactory, SegmentFactory
from tests.surveys.factories import open_wave, pulse_template, staff

pytestmark = pytest.mark.django_db


def answer_all(wave, employees, value=4, text="", enps=9):
    """Answer as each employee through the service, like the answering page does."""
    items = list(wave.questions.select_related("question"))
    for employee in employees:
        invitation = Invitation.objects.get(wave=wave, employee=employee)
        rows = []
        for wq in items:
            kind = wq.question.kind
            if kind == "agree5":
                rows.append({"question_id": wq.question_id, "value": value})
            elif kind == "scale10":
                rows.append({"question_id": wq.question_id, "value": enps})
            elif kind == "text" and text:
                rows.append({"question_id": wq.question_id, "text": f"{text} {employee.pk}"})
        services.response_submit(invitation=invitation, employee=employee, answers=rows)


@pytest.fixture
def company(db):
    hq, remote = LocationFactory(name="HQ"), LocationFactory(name="Remote")
    sales, it, legal = DepartmentFactory(name_en="Sales"), DepartmentFactory(name_en="IT"), DepartmentFactory(name_en="Legal")
    return {
        "hq": hq,
        "remote": remote,
        "sales": staff(sales, hq, 8),
        "it": staff(it, hq, 6),
        "legal": staff(legal, remote, 2),
        "departments": (sales, it, legal),
    }


def everyone(company):
    return company["sales"] + company["it"] + company["legal"]


def test_results_per_question_engagement_and_enps(company):
    wave = open_wave(pulse_template())
    answer_all(wave, company["sales"], value=5, enps=10)
    answer_all(wave, company["it"], value=2, enps=3)
    services.wave_close(wave=wave)
    results = wave_results(wave=wave)
    proud = next(q for q in results.questions if q.question.code == "eng-proud")
    assert proud.total.n == 14
    assert proud.total.mean == round((8 * 5 + 6 * 2) / 14, 1)  # one decimal: no exact sums
    assert proud.total.favourability == round(100 * 8 / 14)
    assert results.enps.enps == round(100 * (8 - 6) / 14)
    assert results.engagement.favourability == round(100 * 8 / 14)
    assert results.participation_total["answered"] == 14 and results.participation_total["invited"] == 16


def test_small_department_is_hidden_and_taken_out_of_the_total(company):
    wave = open_wave(pulse_template())
    answer_all(wave, everyone(company))
    services.wave_close(wave=wave)
    results = wave_results(wave=wave, dimension="department")
    by_label = {g.label: g for g in results.groups}
    # Legal has fewer invitees than the threshold, so its answers do not even keep the department.
    assert "Legal" not in by_label and by_label["not recorded"].reason == "small"
    # Rather than hiding a second department, the total is shown without them, and says so.
    assert by_label["IT"].responses == 6 and by_label["Sales"].responses == 8
    assert results.total.responses == 14 and results.total.without == (-1,)
    assert "without 1 hidden department" in results.total.note
    for q in results.questions:
        cells = dict(zip([g.label for g in results.groups], q.cells, strict=True))
        assert cells["not recorded"].hidden and cells["not recorded"].n is None
        assert cells["IT"].hidden == (q.question.kind == "text")  # free texts are never broken down


def test_hidden_cells_say_why(client, hr_manager, company):
    wave = open_wave(pulse_template())
    answer_all(wave, everyone(company))
    services.wave_close(wave=wave)
    client.force_login(hr_manager)
    page = client.get(reverse("surveys:wave_results", args=[wave.pk]) + "?by=department")
    assert b"fewer than 5 responses" in page.content
    assert b"without 1 hidden department, so that its answers cannot be derived" in page.content
    page = client.get(reverse("surveys:wave_results", args=[wave.pk]) + "?by=tenure")  # one band = everyone, Legal included
    assert b"with the figures already shown it would reveal the answers of fewer than 5 people" in page.content


def test_attacker_cannot_single_out_a_person_by_combining_breakdowns_and_exports(client, hr_manager, company):
    """Legal has two people at the only remote location; Remote vs HQ vs total, departments
    vs total and a hand-made segment "everyone but one" must not reveal any of them."""
    legal_person = company["legal"][0]
    everybody_but_one = SegmentFactory(name="Everyone but one", rules={"match": "all", "conditions": []})
    wave = open_wave(pulse_template())
    # The segment contains all but one: make it so by editing the snapshot source.
    Invitation.objects.filter(wave=wave).exclude(employee=legal_person).update(segment_ids=[everybody_but_one.pk])
    Invitation.objects.filter(wave=wave, employee=legal_person).update(segment_ids=[])
    answer_all(wave, [e for e in everyone(company) if e != legal_person], value=4)
    answer_all(wave, [legal_person], value=1)  # the one the attacker is after
    services.wave_close(wave=wave)
    client.force_login(hr_manager)

    exported = list(csv.reader(io.StringIO(client.get(reverse("surveys:wave_export_csv", args=[wave.pk])).content.decode())))
    sheet = load_workbook(io.BytesIO(client.get(reverse("surveys:wave_export_xlsx", args=[wave.pk])).content)).active
    xlsx_rows = [[("" if c is None else str(c)) for c in row] for row in sheet.iter_rows(values_only=True)]
    assert [r[:4] for r in exported] == [r[:4] for r in xlsx_rows]

    proud_text = Question.objects.get(code="eng-proud").text_en
    visible = {}
    for row in exported[1:]:
        breakdown, group, question, n = row[0], row[1], row[2], row[3]
        if question == proud_text and n:
            visible[(breakdown, group)] = int(n)
    total = visible[("All respondents", "All respondents")]
    assert total == 14  # shown without Legal, the hidden department
    # No visible group may differ from the total, or from a group containing it, by fewer than 5.
    for (breakdown, group), n in visible.items():
        assert n == total or total - n >= 5, (breakdown, group, n)
    # Within each breakdown that splits everyone, the hidden part is never derivable as total - visible.
    for breakdown in ("Department", "Location", "Tenure"):
        shown = sum(n for (b, _g), n in visible.items() if b == breakdown)
        assert shown == total or total - shown >= 5 or shown == 0, breakdown
    # And the pages show exactly the same protection as the exports: Legal's row never shows a number.
    for by in ("department", "location", "segment", "tenure"):
        page = client.get(reverse("surveys:wave_results", args=[wave.pk]) + f"?by={by}").content.decode()
        for row in re.findall(r"<tr>(?:(?!</tr>).)*Legal(?:(?!</tr>).)*</tr>", page, re.S):
            assert "suppressed" in row and ">2<" not in row.replace(" ", ""), row


def test_open_wave_results_move_only_in_steps_of_the_threshold(company):
    wave = open_wave(pulse_template())
    people = everyone(company)
    answer_all(wave, people[:4])
    assert services.wave_count(wave=wave) is False
    wave.refresh_from_db()
    assert wave.published_responses == 0 and wave.published_answered == 0 and wave.responses.count() == 0
    results = wave_results(wave=wave)
    assert results.questions[0].total.reason == "pending" and results.participation_total["answered"] is None
    answer_all(wave, people[4:5])
    assert services.wave_count(wave=wave) is True
    wave.refresh_from_db()
    assert wave.published_responses == 5 and wave.responses.count() == 5 and set(wave.responses.values_list("batch", flat=True)) == {1}
    answer_all(wave, people[5:9])  # four more: nothing moves
    assert services.wave_count(wave=wave) is False
    wave.refresh_from_db()
    assert wave.published_answered == 5
    answer_all(wave, people[9:10])
    assert services.wave_count(wave=wave) is True
    wave.refresh_from_db()
    assert wave.published_answered == 10 and wave.results_batch == 2
    # While open, only the whole wave is published: breakdowns wait for the close.
    results = wave_results(wave=wave, dimension="department")
    assert results.groups == [] and "when the wave closes" in results.breakdown_reason
    # Closing with fewer than the threshold after the last step: those answers are not counted.
    answer_all(wave, people[10:12])
    services.wave_close(wave=wave)
    wave.refresh_from_db()
    assert wave.uncounted == 2 and wave.responses.count() == 10 and wave.published_answered == 10


def test_comments_only_for_groups_at_the_comment_threshold_and_without_attributes(company):
    wave = open_wave(pulse_template())
    answer_all(wave, company["sales"][:4], text="Idea")
    services.wave_close(wave=wave)
    assert wave_results(wave=wave).comments == []  # 4 writers < 5
    wave2 = open_wave(pulse_template(name="Pulse 2"))
    answer_all(wave2, company["sales"], text="Idea")
    services.wave_close(wave=wave2)
    ((question, texts),) = wave_results(wave=wave2).comments
    assert question.code == "ideas-open" and len(texts) == 8
    assert all(isinstance(t, str) for t in texts)


def test_results_page_has_a_fixed_number_of_queries(client, hr_manager, company, django_assert_max_num_queries):
    wave = open_wave(pulse_template())
    answer_all(wave, everyone(company), text="Idea")
    services.wave_close(wave=wave)
    client.force_login(hr_manager)
    url = reverse("surveys:wave_results", args=[wave.pk])
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    more = staff(company["departments"][0], company["hq"], 30, hire_date=date(2010, 1, 1))
    wave2 = open_wave(pulse_template(name="Bigger"))
    answer_all(wave2, everyone(company) + more, text="Idea")
    services.wave_close(wave=wave2)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("surveys:wave_results", args=[wave2.pk]) + "?by=tenure").status_code == 200


def test_results_are_for_hr_only(client, employee, company):
    wave = open_wave(pulse_template())
    url = reverse("surveys:wave_results", args=[wave.pk])
    assert client.get(url).status_code == 302
    client.force_login(employee)
    assert client.get(url).status_code == 403
    assert client.get(reverse("surveys:wave_export_csv", args=[wave.pk])).status_code == 403


def test_erasing_an_employee_keeps_the_anonymous_responses(company):
    wave = open_wave(pulse_template())
    answer_all(wave, company["sales"])
    person = company["sales"][0]
    Invitation.objects.filter(employee=person).delete()
    Employee.objects.filter(pk=person.pk).delete()
    assert wave.ballots.count() == 8  # the sealed ballots wait, unlinked to anyone
    services.wave_close(wave=wave)
    assert wave.responses.count() == 8


def test_watching_the_page_while_one_person_answers_reveals_nothing(client, hr_manager, company):
    """The attacker refreshes results and participation after a colleague says "I just answered"."""
    wave = open_wave(pulse_template())
    people = everyone(company)
    answer_all(wave, people[:7])
    services.wave_count(wave=wave)
    client.force_login(hr_manager)
    url = reverse("surveys:wave_results", args=[wave.pk])
    before = client.get(url).content.decode()
    answer_all(wave, people[7:8], value=1, enps=0)  # the colleague, very unhappy
    client.post(reverse("surveys:wave_rollup", args=[wave.pk]), follow=True)  # the attacker asks for a refresh
    services.waves_rollup()  # and the periodic job runs
    after = client.get(url).content.decode()
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"')
    assert strip.sub("", before) == strip.sub("", after)


def test_an_optional_question_cannot_be_differenced_between_nested_groups(company):
    """Everyone answers the required items, but only Sales and one IT person answer the optional
    one: Sales (8) inside all (9) on that question would expose the IT person's answer."""
    template = services.template_create(name="Optional")
    services.template_item_add(template=template, question=Question.objects.get(code="eng-proud"))
    services.template_item_add(template=template, question=Question.objects.get(code="eng-stay"), required=False)
    wave = open_wave(template)
    proud, stay = (wave.questions.get(question__code=c).question_id for c in ("eng-proud", "eng-stay"))
    it_person = company["it"][0]
    for person in everyone(company):
        rows = [{"question_id": proud, "value": 4}]
        if person in company["sales"] or person == it_person:
            rows.append({"question_id": stay, "value": 1 if person == it_person else 5})
        services.response_submit(invitation=Invitation.objects.get(wave=wave, employee=person), employee=person, answers=rows)
    services.wave_close(wave=wave)
    results = wave_results(wave=wave, dimension="location")
    stay_result = next(q for q in results.questions if q.question.code == "eng-stay")
    hq = dict(zip([g.label for g in results.groups], stay_result.cells, strict=True))["HQ"]
    by_department = wave_results(wave=wave, dimension="department")
    stay_by_department = next(q for q in by_department.questions if q.question.code == "eng-stay")
    cells = dict(zip([g.label for g in by_department.groups], stay_by_department.cells, strict=True))
    # Departments are decided first: Sales (8) is shown; then every group that holds Sales and
    # the IT person on this question would expose that one answer, so the total and HQ hide it
    # (while their other questions stay visible).
    assert cells["Sales"].n == 8 and cells["IT"].hidden
    assert stay_result.total.hidden and stay_result.total.reason == "differencing" and hq.hidden
    proud_total = next(q for q in results.questions if q.question.code == "eng-proud").total
    assert proud_total.n == 14


def test_installation_can_publish_only_at_close(settings, company):
    settings.SURVEYS_RESULTS_AT_CLOSE_ONLY = True
    wave = open_wave(pulse_template())
    answer_all(wave, everyone(company))
    assert services.wave_count(wave=wave) is False
    assert wave.published_responses == 0 and wave.responses.count() == 0
    services.wave_close(wave=wave)
    assert wave.published_responses == 14  # without Legal (2), which would be the difference to IT + Sales


def test_headline_scores_for_other_apps(company, django_assert_max_num_queries):
    from surveys.figures import customer_feedback_figures, wave_scores

    small = open_wave(pulse_template(name="Small"), title="Small")
    answer_all(small, company["legal"])
    services.wave_close(wave=small)
    big = open_wave(pulse_template(name="Big"), title="Big")
    answer_all(big, company["sales"], value=5, enps=10)
    services.wave_close(wave=big)
    with django_assert_max_num_queries(3):  # the waves, their ledger entries, their rollups
        scores = {s.wave.title: s for s in wave_scores(waves=Wave.objects.filter(pk__in=[small.pk, big.pk]))}
    assert scores[small.title].engagement is None and scores[small.title].enps is None
    assert scores[big.title].engagement == 100 and scores[big.title].enps == 100 and scores[big.title].participation == 50
    link = services.feedback_link_create(department=company["departments"][0])
    for nps in (10, 10, 9, 3, 8):
        services.feedback_submit(link=link, satisfaction=5, nps=nps)
    today = big.opens_on
    # Figures move once a month, not with each new answer: the running month is not shown yet.
    assert customer_feedback_figures(start=today, end=today)["n"] is None
    with time_machine.travel(today.replace(day=1) + timedelta(days=40)):
        assert customer_feedback_figures(start=today, end=today) == {"n": 5, "satisfaction": 100, "nps": 40}
        assert customer_feedback_figures(start=today, end=today, department=company["departments"][1])["nps"] is None
        services.feedback_submit(link=link, satisfaction=1, nps=0)  # one more, this month: nothing moves
        assert customer_feedback_figures(start=today, end=today + timedelta(days=60))["n"] == 5
