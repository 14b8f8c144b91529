"""Disclosure control, tried as an attacking HR manager would: every numbered attack of the
issue, and a property-based attacker who pulls every group in random order and solves what is
published. The attacker (tests/surveys/attacker.py) shares no code with surveys.anonymity."""

import io
import re
from datetime import date

import pytest
from django.contrib.admin.sites import site
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from people.models import tenure_band
from surveys import services
from surveys.figures import wave_results
from surveys.models import Ballot, Idea, Invitation, PublishedGroup, Response, Wave
from tests.people.factories import DepartmentFactory, LocationFactory
from tests.surveys.attacker import Attacker, smallest_support
from tests.surveys.factories import open_wave, pulse_template, staff

T = 5
DIMENSIONS = ["department", "unit", "location", "segment", "tenure"]


def submit(wave, people, value=4, optional=None):
    """Answer through the service like the page does; ``optional`` people also answer eng-stay."""
    items = list(wave.questions.select_related("question"))
    for person in people:
        rows = []
        for wq in items:
            if wq.question.kind == "text":
                continue
            if not wq.required and (optional is None or person not in optional):
                continue
            rows.append({"question_id": wq.question_id, "value": 9 if wq.question.kind == "scale10" else value})
        services.response_submit(invitation=Invitation.objects.get(wave=wave, employee=person), employee=person, answers=rows)


def attack(wave, dimensions=DIMENSIONS, internal=False):
    attacker = Attacker(wave)
    for dimension in dimensions:
        attacker.read(dimension)
    if internal:
        attacker.read_internal()
    return attacker


def tag(wave, segment_id, people):
    """Put people into an ad-hoc segment of this wave (the snapshot taken at opening)."""
    from people.models import Segment

    Segment.objects.get_or_create(pk=segment_id, defaults={"name": f"Segment {segment_id}", "rules": {"match": "all", "conditions": []}})
    for person in people:
        invitation = Invitation.objects.get(wave=wave, employee=person)
        invitation.segment_ids = [*invitation.segment_ids, segment_id]
        invitation.save(update_fields=["segment_ids"])


@pytest.fixture
def hq():
    return LocationFactory(name="HQ")


# --- 1. overlapping groups -------------------------------------------------------------


@pytest.mark.django_db
def test_team_a_or_me_versus_team_a_or_my_colleague(hq):
    sales = staff(DepartmentFactory(name_en="Sales"), hq, 14)
    team = sales[:8]
    elsewhere = staff(DepartmentFactory(name_en="Elsewhere"), hq, 6)
    me, colleague = elsewhere[:2]
    wave = open_wave(pulse_template())
    tag(wave, 901, [*team, me])
    tag(wave, 902, [*team, colleague])
    submit(wave, sales + elsewhere)
    services.wave_close(wave=wave)
    results = wave_results(wave=wave, dimension="segment")
    shown = [g for g in results.groups if g.responses is not None]
    assert len(shown) == 1, [(g.label, g.responses, g.reason) for g in results.groups]  # the second one is refused
    refused = next(g for g in results.groups if g.responses is None)
    assert refused.reason == "differencing" and "fewer than 5 people" in refused.reason_label
    assert attack(wave).exposures(T) == []


@pytest.mark.django_db
def test_three_overlapping_segments_cannot_be_solved_for_one_person(hq):
    people = staff(DepartmentFactory(name_en="Ops"), hq, 12)
    wave = open_wave(pulse_template())
    # A = 0..7, B = 4..11, C = 0..3 + 8..11 + person 4: A + B - C... isolates people; the system must refuse enough.
    tag(wave, 911, people[0:8])
    tag(wave, 912, people[4:12])
    tag(wave, 913, people[0:4] + people[8:12] + people[4:5])
    submit(wave, people)
    services.wave_close(wave=wave)
    assert attack(wave).exposures(T) == []
    assert PublishedGroup.objects.filter(wave=wave, dimension="segment", published=False).exists()


@pytest.mark.django_db
def test_an_optional_question_is_audited_on_its_own_answers(hq):
    sales, it = staff(DepartmentFactory(name_en="Sales"), hq, 8), staff(DepartmentFactory(name_en="IT"), hq, 6)
    template = services.template_create(name="Optional")
    from surveys.models import Question

    services.template_item_add(template=template, question=Question.objects.get(code="eng-proud"))
    services.template_item_add(template=template, question=Question.objects.get(code="eng-stay"), required=False)
    wave = open_wave(template)
    submit(wave, sales + it, optional=[*sales, it[0]])
    services.wave_close(wave=wave)
    assert attack(wave).exposures(T) == []
    results = wave_results(wave=wave)
    proud, stay = results.questions
    assert not proud.total.hidden and stay.total.hidden  # safe for one item, not for the other


# --- 2. across breakdowns and the department tree ---------------------------------------


@pytest.mark.django_db
def test_parent_of_13_with_visible_children_of_9_and_4_does_not_reveal_the_4(hq):
    parent = DepartmentFactory(name_en="Operations")
    big, small = DepartmentFactory(name_en="Plant", parent=parent), DepartmentFactory(name_en="Lab", parent=parent)
    other = staff(DepartmentFactory(name_en="Office"), hq, 7)
    nine, lab = staff(big, hq, 9), staff(small, LocationFactory(name="Remote"), 6)
    wave = open_wave(pulse_template())
    submit(wave, nine + lab[:4] + other)  # six invited to the lab, four answer
    services.wave_close(wave=wave)
    units = {g.label: g for g in wave_results(wave=wave, dimension="unit").groups}
    operations = units["Operations incl. sub-departments"]
    # Not 13: the parent is shown without the hidden child, and says so.
    assert operations.responses == 9 and "without 1 hidden department" in operations.note
    assert attack(wave).exposures(T) == []


@pytest.mark.django_db
def test_a_hidden_department_does_not_come_back_through_location_tenure_or_the_total(hq):
    remote = LocationFactory(name="Remote")
    sales = staff(DepartmentFactory(name_en="Sales"), hq, 9)
    it = staff(DepartmentFactory(name_en="IT"), hq, 7, hire_date=date(2010, 1, 1))
    legal = staff(DepartmentFactory(name_en="Legal"), remote, 5, hire_date=date(2026, 1, 1))
    wave = open_wave(pulse_template())
    submit(wave, sales + it + legal[:3])  # Legal: five invited, three answered
    services.wave_close(wave=wave)
    attacker = attack(wave)
    assert attacker.exposures(T) == []
    by_location = {g.label: g for g in wave_results(wave=wave, dimension="location").groups}
    assert by_location["Remote"].responses is None


@pytest.mark.django_db
def test_two_groups_with_the_same_members_are_both_shown(hq):
    sales = staff(DepartmentFactory(name_en="Sales"), hq, 9)
    it = staff(DepartmentFactory(name_en="IT"), hq, 7)
    wave = open_wave(pulse_template())
    tag(wave, 921, sales)  # a segment that is exactly Sales: difference 0, nothing to learn
    submit(wave, sales + it)
    services.wave_close(wave=wave)
    segment = wave_results(wave=wave, dimension="segment").groups[0]
    assert segment.responses == 9
    assert attack(wave).exposures(T) == []


# --- 3. the demo company ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_company_passes_the_attacker():
    from people import demo as people_demo
    from surveys import demo

    people_demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    pulse = Wave.objects.filter(template__kind="pulse")
    latest_closed = pulse.filter(status=Wave.Status.CLOSED).order_by("-opens_on").first()
    for wave in (latest_closed, pulse.get(status=Wave.Status.OPEN), pulse.order_by("opens_on").first()):
        assert attack(wave).exposures(T) == [], wave
    internal = Wave.objects.get(template__kind="internal_customer")
    assert attack(internal, internal=True).exposures(T) == []
    # Useful, not everything suppressed.
    rows = PublishedGroup.objects.filter(wave=latest_closed, scope="")
    assert rows.filter(published=True).count() >= 0.75 * rows.count()


# --- 4. the wave lifecycle ----------------------------------------------------------------


@pytest.mark.django_db
def test_closing_early_after_two_answers_publishes_nothing(hq, client, hr_manager):
    people = staff(DepartmentFactory(name_en="Sales"), hq, 9)
    wave = open_wave(pulse_template())
    submit(wave, people[:2])
    services.wave_close(wave=wave)
    results = wave_results(wave=wave)
    assert all(q.total.hidden for q in results.questions) and results.participation_total["answered"] is None
    client.force_login(hr_manager)
    page = client.get(f"/surveys/waves/{wave.pk}/").content.decode()
    assert "(100 %)" not in page and "(22 %)" not in page


@pytest.mark.django_db
def test_a_closed_wave_cannot_be_reopened_anywhere(hq, admin_user):
    staff(DepartmentFactory(), hq, 5)
    wave = open_wave(pulse_template())
    services.wave_close(wave=wave)
    with pytest.raises(IntegrityError), transaction.atomic():
        Wave.objects.filter(pk=wave.pk).update(status=Wave.Status.OPEN)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE surveys_wave SET status = 'draft' WHERE id = %s", [wave.pk])
    admin = site._registry[Wave]
    assert "status" in admin.get_readonly_fields(RequestFactory().get("/"), wave)


@pytest.mark.django_db
def test_a_wave_needs_the_minimum_audience(hq):
    from django.core.exceptions import ValidationError

    from people.models import Segment

    staff(DepartmentFactory(), hq, 4)
    segment = Segment.objects.create(name="One person", rules={"match": "all", "conditions": []})
    with pytest.raises(ValidationError, match="at least 5 invitees"):
        open_wave(pulse_template(), segments=[segment])
    assert not Wave.objects.exists() and not Invitation.objects.exists()


@pytest.mark.django_db
def test_the_wave_form_says_why_a_small_audience_cannot_be_asked(hq, client, hr_manager):
    from people.models import Segment

    staff(DepartmentFactory(), hq, 9)
    segment = Segment.objects.create(name="Tiny", rules={"match": "all", "conditions": [{"field": "job_family", "values": ["Nobody"]}]})
    template = pulse_template()
    client.force_login(hr_manager)
    today = timezone.localdate()
    form = {"title": "Tiny", "opens_on": today, "closes_on": today, "segments": [segment.pk], "reminder_days": "3"}
    for language, text in (("en", "at least 5 invitees"), ("de", "mindestens 5 Eingeladene")):
        page = client.post(f"/surveys/templates/{template.pk}/waves/new/", form, HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200 and text in page.content.decode() and 'value="Tiny"' in page.content.decode()
    assert not Wave.objects.filter(title="Tiny").exists()


@pytest.mark.django_db
def test_an_open_wave_moves_only_in_whole_batches(hq):
    people = staff(DepartmentFactory(name_en="Sales"), hq, 8) + staff(DepartmentFactory(name_en="IT"), hq, 8)
    wave = open_wave(pulse_template())
    attacker = Attacker(wave)
    for start, stop in ((0, 3), (3, 6), (6, 7), (7, 12), (12, 16)):
        submit(wave, people[start:stop])
        services.waves_rollup()  # the periodic job
        attacker.read("department")
    services.wave_close(wave=wave)
    for dimension in DIMENSIONS:
        attacker.read(dimension)
    assert attacker.exposures(T) == []
    # 3 wait; 6 move (batch 1); 1 waits; 6 move (batch 2); the last 4 arrive after the last
    # step and are fewer than the threshold, so they are not counted at close.
    assert sorted(set(Response.objects.filter(wave=wave).values_list("batch", flat=True))) == [1, 2]
    wave.refresh_from_db()
    assert wave.uncounted == 4 and Response.objects.filter(wave=wave).count() == 12


# --- 5. side channels: storage a database reader sees --------------------------------------


@pytest.mark.django_db(transaction=True)
def test_stored_responses_link_to_invitations_no_closer_than_their_batch(hq):
    people = staff(DepartmentFactory(name_en="Sales"), hq, 12)
    wave = open_wave(pulse_template())
    for person in people[:6]:  # six separate submissions, six transactions
        submit(wave, [person])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM surveys_ballot WHERE position(%s in encode(sealed, 'escape')) > 0", ["question_id"])
        assert cursor.fetchone()[0] == 0  # the sheets are sealed
    services.wave_count(wave=wave)
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text, id FROM surveys_response WHERE wave_id = %s ORDER BY ctid", [wave.pk])
        rows = cursor.fetchall()
        cursor.execute("SELECT xmin::text FROM surveys_invitation WHERE wave_id = %s AND used_on IS NOT NULL", [wave.pk])
        claims = {x for (x,) in cursor.fetchall()}
    assert len(rows) == 6 and len({x for x, _id in rows}) == 1  # one transaction wrote the whole batch
    assert not claims & {x for x, _id in rows}  # and none of the claims
    assert not Ballot.objects.filter(wave=wave).exists()
    fields = {f.name for f in Response._meta.concrete_fields}
    assert fields == {"id", "wave", "department", "location", "segment_ids", "tenure_band", "batch"}


@pytest.mark.django_db
def test_ideas_get_random_ids(employee):
    ideas = [services.idea_submit(user=employee, title=f"Idea {i}", body="...", anonymous=i % 2 == 0) for i in range(6)]
    ids = [idea.pk for idea in ideas]
    assert ids != sorted(ids) or ids != list(range(ids[0], ids[0] + 6))
    assert min(ids) > 1000  # not a counter
    assert Idea.objects.count() == 6


@pytest.mark.django_db
def test_snapshot_keeps_only_units_that_can_be_reported(hq):
    sales = staff(DepartmentFactory(name_en="Sales"), hq, 9)
    lonely = staff(DepartmentFactory(name_en="Board"), LocationFactory(name="Villa"), 1, hire_date=date(2026, 6, 1))
    wave = open_wave(pulse_template())
    submit(wave, sales + lonely)
    services.wave_close(wave=wave)
    departments = set(Response.objects.values_list("department__name_en", flat=True))
    locations = set(Response.objects.values_list("location__name", flat=True))
    assert departments == {"Sales", None} and locations == {"HQ", None}
    bands = set(Response.objects.values_list("tenure_band", flat=True))
    assert bands == {tenure_band(date(2020, 1, 1), timezone.localdate()), ""}


# --- 6. secondary views ---------------------------------------------------------------------


@pytest.mark.django_db
def test_means_are_rounded_and_indices_pool_only_visible_cells(hq):
    sales = staff(DepartmentFactory(name_en="Sales"), hq, 9)
    it = staff(DepartmentFactory(name_en="IT"), hq, 7)
    wave = open_wave(pulse_template())
    submit(wave, sales, value=5)
    submit(wave, it, value=2)
    services.wave_close(wave=wave)
    results = wave_results(wave=wave)
    for q in results.questions:
        if q.total.mean is not None:
            assert round(q.total.mean, 1) == q.total.mean
    visible = [c for c in results.group_engagement if not c.hidden]
    assert visible and all(isinstance(c.favourability, int) for c in visible)


# --- the property-based attacker -----------------------------------------------------------


@st.composite
def organisations(draw):
    n_departments = draw(st.integers(2, 5))
    sizes = [draw(st.integers(1, 9)) for _ in range(n_departments)]
    parents = [None] + [draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(1, n_departments)]
    n_locations = draw(st.integers(1, 3))
    total = sum(sizes)
    locations = [draw(st.integers(0, n_locations - 1)) for _ in range(total)]
    years = [draw(st.sampled_from([2025, 2022, 2018, 2010])) for _ in range(total)]
    answers = [draw(st.booleans()) for _ in range(total)]
    optional = [draw(st.booleans()) for _ in range(total)]
    # A segment has at least T members (a smaller one could never be asked for), so an
    # organisation smaller than T has none.
    n_segments = draw(st.integers(0, 3)) if total >= T else 0
    segments = [draw(st.lists(st.integers(0, total - 1), min_size=T, max_size=total, unique=True)) for _ in range(n_segments)]
    steps = draw(st.lists(st.integers(1, total), max_size=3))
    order = draw(st.permutations(DIMENSIONS))
    return {
        "sizes": sizes,
        "parents": parents,
        "n_locations": n_locations,
        "locations": locations,
        "years": years,
        "answers": answers,
        "optional": optional,
        "segments": segments,
        "steps": sorted(set(steps)),
        "order": order,
    }


class PropertyAttacker(TestCase):
    """Random organisations, segments, optional questions and interim steps; every group every
    surface offers, in random order; then the published sums are solved."""

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(organisations())
    def test_nothing_is_determinable(self, org):
        from surveys.models import Question

        locations = [LocationFactory() for _ in range(org["n_locations"])]
        departments = []
        for size, parent in zip(org["sizes"], org["parents"], strict=True):
            departments.append((DepartmentFactory(parent=departments[parent][0] if parent is not None else None), size))
        people, index = [], 0
        for department, size in departments:
            for _ in range(size):
                people += staff(department, locations[org["locations"][index]], 1, hire_date=date(org["years"][index], 3, 1))
                index += 1
        if len(people) < T:
            return
        template = pulse_template(("eng-proud", "enps"), name="Property")
        services.template_item_add(template=template, question=Question.objects.get(code="eng-stay"), required=False)
        wave = open_wave(template)
        for number, members in enumerate(org["segments"]):
            tag(wave, 1000 + number, [people[i] for i in members])
        attacker = Attacker(wave)
        answering = [p for p, yes in zip(people, org["answers"], strict=True) if yes]
        optional = [p for p, yes in zip(people, org["optional"], strict=True) if yes]
        done = 0
        for step in org["steps"]:
            submit(wave, answering[done:step], optional=optional)
            done = max(done, step)
            services.wave_count(wave=wave)
            attacker.read("department")
        submit(wave, answering[done:], optional=optional)
        services.wave_close(wave=wave)
        for dimension in org["order"]:
            attacker.read(dimension)
        assert attacker.exposures(T) == []


# --- the attacker itself can find what it looks for ------------------------------------------


def test_the_attacker_finds_a_difference_of_one():
    # Parent (13) and one visible child (9): the other child (4) is determinable.
    rows = [[1] * 13, [1] * 9 + [0] * 4]
    assert smallest_support(rows, T) == 4
    # "A or me" and "A or colleague": me - colleague covers two people.
    rows = [[1] * 8 + [1, 0], [1] * 8 + [0, 1]]
    assert smallest_support(rows, T) == 2
    # Disjoint groups of the threshold and more reveal nobody.
    assert smallest_support([[1] * 5 + [0] * 6, [0] * 5 + [1] * 6], T) is None


@pytest.mark.django_db
def test_the_attacker_would_catch_the_old_rules(hq, monkeypatch):
    """With the audit switched off (every group published), the attacker finds the exposure."""
    from surveys import anonymity, figures

    monkeypatch.setattr(figures, "audit", lambda **kwargs: anonymity.SAFE)
    sales = staff(DepartmentFactory(name_en="Sales"), hq, 14)
    elsewhere = staff(DepartmentFactory(name_en="Elsewhere"), hq, 6)
    wave = open_wave(pulse_template())
    tag(wave, 931, [*sales[:8], elsewhere[0]])
    tag(wave, 932, [*sales[:8], elsewhere[1]])
    submit(wave, sales + elsewhere)
    services.wave_close(wave=wave)
    assert attack(wave).exposures(T)


def test_nothing_outside_the_layer_compares_a_count_with_the_threshold():
    """Only surveys/anonymity.py (the rules) reads the thresholds; every other module, the read
    API in figures, KPIs and dashboards included, asks it."""
    from pathlib import Path

    from django.conf import settings as django_settings

    root = Path(django_settings.BASE_DIR)
    # Only the rules read the thresholds; figures, KPIs and dashboards ask them (and print the
    # sizes through anonymity.group_sizes()).
    allowed = {root / "surveys" / "anonymity.py", root / "im_portal" / "settings.py"}
    offenders = []
    for path in root.rglob("*.py"):
        if any(part in {".venv", ".data", "tests", "benchmarks", "migrations"} for part in path.relative_to(root).parts):
            continue
        text = path.read_text()
        compares = re.search(r"[<>]=?\s*(reporting|comment)_threshold\(|(reporting|comment)_threshold\(\)\s*[<>]", text)
        reads = any(
            word in text for word in ("REPORTING_THRESHOLD", "COMMENT_THRESHOLD", "at_least(", "comment_threshold(", "reporting_threshold(")
        )
        if path not in allowed and (compares or reads):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
