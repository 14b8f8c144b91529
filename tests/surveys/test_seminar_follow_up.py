"""The post-training pulse: a week after a seminar its participant segment gets a short wave."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from common.schedule import BEAT_SCHEDULE
from programs import services as program_services
from programs.models import Activity
from surveys import services, tasks
from surveys.models import Wave
from tests.people.factories import DepartmentFactory, EmployeeFactory, LocationFactory, SegmentFactory
from tests.programs.factories import make_program

TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _mid_june():
    with time_machine.travel(timezone.make_aware(datetime(2026, 6, 15, 11, 0)), tick=False) as traveller:
        yield traveller


@pytest.fixture
def program(hr_manager):
    return make_program(hr_manager)


def _supervisors(n):
    """A segment of ``n`` customer service supervisors (and one colleague who is not in it)."""
    department, location = DepartmentFactory(name_en="Customer service", name_de="Kundenservice"), LocationFactory()
    members = EmployeeFactory.create_batch(n, department=department, location=location)
    EmployeeFactory(location=location)
    segment = SegmentFactory(
        name="Customer service supervisors", rules={"match": "all", "conditions": [{"field": "department", "values": [department.pk]}]}
    )
    return segment, members


def _seminar(program, actor, *, days_ago, participants, **data):
    return program_services.activity_create(
        phase=program.phases.get(number=3),
        actor=actor,
        data={
            "title": "Listening to customers",
            "due_date": TODAY - timedelta(days=days_ago),
            "is_seminar": True,
            "participants": participants,
            **data,
        },
    )


def test_a_seminar_a_week_ago_gets_one_open_pulse_for_exactly_its_participants(program, hr_manager):
    segment, members = _supervisors(5)
    seminar = _seminar(program, hr_manager, days_ago=7, participants=segment)

    assert services.seminar_follow_ups() == 1
    assert services.seminar_follow_ups() == 0  # the next beat finds the seminar handled

    wave = Wave.objects.get()
    assert wave.status == Wave.Status.OPEN
    assert (wave.seminar, wave.phase, wave.program) == (seminar, seminar.phase, program)
    assert wave.title == "After the seminar / Nach dem Seminar: Listening to customers"
    assert not wave.whole_company and list(wave.segments.all()) == [segment]
    assert (wave.opens_on, wave.closes_on) == (TODAY, TODAY + timedelta(days=4))
    assert set(wave.invitations.values_list("employee_id", flat=True)) == {m.pk for m in members}
    assert wave.invited_count == 5
    assert wave.template.name == "Post-training pulse"
    assert list(wave.questions.order_by("position").values_list("question__code", flat=True)) == [
        "knowhow-transfer",
        "eng-growth",
        "ideas-open",
    ]
    assert list(seminar.follow_up_waves.all()) == [wave]


def test_the_template_is_seeded_once_and_reused(program, hr_manager):
    segment, _members = _supervisors(5)
    _seminar(program, hr_manager, days_ago=7, participants=segment)
    _seminar(program, hr_manager, days_ago=10, participants=segment, title="Complaints as a gift")
    assert services.seminar_follow_ups() == 2
    assert Wave.objects.values("template").distinct().count() == 1
    assert services.post_training_template() == Wave.objects.first().template


def test_a_seminar_already_claimed_is_not_claimed_twice(program, hr_manager):
    segment, _members = _supervisors(5)
    seminar = _seminar(program, hr_manager, days_ago=8, participants=segment)
    template = services.post_training_template()
    first = services.seminar_follow_up(seminar=seminar, template=template, today=TODAY)
    # What a second beat that read the seminar before the first committed would do next.
    assert services.seminar_follow_up(seminar=seminar, template=template, today=TODAY) is None
    assert list(Wave.objects.all()) == [first]


@pytest.mark.parametrize(("days_ago", "waves"), [(3, 0), (6, 0), (7, 1), (14, 1), (15, 0), (20, 0)])
def test_only_seminars_held_one_to_two_weeks_ago_are_due(program, hr_manager, days_ago, waves):
    segment, _members = _supervisors(5)
    _seminar(program, hr_manager, days_ago=days_ago, participants=segment)
    assert services.seminar_follow_ups() == waves
    assert Wave.objects.count() == waves


def test_cancelled_seminars_and_seminars_without_participants_get_none(program, hr_manager):
    segment, _members = _supervisors(5)
    _seminar(program, hr_manager, days_ago=7, participants=segment, status=Activity.Status.CANCELLED)
    _seminar(program, hr_manager, days_ago=7, participants=None, title="Open seminar")
    assert services.seminar_follow_ups() == 0
    assert not Wave.objects.exists()


def test_a_too_small_segment_opens_nothing_and_is_not_retried(program, hr_manager, _mid_june):
    segment, _members = _supervisors(4)
    seminar = _seminar(program, hr_manager, days_ago=7, participants=segment)

    assert services.seminar_follow_ups() == 0
    wave = Wave.objects.get()
    assert (wave.seminar, wave.status, wave.invited_count) == (seminar, Wave.Status.DRAFT, 0)
    assert not wave.invitations.exists()

    _mid_june.shift(timedelta(days=1))
    assert services.seminar_follow_ups() == 0
    assert Wave.objects.count() == 1

    # Once its window has passed the draft never opens, even if the segment has grown.
    EmployeeFactory(department=_members[0].department, location=_members[0].location)
    _mid_june.shift(timedelta(days=5))
    assert services.waves_open_due() == 0
    wave.refresh_from_db()
    assert wave.status == Wave.Status.DRAFT and not wave.invitations.exists()


def test_the_beat_entry_runs_the_job_daily():
    entry = BEAT_SCHEDULE["surveys: post-training pulses"]
    assert import_string(entry["task"]) is tasks.seminar_follow_ups
    assert entry["crontab"] == {"minute": "0", "hour": "7"}


def test_the_task_runs_the_service(program, hr_manager):
    segment, _members = _supervisors(5)
    _seminar(program, hr_manager, days_ago=9, participants=segment)
    assert tasks.seminar_follow_ups.apply().get() == 1
    assert Wave.objects.filter(status=Wave.Status.OPEN).count() == 1


def test_the_activity_form_saves_the_participant_segment_and_the_phase_page_shows_it(client, program, hr_manager):
    segment, _members = _supervisors(5)
    client.force_login(hr_manager)
    data = {
        "title": "Service seminar",
        "owner": hr_manager.pk,
        "due_date": "2026-06-10",
        "status": "open",
        "completion": "0",
        "is_seminar": "on",
        "planned_attendance": "5",
        "participants": segment.pk,
    }
    response = client.post(reverse("programs:activity_create", args=[program.pk, 3]), data)
    assert response.status_code == 302
    activity = Activity.objects.get(title="Service seminar")
    assert activity.participants == segment

    response = client.post(reverse("programs:activity_edit", args=[program.pk, activity.pk]), {**data, "participants": ""})
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.participants is None

    client.post(reverse("programs:activity_edit", args=[program.pk, activity.pk]), data)
    page = client.get(reverse("programs:phase", args=[program.pk, 3]))
    assert "Participants: Customer service supervisors" in page.content.decode()


def test_only_a_seminar_takes_participants(client, program, hr_manager):
    segment, _members = _supervisors(5)
    client.force_login(hr_manager)
    data = {"title": "Newsletter", "due_date": "2026-06-10", "status": "open", "completion": "0", "participants": segment.pk}
    response = client.post(reverse("programs:activity_create", args=[program.pk, 3]), data)
    assert response.status_code == 400
    assert "Only a seminar has participants" in response.content.decode()
    assert not Activity.objects.filter(title="Newsletter").exists()
