import re
from datetime import date, timedelta

from django.core import mail
from django.utils import timezone

from surveys import services
from surveys.bank import load_bank
from surveys.models import Question, QuestionOption, SurveyTemplate
from tests.people.factories import EmployeeFactory

TOKEN_RE = re.compile(r"/surveys/a/([A-Za-z0-9_\-]+)/")


def pulse_template(codes=("eng-proud", "eng-motivated", "enps", "ideas-open"), name="Pulse", kind=SurveyTemplate.Kind.PULSE):
    # Transactional tests (live server, browser) flush the database, the seeded bank included.
    load_bank(Question, QuestionOption)
    template = services.template_create(name=name, kind=kind)
    for code in codes:
        services.template_item_add(template=template, question=Question.objects.get(code=code))
    return template


def open_wave(template, *, days=7, segments=None, **kwargs):
    today = timezone.localdate()
    return services.wave_create(
        template=template,
        title=kwargs.pop("title", "Pulse wave"),
        opens_on=kwargs.pop("opens_on", today),
        closes_on=kwargs.pop("closes_on", today + timedelta(days=days)),
        whole_company=segments is None,
        segments=segments or [],
        **kwargs,
    )


def mail_tokens(wave, reminder=False) -> dict[str, str]:
    """Send the queued invitation batches directly and return {email: token}."""
    for first, last in batches(wave):
        services.invitations_mail(wave_id=wave.pk, first_id=first, last_id=last, reminder=reminder)
    tokens = {}
    for message in mail.outbox:
        match = TOKEN_RE.search(message.body)
        if match:
            tokens[message.to[0]] = match.group(1)
    return tokens


def batches(wave):
    ids = sorted(wave.invitations.values_list("id", flat=True))
    return [(ids[i], ids[min(i + services.MAIL_BATCH_SIZE, len(ids)) - 1]) for i in range(0, len(ids), services.MAIL_BATCH_SIZE)]


def staff(department, location, n, hire_date=date(2020, 1, 1), **kwargs):
    return EmployeeFactory.create_batch(n, department=department, location=location, hire_date=hire_date, **kwargs)
