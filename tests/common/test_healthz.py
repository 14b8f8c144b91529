from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from common.models import Heartbeat
from common.tasks import heartbeat


def test_healthy_when_database_redis_and_recent_heartbeat(client, db):
    heartbeat()
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == body["redis"] == body["celery"] == "ok"
    assert body["failing"] == []


def test_no_heartbeat_yet_is_503_naming_celery(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["failing"] == ["celery"]
    assert response.json()["celery"] == "no heartbeat recorded"


def test_stale_heartbeat_is_503(client, db, settings):
    Heartbeat.objects.create(name="celery", last_seen=timezone.now() - timedelta(seconds=settings.HEARTBEAT_MAX_AGE_SECONDS + 5))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["celery"] == "heartbeat too old"


def test_unreachable_redis_is_503_naming_redis(client, db, settings, unused_tcp_port):
    heartbeat()
    settings.REDIS_URL = f"redis://127.0.0.1:{unused_tcp_port}/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["failing"] == ["redis"]
    assert response.json()["redis"].startswith("error: ")


def test_healthz_needs_no_login_and_is_get_only(client, db):
    assert client.post(reverse("healthz")).status_code == 405


@pytest.fixture
def unused_tcp_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
