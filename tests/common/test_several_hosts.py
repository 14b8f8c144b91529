"""Two web servers and two Celery workers, started as production starts them (gunicorn with
DEBUG off, `celery worker`), against one PostgreSQL and one Redis: a session made on one server
works on the other, and jobs delivered twice (as by two beats, or a broker re-delivery) and
taken by both workers at once do their work once: one wave opened, one mail per invitation."""

import http.client
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from celery import current_app
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from common.roles import EMPLOYEE, HR_MANAGER
from people.models import Employee
from surveys import services
from surveys.models import Invitation
from surveys.tasks import invitations_mail, waves_open_due
from tests.common.test_celery_worker import database_url_of_test_database, wait_until
from tests.people.factories import DepartmentFactory, LocationFactory, UserFactory
from tests.surveys.factories import pulse_template

BASE_DIR = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent
EMPLOYEES = 700  # two mail batches of 500
PASSWORD = "several-hosts-2026"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Web:
    """A tiny HTTP client that keeps cookies by hand (the portal marks them Secure, as behind TLS)."""

    def __init__(self, port: int, cookies: dict | None = None):
        self.port = port
        self.cookies = cookies if cookies is not None else {}

    def request(self, method: str, path: str, body: str = "", headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        all_headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        if body:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        content = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, dict(response.getheaders()), content


@pytest.fixture
def cluster(transactional_db, tmp_path):
    """Two gunicorn servers (two workers each) and two Celery workers on a queue of their own."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    queue = f"hosts-{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test_database(),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "several-hosts-" + "s" * 60,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "EMAIL_URL": f"filemail:///{mail_dir}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "WEB_CONCURRENCY": "2",
        "GUNICORN_ACCESS_LOG": "0",
        "LOGIN_RATE": "1000/m",
        "PYTHONPATH": str(BASE_DIR),
    }
    env.pop("TEST_DATABASE_NAME", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True)
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"], cwd=BASE_DIR, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"})
        for port in ports
    ]
    processes += [
        subprocess.Popen(
            [str(BIN / "celery"), "-A", "im_portal", "worker", "-Q", queue, "-n", f"w{n}-{os.getpid()}@%h", "-c", "2", "-l", "warning"],
            cwd=BASE_DIR,
            env=env,
        )
        for n in (1, 2)
    ]
    default_queue = current_app.conf.task_default_queue
    current_app.conf.task_default_queue = queue  # tasks queued by this test process go to them too
    try:
        for port in ports:
            assert wait_until(lambda port=port: _answers(port), timeout=60), f"gunicorn on {port} did not start"
        assert wait_until(lambda: len(current_app.control.ping(timeout=1, destination=None) or []) >= 2, timeout=60)
        yield ports, queue, mail_dir
    finally:
        current_app.conf.task_default_queue = default_queue
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


def _answers(port: int) -> bool:
    try:
        return Web(port).request("GET", "/login/")[0] == 200
    except OSError:
        return False


@pytest.fixture
def company(transactional_db):
    departments = [DepartmentFactory(code=f"hosts-{n}") for n in range(6)]
    site = LocationFactory(name="Hosts site")
    Employee.objects.bulk_create(
        Employee(
            employee_number=f"H{n:05d}",
            first_name="Host",
            last_name=f"Person {n}",
            email=f"host{n}@example.com",
            department=departments[n % 6],
            location=site,
            hire_date=date(2015, 1, 1),
            preferred_language="de" if n % 2 else "en",
        )
        for n in range(EMPLOYEES)
    )
    hr = UserFactory(username="hosts.hr")
    hr.set_password(PASSWORD)
    hr.save()
    hr.groups.add(*Group.objects.filter(name__in=[HR_MANAGER, EMPLOYEE]))
    template = pulse_template(("eng-proud", "eng-motivated", "eng-stay", "eng-heard", "enps"))
    today = timezone.localdate()
    return services.wave_create(template=template, title="Hosts pulse", opens_on=today, closes_on=today + timedelta(days=7), open_due=False)


def _sign_in(web: Web) -> None:
    status, _headers, page = web.request("GET", "/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    status, headers, _page = web.request("POST", "/login/", f"username=hosts.hr&password={PASSWORD}&csrfmiddlewaretoken={csrf}")
    assert status == 302, status


def test_two_servers_and_two_workers_share_sessions_and_run_each_job_once(cluster, company):
    (port_a, port_b), queue, mail_dir = cluster
    wave = company

    # Signed in on one server, recognised on the other (sessions live in PostgreSQL).
    on_a = Web(port_a)
    _sign_in(on_a)
    on_b = Web(port_b, cookies=dict(on_a.cookies))
    status, _headers, page = on_b.request("GET", f"/surveys/waves/{wave.pk}/")
    assert status == 200 and "Hosts pulse" in page

    # The opening job delivered twice at once: one worker opens the wave, the other finds it open.
    first, second = waves_open_due.apply_async(queue=queue), waves_open_due.apply_async(queue=queue)
    assert sorted([first.get(timeout=120), second.get(timeout=120)]) == [0, 1]
    assert Invitation.objects.filter(wave=wave).count() == EMPLOYEES

    # Every mail batch delivered twice more (on top of the ones the opening queued): each
    # invitation is still mailed exactly once.
    ids = list(Invitation.objects.filter(wave=wave).order_by("pk").values_list("pk", flat=True))
    batches = [(ids[i], ids[min(i + 499, len(ids) - 1)]) for i in range(0, len(ids), 500)]
    duplicates = [invitations_mail.apply_async((wave.pk, a, b), queue=queue) for a, b in batches for _ in range(2)]
    for result in duplicates:
        result.get(timeout=120)
    assert wait_until(lambda: not Invitation.objects.filter(wave=wave, mailed_on__isnull=True).exists(), timeout=120)
    recipients = []
    for path in mail_dir.iterdir():
        recipients += re.findall(r"^To: (\S+)$", path.read_text(), re.MULTILINE)
    assert len(recipients) == EMPLOYEES and len(set(recipients)) == EMPLOYEES

    # A mailed link answered through one server is used up on the other.
    mail_text = next(p.read_text() for p in mail_dir.iterdir() if "To: host0@example.com" in p.read_text())
    link = re.search(r"https?://[^/\s]+(/surveys/a/[^/\s]+/)", mail_text).group(1)
    visitor = Web(port_a)
    status, headers, _ = visitor.request("GET", link)
    assert status == 302
    status, _headers, form = visitor.request("GET", headers["Location"])
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    fields = dict.fromkeys(set(re.findall(r'name="(q\d+)"', form)), "4")
    body = "&".join(f"{k}={v}" for k, v in fields.items()) + f"&csrfmiddlewaretoken={csrf}"
    status, _headers, thanks = Web(port_b, cookies=dict(visitor.cookies)).request("POST", headers["Location"], body)
    assert status == 200 and "Thank you" in thanks
    assert Invitation.objects.filter(wave=wave, used_on__isnull=False).count() == 1
    again = Web(port_b)
    status, headers, _ = again.request("GET", link)
    status, _headers, page = again.request("GET", headers["Location"])
    assert "Thank you" not in page and Invitation.objects.filter(wave=wave, used_on__isnull=False).count() == 1
