import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from surveys import services
from surveys.models import Answer, Ballot, Invitation, InvitationToken, Response
from surveys.views import ANSWER_SESSION_KEY
from tests.surveys.factories import mail_tokens, open_wave, pulse_template

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("colleagues")]

TEN = (
    "eng-proud",
    "eng-motivated",
    "eng-stay",
    "eng-recognition",
    "eng-growth",
    "eng-purpose",
    "eng-heard",
    "enps",
    "culture-channels",
    "ideas-open",
)


def _answers(wave, **overrides):
    data = {}
    for wq in wave.questions.select_related("question"):
        q = wq.question
        data[f"q{q.pk}"] = {"agree5": "4", "scale10": "9", "multiple": ["1", "2"], "text": "More coffee", "yesno": "1", "single": "1"}[
            q.kind
        ]
    data.update(overrides)
    return data


@pytest.fixture
def wave_with_token(employee):
    wave = open_wave(pulse_template(TEN))
    token = mail_tokens(wave)[employee.email]
    return wave, token


def test_invitation_mail_in_the_invitees_language_with_a_one_time_link(employee, other_employee):
    other_employee.employee.preferred_language = "de"
    other_employee.employee.save()
    wave = open_wave(pulse_template())
    assert wave.invitations.count() == 6  # the two of them and four colleagues without a mail address
    tokens = mail_tokens(wave)
    assert len(tokens) == 2 and len(tokens[employee.email]) >= 22  # >= 128 bits, urlsafe
    german = next(m for m in mail.outbox if m.to == [other_employee.email])
    english = next(m for m in mail.outbox if m.to == [employee.email])
    assert "Ihre Meinung" in german.subject and "anonym" in german.body
    assert "Your opinion counts" in english.subject
    # Only the SHA-256 of a token is stored.
    stored = set(InvitationToken.objects.values_list("token_hash", flat=True))
    assert tokens[employee.email] not in stored and services.token_hash(tokens[employee.email]) in stored
    # Sending the same batch again mails nobody twice.
    before = len(mail.outbox)
    mail_tokens(wave)
    assert len(mail.outbox) == before


def _open_link(client, token):
    """Open a mailed link: it is exchanged for the session, and the form lives at a URL without it."""
    response = client.get(reverse("surveys:answer_token", args=[token]))
    assert response.status_code == 302 and response["Location"] == reverse("surveys:answer_session")
    return response["Location"]


def test_answering_by_token_stores_an_anonymous_response_exactly_once(client, wave_with_token, django_assert_max_num_queries):
    wave, token = wave_with_token
    url = _open_link(client, token)
    page = client.get(url)
    assert page.status_code == 200 and b"progress" in page.content
    data = _answers(wave)
    with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(8):
        response = client.post(url, data)
    # The session read, one read of invitation+wave+employee (the questions are kept by the
    # process since the form was shown), one statement that claims the invitation, deletes its
    # links and writes the ballot, and the session write that forgets the invitation (inside the
    # request's transaction); the rest are the savepoints of the request and the session write.
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 4, statements
    assert "WITH claimed AS" in statements[2] and statements[3].startswith('UPDATE "django_session"')
    assert b"Thank you" in response.content
    # The sheet waits sealed in the ballot box; the link died with its use.
    assert Response.objects.count() == 0 and Ballot.objects.filter(wave=wave).count() == 1
    assert b"eng-proud" not in bytes(Ballot.objects.get().sealed) and not InvitationToken.objects.exists()
    assert list(Invitation.objects.exclude(used_on=None).values_list("used_on", flat=True)) == [timezone.localdate()]
    again = client.post(url, _answers(wave))
    assert again.status_code == 404 and b'data-problem="link"' in again.content
    assert Ballot.objects.count() == 1
    services.wave_close(wave=wave)  # counted at close: one response with its ten answers
    stored = Response.objects.get()
    assert stored.wave_id == wave.pk and stored.batch == 1 and not Ballot.objects.exists()
    assert Answer.objects.filter(response=stored).count() == 10


def test_response_has_no_link_to_person_and_no_time():
    fields = {f.name: f for f in Response._meta.get_fields() if getattr(f, "concrete", False)}
    assert set(fields) == {"id", "wave", "department", "location", "segment_ids", "tenure_band", "batch"}
    assert fields["id"].get_internal_type() == "UUIDField"
    assert Answer._meta.pk.get_internal_type() == "UUIDField"
    assert not any(f.get_internal_type() in ("DateTimeField", "DateField", "TimeField") for f in fields.values())
    assert not {f.name for f in Invitation._meta.get_fields()} & {"response", "response_id"}


def test_missing_required_answer_keeps_what_was_typed(client, wave_with_token):
    wave, token = wave_with_token
    data = _answers(wave)
    proud = wave.questions.get(question__code="eng-proud").question_id
    data.pop(f"q{proud}")
    data[f"q{wave.questions.get(question__code='ideas-open').question_id}"] = "Keep this text"
    response = client.post(_open_link(client, token), data)
    assert response.status_code == 200
    assert b"Please check the questions" in response.content
    assert b"Keep this text" in response.content
    assert Ballot.objects.count() == 0


@pytest.mark.parametrize("problem", ["unknown", "garbage", "closed", "not_yet_open"])
def test_token_failures_show_a_friendly_page(client, employee, problem):
    wave = open_wave(pulse_template())
    token = mail_tokens(wave)[employee.email]
    if problem == "unknown":
        token = token[:-4] + "abcd"
    elif problem == "garbage":
        token = "x"
    elif problem == "closed":
        services.wave_close(wave=wave)
    response = client.get(reverse("surveys:answer_token", args=[token]), follow=True)
    if problem == "not_yet_open":
        with time_machine.travel(timezone.now() + timedelta(days=30)):
            response = client.get(reverse("surveys:answer_token", args=[token]), follow=True)
    assert response.status_code in (404, 410)
    assert response.redirect_chain == [(reverse("surveys:answer_session"), 302)]
    assert len(token) < 5 or token not in response.content.decode()  # no page shows a link
    assert b"Traceback" not in response.content
    assert b"token-problem" in response.content


def test_closed_wave_refuses_a_post_too(client, wave_with_token):
    wave, token = wave_with_token
    url = _open_link(client, token)
    services.wave_close(wave=wave)
    response = client.post(url, _answers(wave))
    assert response.status_code == 410
    assert Ballot.objects.count() == 0


def test_token_endpoint_is_rate_limited(client, settings, wave_with_token):
    settings.SURVEYS_TOKEN_RATE = "3/m"
    url = reverse("surveys:answer_token", args=["guess-" + timezone.now().isoformat()])
    addr = {"REMOTE_ADDR": f"10.9.8.{timezone.now().microsecond % 250}"}
    statuses = [client.get(url, **addr).status_code for _ in range(5)]
    assert statuses[:3] == [302, 302, 302]  # the same answer as for a valid link
    assert statuses[-1] == 429


def test_the_token_leaves_the_url_and_no_page_is_cached(client, wave_with_token):
    wave, token = wave_with_token
    link = client.get(reverse("surveys:answer_token", args=[token]))
    assert "no-store" in link["Cache-Control"]
    assert link["Referrer-Policy"] in ("same-origin", "no-referrer")
    form = client.get(link["Location"])
    action = re.search(r'<form method="post" action="([^"]*)" id="answer-form"', form.content.decode()).group(1)
    assert action == reverse("surveys:answer_session")
    assert token not in form.wsgi_request.get_full_path() and token not in form.content.decode()
    assert "no-store" in form["Cache-Control"] and form["Referrer-Policy"] in ("same-origin", "no-referrer")
    thanks = client.post(action, _answers(wave))
    assert b"Thank you" in thanks.content and "no-store" in thanks["Cache-Control"]
    assert list(Invitation.objects.exclude(used_on=None).values_list("used_on", flat=True)) == [timezone.localdate()]
    assert ANSWER_SESSION_KEY not in client.session


def _page_text(response) -> str:
    """The page without its CSRF tokens, which differ on every response, and without the language
    switch's way back, which echoes the path the visitor asked for."""
    text = re.sub(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]*"', r"\1", response.content.decode())
    return text.replace(f'name="next" type="hidden" value="{response.wsgi_request.get_full_path()}"', 'name="next"')


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_used_link_looks_exactly_like_an_unknown_one(client, employee, other_employee, language):
    """Whoever holds raw links (a mail-log reader) must not learn from the portal which were used."""
    wave = open_wave(pulse_template())
    tokens = mail_tokens(wave)
    used, unused = tokens[employee.email], tokens[other_employee.email]
    client.post(_open_link(client, used), _answers(wave))
    assert Invitation.objects.get(employee__user=employee).used_on is not None

    stranger = Client(HTTP_ACCEPT_LANGUAGE=language)
    # First hop: valid, used and unknown links get the very same redirect (nothing for a log).
    hops = [Client().get(reverse("surveys:answer_token", args=[t])) for t in (unused, used, used[:-4] + "abcd")]
    assert {(hop.status_code, hop["Location"]) for hop in hops} == {(302, reverse("surveys:answer_session"))}
    pages = {
        "used": stranger.get(reverse("surveys:answer_token", args=[used]), follow=True),
        "unknown": stranger.get(reverse("surveys:answer_token", args=[used[:-4] + "abcd"]), follow=True),
        "garbage": stranger.get(reverse("surveys:answer_token", args=["x"]), follow=True),
        "no session": stranger.get(reverse("surveys:answer_session")),
        "no session, post": stranger.post(reverse("surveys:answer_session"), _answers(wave)),
    }
    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 404)
    texts = {name: _page_text(page) for name, page in pages.items()}
    assert all(text == texts["unknown"] for text in texts.values())
    neutral = "Dieser Link ist nicht (mehr) gültig" if language == "de" else "This link is not valid (any more)"
    assert neutral in texts["unknown"] and "Traceback" not in texts["unknown"]
    assert not any(words in texts["unknown"] for words in ("This survey was already answered", "Diese Umfrage wurde bereits beantwortet"))
    # The unused link still works.
    assert stranger.get(_open_link(stranger, unused)).status_code == 200


def test_a_closed_wave_says_the_same_for_used_and_unused_links(client, employee, other_employee):
    wave = open_wave(pulse_template())
    tokens = mail_tokens(wave)
    client.post(_open_link(client, tokens[employee.email]), _answers(wave))
    services.wave_close(wave=wave)
    used = Client().get(reverse("surveys:answer_token", args=[tokens[employee.email]]), follow=True)
    unused = Client().get(reverse("surveys:answer_token", args=[tokens[other_employee.email]]), follow=True)
    assert used.status_code == unused.status_code
    assert _page_text(used) == _page_text(unused)
    assert b"Traceback" not in used.content


def test_a_signed_in_visitor_answers_by_link_and_stays_signed_in(client, employee, wave_with_token):
    wave, token = wave_with_token
    client.force_login(employee)
    response = client.post(_open_link(client, token), _answers(wave))
    assert b"Thank you" in response.content
    assert list(Invitation.objects.exclude(used_on=None).values_list("used_on", flat=True)) == [timezone.localdate()]
    assert client.session.get("_auth_user_id") == str(employee.pk)
    assert ANSWER_SESSION_KEY not in client.session


def test_employee_answers_from_the_home_page(client, employee):
    wave = open_wave(pulse_template())
    client.force_login(employee)
    home = client.get(reverse("employee_home"))
    answer_url = reverse("surveys:answer", args=[wave.pk])
    assert answer_url.encode() in home.content
    response = client.post(answer_url, _answers(wave))
    assert b"Thank you" in response.content
    assert answer_url.encode() not in client.get(reverse("employee_home")).content
    assert b"already answered" in client.get(answer_url).content


def test_other_peoples_wave_is_not_found(client, employee, outsider):
    wave = open_wave(pulse_template())
    client.force_login(employee)
    Invitation.objects.filter(employee__user=employee).delete()
    assert client.get(reverse("surveys:answer", args=[wave.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("surveys:answer", args=[wave.pk])).status_code == 302


def test_a_link_opens_the_survey_in_the_language_it_was_mailed_in(client, employee, other_employee):
    other_employee.employee.preferred_language = "de"
    other_employee.employee.save()
    wave = open_wave(pulse_template())
    tokens = mail_tokens(wave)
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")  # an English browser, a German invitation
    page = browser.get(reverse("surveys:answer_token", args=[tokens[other_employee.email]]), follow=True)
    assert "Antworten absenden" in page.content.decode() and 'lang="de"' in page.content.decode()
    english = Client(HTTP_ACCEPT_LANGUAGE="de").get(reverse("surveys:answer_token", args=[tokens[employee.email]]), follow=True)
    assert "Send my answers" in english.content.decode()
    chosen = Client(HTTP_ACCEPT_LANGUAGE="en")
    chosen.cookies["django_language"] = "en"  # a visitor's own choice wins
    page = chosen.get(reverse("surveys:answer_token", args=[tokens[other_employee.email]]), follow=True)
    assert "Send my answers" in page.content.decode()
