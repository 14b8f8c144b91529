"""Situation analysis, strategic and operational planning, self-assessment and history pages."""

import json

import pytest
from django.urls import reverse

from programs import services
from programs.models import (
    ChangeRecord,
    Finding,
    FocusArea,
    Goal,
    Instrument,
    PlannedInstrument,
    ProgramFocusArea,
    SelfAssessment,
    Suitability,
    TargetSegment,
)
from tests.people.factories import EmployeeFactory, SegmentFactory
from tests.programs.factories import make_program


@pytest.fixture
def program(hr_manager):
    return make_program(hr_manager)


@pytest.fixture
def owner_client(client, hr_manager):
    client.force_login(hr_manager)
    return client


def test_catalogue_is_seeded_in_both_languages_and_grouped(db):
    assert FocusArea.objects.count() == 4
    assert FocusArea.objects.get(code="internal-communication").name_de == "Interne Kommunikation"
    groups = set(Instrument.objects.values_list("group", flat=True))
    assert groups == {"internal_communication", "external_communication", "hr", "coordination", "feedback", "culture"}
    for code in ("newsletter", "intranet", "town-hall", "ceo-breakfast", "onboarding", "goal-alignment", "internal-service-metrics"):
        instrument = Instrument.objects.get(code=code)
        assert instrument.name_en and instrument.name_de and instrument.is_standard


def test_owner_adds_a_finding_with_evidence_links(owner_client, program):
    data = {
        "scope": "external",
        "source": "customer_survey",
        "swot": "threat",
        "description": "Slow answers",
        "evidence_links": "https://x.example/r/1\nWave 3",
    }
    response = owner_client.post(reverse("programs:finding_create", args=[program.pk]), data)
    assert response.status_code == 302
    finding = Finding.objects.get(program=program)
    assert finding.evidence_links == ["https://x.example/r/1", "Wave 3"]
    page = owner_client.get(reverse("programs:analysis", args=[program.pk])).content.decode()
    assert "Slow answers" in page and 'href="https://x.example/r/1"' in page


def test_finding_without_description_is_rejected_and_keeps_input(owner_client, program):
    data = {"scope": "internal", "source": "interviews", "swot": "strength", "description": "", "evidence_links": "Interview notes"}
    response = owner_client.post(reverse("programs:finding_create", args=[program.pk]), data)
    assert response.status_code == 400
    assert "Interview notes" in response.content.decode()
    assert not Finding.objects.exists()


def test_summary_is_saved_and_audited(owner_client, program, hr_manager):
    owner_client.post(reverse("programs:summary_update", args=[program.pk]), {"situation_summary": "Silos."})
    program.refresh_from_db()
    assert program.situation_summary == "Silos."
    assert ChangeRecord.objects.get(program=program, action="updated").changes["situation_summary"] == ["", "Silos."]


def test_focus_area_is_chosen_then_reprioritised(owner_client, program):
    area = FocusArea.objects.get(code="internal-exchange")
    url = reverse("programs:focus_area_set", args=[program.pk])
    owner_client.post(url, {"focus_area": area.pk, "priority": 1, "rationale": "Hand-offs"})
    owner_client.post(url, {"focus_area": area.pk, "priority": 2, "rationale": "Second"})
    chosen = ProgramFocusArea.objects.get(program=program)
    assert (chosen.priority, chosen.rationale) == (2, "Second")


def test_goal_tree_rules(owner_client, program, hr_manager):
    response = owner_client.post(reverse("programs:goal_create", args=[program.pk]), {"kind": "sub", "title": "Know the strategy"})
    assert response.status_code == 400
    assert "add the general goal first" in response.content.decode()
    assert 'value="Know the strategy"' in response.content.decode()
    general = services.goal_create(program=program, actor=hr_manager, kind="general", title="Customer orientation")
    response = owner_client.post(
        reverse("programs:goal_create", args=[program.pk]),
        {"kind": "sub", "title": "Know the strategy", "parent": general.pk, "due_date": "2026-06-30"},
    )
    assert response.status_code == 302
    assert Goal.objects.get(title="Know the strategy").parent == general
    response = owner_client.post(reverse("programs:goal_create", args=[program.pk]), {"kind": "general", "title": "Second root"})
    assert "already has a general goal" in response.content.decode()


def test_target_segment_shows_live_size_and_suitability(owner_client, program, hr_manager, sales, employee):
    EmployeeFactory(department=sales)
    segment = SegmentFactory(name="Sales people", rules={"match": "all", "conditions": [{"field": "department", "values": [sales.pk]}]})
    chosen = services.program_focus_area_set(program=program, actor=hr_manager, focus_area=FocusArea.objects.first(), priority=1)
    assert owner_client.post(reverse("programs:target_create", args=[program.pk]), {"segment": segment.pk}).status_code == 302
    target = TargetSegment.objects.get(program=program)
    response = owner_client.post(
        reverse("programs:suitability_update", args=[program.pk, target.pk]), {f"t{target.pk}-area_{chosen.pk}": "4"}
    )
    assert response.status_code == 302
    assert Suitability.objects.get(target_segment=target).rating == 4
    page = owner_client.get(reverse("programs:strategy", args=[program.pk])).content.decode()
    assert "Sales people" in page
    assert '<td class="text-end">2</td>' in page  # the fixture's employee and the one made here
    assert "duplicate" not in page
    response = owner_client.post(reverse("programs:target_create", args=[program.pk]), {"segment": segment.pk})
    assert response.status_code == 400
    assert "already a target segment" in response.content.decode()


def _instrument_data(program, **overrides):
    return {
        "instrument": Instrument.objects.get(code="town-hall").pk,
        "budget": "1500.00",
        "start_date": "2026-03-01",
        "end_date": "2026-03-31",
        "status": "planned",
        "description": "Spring town hall",
    } | overrides


def test_owner_plans_an_instrument(owner_client, program):
    response = owner_client.post(reverse("programs:planned_create", args=[program.pk]), _instrument_data(program))
    assert response.status_code == 302
    planned = PlannedInstrument.objects.get(program=program)
    assert planned.budget == 1500


def test_budgets_are_shown_with_thousands_separators(owner_client, program):
    owner_client.post(reverse("programs:planned_create", args=[program.pk]), _instrument_data(program, budget="42700"))
    url = reverse("programs:operations", args=[program.pk])
    assert "Total budget: 42,700.00 €" in owner_client.get(url).content.decode()
    assert "Gesamtbudget: 42.700,00 €" in owner_client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"budget": "-10"}, "The budget cannot be negative."),
        ({"end_date": "2026-02-01"}, "The end date must not be before the start date."),
        ({"end_date": "2027-02-01"}, "The date must lie within the program period"),
    ],
)
def test_inconsistent_instrument_is_rejected_and_keeps_input(owner_client, program, overrides, message):
    response = owner_client.post(reverse("programs:planned_create", args=[program.pk]), _instrument_data(program, **overrides))
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "Spring town hall" in body
    assert not PlannedInstrument.objects.exists()


def test_hr_manager_adds_own_catalogue_entry(owner_client, program, hr_manager):
    response = owner_client.post(
        reverse("programs:catalogue_create", args=[program.pk]),
        {"group": "culture", "name_en": "Volunteering day", "name_de": "Freiwilligentag"},
    )
    assert response.status_code == 302
    instrument = Instrument.objects.get(name_en="Volunteering day")
    assert instrument.created_by == hr_manager and not instrument.is_standard


def test_self_assessment_is_repeatable_and_charted_beside_the_previous(owner_client, program):
    url = reverse("programs:assessment_create", args=[program.pk])
    for day, score in (("2026-02-01", "2"), ("2026-06-01", "4")):
        data = {"assessed_on": day} | {f"score_{p}": score for p in range(1, 7)} | {"note_1": "CEO visits"}
        assert owner_client.post(url, data).status_code == 302
    assert SelfAssessment.objects.filter(program=program).count() == 2
    page = owner_client.get(reverse("programs:assessment", args=[program.pk])).content.decode()
    assert "vendor/vega/vega-embed.min.js" in page and "cdn" not in page.lower()
    spec = json.loads(page.split('id="pillar-chart-spec" type="application/json">')[1].split("</script>")[0])
    scores = [(row["series"], row["value"]) for row in spec["data"]["values"]]
    assert scores == [("Latest (06/01/2026)", 4), ("Previous (02/01/2026)", 2)] * 6


def test_self_assessment_needs_every_pillar(owner_client, program):
    data = {"assessed_on": "2026-02-01", "score_1": "3", "note_2": "typed note"}
    response = owner_client.post(reverse("programs:assessment_create", args=[program.pk]), data)
    assert response.status_code == 400
    assert "typed note" in response.content.decode()
    assert not SelfAssessment.objects.exists()


def test_history_shows_who_when_and_what(owner_client, program, hr_manager):
    services.phase_complete(phase=program.phases.get(number=1), actor=hr_manager, override_reason="Board decided")
    page = owner_client.get(reverse("programs:history", args=[program.pk])).content.decode()
    assert "Hanna" in page
    assert "Board decided" in page
    assert "implementation phase" in page.lower()


def test_history_in_german(owner_client, program, hr_manager):
    activity = program.phases.get(number=1).activities.first()
    services.activity_update(activity=activity, actor=hr_manager, data={"status": "done"})
    page = owner_client.get(reverse("programs:history", args=[program.pk]), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Änderungsverlauf" in page
    assert "erledigt" in page


def test_timeline_places_phases_activities_and_instruments(owner_client, program, hr_manager):
    services.planned_instrument_create(
        program=program,
        actor=hr_manager,
        data={"instrument": Instrument.objects.get(code="intranet"), "start_date": program.start_date, "end_date": program.end_date},
    )
    page = owner_client.get(reverse("programs:timeline", args=[program.pk])).content.decode()
    assert "Executive workshop" in page
    assert "Intranet and collaboration platform" in page
    assert "width: 100.00%" in page
