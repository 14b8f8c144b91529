"""The executive dashboard, the HR cockpit and the employee home: what each role sees, the
filters inside the disclosure-control rules, links to the source of every figure, and pinned
query counts that do not grow with the data."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kpis import periods
from kpis import services as kpi_services
from kpis.models import Kpi, Scope
from programs.models import Activity, Phase
from surveys import services as survey_services
from surveys.models import Idea
from tests.people.factories import DepartmentFactory, LocationFactory
from tests.programs.factories import make_program
from tests.surveys.factories import open_wave, pulse_template, staff
from tests.surveys.test_results import answer_all

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _threshold(settings):
    settings.REPORTING_THRESHOLD = 5


@pytest.fixture
def company(db):
    hq = LocationFactory(name="HQ")
    sales, it, legal = DepartmentFactory(name_en="Sales"), DepartmentFactory(name_en="IT"), DepartmentFactory(name_en="Legal")
    return {"sales": staff(sales, hq, 8), "it": staff(it, hq, 6), "legal": staff(legal, hq, 2), "departments": (sales, it, legal)}


def closed_wave(company, name="Pulse"):
    wave = open_wave(pulse_template(name=name))
    answer_all(wave, company["sales"], value=5, enps=10)
    answer_all(wave, company["it"], value=2, enps=3)
    answer_all(wave, company["legal"], value=1, enps=0)
    survey_services.wave_close(wave=wave)
    kpi_services.compute_wave(wave=wave)
    return wave


def test_executive_dashboard_shows_programs_kpis_and_links_to_their_sources(client, executive, hr_manager, company):
    program = make_program(hr_manager, name="Customer first", status="active")
    wave = closed_wave(company)
    absenteeism = Kpi.objects.get(code="absenteeism-rate")
    kpi_services.target_set(kpi=absenteeism, scope=Scope.COMPANY, value=4, due_date=date(2026, 1, 31))
    kpi_services.measurement_enter(kpi=absenteeism, period=periods.month(2026, 2), scope=Scope.COMPANY, value=5, actor=hr_manager)
    client.force_login(executive)
    body = client.get(reverse("executive_dashboard")).content.decode()
    assert "Customer first" in body and reverse("programs:phase", args=[program.pk, 1]) in body
    assert "exit criteria met: 0 of" in body
    assert reverse("kpis:detail", args=["absenteeism-rate"]) in body and "off track" in body
    assert reverse("kpis:detail", args=["engagement-index"]) in body
    assert reverse("surveys:wave_results", args=[wave.pk]) in body  # the trend's table links every wave
    section = client.get(reverse("executive_latest_wave")).content.decode()
    assert reverse("surveys:wave_results", args=[wave.pk]) in section and "Sales" in section and "IT" in section
    assert "Legal" not in section  # below the threshold: not a group of its own


def test_a_department_filter_never_shows_a_hidden_group(client, executive, company):
    closed_wave(company)
    legal = company["departments"][2]
    client.force_login(executive)
    section = client.get(reverse("executive_latest_wave"), {"department": legal.pk}).content.decode()
    assert "Legal is not shown: it has fewer people than the smallest group that may be shown" in section
    assert "dashboard-heatmap" not in section
    shown = client.get(reverse("executive_latest_wave"), {"department": company["departments"][0].pk}).content.decode()
    assert "dashboard-heatmap" in shown and "Sales" in shown and "IT</th>" not in shown


def test_filters_that_cannot_be_understood_are_named(client, executive):
    client.force_login(executive)
    body = client.get(reverse("executive_dashboard"), {"period": "13/2026", "department": "x"}).content.decode()
    assert "“13/2026” is not a month (2026-03) or a quarter (2026-Q1)." in body
    assert "That department does not exist." in body
    assert 'value="13/2026"' in body  # what was typed is kept


@pytest.mark.parametrize("size", [1, 6])
def test_dashboard_and_cockpit_queries_do_not_grow_with_the_data(
    client, executive, hr_manager, company, django_assert_max_num_queries, size
):
    for i in range(size):
        program = make_program(hr_manager, name=f"Program {i}", status="active")
        program.owners.add(hr_manager)
        closed_wave(company, name=f"Pulse {i}")
        Idea.objects.create(title=f"Idea {i}", body="Body", submitted_on=timezone.localdate())
    client.force_login(executive)
    with django_assert_max_num_queries(23):
        assert client.get(reverse("executive_dashboard")).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("executive_latest_wave")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("executive_internal")).status_code == 200
    client.force_login(hr_manager)
    with django_assert_max_num_queries(18):
        assert client.get(reverse("hr_home")).status_code == 200


def test_executives_read_survey_results_but_cannot_change_them(client, executive, company):
    wave = closed_wave(company)
    client.force_login(executive)
    for url in (
        reverse("surveys:index"),
        reverse("surveys:wave_results", args=[wave.pk]),
        reverse("surveys:template_trend", args=[wave.template_id]),
        reverse("surveys:wave_export_csv", args=[wave.pk]),
    ):
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("surveys:wave_results", args=[wave.pk])).content.decode()
    assert reverse("surveys:wave_close", args=[wave.pk]) not in page
    assert f'href="{reverse("surveys:template_detail", args=[wave.template_id])}"' not in page
    assert client.post(reverse("surveys:wave_close", args=[wave.pk])).status_code == 403
    assert client.get(reverse("surveys:template_detail", args=[wave.template_id])).status_code == 403
    assert client.get(reverse("surveys:bank")).status_code == 403


def test_hr_cockpit_shows_overdue_activities_open_waves_ideas_and_alerts(client, hr_manager, company):
    program = make_program(hr_manager, name="Customer first", status="active")
    program.owners.add(hr_manager)
    phase = Phase.objects.get(program=program, number=1)
    Activity.objects.create(
        phase=phase, title="Kick-off with the board", due_date=timezone.localdate() - timedelta(days=3), owner=hr_manager
    )
    wave = open_wave(pulse_template())
    Idea.objects.create(title="Standing desks", body="Please", submitted_on=timezone.localdate())
    kpi = Kpi.objects.get(code="absenteeism-rate")
    kpi_services.target_set(kpi=kpi, scope=Scope.COMPANY, value=4, due_date=date(2026, 1, 31))
    kpi_services.measurement_enter(kpi=kpi, period=periods.month(2026, 2), scope=Scope.COMPANY, value=5, actor=hr_manager)
    client.force_login(hr_manager)
    body = client.get(reverse("hr_home")).content.decode()
    assert "Kick-off with the board" in body and "Customer first" in body
    assert reverse("surveys:wave_results", args=[wave.pk]) in body
    assert "1 new idea to triage" in body and "Standing desks" in body
    assert "Absenteeism rate" in body and "misses its target" in body
    assert reverse("programs:strategy", args=[program.pk]) in body


def test_employee_home_explains_anonymity_and_shows_what_happened_with_feedback(client, employee):
    Idea.objects.create(
        title="Mine", body="x", submitted_on=timezone.localdate(), author=employee.user if hasattr(employee, "user") else employee
    )
    Idea.objects.create(
        title="Buddy programme",
        body="x",
        submitted_on=timezone.localdate(),
        status=Idea.Status.ACCEPTED,
        answered_on=timezone.localdate(),
        public_answer="Starts next month.",
    )
    client.force_login(employee)
    body = client.get(reverse("employee_home")).content.decode()
    assert "How your answers stay anonymous" in body and "at least 5 people" in body
    assert "Buddy programme" in body and "Starts next month." in body
    assert "Mine" in body
