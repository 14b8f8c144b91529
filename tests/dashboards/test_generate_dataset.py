import uuid
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import models, transaction
from django.test import Client
from django.urls import reverse

from common.roles import EMPLOYEE, EXECUTIVE, HR_MANAGER, has_role
from dashboards import dataset
from kpis.models import Measurement, Scope
from people.models import Department, Employee, Location
from surveys.figures import wave_results
from surveys.models import Answer, Idea, Invitation, InvitationToken, Response, SurveyTemplate, Wave, WaveComment

EMPLOYEES, WEEKS = 200, 3


def _generate():
    out = StringIO()
    call_command("generate_dataset", employees=EMPLOYEES, weeks=WEEKS, seed=1, jobs=1, stdout=out)
    return out.getvalue()


def _signature():
    """What a second run with the same seed must reproduce: people, waves, published figures,
    ideas and KPI values, with database ids replaced by stable codes (sequences move on)."""
    codes = dict(Department.objects.values_list("pk", "code"))
    places = dict(Location.objects.values_list("pk", "name"))
    waves = Wave.objects.order_by("opens_on", "pk")
    published = []
    for wave in waves:
        results = wave_results(wave=wave)
        published.append(
            (
                results.total.responses,
                results.engagement.favourability,
                results.enps.enps,
                [(codes.get(int(g.key)) if g.key else "", g.responses, g.reason) for g in results.groups],
                [(q.item.question.code, q.total.n, q.total.mean, q.total.reason) for q in results.questions],
            )
        )
    return {
        "departments": sorted(codes.values()),
        "employees": list(Employee.objects.order_by("employee_number").values_list("employee_number", "hire_date", "exit_date")),
        "waves": [
            (w.title, w.opens_on, w.invited_count, w.responses.count(), Answer.objects.filter(response__wave=w).count()) for w in waves
        ],
        "used": [w.invitations.filter(used_on__isnull=False).count() for w in waves],
        "published": published,
        "ratings": sorted(
            Answer.objects.filter(provider__isnull=False)
            .values_list("provider__code", "question__code", "value")
            .annotate(n=models.Count("id"))
        ),
        "ideas": sorted(
            Idea.objects.values_list("title", "department__code", "submitted_on", "status", "public_answer", "answered_on").annotate(
                findings=models.Count("findings")
            )
        ),
        "measurements": sorted(
            (m.kpi.code, m.wave.title if m.wave else m.period, m.scope, codes.get(m.department_id), places.get(m.location_id), m.value)
            for m in Measurement.objects.select_related("kpi", "wave")
        ),
        "summary": dataset.summary(),
    }


def _run_and_discard():
    with transaction.atomic():
        _generate()
        signature = _signature()
        transaction.set_rollback(True)
    return signature


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """Generated twice for the whole module: a first run, rolled back, then the same seed again
    on the fresh database; each test runs inside its own savepoint of that."""
    with django_db_blocker.unblock(), transaction.atomic():
        assert not dataset.exists() and dataset.summary() is None
        first = _run_and_discard()
        assert not Employee.objects.exists() and not dataset.started()
        output = _generate()
        yield first, output
        transaction.set_rollback(True)


def test_the_same_seed_gives_the_same_dataset_and_published_figures(generated, db):
    first, output = generated
    assert _signature() == first
    assert "Dataset ready" in output and "rollups:" in output and "kpis:" in output


@pytest.mark.usefixtures("generated")
def test_it_builds_an_organisation_with_weekly_pulses_at_about_sixty_percent(db):
    assert Employee.objects.filter(employee_number__startswith="ds-").count() == EMPLOYEES
    departments = Department.objects.filter(code__startswith="ds-")
    assert departments.filter(parent__parent__isnull=False).count() >= 40, "divisions hold departments"
    assert departments.filter(parent__isnull=False, children__isnull=False).distinct().count() == 8
    assert Location.objects.filter(kind=Location.Kind.OFF_SITE, employees__isnull=False).exists()
    assert Employee.objects.filter(manager__isnull=False).count() > 150
    assert 10 <= Employee.objects.filter(exit_date__isnull=False).count() <= 40

    pulses = list(Wave.objects.filter(template__name=dataset.PULSE_TEMPLATE).order_by("opens_on"))
    assert len(pulses) == WEEKS
    invited = responses = 0
    for wave in pulses:
        assert wave.status == Wave.Status.CLOSED and wave.results_batch == 1
        assert wave.questions.count() == 11
        assert wave.invitations.count() == wave.invited_count
        assert wave.invitations.filter(used_on__isnull=False).count() == wave.responses.count()
        assert 0.45 <= wave.responses.count() / wave.invited_count <= 0.75
        results = wave_results(wave=wave)
        assert results.total.responses == wave.responses.count() == wave.published_responses and not results.total.reason
        invited, responses = invited + wave.invited_count, responses + wave.responses.count()
    assert 0.55 <= responses / invited <= 0.65
    assert WaveComment.objects.filter(wave__in=pulses).exists()
    # The benchmark opens its wave from the template of the latest closed wave: a pulse.
    assert Wave.objects.filter(status=Wave.Status.CLOSED).order_by("-closes_on").first().template.name == dataset.PULSE_TEMPLATE


@pytest.mark.usefixtures("generated")
def test_internal_customers_rate_other_divisions(db):
    wave = Wave.objects.get(template__kind=SurveyTemplate.Kind.INTERNAL_CUSTOMER)
    assert wave.status == Wave.Status.CLOSED and wave.published_responses == wave.responses.count() > 0
    ratings = Answer.objects.filter(response__wave=wave)
    assert not ratings.filter(provider__isnull=True).exists()
    assert set(ratings.values_list("provider__code", flat=True)) == {f"ds-{code}" for code in dataset.PROVIDERS}
    assert ratings.count() >= 2 * 6 * wave.responses.count(), "two or three providers, six items each"
    quality = Measurement.objects.filter(kpi__code="internal-service-quality", wave=wave)
    assert quality.filter(scope=Scope.COMPANY).exists() and quality.filter(scope=Scope.DEPARTMENT).exists()


@pytest.mark.usefixtures("generated")
def test_ideas_are_anonymous_answered_and_evidence_for_findings(db):
    ideas = Idea.objects.all()
    assert ideas.count() >= WEEKS and not ideas.filter(author__isnull=False).exists()
    assert ideas.exclude(status=Idea.Status.NEW).exclude(public_answer="").exists()
    taken_up = ideas.filter(status__in=[Idea.Status.ACCEPTED, Idea.Status.IMPLEMENTED])
    supporting = ideas.filter(findings__program__name="Dataset IM program", findings__program__status="active").distinct()
    assert taken_up.exists() and set(supporting) == set(taken_up), "accepted and implemented ideas are evidence for findings"


@pytest.mark.usefixtures("generated")
def test_kpi_history_covers_twelve_months_of_survey_hr_and_imported_kpis(db):
    months = lambda **kw: Measurement.objects.filter(period__regex=r"^\d{4}-\d{2}$", **kw).values("period").distinct().count()  # noqa: E731
    for code in ("absenteeism-rate", "platform-usage", "customer-satisfaction", "customer-nps", "complaint-rate", "revenue"):
        assert months(kpi__code=code, origin=Measurement.Origin.IMPORTED, scope=Scope.COMPANY) == 12, code
        assert Measurement.objects.filter(kpi__code=code, scope=Scope.DEPARTMENT).exists(), code
    assert Measurement.objects.filter(kpi__code="training-hours", period__contains="-Q").values("period").distinct().count() == 4
    for code in ("headcount", "turnover-rate", "ideas-per-employee"):
        assert months(kpi__code=code, scope=Scope.COMPANY) == 24, code
    assert months(kpi__code="revenue-per-employee", scope=Scope.COMPANY) == 12
    pulses = Wave.objects.filter(template__name=dataset.PULSE_TEMPLATE)
    for code in ("engagement-index", "enps", "participation-rate"):
        assert Measurement.objects.filter(kpi__code=code, scope=Scope.COMPANY, wave__in=pulses).count() == WEEKS, code


@pytest.mark.usefixtures("generated")
def test_summary_reports_what_was_generated(db):
    waves = Wave.objects.filter(template__name__in=[dataset.PULSE_TEMPLATE, dataset.INTERNAL_TEMPLATE])
    assert dataset.exists()
    assert dataset.summary() == {
        "employees": EMPLOYEES,
        "answers": Answer.objects.count(),
        "responses": Response.objects.count(),
        "waves": waves.count(),
        "seed": 1,
        "weeks": WEEKS,
    }
    with pytest.raises(CommandError, match="already exists"):
        _generate()


@pytest.mark.usefixtures("generated")
def test_bench_users_sign_in_with_their_roles(db):
    call_command("generate_dataset", users=True, stdout=StringIO())  # idempotent: resets the password
    for username, role in (("bench.hr", HR_MANAGER), ("bench.exec", EXECUTIVE), ("bench.employee", EMPLOYEE)):
        client = Client()
        signed_in = client.post(reverse("login"), {"username": username, "password": dataset.BENCH_PASSWORD})
        assert signed_in.status_code == 302 and signed_in["Location"] == reverse("home"), username
        user = User.objects.get(pk=client.session["_auth_user_id"])
        assert user.username == username and has_role(user, role) and has_role(user, EMPLOYEE), username
        assert Employee.objects.filter(user=user, employee_number__startswith="ds-").count() == 1
    employee = Employee.objects.get(user__username="bench.employee")
    assert not employee.reports.exists()
    assert not has_role(employee.user, HR_MANAGER) and not has_role(employee.user, EXECUTIVE)


@pytest.mark.usefixtures("generated")
def test_generated_responses_hold_nothing_linkable(db):
    assert not InvitationToken.objects.exists(), "no invitation link is stored"
    keys = list(Response.objects.values_list("id", flat=True)) + list(Answer.objects.values_list("id", flat=True)[:2000])
    assert all(isinstance(k, uuid.UUID) and k.version == 4 for k in keys), "random keys, no sequence"
    assert set(Response.objects.values_list("batch", flat=True)) == {1}


def test_responses_keep_nothing_that_links_them_to_invitations():
    fields = {f.name: f for f in Response._meta.get_fields() if f.concrete}
    assert isinstance(fields["id"], models.UUIDField)
    for field in fields.values():
        assert not isinstance(field, models.DateField | models.DateTimeField)
        if field.is_relation:
            assert field.related_model not in (Invitation, Employee), field.name
    assert set(fields) == {"id", "wave", "department", "location", "segment_ids", "tenure_band", "batch"}
    assert not any(f.is_relation and f.related_model is Response for f in Invitation._meta.get_fields() if f.concrete)
