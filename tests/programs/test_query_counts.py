"""Every program page holds a pinned number of queries, whatever the number of activities,
findings, instruments or changes."""

import pytest
from django.urls import reverse

from programs import services
from programs.models import Instrument
from tests.people.factories import SegmentFactory
from tests.programs.factories import make_planned_program

# page -> pinned maximum, as measured: a query per row would fail here. Strategy counts one
# extra query per department-rule target segment (people.selectors resolves the department tree).
# Detail reads the program's pre/post result (one query); strategy the KPI targets of its goals
# (one prefetch).
PINS = {
    "detail": 11,
    "analysis": 9,
    "strategy": 19,
    "operations": 16,
    "implementation": 10,
    "assessment": 10,
    "timeline": 13,
    "news": 9,
    "history": 10,
}


def _grow(program, owner, n):
    phase = program.phases.get(number=2)
    for i in range(n):
        services.activity_create(phase=phase, actor=owner, data={"title": f"Dialogue {i}", "due_date": program.start_date, "owner": owner})
        services.finding_create(program=program, actor=owner, scope="internal", source="other", swot="strength", description=f"F{i}")
        services.news_post_create(program=program, actor=owner, title=f"News {i}", body="x")
    for i in range(n // 5):
        services.planned_instrument_create(
            program=program,
            actor=owner,
            data={
                "instrument": Instrument.objects.get(code="intranet"),
                "owner": owner,
                "budget": i,
                "start_date": program.start_date,
                "end_date": program.end_date,
                "focus_areas": list(program.focus_areas.all()),
                "target_segments": list(program.target_segments.all()),
            },
        )
    services.self_assessment_create(
        program=program, actor=owner, assessed_on=program.start_date, scores=dict.fromkeys(range(1, 7), (3, ""))
    )
    services.self_assessment_create(program=program, actor=owner, assessed_on=program.end_date, scores=dict.fromkeys(range(1, 7), (4, "")))


@pytest.mark.parametrize("size", [2, 30])
@pytest.mark.parametrize("page", sorted(PINS))
def test_program_pages_hold_a_pinned_number_of_queries(client, hr_manager, sales, django_assert_max_num_queries, page, size):
    segment = SegmentFactory(rules={"match": "all", "conditions": [{"field": "department", "values": [sales.pk]}]})
    program = make_planned_program(hr_manager, segment=segment)
    _grow(program, hr_manager, size)
    client.force_login(hr_manager)
    with django_assert_max_num_queries(PINS[page]):
        response = client.get(reverse(f"programs:{page}", args=[program.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("size", [2, 30])
def test_phase_page_holds_a_pinned_number_of_queries(client, hr_manager, django_assert_max_num_queries, size):
    program = make_planned_program(hr_manager)
    _grow(program, hr_manager, size)
    client.force_login(hr_manager)
    # 12, plus the phase's KPI thresholds and the segments offered as seminar participants
    with django_assert_max_num_queries(14):
        response = client.get(reverse("programs:phase", args=[program.pk, 2]))
    assert response.status_code == 200
    assert response.content.decode().count('<span class="activity-title">Dialogue ') == size


@pytest.mark.parametrize("size", [1, 8])
def test_program_list_holds_a_pinned_number_of_queries(client, hr_manager, django_assert_max_num_queries, size):
    for i in range(size):
        _grow(make_planned_program(hr_manager, name=f"Program {i}"), hr_manager, 3)
    client.force_login(hr_manager)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("programs:list"))
    assert response.status_code == 200
