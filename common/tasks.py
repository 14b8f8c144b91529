from celery import shared_task
from celery.signals import worker_ready
from django.utils import timezone

from common.models import Heartbeat


@shared_task(acks_late=True, ignore_result=True)
def heartbeat() -> None:
    """Record that a worker is alive; /healthz reads it."""
    Heartbeat.objects.update_or_create(name="celery", defaults={"last_seen": timezone.now()})


@worker_ready.connect
def heartbeat_on_worker_start(sender=None, **kwargs) -> None:
    # Beat's first interval run comes a minute after start; report the worker at once.
    heartbeat.delay()
