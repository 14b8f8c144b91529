"""Production configuration: refuses to start without secrets, passes `check --deploy`."""

import os
import re
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-key-with-enough-entropy-0123456789",
    "DJANGO_ALLOWED_HOSTS": "portal.example.com",
    "EMAIL_URL": "smtp://mail.example.com:587",
}


def manage(*args: str, **env_changes: str | None) -> subprocess.CompletedProcess:
    env = {**os.environ, **PRODUCTION}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by tests/conftest.py for Playwright only
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key():
    result = manage("check", DJANGO_SECRET_KEY=None)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_debug_is_off_unless_asked_for():
    """A start that forgets DJANGO_DEBUG is a production start: no secret key, no start."""
    result = manage("check", DJANGO_DEBUG=None, DJANGO_SECRET_KEY=None)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
    shown = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG, settings.DATABASES['default']['CONN_MAX_AGE'])",
        DJANGO_DEBUG=None,
    )
    assert shown.stdout.strip().splitlines()[-1].split() == ["False", "60"], shown.stdout + shown.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = manage("check", DJANGO_ALLOWED_HOSTS=None)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_reporting_threshold_below_three_is_refused():
    result = manage("check", REPORTING_THRESHOLD="2")
    assert result.returncode != 0
    assert "at least 3" in result.stderr


def test_database_is_postgresql_with_atomic_requests():
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings.DATABASES["default"]["ATOMIC_REQUESTS"] is True


RENDER_LOGIN_PAGE = """
import django
django.setup()
from django.test import Client
response = Client().get("/login/", secure=True, HTTP_HOST="portal.example.com")
print(response.status_code)
print(response.content.decode())
"""


def test_production_collects_static_files_and_serves_pages_with_the_manifest(tmp_path):
    static_root = str(tmp_path / "static")
    collected = manage("collectstatic", "--noinput", STATIC_ROOT=static_root)
    assert collected.returncode == 0, collected.stdout + collected.stderr

    env = {**os.environ, **PRODUCTION, "STATIC_ROOT": static_root, "DJANGO_SETTINGS_MODULE": "im_portal.settings"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    page = subprocess.run(
        [sys.executable, "-c", RENDER_LOGIN_PAGE], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert page.returncode == 0, page.stderr
    status, _, html = page.stdout.partition("\n")
    assert status == "200"
    # hashed names from the manifest: the page works behind long-lived caches
    assert re.search(r"/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css", html), html[:2000]


def test_passwords_are_hashed_with_argon2_and_need_twelve_characters(db):
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    assert make_password("a-long-enough-password").startswith("argon2$")
    try:
        validate_password("short-pw-12")  # 11 characters
    except ValidationError as error:
        assert any("at least 12 characters" in message for message in error.messages)
    else:
        raise AssertionError("an 11-character password was accepted")
    validate_password("twelve-chars")  # 12: accepted
