from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from programs.models import Finding
from programs.services import program_create
from surveys import services
from surveys.models import Idea, Invitation, Wave
from tests.surveys.factories import open_wave, pulse_template

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("colleagues")]


@pytest.fixture
def program(hr_manager):
    return program_create(actor=hr_manager, name="Service culture", start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))


def test_wave_serves_a_program_phase(client, hr_manager, employee, program):
    template = pulse_template()
    phase = program.phases.get(number=3)
    client.force_login(hr_manager)
    today = timezone.localdate()
    form = {
        "title": "Know-how check",
        "opens_on": today,
        "closes_on": today + timedelta(days=5),
        "whole_company": "on",
        "reminder_days": "3",
    }
    client.post(reverse("surveys:wave_create", args=[template.pk]), {**form, "phase": phase.pk})
    wave = Wave.objects.get(title="Know-how check")
    assert wave.program == program and wave.phase == phase
    assert list(program.survey_waves.all()) == [wave]
    other = program_create(actor=hr_manager, name="Other", start_date=date(2026, 1, 1), end_date=date(2026, 6, 30))
    response = client.post(
        reverse("surveys:wave_create", args=[template.pk]), {**form, "title": "Mismatch", "program": other.pk, "phase": phase.pk}
    )
    assert b"Choose a phase of the selected program" in response.content


def test_idea_becomes_evidence_for_a_finding(client, hr_manager, employee, program):
    finding = Finding.objects.create(
        program=program, scope="internal", source="improvement_ideas", swot="weakness", description="Slow hand-offs"
    )
    idea = services.idea_submit(user=employee, title="Hand-off checklist", body="...", anonymous=True)
    client.force_login(hr_manager)
    assert b"Slow hand-offs" in client.get(reverse("surveys:ideas")).content
    client.post(reverse("surveys:idea_triage", args=[idea.pk]), {"status": "review", "public_answer": "", "finding": finding.pk})
    assert list(finding.supporting_ideas.all()) == [idea]
    assert Idea.objects.get().status == "review"


def test_trend_across_waves_with_a_pinned_query_count(client, hr_manager, employee, django_assert_max_num_queries):
    from tests.people.factories import EmployeeFactory

    people = EmployeeFactory.create_batch(6)
    template = pulse_template(("eng-proud", "enps"))
    for week in range(3):
        wave = open_wave(template, title=f"Week {week}")
        for person in people:
            invitation = Invitation.objects.get(wave=wave, employee=person)
            rows = [
                {"question_id": q.question_id, "value": 4 if q.question.kind == "agree5" else 9}
                for q in wave.questions.select_related("question")
            ]
            services.response_submit(invitation=invitation, employee=person, answers=rows)
        services.wave_close(wave=wave)
    client.force_login(hr_manager)
    with django_assert_max_num_queries(9):  # session, user, roles, template, waves, ledger, rollups + 2 savepoints
        page = client.get(reverse("surveys:template_trend", args=[template.pk]))
    assert page.status_code == 200
    assert page.content.decode().count("100 %") == 6  # two questions x three waves
    client.force_login(employee)
    assert client.get(reverse("surveys:template_trend", args=[template.pk])).status_code == 403
