"""Celery entry points: take primitive ids, call the service of the same name.

Every job claims its work with a conditional update inside the service, so running one twice
(two beats, a redelivered message) does the work once.
"""

from celery import shared_task
from django.db import OperationalError

from surveys import services
from surveys.models import Wave

RETRY = {"autoretry_for": (OperationalError, ConnectionError), "retry_backoff": True, "max_retries": 5, "acks_late": True}


@shared_task(**RETRY)
def invitations_mail(wave_id: int, first_id: int, last_id: int, reminder: bool = False) -> int:
    return services.invitations_mail(wave_id=wave_id, first_id=first_id, last_id=last_id, reminder=reminder)


@shared_task(**RETRY)
def wave_open(wave_id: int) -> int:
    return services.wave_open(wave=Wave.objects.get(pk=wave_id))


@shared_task(**RETRY)
def waves_open_due() -> int:
    return services.waves_open_due()


@shared_task(**RETRY)
def waves_remind() -> int:
    return services.waves_remind()


@shared_task(**RETRY)
def waves_close_due() -> int:
    return services.waves_close_due()


@shared_task(**RETRY)
def waves_rollup() -> int:
    return services.waves_rollup()


@shared_task(**RETRY)
def wave_rollup(wave_id: int) -> bool:
    return services.wave_rollup(wave=Wave.objects.get(pk=wave_id))


@shared_task(**RETRY)
def schedules_run() -> int:
    return services.schedules_run()


@shared_task(**RETRY)
def seminar_follow_ups() -> int:
    return services.seminar_follow_ups()
