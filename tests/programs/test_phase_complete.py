import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from programs import services
from programs.models import ChangeRecord, Phase, Program
from tests.programs.factories import make_program


@pytest.fixture
def program(hr_manager):
    return make_program(hr_manager)


def _meet_criteria(phase, actor):
    for criterion in phase.criteria.all():
        services.criterion_set_met(criterion=criterion, actor=actor, met=True)


def test_phase_with_unmet_criteria_is_not_completed_without_override(program, hr_manager):
    phase = program.phases.get(number=1)
    with pytest.raises(ValidationError) as exc:
        services.phase_complete(phase=phase, actor=hr_manager)
    assert "2 of 2 exit criteria are not met." in exc.value.messages
    phase.refresh_from_db()
    assert phase.status == Phase.Status.OPEN


def test_phase_completes_when_criteria_are_met(program, hr_manager):
    phase = program.phases.get(number=1)
    _meet_criteria(phase, hr_manager)
    services.phase_complete(phase=phase, actor=hr_manager)
    phase.refresh_from_db()
    assert phase.is_completed and not phase.completed_by_override
    assert phase.completed_by == hr_manager and phase.completed_at is not None


def test_override_records_the_written_reason(program, hr_manager):
    phase = program.phases.get(number=1)
    services.phase_complete(phase=phase, actor=hr_manager, override_reason="The board signed in the meeting; no workshop needed.")
    phase.refresh_from_db()
    assert phase.completed_by_override
    assert phase.override_reason == "The board signed in the meeting; no workshop needed."
    record = ChangeRecord.objects.get(program=program, action="completed")
    assert record.changes["override_reason"][1] == phase.override_reason


def test_phase_cannot_complete_before_its_predecessor_without_override(program, hr_manager):
    phase2 = program.phases.get(number=2)
    _meet_criteria(phase2, hr_manager)
    with pytest.raises(ValidationError) as exc:
        services.phase_complete(phase=phase2, actor=hr_manager)
    assert "Phase 1 is not completed yet." in exc.value.messages
    services.phase_complete(phase=phase2, actor=hr_manager, override_reason="Phase 1 runs late; communication had to start.")
    assert program.phases.get(number=2).completed_by_override


def test_blank_override_reason_is_no_override(program, hr_manager):
    with pytest.raises(ValidationError):
        services.phase_complete(phase=program.phases.get(number=1), actor=hr_manager, override_reason="   ")


def test_reason_is_not_stored_when_no_override_was_needed(program, hr_manager):
    phase = program.phases.get(number=1)
    _meet_criteria(phase, hr_manager)
    services.phase_complete(phase=phase, actor=hr_manager, override_reason="just in case")
    phase.refresh_from_db()
    assert phase.override_reason == ""


def test_program_status_follows_its_phases(program, hr_manager):
    services.phase_complete(phase=program.phases.get(number=1), actor=hr_manager, override_reason="ok")
    program.refresh_from_db()
    assert program.status == Program.Status.ACTIVE
    for number in (2, 3, 4):
        phase = program.phases.get(number=number)
        _meet_criteria(phase, hr_manager)
        services.phase_complete(phase=phase, actor=hr_manager)
    program.refresh_from_db()
    assert program.status == Program.Status.COMPLETED


def test_completed_phase_cannot_be_completed_again(program, hr_manager):
    phase = program.phases.get(number=1)
    services.phase_complete(phase=phase, actor=hr_manager, override_reason="ok")
    with pytest.raises(ValidationError):
        services.phase_complete(phase=phase, actor=hr_manager, override_reason="again")


def test_reopen_only_the_latest_completed_phase(program, hr_manager):
    services.phase_complete(phase=program.phases.get(number=1), actor=hr_manager, override_reason="ok")
    services.phase_complete(phase=program.phases.get(number=2), actor=hr_manager, override_reason="ok")
    with pytest.raises(ValidationError):
        services.phase_reopen(phase=program.phases.get(number=1), actor=hr_manager)
    services.phase_reopen(phase=program.phases.get(number=2), actor=hr_manager)
    assert program.phases.get(number=2).status == Phase.Status.OPEN


def test_view_completes_by_criteria(client, program, hr_manager):
    phase = program.phases.get(number=1)
    _meet_criteria(phase, hr_manager)
    client.force_login(hr_manager)
    response = client.post(reverse("programs:phase_complete", args=[program.pk, 1]), {"override_reason": ""})
    assert response.status_code == 302
    assert program.phases.get(number=1).is_completed


def test_view_without_reason_explains_and_keeps_the_page(client, program, hr_manager):
    client.force_login(hr_manager)
    response = client.post(reverse("programs:phase_complete", args=[program.pk, 2]), {"override_reason": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Phase 1 is not completed yet." in body
    assert "give a written reason" in body


def test_criterion_toggle_by_owner(client, program, hr_manager):
    criterion = program.phases.get(number=1).criteria.first()
    client.force_login(hr_manager)
    response = client.post(reverse("programs:criterion_toggle", args=[program.pk, criterion.pk]), {"met": "1"})
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert criterion.met


@pytest.mark.parametrize("user_fixture", ["executive", "employee"])
def test_readers_and_employees_cannot_complete_phases(client, request, program, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    response = client.post(reverse("programs:phase_complete", args=[program.pk, 1]), {"override_reason": "mine now"})
    assert response.status_code == 403
    assert not program.phases.get(number=1).is_completed


def test_completion_is_post_only(client, program, hr_manager):
    client.force_login(hr_manager)
    assert client.get(reverse("programs:phase_complete", args=[program.pk, 1])).status_code == 405


def test_anonymous_cannot_complete(client, program):
    response = client.post(reverse("programs:phase_complete", args=[program.pk, 1]), {"override_reason": "x"})
    assert response.status_code == 302
    assert not program.phases.get(number=1).is_completed
