"""Rate limits on sign-in, survey links and the public customer link: keyed by the real client
behind the TLS proxy, and failing open (with a warning) when Redis is down."""

import logging
import socket
import uuid

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from common.ratelimits import client_address
from surveys import services
from surveys.models import CustomerFeedback
from tests.people.factories import EmployeeFactory, LocationFactory, UserFactory
from tests.surveys.factories import mail_tokens, open_wave, pulse_template

PROXY = {"REMOTE_ADDR": "192.0.2.10"}


@pytest.fixture(autouse=True)
def fresh_counters(settings):
    """Counters live in the shared Redis for a minute; every test starts with its own."""
    settings.RATELIMIT_CACHE_PREFIX = f"rl-test-{uuid.uuid4().hex}:"


@pytest.fixture
def redis_down(settings):
    """Point the cache at a loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0"}}


@pytest.fixture
def forty_links(db):
    """Forty employees, each with their own mailed survey link."""
    EmployeeFactory.create_batch(40)
    wave = open_wave(pulse_template())
    tokens = list(mail_tokens(wave).values())
    assert len(tokens) == 40
    return tokens


def _open(token, **meta):
    return Client().get(reverse("surveys:answer_token", args=[token]), **meta).status_code


@pytest.mark.parametrize(
    ("hops", "forwarded", "client"),
    [
        (0, "203.0.113.5", "192.0.2.10"),  # no proxy configured: the header is the client's to forge
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # what the client wrote itself stays left
        (2, "6.6.6.6, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        (2, "203.0.113.5", "192.0.2.10"),  # fewer entries than proxies: not through all of them
        (1, "", "192.0.2.10"),
    ],
)
def test_client_address_counts_trusted_proxies_from_the_right(settings, hops, forwarded, client):
    settings.TRUSTED_PROXY_HOPS = hops
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, **PROXY)
    assert client_address(request) == client


def test_forty_employees_behind_one_proxy_each_open_their_link(settings, forty_links):
    settings.TRUSTED_PROXY_HOPS = 1
    settings.SURVEYS_TOKEN_RATE = "10/m"
    statuses = [_open(token, HTTP_X_FORWARDED_FOR=f"10.20.0.{i}", **PROXY) for i, token in enumerate(forty_links)]
    assert statuses == [302] * 40


def test_without_proxy_hops_the_proxy_is_one_client_and_is_limited(settings, forty_links):
    settings.TRUSTED_PROXY_HOPS = 0
    settings.SURVEYS_TOKEN_RATE = "10/m"
    statuses = [_open(token, HTTP_X_FORWARDED_FOR=f"10.20.0.{i}", **PROXY) for i, token in enumerate(forty_links)]
    assert statuses == [302] * 10 + [429] * 30


def test_a_client_cannot_escape_its_limit_by_forging_the_header(settings, forty_links):
    settings.TRUSTED_PROXY_HOPS = 1
    settings.SURVEYS_TOKEN_RATE = "10/m"
    statuses = [_open(token, HTTP_X_FORWARDED_FOR=f"10.99.0.{i}, 203.0.113.5", **PROXY) for i, token in enumerate(forty_links)]
    assert statuses == [302] * 10 + [429] * 30


def test_with_redis_down_links_feedback_and_login_still_work(client, settings, caplog, forty_links, redis_down):
    settings.SURVEYS_TOKEN_RATE = settings.SURVEYS_FEEDBACK_RATE = settings.LOGIN_RATE = "1/m"
    link = services.feedback_link_create(location=LocationFactory(name="Store Berlin"))
    UserFactory(username="hanna.hr")
    with caplog.at_level(logging.WARNING, logger="common.ratelimits"):
        opened = client.get(reverse("surveys:answer_token", args=[forty_links[0]]))
        assert opened.status_code == 302
        assert b'id="answer-form"' in client.get(opened["Location"]).content
        assert [_open(token) for token in forty_links[1:4]] == [302] * 3  # no limit without a counter
        feedback = client.post(reverse("surveys:feedback_public", args=[link.slug]), {"satisfaction": "5", "nps": "10"})
        assert feedback.status_code == 200 and b"Thank you" in feedback.content
        assert CustomerFeedback.objects.count() == 1
        signed_in = Client().post(reverse("login"), {"username": "hanna.hr", "password": "pw-for-tests"})
        assert signed_in.status_code == 302 and signed_in["Location"] == reverse("home")
    warnings = [r for r in caplog.records if r.name == "common.ratelimits"]
    assert len(warnings) == 6 and all(r.levelno == logging.WARNING and "cache is unreachable" in r.getMessage() for r in warnings)


def _sign_in(client, password, username="hanna.hr", **meta):
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


def test_forty_wrong_passwords_then_the_right_one_is_refused(client, settings, db):
    settings.LOGIN_RATE = "5/m"  # below the lockout's failure limit, so the throttle answers first
    UserFactory(username="hanna.hr")
    wrong = [_sign_in(client, f"guess-{i}").status_code for i in range(40)]
    assert wrong == [200] * 5 + [429] * 35
    right = _sign_in(client, "pw-for-tests")
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    page = right.content.decode()
    assert 'id="login-throttled"' in page and "Too many sign-in attempts" in page
    assert "Please wait a minute" in page and "Traceback" not in page


def test_the_throttle_page_speaks_german(client, settings, db):
    settings.LOGIN_RATE = "1/m"
    UserFactory(username="hanna.hr")
    _sign_in(client, "guess", HTTP_ACCEPT_LANGUAGE="de")
    throttled = _sign_in(client, "pw-for-tests", HTTP_ACCEPT_LANGUAGE="de")
    assert throttled.status_code == 429
    page = throttled.content.decode()
    assert "Zu viele Anmeldeversuche" in page and "Zurück zur Anmeldung" in page and "Too many" not in page


def test_one_name_is_throttled_across_clients_and_one_client_across_names(settings, db):
    settings.TRUSTED_PROXY_HOPS = 1
    settings.LOGIN_RATE = "3/m"
    UserFactory(username="hanna.hr")
    many_clients = [_sign_in(Client(), "guess", HTTP_X_FORWARDED_FOR=f"10.30.0.{i}", **PROXY).status_code for i in range(5)]
    assert many_clients == [200, 200, 200, 429, 429]
    one_client = Client()
    many_names = [
        _sign_in(one_client, "guess", username=f"someone{i}", HTTP_X_FORWARDED_FOR="10.31.0.1", **PROXY).status_code for i in range(5)
    ]
    assert many_names == [200, 200, 200, 429, 429]
    # A colleague behind the same proxy still signs in.
    colleague = _sign_in(Client(), "pw-for-tests", username="hanna.hr", HTTP_X_FORWARDED_FOR="10.31.0.2", **PROXY)
    assert colleague.status_code == 429  # hanna's name is still paused from the guesses above
    UserFactory(username="otto.it")
    other = _sign_in(Client(), "pw-for-tests", username="otto.it", HTTP_X_FORWARDED_FOR="10.31.0.2", **PROXY)
    assert other.status_code == 302
