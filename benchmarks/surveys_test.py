"""Surveys: opening a wave for 50,000 employees (issue 5 asks for under 30 s), one mail batch,
submitting a response, and rolling up 20,000 responses; results pages stay at a fixed query count."""

import random
import time
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from people.models import Employee
from surveys import services
from surveys.figures import wave_results
from surveys.models import Answer, PublishedGroup, Response, Wave
from tests.people.factories import DepartmentFactory, LocationFactory, SegmentFactory
from tests.surveys.factories import pulse_template

EMPLOYEES = 50_000
RESPONSES = 20_000


@pytest.fixture
def company(db):
    departments = [DepartmentFactory(code=f"bench-{i}") for i in range(60)]
    locations = [LocationFactory(name=f"Bench site {i}") for i in range(8)]
    Employee.objects.bulk_create(
        (
            Employee(
                employee_number=f"B{n:06d}",
                first_name="Bench",
                last_name=f"Person {n}",
                email=f"bench{n}@example.com",
                department=departments[n % 60],
                location=locations[n % 8],
                hire_date=date(2005, 1, 1) + timedelta(days=(n * 37) % 7000),
                preferred_language="de" if n % 3 else "en",
                customer_facing=bool(n % 2),
            )
            for n in range(EMPLOYEES)
        ),
        batch_size=5000,
    )
    SegmentFactory(name="Customer-facing", rules={"match": "all", "conditions": [{"field": "customer_facing", "values": ["true"]}]})
    SegmentFactory(
        name="First sites", rules={"match": "all", "conditions": [{"field": "location", "values": [loc.pk for loc in locations[:3]]}]}
    )
    return departments


def test_wave_open_for_50000_employees(company, report, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    template = pulse_template(("eng-proud", "eng-motivated", "eng-stay", "eng-heard", "enps"))
    today = timezone.localdate()
    wave = services.wave_create(template=template, title="Bench", opens_on=today + timedelta(days=1), closes_on=today + timedelta(days=7))
    Wave.objects.filter(pk=wave.pk).update(opens_on=today)
    wave.refresh_from_db()
    with django_capture_on_commit_callbacks() as queued:
        started = time.perf_counter()
        invited = services.wave_open(wave=wave)
        elapsed = time.perf_counter() - started
    assert invited == EMPLOYEES
    report("surveys: open a wave for 50,000 employees (invitations + queue mail batches)", elapsed, "s")
    report("surveys: mail batches queued", len(queued), "batches")
    assert elapsed < 30

    ids = list(wave.invitations.order_by("id").values_list("id", flat=True)[: services.MAIL_BATCH_SIZE])
    started = time.perf_counter()
    sent = services.invitations_mail(wave_id=wave.pk, first_id=ids[0], last_id=ids[-1])
    report(f"surveys: one mail batch ({sent} mails, tokens hashed)", time.perf_counter() - started, "s")
    assert len(mail.outbox) == sent == services.MAIL_BATCH_SIZE

    invitation = wave.invitations.select_related("wave", "employee").first()
    items = list(wave.questions.all())
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        services.response_submit(
            invitation=invitation, employee=invitation.employee, answers=[{"question_id": i.question_id, "value": 4} for i in items]
        )
        elapsed = time.perf_counter() - started
    report("surveys: submit one response (service)", elapsed * 1000, "ms")
    report("surveys: queries to submit one response", len(queries.captured_queries), "queries")


def test_rollup_of_20000_responses(company, report):
    template = pulse_template(
        ("eng-proud", "eng-motivated", "eng-stay", "eng-heard", "eng-growth", "enps", "culture-channels", "ideas-open")
    )
    today = timezone.localdate()
    wave = services.wave_create(template=template, title="Bench", opens_on=today + timedelta(days=1), closes_on=today + timedelta(days=7))
    Wave.objects.filter(pk=wave.pk).update(status=Wave.Status.CLOSED, opens_on=today)
    questions = list(wave.questions.select_related("question"))
    rng = random.Random(5)
    employees = list(Employee.objects.values_list("department_id", "location_id")[:RESPONSES])
    responses = Response.objects.bulk_create(
        (
            Response(wave=wave, department_id=d, location_id=loc, tenure_band=rng.choice(["lt1", "1-3", "3-5", "5-10", "10+"]))
            for d, loc in employees
        ),
        batch_size=5000,
    )
    answers = []
    for response in responses:
        for wq in questions:
            kind = wq.question.kind
            if kind == "agree5":
                answers.append(Answer(response=response, question_id=wq.question_id, value=rng.randint(1, 5)))
            elif kind == "scale10":
                answers.append(Answer(response=response, question_id=wq.question_id, value=rng.randint(0, 10)))
            elif kind == "multiple":
                answers.append(Answer(response=response, question_id=wq.question_id, choices=[1, 3]))
            elif rng.random() < 0.2:
                answers.append(Answer(response=response, question_id=wq.question_id, text="Bench comment"))
    Answer.objects.bulk_create(answers, batch_size=10000)
    Wave.objects.filter(pk=wave.pk).update(results_batch=1)  # as if counted in one batch at close
    wave.refresh_from_db()
    started = time.perf_counter()
    services.wave_rollup(wave=wave)
    report(
        f"surveys: roll up {RESPONSES:,} responses x {len(questions)} questions, with the disclosure plan at close",
        time.perf_counter() - started,
        "s",
    )
    ledger = PublishedGroup.objects.filter(wave=wave)
    report("surveys: groups decided at close", ledger.count(), "groups")
    report("surveys: of them shown", ledger.filter(published=True).count(), "groups")
    for dimension in ("department", "tenure"):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            wave_results(wave=wave, dimension=dimension)
            elapsed = time.perf_counter() - started
        report(f"surveys: results by {dimension} ({len(queries.captured_queries)} queries)", elapsed * 1000, "ms")
