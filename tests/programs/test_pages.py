import pytest
from django.urls import reverse

from programs.models import Activity, Finding, Goal, PlannedInstrument
from tests.people.factories import SegmentFactory
from tests.programs.factories import make_planned_program

PAGES = ["detail", "analysis", "strategy", "operations", "implementation", "assessment", "timeline", "news", "history"]


@pytest.fixture
def program(hr_manager, sales):
    segment = SegmentFactory(name="Sales team", rules={"match": "all", "conditions": [{"field": "department", "values": [sales.pk]}]})
    return make_planned_program(hr_manager, segment=segment)


@pytest.mark.parametrize("page", PAGES)
def test_owner_sees_every_page_with_edit_controls(client, hr_manager, program, page):
    client.force_login(hr_manager)
    response = client.get(reverse(f"programs:{page}", args=[program.pk]))
    assert response.status_code == 200
    assert b"Edit program" in response.content


@pytest.mark.parametrize("page", PAGES)
def test_executive_reads_every_page_without_edit_controls(client, executive, program, page):
    client.force_login(executive)
    response = client.get(reverse(f"programs:{page}", args=[program.pk]))
    assert response.status_code == 200
    assert b"Edit program" not in response.content
    assert b"Only its owners can change it" in response.content


def test_phase_and_edit_pages_render(client, hr_manager, program):
    client.force_login(hr_manager)
    for number in range(1, 5):
        assert client.get(reverse("programs:phase", args=[program.pk, number])).status_code == 200
    activity = Activity.objects.filter(phase__program=program).first()
    assert client.get(reverse("programs:activity_edit", args=[program.pk, activity.pk])).status_code == 200
    assert client.get(reverse("programs:edit", args=[program.pk])).status_code == 200
    assert client.get(reverse("programs:finding_edit", args=[program.pk, Finding.objects.get(program=program).pk])).status_code == 200
    assert client.get(reverse("programs:goal_edit", args=[program.pk, Goal.objects.filter(program=program).first().pk])).status_code == 200
    planned = PlannedInstrument.objects.get(program=program)
    assert client.get(reverse("programs:planned_edit", args=[program.pk, planned.pk])).status_code == 200
    assert client.get(reverse("programs:list")).status_code == 200
    assert client.get(reverse("programs:create")).status_code == 200
