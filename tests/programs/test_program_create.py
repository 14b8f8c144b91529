from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from programs.models import Activity, ChangeRecord, ExitCriterion, Phase, Program
from tests.programs.factories import make_program

VALID = {"name": "Customer first", "description": "One company", "start_date": "2026-01-01", "end_date": "2026-12-31", "status": "draft"}


def test_program_create_makes_four_phases_with_standard_activities_and_criteria(hr_manager):
    program = make_program(hr_manager)
    phases = list(program.phases.all())
    assert [p.number for p in phases] == [1, 2, 3, 4]
    assert all(p.status == Phase.Status.OPEN for p in phases)
    titles = {p.number: list(Activity.objects.filter(phase=p).values_list("title", flat=True)) for p in phases}
    assert titles[1] == ["Executive workshop", "Signed commitment statement"]
    assert titles[2] == ["Kick-off communication", "Team dialogues led by supervisors"]
    assert len(titles[3]) == 4 and all(t.startswith("Seminar") for t in titles[3])
    assert Activity.objects.filter(phase__program=program, is_seminar=True).count() == 4
    assert ExitCriterion.objects.filter(phase__program=program).count() == 8
    assert list(program.owners.all()) == [hr_manager]
    assert Activity.objects.filter(phase__program=program).exclude(due_date__range=(program.start_date, program.end_date)).count() == 0


def test_program_created_in_german_gets_german_standard_activities(hr_manager):
    with translation.override("de"):
        program = make_program(hr_manager)
    assert Activity.objects.filter(phase__program=program, title="Workshop mit der Geschäftsleitung").exists()


def test_hr_manager_creates_a_program_in_the_browser_form(client, hr_manager):
    client.force_login(hr_manager)
    response = client.post(reverse("programs:create"), VALID)
    program = Program.objects.get(name="Customer first")
    assert response.status_code == 302
    assert response.url == reverse("programs:detail", args=[program.pk])
    assert program.phases.count() == 4
    assert ChangeRecord.objects.filter(program=program, action="created", target_model="program", actor=hr_manager).exists()


def test_end_before_start_is_rejected_and_keeps_typed_input(client, hr_manager):
    client.force_login(hr_manager)
    response = client.post(reverse("programs:create"), VALID | {"end_date": "2025-06-30"})
    assert response.status_code == 400
    assert b"The end date must not be before the start date." in response.content
    assert b'value="Customer first"' in response.content
    assert b'value="2025-06-30"' in response.content
    assert not Program.objects.exists()


@pytest.mark.parametrize("user_fixture", ["executive", "employee"])
def test_only_hr_managers_create_programs(db, client, request, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    assert client.post(reverse("programs:create"), VALID).status_code == 403
    assert not Program.objects.exists()


def test_anonymous_visitor_cannot_create(client, db):
    response = client.get(reverse("programs:create"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_program_edit_records_what_changed(client, hr_manager):
    program = make_program(hr_manager)
    client.force_login(hr_manager)
    data = VALID | {"name": "Customer first 2026", "status": "active", "owners": [hr_manager.pk]}
    response = client.post(reverse("programs:edit", args=[program.pk]), data)
    assert response.status_code == 302
    record = ChangeRecord.objects.filter(program=program, action="updated").get()
    assert record.changes["name"] == ["Customer first", "Customer first 2026"]
    assert record.changes["status"] == ["draft", "active"]
    assert record.actor == hr_manager


def test_program_period_cannot_shrink_past_its_activities(client, hr_manager):
    program = make_program(hr_manager)
    client.force_login(hr_manager)
    response = client.post(reverse("programs:edit", args=[program.pk]), VALID | {"end_date": "2026-03-01", "owners": [hr_manager.pk]})
    assert response.status_code == 400
    assert "outside the new period" in response.content.decode()
    program.refresh_from_db()
    assert program.end_date == date(2026, 12, 31)
