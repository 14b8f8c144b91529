from celery import shared_task
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.module_loading import import_string

from common.models import Heartbeat

TRANSIENT = (OperationalError, InterfaceError, ConnectionError)


@shared_task(acks_late=True, ignore_result=True)
def heartbeat() -> None:
    """Record that a worker is alive; /healthz reads it."""
    Heartbeat.objects.update_or_create(name="celery", defaults={"last_seen": timezone.now()})


@worker_ready.connect
def heartbeat_on_worker_start(sender=None, **kwargs) -> None:
    # Beat's first interval run comes a minute after start; report the worker at once.
    heartbeat.delay()


def _tabular_import(import_path: str):
    from common.imports import TabularImport

    flow = import_string(import_path)
    if not isinstance(flow, TabularImport):  # a task argument never names anything else to call
        raise TypeError(f"{import_path} is not a TabularImport")
    return flow


def _run_or_fail(task, import_path: str, step: str, run_id: int) -> None:
    """Run one step of a tabular import; a run whose job fails for good is marked failed."""
    flow = _tabular_import(import_path)
    try:
        getattr(flow, step)(run_id=run_id)
    except TRANSIENT:
        if task.request.retries >= task.max_retries:
            flow.fail(run_id=run_id)
        raise
    except Exception:
        flow.fail(run_id=run_id)
        raise


@shared_task(bind=True, acks_late=True, ignore_result=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def tabular_import_check(self, import_path: str, run_id: int) -> None:
    """The dry run of an uploaded file; ``import_path`` names a ``common.imports.TabularImport``."""
    _run_or_fail(self, import_path, "check", run_id)


@shared_task(bind=True, acks_late=True, ignore_result=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def tabular_import_commit(self, import_path: str, run_id: int) -> None:
    """Writing a previewed run; ``import_path`` names a ``common.imports.TabularImport``."""
    _run_or_fail(self, import_path, "commit", run_id)


@shared_task(acks_late=True, ignore_result=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def tabular_import_requeue_stuck(import_path: str) -> int:
    """Beat: hand runs of one import that no worker holds back to the workers (a task lost while
    the broker was down, a worker that died); see ``TabularImport.requeue_stuck``."""
    return _tabular_import(import_path).requeue_stuck()
