"""Celery application: Redis broker, JSON only, late acknowledgement.

Tasks are idempotent, so a task re-delivered after a worker died is safe to run again.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "im_portal.settings")

app = Celery("im_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")

# One hour: longer than any task's hard time limit, so an unacknowledged task is only
# re-delivered when its worker is really gone.
VISIBILITY_TIMEOUT = 60 * 60

app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_soft_time_limit=10 * 60,
    task_time_limit=15 * 60,
    result_expires=24 * 60 * 60,
    broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
    result_backend_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)
app.autodiscover_tasks()
