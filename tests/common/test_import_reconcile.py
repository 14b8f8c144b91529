"""Import runs that no worker is on: an upload or commit while the broker is down, and a worker
killed half-way through a commit (issue 13). The request still answers with the run's page,
which says what happens; a beat job hands such runs back to the workers a few minutes later,
and a commit run again is still all or nothing."""

import contextlib
import json
import socket
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django_celery_beat.models import PeriodicTask

from common.imports import MAX_REQUEUES, TabularImport
from common.schedule import BEAT_SCHEDULE, MANAGED_PREFIX, sync_schedule
from common.tasks import tabular_import_requeue_stuck
from im_portal.celery import app as celery_app
from people import services
from people.models import Employee, ImportRun

HEADER = "employee_number;first_name;last_name;email;department;location;hire_date;manager_number"
ROWS = ["2001;Jürgen;Weiß;j@x.example;sales;Headquarters;01.02.2021;", "2002;Ana;Núñez;a@x.example;sales;Headquarters;01.03.2021;"]
FLOW = services.EMPLOYEE_IMPORT


def imported():
    return sorted(Employee.objects.filter(employee_number__in=["2001", "2002"]).values_list("employee_number", flat=True))


class BrokerSwitch:
    """The Celery broker, pointed at a port nobody listens on and back."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.closed_url = f"redis://127.0.0.1:{probe.getsockname()[1]}/15"
        self.real_url = celery_app.conf.broker_url

    def _point_at(self, url):
        celery_app.conf.broker_url = url
        celery_app._after_fork()  # drops the pooled connections to the broker used so far

    def down(self):
        self._point_at(self.closed_url)

    def up(self):
        self._point_at(self.real_url)


@pytest.fixture
def broker():
    switch = BrokerSwitch()
    yield switch
    switch.up()


@contextlib.contextmanager
def worker():
    """Tasks run inline, as a worker would run them (the broker is not asked)."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


def upload(client):
    content = "\n".join([HEADER, *ROWS]).encode("cp1252")
    return client.post(reverse("people:import_start"), {"file": SimpleUploadedFile("hris.csv", content)})


def run_page(client, run) -> str:
    return client.get(reverse("people:import_run_detail", args=[run.pk])).content.decode()


def later(minutes: float):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False)


# --- The broker is down --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the roles come from a migration
def test_an_upload_while_the_broker_is_down_is_kept_explained_and_checked_once_it_is_back(client, hr_manager, sales, broker):
    client.force_login(hr_manager)
    broker.down()
    response = upload(client)  # the run commits with the request; only then is its task published
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("people:import_run_detail", args=[run.pk])
    assert (run.status, run.report) == (ImportRun.Status.CHECKING, {"queue_unreachable": True})
    page = run_page(client, run)
    assert 'id="import-queue-unreachable"' in page and "Your file is saved" in page

    broker.up()
    with worker(), later(4):
        assert tabular_import_requeue_stuck.delay(FLOW.path).get() == 0, "not yet: the broker may only have blinked"
    with worker(), later(6):
        assert tabular_import_requeue_stuck.delay(FLOW.path).get() == 1
    run.refresh_from_db()
    assert (run.status, run.rows_created, run.has_errors) == (ImportRun.Status.PREVIEWED, 2, False)
    assert "queue_unreachable" not in run.report and "requeued" not in run.report, "the dry run's report replaced the notes"
    assert not imported()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the roles come from a migration
def test_a_commit_while_the_broker_is_down_is_kept_explained_and_written_once_it_is_back(client, hr_manager, sales, broker):
    client.force_login(hr_manager)
    with worker():
        assert upload(client).status_code == 302
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.PREVIEWED
    broker.down()
    response = client.post(reverse("people:import_run_commit", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == ImportRun.Status.COMMITTING and run.report["queue_unreachable"] is True
    assert len(run.report["rows"]) == 2, "the dry run's report is kept beside the note"
    page = run_page(client, run)
    assert 'id="import-queue-unreachable"' in page and "nothing has been written" in page

    broker.up()
    with worker(), later(6):
        FLOW.requeue_stuck()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.COMMITTED
    assert imported() == ["2001", "2002"]


# --- A worker dies --------------------------------------------------------------------------------


class WorkerKilled(BaseException):
    """What the code of a killed worker sees: nothing, no handler runs (a BaseException passes
    every ``except Exception``); its transaction is rolled back by the database."""


def test_a_commit_whose_worker_was_killed_is_retried_and_written_exactly_once(
    client, hr_manager, sales, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(hr_manager)
    with worker(), django_capture_on_commit_callbacks(execute=True):
        upload(client)
    run = ImportRun.objects.get()
    real_import = services.run_import_atomically

    def dies_after_writing(**kwargs):
        result = real_import(**kwargs)
        if kwargs["commit"]:
            assert imported() == ["2001", "2002"], "the rows were written inside the commit's transaction"
            raise WorkerKilled
        return result

    monkeypatch.setattr(services, "run_import_atomically", dies_after_writing)
    with worker(), pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=True):
        services.import_run_commit_request(run=run, user=hr_manager)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.COMMITTING and not imported(), "the dead worker's writes were rolled back"

    monkeypatch.setattr(services, "run_import_atomically", real_import)
    with later(6), django_capture_on_commit_callbacks() as queued:
        assert FLOW.requeue_stuck() == 1
        page = run_page(client, run)
    assert 'id="import-retrying"' in page and "retry 1" in page and "Writing the import" in page
    with worker():
        for publish in queued:
            publish()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.COMMITTED and bytes(run.content) == b""
    assert imported() == ["2001", "2002"]


# --- The beat job ---------------------------------------------------------------------------------


def stuck_run(hr_manager, django_capture_on_commit_callbacks) -> ImportRun:
    """An upload whose task was never published."""
    with django_capture_on_commit_callbacks(execute=False):
        return services.import_run_create(
            file_name="a.csv", content=b"x", create_missing=False, mark_absent_exited_on=None, user=hr_manager
        )


def test_two_beats_hand_a_stuck_run_back_once(hr_manager, django_capture_on_commit_callbacks):
    run = stuck_run(hr_manager, django_capture_on_commit_callbacks)
    with later(6), django_capture_on_commit_callbacks() as queued:
        assert FLOW.requeue_stuck() == 1
        assert FLOW.requeue_stuck() == 0, "the first claim touched the run"
    assert len(queued) == 1
    run.refresh_from_db()
    assert run.report == {"requeued": 1}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the roles come from a migration
def test_a_run_a_worker_holds_is_left_alone_however_long_it_takes(hr_manager, broker, django_capture_on_commit_callbacks):
    broker.down()  # committed transactions publish at once here: nothing reaches the real queue
    run = stuck_run(hr_manager, django_capture_on_commit_callbacks)
    locked, release = threading.Event(), threading.Event()

    def working_worker():  # holds its run as ``TabularImport.check`` does while it reads the file
        try:
            with transaction.atomic():
                ImportRun.objects.select_for_update().get(pk=run.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=working_worker)
    thread.start()
    try:
        assert locked.wait(10)
        with later(30), django_capture_on_commit_callbacks():
            assert FLOW.requeue_stuck() == 0
    finally:
        release.set()
        thread.join()
    with later(30), django_capture_on_commit_callbacks():
        assert FLOW.requeue_stuck() == 1


def test_retries_back_off_and_a_run_that_never_finishes_fails(client, hr_manager, django_capture_on_commit_callbacks):
    run = stuck_run(hr_manager, django_capture_on_commit_callbacks)
    handed_back, minutes = [], 0
    for step in (6, 6, 5, 6, 15, 10, 29, 45):  # retry n waits 5 * 2**n minutes after the last
        minutes += step
        with later(minutes), django_capture_on_commit_callbacks():
            handed_back.append(FLOW.requeue_stuck())
    assert handed_back == [1, 0, 1, 0, 1, 0, 0, 0]
    assert MAX_REQUEUES == 3
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    client.force_login(hr_manager)
    assert 'id="import-failed"' in run_page(client, run)


def test_every_import_has_a_requeue_job_in_the_beat_schedule(db):
    jobs = {MANAGED_PREFIX + name: spec for name, spec in BEAT_SCHEDULE.items() if spec["task"] == tabular_import_requeue_stuck.name}
    paths = sorted(spec["args"][0] for spec in jobs.values())
    assert paths == ["kpis.imports.MEASUREMENT_IMPORT", "people.services.EMPLOYEE_IMPORT"]
    assert all(isinstance(import_string(path), TabularImport) for path in paths)
    for name, spec in jobs.items():
        assert json.loads(PeriodicTask.objects.get(name=name).args) == spec["args"]


def test_every_scheduled_task_exists(db):
    celery_app.loader.import_default_modules()
    missing = sorted({spec["task"] for spec in BEAT_SCHEDULE.values()} - set(celery_app.tasks))
    assert not missing, f"beat entries naming no task: {missing}"


def test_sync_brings_a_jobs_arguments_up_to_date(db):
    name = MANAGED_PREFIX + "people: re-queue stuck imports"
    PeriodicTask.objects.filter(name=name).update(args="[]")
    sync_schedule()
    assert json.loads(PeriodicTask.objects.get(name=name).args) == ["people.services.EMPLOYEE_IMPORT"]
