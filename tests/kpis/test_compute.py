"""KPI computations against hand-computed values, idempotence of every job, alerts, gates and
that no KPI value leaks a group the disclosure-control layer hides."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command

from kpis import periods, services
from kpis.models import Alert, Kpi, Measurement, PhaseGate, Scope
from people.models import Employee
from surveys import services as survey_services
from surveys.figures import wave_results
from tests.people.factories import DepartmentFactory, EmployeeFactory, LocationFactory
from tests.surveys.factories import open_wave, pulse_template, staff
from tests.surveys.test_results import answer_all

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.REPORTING_THRESHOLD = 5


@pytest.fixture
def eager(settings):
    from im_portal.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


def value(code, period, scope=Scope.COMPANY, **where):
    row = Measurement.objects.filter(kpi__code=code, period=period, scope=scope, **where).first()
    return None if row is None else row.value


# --- HR KPIs -------------------------------------------------------------------------------


@pytest.fixture
def hr_company(db):
    """March 2026, by hand: Sales starts with 10 and ends with 8 (two exits, one of them hired in
    2025-09 so within the first year); IT starts with 4, hires 2 on 2026-03-10 and ends with 6."""
    hq = LocationFactory(name="HQ")
    sales, it = DepartmentFactory(code="sales-x", name_en="Sales"), DepartmentFactory(code="it-x", name_en="IT")
    EmployeeFactory.create_batch(8, department=sales, location=hq, hire_date=date(2020, 1, 1))
    EmployeeFactory(department=sales, location=hq, hire_date=date(2019, 5, 1), exit_date=date(2026, 3, 15))
    EmployeeFactory(department=sales, location=hq, hire_date=date(2025, 9, 1), exit_date=date(2026, 3, 20))
    EmployeeFactory.create_batch(4, department=it, location=hq, hire_date=date(2021, 1, 1))
    EmployeeFactory.create_batch(2, department=it, location=hq, hire_date=date(2026, 3, 10))
    EmployeeFactory(department=it, location=hq, hire_date=date(2018, 1, 1), exit_date=date(2026, 2, 1))  # gone before March
    return {"sales": sales, "it": it, "hq": hq}


def test_headcount_and_turnover_against_hand_computed_values(hr_company):
    march = periods.month(2026, 3)
    services.store_computed(services.hr_values(months=[march]))
    sales, it = hr_company["sales"], hr_company["it"]
    assert value("headcount", "2026-03", Scope.DEPARTMENT, department=sales) == 8
    assert value("headcount", "2026-03", Scope.DEPARTMENT, department=it) == 6
    assert value("headcount", "2026-03") == 14
    # Sales: 2 exits / average of 10 and 8 = 2 / 9
    assert value("turnover-rate", "2026-03", Scope.DEPARTMENT, department=sales) == Decimal(100 * 2 / 9).quantize(Decimal("0.0001"))
    # one of them left within the first year
    assert value("early-turnover", "2026-03", Scope.DEPARTMENT, department=sales) == Decimal(100 * 1 / 9).quantize(Decimal("0.0001"))
    # company: at start 10 + 4 = 14, at end 8 + 6 = 14; 2 exits
    assert value("turnover-rate", "2026-03") == Decimal(100 * 2 / 14).quantize(Decimal("0.0001"))
    assert value("turnover-rate", "2026-03", Scope.DEPARTMENT, department=it) == 0
    assert value("headcount", "2026-03", Scope.LOCATION, location=hr_company["hq"]) == 14


def test_every_job_is_idempotent(hr_company):
    months = [periods.month(2026, 2), periods.month(2026, 3)]
    first = services.compute_kpis(months=months)
    assert first["hr"].created > 0
    rows = list(Measurement.objects.order_by("pk").values_list("pk", "value", "computed_at"))
    second = services.compute_kpis(months=months)
    assert all(w.created == 0 and w.updated == 0 and w.removed == 0 for w in second.values())
    assert list(Measurement.objects.order_by("pk").values_list("pk", "value", "computed_at")) == rows
    assert services.correlations_compute() >= 0
    assert services.correlations_compute() == 0  # the weekly job too


def test_compute_kpis_command_prints_what_it_wrote_and_twice_writes_nothing(hr_company, capsys):
    call_command("compute_kpis", "--period", "2026-03")
    out = capsys.readouterr().out
    assert "hr: " in out and " created" in out
    call_command("compute_kpis", "--period", "2026-03", "--kpi", "headcount")
    out = capsys.readouterr().out
    assert "hr: 0 created, 0 updated" in out


def test_hr_data_change_updates_the_value(hr_company):
    march = periods.month(2026, 3)
    services.store_computed(services.hr_values(months=[march]))
    # all six IT employees leave on the last day of March (the one who left in February stays gone)
    Employee.objects.filter(department=hr_company["it"], exit_date__isnull=True).update(exit_date=date(2026, 3, 31))
    written = services.store_computed(services.hr_values(months=[march]))
    assert written.updated > 0
    assert value("turnover-rate", "2026-03", Scope.DEPARTMENT, department=hr_company["it"]) == Decimal(100 * 6 / 5).quantize(
        Decimal("0.0001")
    )


def test_computed_values_never_overwrite_imported_ones(hr_manager):
    # Customer satisfaction is imported, or computed from the portal's own feedback where
    # nothing is imported: the imported value wins.
    march = periods.month(2026, 3)
    kpi = Kpi.objects.get(code="customer-satisfaction")
    services.measurement_enter(kpi=kpi, period=march, scope=Scope.COMPANY, value=70, actor=hr_manager)
    computed = services.Value("customer-satisfaction", march, Scope.COMPANY, None, None, value=Decimal(55), sample_size=40)
    written = services.store_computed([computed])
    assert written.skipped_manual == 1 and written.created == 0
    assert value("customer-satisfaction", "2026-03") == 70


def test_revenue_per_employee_is_derived_from_revenue_and_headcount(hr_company, hr_manager):
    march = periods.month(2026, 3)
    services.store_computed(services.hr_values(months=[march]))
    services.measurement_enter(kpi=Kpi.objects.get(code="revenue"), period=march, scope=Scope.COMPANY, value=700000, actor=hr_manager)
    services.store_computed(services.derived_values(months=[march]))
    headcount = value("headcount", "2026-03")
    assert headcount == 15  # the 14 of the fixture and the HR manager, who is an employee too
    assert value("revenue-per-employee", "2026-03") == Decimal(700000 / 15).quantize(Decimal("0.0001"))


# --- alerts and gates ------------------------------------------------------------------------


def test_a_missed_target_raises_one_alert_and_mails_the_owner_once(hr_company, hr_manager, eager, django_capture_on_commit_callbacks):
    hr_manager.email = "owner@example.com"
    hr_manager.save()
    kpi = Kpi.objects.get(code="absenteeism-rate")
    kpi.owner = hr_manager
    kpi.save()
    services.target_set(kpi=kpi, scope=Scope.COMPANY, value=4, due_date=date(2026, 3, 1))
    march = periods.month(2026, 3)
    with django_capture_on_commit_callbacks(execute=True):
        services.measurement_enter(kpi=kpi, period=march, scope=Scope.COMPANY, value=Decimal("5.5"), actor=hr_manager)
    assert Alert.objects.filter(kpi=kpi, kind=Alert.Kind.MISSED_TARGET).count() == 1
    assert len(mail.outbox) == 1 and "owner@example.com" in mail.outbox[0].to
    assert "5.5" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        services.measurement_enter(kpi=kpi, period=march, scope=Scope.COMPANY, value=Decimal("6"), actor=hr_manager)
    assert Alert.objects.filter(kpi=kpi).count() == 1 and len(mail.outbox) == 1
    # a value that meets the target raises nothing
    with django_capture_on_commit_callbacks(execute=True):
        services.measurement_enter(kpi=kpi, period=periods.month(2026, 4), scope=Scope.COMPANY, value=Decimal("3"), actor=hr_manager)
    assert Alert.objects.filter(kpi=kpi).count() == 1


def test_worsening_beyond_the_tolerance_raises_an_alert(hr_manager):
    kpi = Kpi.objects.get(code="platform-usage")
    kpi.tolerance = Decimal("5")
    kpi.save()
    services.measurement_enter(kpi=kpi, period=periods.month(2026, 1), scope=Scope.COMPANY, value=60, actor=hr_manager)
    services.measurement_enter(kpi=kpi, period=periods.month(2026, 2), scope=Scope.COMPANY, value=57, actor=hr_manager)
    assert not Alert.objects.exists()  # 3 points worse: inside the tolerance
    services.measurement_enter(kpi=kpi, period=periods.month(2026, 3), scope=Scope.COMPANY, value=50, actor=hr_manager)
    assert list(Alert.objects.values_list("kind", "period")) == [(Alert.Kind.WORSENED, "2026-03")]


def test_a_kpi_threshold_blocks_completing_a_phase_until_met(hr_manager):
    from django.core.exceptions import ValidationError

    from programs import services as program_services
    from programs.models import Phase

    program = program_services.program_create(
        actor=hr_manager, name="Pilot", description="", start_date=date(2026, 1, 1), end_date=date(2026, 12, 31)
    )
    phase = Phase.objects.get(program=program, number=1)
    phase.criteria.update(met=True)
    kpi = Kpi.objects.get(code="platform-usage")
    PhaseGate.objects.create(phase=phase, kpi=kpi, scope=Scope.COMPANY, threshold=70)
    services.measurement_enter(kpi=kpi, period=periods.month(2026, 2), scope=Scope.COMPANY, value=65, actor=hr_manager)
    with pytest.raises(ValidationError):
        program_services.phase_complete(phase=phase, actor=hr_manager)
    services.measurement_enter(kpi=kpi, period=periods.month(2026, 3), scope=Scope.COMPANY, value=72, actor=hr_manager)
    gate = PhaseGate.objects.get()
    assert gate.met and gate.latest_period == "2026-03"
    program_services.phase_complete(phase=phase, actor=hr_manager)


# --- survey KPIs through the disclosure-control layer ----------------------------------------


@pytest.fixture
def surveyed(db):
    hq = LocationFactory(name="HQ")
    sales, it, legal = DepartmentFactory(name_en="Sales"), DepartmentFactory(name_en="IT"), DepartmentFactory(name_en="Legal")
    return {"sales": staff(sales, hq, 8), "it": staff(it, hq, 6), "legal": staff(legal, hq, 2), "departments": (sales, it, legal)}


def test_survey_kpis_equal_the_published_figures_and_hidden_groups_have_no_value(surveyed, eager, django_capture_on_commit_callbacks):
    wave = open_wave(pulse_template())
    answer_all(wave, surveyed["sales"], value=5, enps=10)
    answer_all(wave, surveyed["it"], value=2, enps=3)
    answer_all(wave, surveyed["legal"], value=1, enps=0)
    with django_capture_on_commit_callbacks(execute=True):  # closing queues compute_wave (run inline here)
        survey_services.wave_close(wave=wave)
    results = wave_results(wave=wave)
    key = f"wave-{wave.pk}"
    assert value("engagement-index", key) == results.engagement.favourability
    assert value("enps", key) == results.enps.enps
    sales, it, legal = surveyed["departments"]
    by_department = {g.label: i for i, g in enumerate(results.groups)}
    assert (
        value("engagement-index", key, Scope.DEPARTMENT, department=sales) == results.group_engagement[by_department["Sales"]].favourability
    )
    # Legal is below the threshold: no value is stored for it, for any KPI; every stored value
    # rests on at least the threshold of respondents.
    assert not Measurement.objects.filter(department=legal).exists()
    assert all(m.sample_size >= 5 for m in Measurement.objects.filter(wave=wave))
    assert Measurement.objects.filter(wave=wave).count() > 0
    again = services.compute_wave(wave=wave)
    assert (again.created, again.updated, again.removed) == (0, 0, 0)


def test_no_survey_kpi_before_a_wave_closes(surveyed):
    wave = open_wave(pulse_template())
    answer_all(wave, surveyed["sales"] + surveyed["it"])
    survey_services.wave_count(wave=wave)
    services.compute_kpis(months=[])
    assert not Measurement.objects.filter(wave=wave).exists()


def test_driver_analysis_runs_only_for_a_published_wave(surveyed):
    from kpis.models import Driver

    wave = open_wave(pulse_template())
    for i, employee in enumerate(surveyed["sales"] + surveyed["it"]):
        answer_all(wave, [employee], value=1 + i % 5, enps=2 * (i % 5) + 1)
    survey_services.wave_close(wave=wave)
    services.compute_wave(wave=wave)
    rows = list(Driver.objects.filter(wave=wave))
    assert rows and all(r.n >= 5 for r in rows)
    assert [r.rank for r in rows] == list(range(1, len(rows) + 1))
    before = list(Driver.objects.filter(wave=wave).values_list("pk", "impact", "rank"))
    services.drivers_compute(wave=wave)
    assert list(Driver.objects.filter(wave=wave).values_list("pk", "impact", "rank")) == before
    small = open_wave(pulse_template())
    answer_all(small, surveyed["sales"][:3])
    survey_services.wave_close(wave=small)
    assert services.drivers_compute(wave=small) == 0 and not Driver.objects.filter(wave=small).exists()


def test_periods_parse_what_people_type():
    assert periods.parse("2026-03").key == "2026-03"
    assert periods.parse("03.2026").key == "2026-03"
    assert periods.parse("2026-Q2") == periods.quarter(2026, 2)
    assert periods.parse("Q4 2025").end == date(2025, 12, 31)
    assert periods.parse("2026-02-15").key == "2026-02"
    assert periods.parse("2026-13") is None and periods.parse("march") is None
    assert periods.month(2024, 2).end == date(2024, 2, 29)
    assert [p.key for p in periods.months_between(date(2025, 11, 5), date(2026, 1, 2))] == ["2025-11", "2025-12", "2026-01"]
    assert periods.month(2026, 1).end - periods.month(2026, 1).start == timedelta(days=30)


def test_a_goal_shows_progress_from_baseline_to_target_computed_not_typed(hr_manager, client):
    from programs import services as program_services
    from programs.models import Goal

    program = program_services.program_create(actor=hr_manager, name="Pilot", start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
    goal = program_services.goal_create(program=program, actor=hr_manager, kind=Goal.Kind.GENERAL, title="Customers feel served")
    kpi = Kpi.objects.get(code="platform-usage")
    services.baseline_set(kpi=kpi, scope=Scope.COMPANY, value=40, actor=hr_manager)
    services.target_set(kpi=kpi, scope=Scope.COMPANY, value=80, due_date=date(2026, 12, 31), goal=goal, actor=hr_manager)
    services.measurement_enter(kpi=kpi, period=periods.month(2026, 3), scope=Scope.COMPANY, value=55, actor=hr_manager)
    target = goal.kpi_targets.get()
    assert target.progress == round(100 * (55 - 40) / (80 - 40), 1)  # 37.5 %
    client.force_login(hr_manager)
    page = client.get(f"/programs/{program.pk}/strategy/").content.decode()
    assert "38 % of the way from the baseline" in page and "Internal platform usage rate" in page
    services.measurement_enter(kpi=kpi, period=periods.month(2026, 4), scope=Scope.COMPANY, value=95, actor=hr_manager)
    assert goal.kpi_targets.get().progress == 100  # clipped


def test_a_programs_page_shows_its_pre_post_result(surveyed, hr_manager, client):
    from programs import services as program_services

    program = program_services.program_create(actor=hr_manager, name="Pilot", start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
    people = surveyed["sales"] + surveyed["it"]
    before, after = open_wave(pulse_template()), open_wave(pulse_template(name="Pulse 2"))
    answer_all(before, people, value=2)
    answer_all(after, people, value=5)
    survey_services.wave_close(wave=before)
    survey_services.wave_close(wave=after)
    plan = services.program_measurement_set(program=program, pre_wave=before, post_wave=after)
    assert plan.summary["before"] == 0 and plan.summary["after"] == 100
    client.force_login(hr_manager)
    page = client.get(f"/programs/{program.pk}/").content.decode()
    assert "Engagement index: 0 % before, 100 % after." in page


def test_uncommitted_kpi_uploads_are_forgotten_by_a_beat_job():
    from common.schedule import BEAT_SCHEDULE
    from kpis.imports import MEASUREMENT_IMPORT
    from kpis.models import MeasurementImportRun
    from kpis.tasks import import_runs_purge

    assert any(spec["task"] == "kpis.tasks.import_runs_purge" for spec in BEAT_SCHEDULE.values())
    run = MEASUREMENT_IMPORT.create(file_name="values.csv", content=b"kpi;period;value\nrevenue;2026-03;1\n", user=None)
    MeasurementImportRun.objects.filter(pk=run.pk).update(created=run.created - timedelta(days=3), status="previewed")
    import_runs_purge()
    assert MeasurementImportRun.objects.get(pk=run.pk).content in (b"", memoryview(b""))


def test_computed_kpis_cannot_be_typed_in(hr_manager):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.measurement_enter(
            kpi=Kpi.objects.get(code="engagement-index"), period=periods.month(2026, 3), scope=Scope.COMPANY, value=99, actor=hr_manager
        )
    assert not Measurement.objects.exists()
