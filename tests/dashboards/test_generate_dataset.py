from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import models, transaction

from kpis.models import Measurement
from people.models import Department, Employee, Location
from surveys.figures import wave_results
from surveys.models import Answer, Invitation, Response, Wave, WaveComment


def _generate():
    out = StringIO()
    call_command("generate_dataset", employees=200, weeks=3, seed=1, stdout=out)
    return out.getvalue()


def _signature():
    waves = Wave.objects.order_by("opens_on", "pk")
    return {
        "departments": sorted(Department.objects.filter(code__startswith="ds-").values_list("code", flat=True)),
        "employees": list(Employee.objects.order_by("employee_number").values_list("employee_number", "hire_date", "exit_date")),
        "waves": [(w.opens_on, w.invited_count, w.responses.count(), Answer.objects.filter(response__wave=w).count()) for w in waves],
        "used": [w.invitations.filter(used_on__isnull=False).count() for w in waves],
    }


def _run_and_discard():
    with transaction.atomic():
        _generate()
        signature = _signature()
        transaction.set_rollback(True)
    return signature


def test_generate_dataset_builds_a_published_organisation_deterministically(db):
    first = _run_and_discard()  # a first run, rolled back: the database is fresh again
    assert not Employee.objects.exists()
    output = _generate()
    assert _signature() == first, "the same seed on a fresh database gives the same dataset"
    assert "Dataset ready" in output and "waves:" in output

    assert Employee.objects.filter(employee_number__startswith="ds-").count() == 200
    departments = Department.objects.filter(code__startswith="ds-")
    assert departments.filter(parent__parent__isnull=False).count() >= 40, "divisions hold departments"
    assert departments.filter(parent__isnull=False, children__isnull=False).distinct().count() == 8
    assert Location.objects.filter(kind=Location.Kind.OFF_SITE, employees__isnull=False).exists()
    assert Employee.objects.filter(manager__isnull=False).count() > 150
    exited = Employee.objects.filter(exit_date__isnull=False).count()
    assert 10 <= exited <= 40

    waves = list(Wave.objects.order_by("opens_on"))
    assert len(waves) == 3
    for wave in waves:
        assert wave.status == Wave.Status.CLOSED and wave.results_batch == 1
        assert wave.questions.count() >= 10
        invited = wave.invitations.count()
        responses = wave.responses.count()
        assert invited == wave.invited_count
        assert 0.45 <= responses / invited <= 0.75
        assert wave.invitations.filter(used_on__isnull=False).count() == responses
        results = wave_results(wave=wave)
        assert results.total.responses == responses and not results.total.reason
        assert wave.published_responses == responses
    assert Measurement.objects.exists()
    assert WaveComment.objects.exists() or Answer.objects.exclude(text="").exists()

    with pytest.raises(CommandError, match="already exists"):
        _generate()


def test_responses_keep_nothing_that_links_them_to_invitations():
    fields = {f.name: f for f in Response._meta.get_fields() if f.concrete}
    assert isinstance(fields["id"], models.UUIDField)
    for field in fields.values():
        assert not isinstance(field, models.DateField | models.DateTimeField)
        if field.is_relation:
            assert field.related_model not in (Invitation, Employee), field.name
    assert set(fields) == {"id", "wave", "department", "location", "segment_ids", "tenure_band", "batch"}
    assert not any(f.is_relation and f.related_model is Response for f in Invitation._meta.get_fields() if f.concrete)
