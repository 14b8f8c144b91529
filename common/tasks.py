from celery import shared_task
from django.utils import timezone

from common.models import Heartbeat


@shared_task(acks_late=True, ignore_result=True)
def heartbeat() -> None:
    """Record that a worker is alive; /healthz reads it."""
    Heartbeat.objects.update_or_create(name="celery", defaults={"last_seen": timezone.now()})
