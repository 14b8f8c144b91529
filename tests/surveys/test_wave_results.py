"""The results page, its breakdowns and heatmaps, the export and the dashboard's latest-wave
section read a fixed number of queries: the same for a small company with one wave as for a
bigger one with more departments, people, segments and waves behind it."""

from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from people.models import Segment
from surveys import services
from surveys.models import Invitation, PublishedGroup
from tests.people.factories import DepartmentFactory, LocationFactory
from tests.surveys.factories import open_wave, pulse_template, staff
from tests.surveys.test_results import answer_all

pytestmark = pytest.mark.django_db

BREAKDOWNS = ("department", "unit", "location", "tenure", "segment")
MAX_QUERIES = 20
WAVE_NUMBERS = count(1)


def closed_wave(people, segments=()):
    """A pulse answered by ``people`` and closed; each segment (name, members) is tagged on the
    invitations, as the snapshot taken at opening would."""
    wave = open_wave(pulse_template(name=f"Pulse {next(WAVE_NUMBERS)}"))
    for name, members in segments:
        segment = Segment.objects.create(name=name, rules={"match": "all", "conditions": []})
        for invitation in Invitation.objects.filter(wave=wave, employee__in=members):
            invitation.segment_ids = [*invitation.segment_ids, segment.pk]
            invitation.save(update_fields=["segment_ids"])
    answer_all(wave, people, text="Idea")
    services.wave_close(wave=wave)
    return wave


def company(departments: int, per_department: int, parent=None):
    location = LocationFactory()
    people = []
    for _ in range(departments):
        people += staff(DepartmentFactory(parent=parent), location, per_department)
    return people


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    return len(captured)


def pages(wave) -> list[str]:
    url = reverse("surveys:wave_results", args=[wave.pk])
    return [url] + [f"{url}?by={by}" for by in BREAKDOWNS] + [reverse("surveys:wave_export_csv", args=[wave.pk])]


def test_results_pages_read_as_many_queries_for_a_big_company_as_for_a_small_one(client, hr_manager):
    client.force_login(hr_manager)
    small_people = company(2, 6, parent=DepartmentFactory(name_en="Sales"))
    small = closed_wave(small_people, segments=[("Night shift", small_people[:6])])
    # Read twice: the first view of the segment breakdown decides the segment (one insert for
    # all of them), the second reads the ledger; both are counted.
    small_counts = [[queries(client, url) for url in pages(small)] for _ in range(2)]

    head = DepartmentFactory(name_en="Operations")
    big_people = company(3, 7, parent=head) + company(3, 8)
    for _ in range(2):  # history: earlier waves of the same people
        closed_wave(big_people)
    big = closed_wave(
        big_people,
        segments=[("Late shift", big_people[:9]), ("Field", big_people[5:20]), ("Trainees", big_people[30:38])],
    )
    big_counts = [[queries(client, url) for url in pages(big)] for _ in range(2)]

    assert big_counts == small_counts
    assert max(max(counts) for counts in big_counts) <= MAX_QUERIES
    results = client.get(reverse("surveys:wave_results", args=[big.pk]) + "?by=department").content.decode()
    assert results.count('class="text-center small text-nowrap"') == 6 * 3  # six departments x three scored questions


def test_deciding_many_segments_writes_the_ledger_at_once(client, hr_manager, django_assert_max_num_queries):
    client.force_login(hr_manager)
    people = company(2, 10)
    wave = closed_wave(people, segments=[(f"Segment {i}", people[i : i + 8]) for i in range(6)])
    before = PublishedGroup.objects.filter(wave=wave).count()
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(reverse("surveys:wave_results", args=[wave.pk]) + "?by=segment").status_code == 200
    assert PublishedGroup.objects.filter(wave=wave, dimension="segment").count() == 6
    assert PublishedGroup.objects.filter(wave=wave).count() == before + 6


def test_latest_wave_section_reads_a_fixed_number_of_queries(client, executive):
    client.force_login(executive)
    closed_wave(company(2, 6))
    small = queries(client, reverse("executive_latest_wave"))
    closed_wave(company(5, 7))
    assert queries(client, reverse("executive_latest_wave")) == small <= MAX_QUERIES
