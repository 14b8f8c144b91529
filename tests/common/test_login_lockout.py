"""Guessing a password locks the user name (django-axes), whatever the per-minute throttle allows."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests"


@pytest.fixture(autouse=True)
def lockout_only(settings):
    """The per-minute sign-in throttle (tests/common/test_ratelimits.py) would answer first; these
    tests are about the lockout, which holds however slowly an attacker guesses."""
    settings.LOGIN_RATE = "10000/m"
    settings.AXES_FAILURE_LIMIT = 10


@pytest.fixture
def lena(db):
    return UserFactory(username="lena.lockout")


def _sign_in(client, password, username="lena.lockout", **meta):
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


def _guess(client, times, username="lena.lockout", **meta):
    return [_sign_in(client, f"guess-{i}", username=username, **meta).status_code for i in range(times)]


def test_forty_wrong_passwords_then_the_right_one_does_not_sign_in(client, lena):
    assert _guess(client, 40) == [200] * 9 + [429] * 31  # the tenth failure locks
    right = _sign_in(client, PASSWORD)
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    page = right.content.decode()
    assert 'id="login-locked-out"' in page and "Sign-in locked for now" in page
    assert "locked for 15 minutes" in page and "Traceback" not in page
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))


def test_the_lockout_page_speaks_german(client, lena):
    _guess(client, 10, HTTP_ACCEPT_LANGUAGE="de")
    right = _sign_in(client, PASSWORD, HTTP_ACCEPT_LANGUAGE="de")
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    page = right.content.decode()
    assert "Anmeldung vorerst gesperrt" in page and "15 Minuten" in page and "Zurück zur Anmeldung" in page
    assert "Sign-in locked" not in page and "wrong passwords" not in page


def test_after_the_cool_off_the_right_password_signs_in(client, lena):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _guess(client, 12)
        assert _sign_in(client, PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert _sign_in(Client(), PASSWORD).status_code == 429  # still locked, from any client
    with time_machine.travel(start + timedelta(minutes=14 + 16), tick=False):
        signed_in = _sign_in(client, PASSWORD)
    assert signed_in.status_code == 302 and signed_in["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(lena.pk)


def test_another_user_on_the_same_address_is_not_locked(client, lena):
    UserFactory(username="otto.colleague")
    _guess(client, 12)
    signed_in = _sign_in(Client(), PASSWORD, username="otto.colleague")  # same test address 127.0.0.1
    assert signed_in.status_code == 302 and signed_in["Location"] == reverse("home")


def test_a_successful_sign_in_clears_the_count(client, lena):
    assert _guess(client, 9) == [200] * 9
    assert _sign_in(client, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert _guess(client, 9) == [200] * 9  # a fresh count: nine more wrong ones do not lock
    assert _sign_in(client, PASSWORD).status_code == 302


def test_the_limit_comes_from_the_settings(client, lena, settings):
    settings.AXES_FAILURE_LIMIT = 3
    assert _guess(client, 4) == [200, 200, 429, 429]
