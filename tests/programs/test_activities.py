import pytest
from django.urls import reverse

from programs import services
from programs.models import Activity, ChangeRecord, Phase
from programs.selectors import phases_with_progress
from tests.programs.factories import make_program


@pytest.fixture
def program(hr_manager):
    return make_program(hr_manager)


def _progress(phase):
    return round(phases_with_progress().get(pk=phase.pk).progress)


def test_progress_is_derived_from_activities(program, hr_manager):
    phase = program.phases.get(number=1)
    first, second = Activity.objects.filter(phase=phase)
    assert _progress(phase) == 0
    services.activity_update(activity=first, actor=hr_manager, data={"status": "done"})
    services.activity_update(activity=second, actor=hr_manager, data={"completion": 50})
    assert _progress(phase) == 75
    services.activity_update(activity=second, actor=hr_manager, data={"status": "cancelled"})
    assert _progress(phase) == 100


def test_progress_cannot_be_typed_in():
    field_names = {f.name for f in Phase._meta.get_fields()}
    assert "progress" not in field_names


def test_done_activity_counts_as_complete(program, hr_manager):
    activity = Activity.objects.filter(phase__program=program).first()
    services.activity_update(activity=activity, actor=hr_manager, data={"status": "done", "completion": 10})
    activity.refresh_from_db()
    assert activity.completion == 100


def test_owner_adds_an_activity(client, program, hr_manager):
    client.force_login(hr_manager)
    data = {"title": "Town hall", "owner": hr_manager.pk, "due_date": "2026-05-04", "status": "open", "completion": "0"}
    response = client.post(reverse("programs:activity_create", args=[program.pk, 2]), data)
    assert response.status_code == 302
    assert Activity.objects.filter(phase__program=program, phase__number=2, title="Town hall").exists()


def test_activity_outside_the_program_period_is_rejected_with_typed_input_kept(client, program, hr_manager):
    client.force_login(hr_manager)
    data = {"title": "Late seminar", "due_date": "2027-02-01", "status": "open", "completion": "0", "description": "typed text"}
    response = client.post(reverse("programs:activity_create", args=[program.pk, 3]), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "The date must lie within the program period (2026-01-01 to 2026-12-31)." in body
    assert 'value="Late seminar"' in body and "typed text" in body
    assert not Activity.objects.filter(title="Late seminar").exists()


def test_seminar_attendance_is_recorded(client, program, hr_manager):
    seminar = Activity.objects.filter(phase__program=program, is_seminar=True).first()
    client.force_login(hr_manager)
    data = {
        "title": seminar.title,
        "due_date": seminar.due_date.isoformat(),
        "status": "done",
        "completion": "100",
        "is_seminar": "on",
        "planned_attendance": "40",
        "actual_attendance": "36",
    }
    response = client.post(reverse("programs:activity_edit", args=[program.pk, seminar.pk]), data)
    assert response.status_code == 302
    seminar.refresh_from_db()
    assert (seminar.planned_attendance, seminar.actual_attendance) == (40, 36)
    page = client.get(reverse("programs:phase", args=[program.pk, 3])).content.decode()
    assert "36 / 40" in page


def test_activity_change_is_in_the_history(client, program, hr_manager):
    activity = Activity.objects.filter(phase__program=program).first()
    services.activity_update(activity=activity, actor=hr_manager, data={"status": "in_progress", "completion": 30})
    record = ChangeRecord.objects.get(program=program, target_model="activity", action="updated")
    assert record.changes == {"status": ["open", "in_progress"], "completion": ["0", "30"]}
    client.force_login(hr_manager)
    body = client.get(reverse("programs:history", args=[program.pk])).content.decode()
    assert "Executive workshop" in body
    assert "in progress" in body and "completion (%)" in body


def test_other_hr_manager_reads_but_cannot_edit(client, program, django_user_model):
    from django.contrib.auth.models import Group

    other = django_user_model.objects.create_user("henry.hr", password="pw-for-tests")
    other.groups.add(Group.objects.get(name="HR manager"))
    client.force_login(other)
    activity = Activity.objects.filter(phase__program=program).first()
    assert client.get(reverse("programs:phase", args=[program.pk, 1])).status_code == 200
    assert client.get(reverse("programs:activity_edit", args=[program.pk, activity.pk])).status_code == 403
    response = client.post(reverse("programs:activity_delete", args=[program.pk, activity.pk]))
    assert response.status_code == 403
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_activity_of_another_program_is_not_found(client, program, hr_manager):
    other = make_program(hr_manager, name="Other")
    activity = Activity.objects.filter(phase__program=other).first()
    client.force_login(hr_manager)
    assert client.get(reverse("programs:activity_edit", args=[program.pk, activity.pk])).status_code == 404


def test_unknown_program_is_not_found(client, hr_manager):
    client.force_login(hr_manager)
    assert client.get(reverse("programs:detail", args=[999999])).status_code == 404
