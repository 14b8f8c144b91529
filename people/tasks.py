from celery import shared_task
from django.db import InterfaceError, OperationalError

from people import services

TRANSIENT = (OperationalError, InterfaceError, ConnectionError)


@shared_task(acks_late=True, ignore_result=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def import_runs_purge() -> int:
    """Forget uploaded HRIS files of dry runs that were never committed (see the service)."""
    return services.import_runs_purge()


def _run_or_fail(task, service, run_id: int) -> None:
    try:
        service(run_id=run_id)
    except TRANSIENT:
        if task.request.retries >= task.max_retries:
            services.import_run_fail(run_id=run_id)
        raise
    except Exception:
        services.import_run_fail(run_id=run_id)
        raise


@shared_task(bind=True, acks_late=True, ignore_result=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def import_run_check(self, run_id: int) -> None:
    _run_or_fail(self, services.import_run_check, run_id)


@shared_task(bind=True, acks_late=True, ignore_result=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def import_run_commit(self, run_id: int) -> None:
    _run_or_fail(self, services.import_run_commit, run_id)
