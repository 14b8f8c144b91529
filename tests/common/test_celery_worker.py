"""A real `celery worker` process against the real Redis executes a task queued here."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from common.models import Heartbeat
from common.tasks import heartbeat

BASE_DIR = Path(settings.BASE_DIR)


def database_url_of_test_database() -> str:
    db = connection.settings_dict
    host = db["HOST"] or db.get("OPTIONS", {}).get("host", "")
    if host.startswith("/"):
        return f"postgres://{db['USER']}:{db['PASSWORD']}@/{db['NAME']}?host={host}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(transactional_db):
    env = {**os.environ, "DATABASE_URL": database_url_of_test_database(), "PYTHONPATH": str(BASE_DIR)}
    env.pop("TEST_DATABASE_NAME", None)
    # A queue of its own, so a worker of a concurrently running portal never takes our task.
    queue = f"test-{os.getpid()}"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "im_portal", "worker", "-Q", queue, "--pool", "solo", "-l", "warning"],
        cwd=BASE_DIR,
        env=env,
    )
    yield queue
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_until(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_real_worker_executes_queued_task_and_health_turns_green(worker):
    assert Client().get(reverse("healthz")).status_code == 503  # no heartbeat yet

    heartbeat.apply_async(queue=worker)

    assert wait_until(lambda: Heartbeat.objects.filter(name="celery").exists()), "the worker never ran the task"
    response = Client().get(reverse("healthz"))
    assert response.status_code == 200, response.json()
