"""KPIs: the nightly job at 50,000 employees (issue 10 asks for under 60 s with the full
dataset): HR KPIs for 24 months aggregated in PostgreSQL, and the survey KPIs and driver
analysis of a newly closed wave of 30,000 respondents x 10 questions; then the same job again,
which finds nothing to do."""

import random
import time
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from kpis import services
from kpis.models import Driver, Measurement
from people.models import Employee
from surveys import services as survey_services
from surveys.models import Answer, Response, Wave
from tests.people.factories import DepartmentFactory, LocationFactory
from tests.surveys.factories import pulse_template

EMPLOYEES = 50_000
RESPONSES = 30_000


@pytest.fixture
def company(db):
    departments = [DepartmentFactory(code=f"kpi-bench-{i}") for i in range(60)]
    locations = [LocationFactory(name=f"KPI bench site {i}") for i in range(8)]
    today = timezone.localdate()
    rng = random.Random(10)
    Employee.objects.bulk_create(
        (
            Employee(
                employee_number=f"K{n:06d}",
                first_name="Bench",
                last_name=f"Person {n}",
                department=departments[n % 60],
                location=locations[n % 8],
                hire_date=date(2005, 1, 1) + timedelta(days=(n * 37) % 7000),
                # about 12% left during the last two years
                exit_date=max(today - timedelta(days=rng.randint(1, 730)), date(2005, 1, 1) + timedelta(days=(n * 37) % 7000 + 30))
                if n % 8 == 0
                else None,
            )
            for n in range(EMPLOYEES)
        ),
        batch_size=5000,
    )
    return departments


def _closed_wave(rng):
    codes = ("eng-proud", "eng-motivated", "eng-stay", "eng-heard", "eng-growth", "eng-satisfied", "culture-values", "lead-supports")
    template = pulse_template((*codes, "knowhow-transfer", "enps"))
    today = timezone.localdate()
    wave = survey_services.wave_create(
        template=template, title="KPI bench", opens_on=today + timedelta(days=1), closes_on=today + timedelta(days=7)
    )
    Wave.objects.filter(pk=wave.pk).update(
        status=Wave.Status.CLOSED, opens_on=today - timedelta(days=7), closes_on=today - timedelta(days=1)
    )
    questions = list(wave.questions.select_related("question"))
    people = list(Employee.objects.values_list("department_id", "location_id")[:RESPONSES])
    responses = Response.objects.bulk_create((Response(wave=wave, department_id=d, location_id=loc) for d, loc in people), batch_size=5000)
    answers = []
    for response in responses:
        mood = rng.gauss(3.4, 0.8)
        for wq in questions:
            if wq.question.kind == "scale10":
                answers.append(
                    Answer(response=response, question_id=wq.question_id, value=min(10, max(0, round(mood * 2.4 + rng.gauss(-1.5, 2)))))
                )
            else:
                answers.append(Answer(response=response, question_id=wq.question_id, value=min(5, max(1, round(mood + rng.gauss(0, 0.9))))))
    Answer.objects.bulk_create(answers, batch_size=10000)
    with connection.cursor() as cursor:  # as counting a batch does (surveys.services._move_batch)
        cursor.execute("ANALYZE surveys_response")
        cursor.execute("ANALYZE surveys_answer")
    Wave.objects.filter(pk=wave.pk).update(results_batch=1)
    wave.refresh_from_db()
    survey_services.wave_rollup(wave=wave)
    return wave


def test_nightly_kpi_job_at_50000_employees(company, report):
    rng = random.Random(11)
    wave = _closed_wave(rng)
    months = services.default_months()

    started = time.perf_counter()
    hr = services.store_computed(services.hr_values(months=months))
    report(
        f"kpis: HR KPIs, {len(months)} months x company/60 departments/8 locations ({hr.created:,} values)",
        time.perf_counter() - started,
        "s",
    )

    started = time.perf_counter()
    written = services.compute_wave(wave=wave)
    elapsed = time.perf_counter() - started
    report(f"kpis: survey KPIs + driver analysis of a closed wave of {RESPONSES:,} respondents ({written.created} values)", elapsed, "s")
    assert Driver.objects.filter(wave=wave).exists()

    Measurement.objects.all().delete()
    Driver.objects.all().delete()
    from kpis.models import ComputedWave

    ComputedWave.objects.all().delete()
    started = time.perf_counter()
    services.compute_kpis(months=months)
    report("kpis: the nightly job (compute_kpis) with one new wave, 50,000 employees", time.perf_counter() - started, "s")

    started = time.perf_counter()
    again = services.compute_kpis(months=months)
    report("kpis: the nightly job again (nothing changed)", time.perf_counter() - started, "s")
    assert all(w.created == 0 and w.updated == 0 for w in again.values())

    started = time.perf_counter()
    services.correlations_compute()
    report("kpis: the weekly correlation", time.perf_counter() - started, "s")
