from celery import shared_task

from common.tasks import TRANSIENT
from people import services


@shared_task(acks_late=True, ignore_result=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def import_runs_purge() -> int:
    """Forget uploaded HRIS files of dry runs that were never committed (see the service)."""
    return services.import_runs_purge()
