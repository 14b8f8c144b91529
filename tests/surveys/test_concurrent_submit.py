"""Exactly once, for real: two browsers post the same link at the same moment to a live server."""

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from surveys.models import Ballot, Invitation
from tests.surveys.factories import mail_tokens, open_wave, pulse_template


def _session():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_simultaneous_submissions_of_one_token_store_one_response(live_server, employee, colleagues, attempt):
    wave = open_wave(pulse_template(("eng-proud", "enps")))
    token = mail_tokens(wave)[employee.email]
    link = f"{live_server.url}/surveys/a/{token}/"
    fields = {f"q{wq.question_id}": "4" for wq in wave.questions.all()}

    openers, bodies = [], []
    for _ in range(2):
        opener = _session()
        opened = opener.open(link)  # exchanged for the session: the form's URL holds no token
        url = opened.geturl()
        assert url == f"{live_server.url}/surveys/answer/"
        page = opened.read().decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        openers.append(opener)
        bodies.append(urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": csrf}).encode())

    barrier = threading.Barrier(2)
    results = [None, None]

    def submit(i):
        barrier.wait()
        request = urllib.request.Request(url, data=bodies[i], headers={"Referer": url})  # noqa: S310 - the live test server
        try:
            results[i] = openers[i].open(request).read().decode()
        except urllib.error.HTTPError as error:  # the loser gets the neutral link page, a 404
            results[i] = f"{error.code} {error.read().decode()}"

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sum("Thank you for your answers" in body for body in results) == 1
    assert sum(body.startswith("404 ") and 'data-problem="link"' in body for body in results) == 1
    assert Ballot.objects.filter(wave=wave).count() == 1
    assert Invitation.objects.get(wave=wave, employee__user=employee).used_on is not None
    assert Invitation.objects.filter(wave=wave, used_on__isnull=False).count() == 1
