"""Owners edit; other HR managers and executives read; employees see only news; anonymous visitors log in."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from programs import services
from programs.models import ChangeRecord, Finding, FocusArea, Goal, NewsPost, PlannedInstrument, TargetSegment
from tests.people.factories import SegmentFactory
from tests.programs.factories import make_planned_program


@pytest.fixture
def program(hr_manager):
    program = make_planned_program(hr_manager, segment=SegmentFactory())
    services.news_post_create(program=program, actor=hr_manager, title="Hello", body="x")
    return program


def _post_urls(program):
    phase = program.phases.get(number=1)
    activity = phase.activities.first()
    criterion = phase.criteria.first()
    target = TargetSegment.objects.get(program=program)
    return [
        reverse("programs:edit", args=[program.pk]),
        reverse("programs:summary_update", args=[program.pk]),
        reverse("programs:finding_create", args=[program.pk]),
        reverse("programs:finding_edit", args=[program.pk, Finding.objects.get(program=program).pk]),
        reverse("programs:finding_delete", args=[program.pk, Finding.objects.get(program=program).pk]),
        reverse("programs:focus_area_set", args=[program.pk]),
        reverse("programs:focus_area_delete", args=[program.pk, program.focus_areas.first().pk]),
        reverse("programs:goal_create", args=[program.pk]),
        reverse("programs:goal_edit", args=[program.pk, Goal.objects.filter(program=program).first().pk]),
        reverse("programs:goal_delete", args=[program.pk, Goal.objects.filter(program=program).first().pk]),
        reverse("programs:target_create", args=[program.pk]),
        reverse("programs:target_delete", args=[program.pk, target.pk]),
        reverse("programs:suitability_update", args=[program.pk, target.pk]),
        reverse("programs:planned_create", args=[program.pk]),
        reverse("programs:planned_edit", args=[program.pk, PlannedInstrument.objects.get(program=program).pk]),
        reverse("programs:planned_delete", args=[program.pk, PlannedInstrument.objects.get(program=program).pk]),
        reverse("programs:catalogue_create", args=[program.pk]),
        reverse("programs:activity_create", args=[program.pk, 1]),
        reverse("programs:activity_edit", args=[program.pk, activity.pk]),
        reverse("programs:activity_delete", args=[program.pk, activity.pk]),
        reverse("programs:criterion_create", args=[program.pk, 1]),
        reverse("programs:criterion_toggle", args=[program.pk, criterion.pk]),
        reverse("programs:criterion_delete", args=[program.pk, criterion.pk]),
        reverse("programs:phase_complete", args=[program.pk, 1]),
        reverse("programs:phase_reopen", args=[program.pk, 1]),
        reverse("programs:assessment_create", args=[program.pk]),
        reverse("programs:news_create", args=[program.pk]),
        reverse("programs:news_delete", args=[program.pk, NewsPost.objects.get(program=program).pk]),
    ]


@pytest.fixture
def other_hr_manager(db, django_user_model):
    user = django_user_model.objects.create_user("henry.hr", password="pw-for-tests")
    user.groups.add(Group.objects.get(name="HR manager"))
    return user


@pytest.mark.parametrize("user_fixture", ["other_hr_manager", "executive", "employee", "outsider"])
def test_nobody_but_an_owner_changes_anything(client, request, program, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    before = ChangeRecord.objects.count()
    for url in _post_urls(program):
        response = client.post(url, {"override_reason": "x", "title": "x", "body": "x", "text": "x", "met": "1"})
        assert response.status_code == 403, url
    assert ChangeRecord.objects.count() == before


def test_anonymous_visitor_changes_nothing(client, program):
    for url in _post_urls(program):
        response = client.post(url, {"override_reason": "x"})
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_every_changing_view_refuses_get_or_shows_a_form(client, hr_manager, program):
    client.force_login(hr_manager)
    for url in _post_urls(program):
        assert client.get(url).status_code in (200, 405), url


def test_co_owner_edits(client, program, other_hr_manager, hr_manager):
    services.program_update(program=program, actor=hr_manager, data={}, owners=[hr_manager, other_hr_manager])
    client.force_login(other_hr_manager)
    response = client.post(
        reverse("programs:focus_area_set", args=[program.pk]), {"focus_area": FocusArea.objects.last().pk, "priority": 2}
    )
    assert response.status_code == 302


def test_owners_must_be_hr_managers(hr_manager, executive, program):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.program_update(program=program, actor=hr_manager, data={}, owners=[hr_manager, executive])
