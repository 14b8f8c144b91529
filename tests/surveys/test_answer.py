from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from surveys import services
from surveys.models import Answer, Invitation, InvitationToken, Response
from tests.surveys.factories import mail_tokens, open_wave, pulse_template

pytestmark = pytest.mark.django_db

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
    assert wave.invitations.count() == 2
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


def test_answering_by_token_stores_an_anonymous_response_exactly_once(client, wave_with_token, django_assert_max_num_queries):
    wave, token = wave_with_token
    url = reverse("surveys:answer_token", args=[token])
    page = client.get(url)
    assert page.status_code == 200 and b"progress" in page.content
    data = _answers(wave)
    with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(10):
        response = client.post(url, data)
    # 3 reads (token+invitation+wave+employee, questions, options), the claim, 2 inserts; the rest are savepoints.
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 6, statements
    assert b"Thank you" in response.content
    stored = Response.objects.get()
    assert stored.wave_id == wave.pk
    assert Answer.objects.filter(response=stored).count() == 10
    assert Invitation.objects.get().used_on == timezone.localdate()
    again = client.post(url, _answers(wave))
    assert b"already answered" in again.content
    assert Response.objects.count() == 1


def test_response_has_no_link_to_person_and_no_time():
    fields = {f.name: f for f in Response._meta.get_fields() if getattr(f, "concrete", False)}
    assert set(fields) == {"id", "wave", "department", "location", "segment_ids", "tenure_band"}
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
    response = client.post(reverse("surveys:answer_token", args=[token]), data)
    assert response.status_code == 200
    assert b"Please check the questions" in response.content
    assert b"Keep this text" in response.content
    assert Response.objects.count() == 0


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
    response = client.get(reverse("surveys:answer_token", args=[token]))
    if problem == "not_yet_open":
        with time_machine.travel(timezone.now() + timedelta(days=30)):
            response = client.get(reverse("surveys:answer_token", args=[token]))
    assert response.status_code in (404, 410)
    assert b"Traceback" not in response.content
    assert b"token-problem" in response.content


def test_closed_wave_refuses_a_post_too(client, wave_with_token):
    wave, token = wave_with_token
    services.wave_close(wave=wave)
    response = client.post(reverse("surveys:answer_token", args=[token]), _answers(wave))
    assert response.status_code == 410
    assert Response.objects.count() == 0


def test_token_endpoint_is_rate_limited(client, settings, wave_with_token):
    settings.SURVEYS_TOKEN_RATE = "3/m"
    url = reverse("surveys:answer_token", args=["guess-" + timezone.now().isoformat()])
    addr = {"REMOTE_ADDR": f"10.9.8.{timezone.now().microsecond % 250}"}
    statuses = [client.get(url, **addr).status_code for _ in range(5)]
    assert statuses[:3] == [404, 404, 404]
    assert statuses[-1] == 429


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
