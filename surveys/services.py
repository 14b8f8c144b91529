"""Writes for surveys: one function per use case, transactional, keyword-only."""

from __future__ import annotations

import hashlib
import random
import secrets
import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from people.models import Department, Employee, Segment, tenure_band
from people.selectors import segment_employees
from programs.models import Activity
from surveys import ballots
from surveys.anonymity import batch_ready, require_audience, unit_reportable
from surveys.models import (
    Answer,
    Ballot,
    CustomerFeedback,
    Dimension,
    DisclosureBasis,
    FeedbackLink,
    GroupRollup,
    Idea,
    Invitation,
    InvitationToken,
    ParticipationRollup,
    PulseSchedule,
    Question,
    QuestionKind,
    QuestionOption,
    QuestionRollup,
    Response,
    SurveyTemplate,
    TemplateItem,
    TemplateSection,
    Wave,
    WaveComment,
    WaveQuestion,
)
from surveys.signals import wave_closed

MAIL_BATCH_SIZE = 500
INSERT_BATCH_SIZE = 5000


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- question bank and templates -------------------------------------------------------


def template_is_locked(*, template: SurveyTemplate) -> bool:
    """A template whose wave has a response can no longer change its questions."""
    return Response.objects.filter(wave__template=template).exists()


def question_is_locked(*, question: Question) -> bool:
    return Answer.objects.filter(question=question).exists()


def _require_unlocked(template: SurveyTemplate) -> None:
    if template_is_locked(template=template):
        raise ValidationError(_("This template already has responses; copy it to change its questions."))


@transaction.atomic
def question_create(
    *, kind: str, text_en: str, text_de: str, options: list[tuple[str, str]] = (), category: str = "custom", created_by=None
):
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(options) < 2:
        raise ValidationError(_("Choice questions need at least two options."))
    question = Question.objects.create(kind=kind, category=category, text_en=text_en, text_de=text_de, created_by=created_by)
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        QuestionOption.objects.bulk_create(
            QuestionOption(question=question, value=i, text_en=en, text_de=de or en) for i, (en, de) in enumerate(options, start=1)
        )
    return question


@transaction.atomic
def template_create(*, name: str, kind: str = SurveyTemplate.Kind.PULSE, description: str = "", created_by=None) -> SurveyTemplate:
    template = SurveyTemplate.objects.create(name=name, kind=kind, description=description, created_by=created_by)
    TemplateSection.objects.create(template=template, position=1, title_en="Questions", title_de="Fragen")
    return template


@transaction.atomic
def template_section_add(*, template: SurveyTemplate, title_en: str, title_de: str = "") -> TemplateSection:
    _require_unlocked(template)
    position = (template.sections.aggregate(m=Max("position"))["m"] or 0) + 1
    return TemplateSection.objects.create(template=template, position=position, title_en=title_en, title_de=title_de or title_en)


@transaction.atomic
def template_item_add(*, template: SurveyTemplate, question: Question, section: TemplateSection | None = None, required: bool = True):
    _require_unlocked(template)
    section = section or template.sections.order_by("position").first()
    if section is None or section.template_id != template.pk:
        raise ValidationError(_("Choose a section of this template."))
    if template.items.filter(question=question).exists():
        raise ValidationError(_("This question is already in the template."))
    position = (section.items.aggregate(m=Max("position"))["m"] or 0) + 1
    return TemplateItem.objects.create(template=template, section=section, question=question, position=position, required=required)


@transaction.atomic
def template_item_remove(*, item: TemplateItem) -> None:
    _require_unlocked(item.template)
    item.delete()


@transaction.atomic
def template_item_move(*, item: TemplateItem, up: bool) -> None:
    _require_unlocked(item.template)
    siblings = list(item.section.items.order_by("position", "id"))
    index = siblings.index(item)
    other = index - 1 if up else index + 1
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            TemplateItem.objects.filter(pk=sibling.pk).update(position=position)


@transaction.atomic
def template_copy(*, template: SurveyTemplate, created_by=None) -> SurveyTemplate:
    copy = SurveyTemplate.objects.create(
        name=_("Copy of %(name)s") % {"name": template.name},
        kind=template.kind,
        description=template.description,
        copied_from=template,
        created_by=created_by,
    )
    for section in template.sections.prefetch_related("items"):
        new_section = TemplateSection.objects.create(
            template=copy, position=section.position, title_en=section.title_en, title_de=section.title_de
        )
        TemplateItem.objects.bulk_create(
            TemplateItem(template=copy, section=new_section, question_id=i.question_id, position=i.position, required=i.required)
            for i in section.items.all()
        )
    return copy


# --- waves -----------------------------------------------------------------------------


def _template_questions(template: SurveyTemplate) -> list[TemplateItem]:
    return list(template.items.select_related("section", "question").order_by("section__position", "position", "id"))


@transaction.atomic
def wave_create(
    *,
    template: SurveyTemplate,
    title: str,
    opens_on: date,
    closes_on: date,
    whole_company: bool = True,
    segments=(),
    reminder_days: list[int] | None = None,
    created_by=None,
    items: list[TemplateItem] | None = None,
    schedule: PulseSchedule | None = None,
    program=None,
    phase=None,
    seminar=None,
    send_mail: bool = True,
    open_due: bool = True,
) -> Wave:
    """Create a wave with the template's items (or ``items``); with ``open_due`` a wave whose
    window has begun is opened at once, so a refused opening (too small an audience) rolls the
    whole creation back. Without it the wave stays a draft for the caller to open."""
    if closes_on < opens_on:
        raise ValidationError(_("The wave must close on or after the day it opens."))
    if not whole_company and not segments:
        raise ValidationError(_("Choose the whole company or at least one segment."))
    items = items if items is not None else _template_questions(template)
    if not items:
        raise ValidationError(_("The template has no questions yet."))
    wave = Wave.objects.create(
        template=template,
        title=title,
        opens_on=opens_on,
        closes_on=closes_on,
        whole_company=whole_company,
        reminder_days=sorted(reminder_days)[:2] if reminder_days is not None else [3, 5],
        created_by=created_by,
        schedule=schedule,
        program=program or (phase.program if phase else None),
        phase=phase,
        seminar=seminar,
    )
    if not whole_company:
        wave.segments.set(segments)
    WaveQuestion.objects.bulk_create(
        WaveQuestion(
            wave=wave,
            question_id=item.question_id,
            section_en=item.section.title_en,
            section_de=item.section.title_de,
            position=position,
            required=item.required,
        )
        for position, item in enumerate(items, start=1)
    )
    if open_due and opens_on <= timezone.localdate():
        wave_open(wave=wave, send_mail=send_mail)
    return wave


def _audience(wave: Wave):
    if wave.whole_company:
        return Employee.objects.active()
    members = Q()
    for segment in wave.segments.all():
        members |= Q(pk__in=segment_employees(segment=segment).values("id"))
    return Employee.objects.active().filter(members)


@transaction.atomic
def wave_open(*, wave: Wave, send_mail: bool = True) -> int:
    """Invite the audience and queue the invitation mails in batches. Returns invitations made.

    Invitations are written with INSERT ... SELECT and the segment tags (the reporting snapshot
    of segment membership, taken at opening) with one UPDATE per segment, so opening a wave for
    50,000 employees moves no rows through Python.
    """
    from surveys.tasks import invitations_mail

    # Refused before anything is written, so a too-small draft that the beat job retries costs
    # one count, not an insert of every invitation that is then rolled back.
    require_audience(_audience(wave).count())
    if not Wave.objects.filter(pk=wave.pk, status=Wave.Status.DRAFT).update(status=Wave.Status.OPEN):
        return 0  # someone else opened it
    wave.status = Wave.Status.OPEN
    audience_sql, audience_params = _audience(wave).order_by().values_list("id", "preferred_language").query.sql_with_params()
    # Only SQL compiled by the ORM is interpolated; every value travels as a parameter.
    columns = "wave_id, employee_id, language, segment_ids, reminders_sent"
    select = "%s, audience.id, coalesce(nullif(audience.lang, ''), 'de'), '{}', 0"
    insert_sql = (
        f"INSERT INTO surveys_invitation ({columns}) SELECT {select} FROM ({audience_sql}) AS audience(id, lang) ON CONFLICT DO NOTHING"  # noqa: S608
    )
    with connection.cursor() as cursor:
        cursor.execute(insert_sql, [wave.pk, *audience_params])
        for segment in Segment.objects.order_by("pk"):
            members_sql, members_params = segment_employees(segment=segment).order_by().values("id").query.sql_with_params()
            update_sql = f"UPDATE surveys_invitation SET segment_ids = array_append(segment_ids, %s) WHERE wave_id = %s AND employee_id IN ({members_sql})"  # noqa: S608
            cursor.execute(update_sql, [segment.pk, wave.pk, *members_params])
    ids = list(wave.invitations.order_by("id").values_list("id", flat=True))
    Wave.objects.filter(pk=wave.pk).update(invited_count=len(ids))
    wave.invited_count = len(ids)
    for start in range(0, len(ids), MAIL_BATCH_SIZE) if send_mail else ():
        batch = ids[start : start + MAIL_BATCH_SIZE]
        invitations_mail.delay_on_commit(wave.pk, batch[0], batch[-1], False)
    return len(ids)


def _answer_url(token: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("surveys:answer_token", args=[token])


@transaction.atomic
def invitations_mail(*, wave_id: int, first_id: int, last_id: int, reminder: bool = False) -> int:
    """Mail one batch of invitations (or reminders); claims rows so a rerun sends nothing twice."""
    wave = Wave.objects.select_related("template").get(pk=wave_id)
    today = timezone.localdate()
    if wave.status != Wave.Status.OPEN or today > wave.closes_on:
        return 0
    pending = Invitation.objects.filter(wave=wave, pk__gte=first_id, pk__lte=last_id, used_on__isnull=True)
    pending = pending.filter(reminders_sent__lt=wave.reminders_sent) if reminder else pending.filter(mailed_on__isnull=True)
    claimed = list(pending.select_for_update(skip_locked=True).select_related("employee"))
    if not claimed:
        return 0
    ids = [invitation.pk for invitation in claimed]
    if reminder:
        Invitation.objects.filter(pk__in=ids).update(reminders_sent=wave.reminders_sent)
    else:
        Invitation.objects.filter(pk__in=ids).update(mailed_on=today)
    tokens, messages = [], []
    for invitation in claimed:
        if not invitation.employee.email:
            continue
        token = secrets.token_urlsafe(32)  # 256 random bits
        tokens.append(InvitationToken(token_hash=token_hash(token), invitation=invitation))
        with translation.override(invitation.language):
            context = {"wave": wave, "employee": invitation.employee, "url": _answer_url(token), "reminder": reminder}
            subject = render_to_string("surveys/mail/invitation_subject.txt", context).strip()
            body = render_to_string("surveys/mail/invitation.txt", context)
        messages.append(EmailMultiAlternatives(subject, body, to=[invitation.employee.email]))
    InvitationToken.objects.bulk_create(tokens)
    with get_connection() as mail:
        mail.send_messages(messages)
    return len(messages)


@transaction.atomic
def wave_remind(*, wave: Wave) -> int:
    """Send the next due reminder of an open wave to its unused invitations. Returns batches queued."""
    from surveys.tasks import invitations_mail

    today = timezone.localdate()
    if wave.status != Wave.Status.OPEN or today > wave.closes_on:
        return 0
    due = [day for day in wave.reminder_days[:2] if wave.opens_on + timedelta(days=day) <= today]
    if len(due) <= wave.reminders_sent:
        return 0
    number = wave.reminders_sent + 1
    if not Wave.objects.filter(pk=wave.pk, reminders_sent=wave.reminders_sent).update(reminders_sent=number):
        return 0
    wave.reminders_sent = number
    ids = list(wave.invitations.filter(used_on__isnull=True).order_by("id").values_list("id", flat=True))
    batches = 0
    for start in range(0, len(ids), MAIL_BATCH_SIZE):
        batch = ids[start : start + MAIL_BATCH_SIZE]
        invitations_mail.delay_on_commit(wave.pk, batch[0], batch[-1], True)
        batches += 1
    return batches


def waves_remind() -> int:
    return sum(wave_remind(wave=wave) for wave in Wave.objects.filter(status=Wave.Status.OPEN))


def waves_open_due() -> int:
    opened = 0
    today = timezone.localdate()
    # A draft whose window has passed never opens: it would invite people to a survey that
    # closes the next morning (and a refused draft would be retried forever).
    for wave in Wave.objects.filter(status=Wave.Status.DRAFT, opens_on__lte=today, closes_on__gte=today):
        try:
            opened += bool(wave_open(wave=wave))
        except ValidationError:
            continue  # too small an audience: it stays a draft (HR sees it listed as one)
    return opened


@transaction.atomic
def wave_close(*, wave: Wave) -> bool:
    """Close an open wave for good: its links die, the waiting ballots are counted, and the
    fixed publication plan of the disclosure-control layer runs (a closed wave never reopens;
    a database trigger refuses that, whoever tries)."""
    today = timezone.localdate()
    # Closed early, a wave's window ends today, so its results and KPIs are dated when they were.
    closes_on = min(wave.closes_on, today) if today >= wave.opens_on else wave.closes_on
    if not Wave.objects.filter(pk=wave.pk, status=Wave.Status.OPEN).update(status=Wave.Status.CLOSED, closes_on=closes_on):
        return False
    wave.status, wave.closes_on = Wave.Status.CLOSED, closes_on
    InvitationToken.objects.filter(invitation__wave=wave).delete()
    wave_count(wave=wave, final=True)
    transaction.on_commit(lambda pk=wave.pk: wave_closed.send(sender=Wave, wave_id=pk))
    return True


def waves_close_due() -> int:
    closed = 0
    for wave in Wave.objects.filter(status=Wave.Status.OPEN, closes_on__lt=timezone.localdate()):
        closed += wave_close(wave=wave)
    return closed


# --- answering -------------------------------------------------------------------------


class AlreadyAnswered(Exception):
    pass


class WaveNotOpen(Exception):
    pass


# One statement claims the invitation, deletes its links and writes the sealed ballot: the three
# happen together or not at all, in a single round trip. The UPDATE takes the invitation's row
# lock, so a concurrent second submit waits, then finds ``used_on`` set and matches no row
# (filtered on the invitation's own columns only: a join would make PostgreSQL re-check the
# locked row against an old snapshot of the joined table, and both submits would win).
_SUBMIT_SQL = """
    WITH claimed AS (
        UPDATE surveys_invitation SET used_on = %s WHERE id = %s AND used_on IS NULL RETURNING id
    ), links AS (
        DELETE FROM surveys_invitationtoken WHERE invitation_id IN (SELECT id FROM claimed)
    ), sheet AS (
        INSERT INTO surveys_ballot (id, wave_id, sealed) SELECT %s, %s, %s FROM claimed RETURNING 1
    )
    SELECT count(*) FROM sheet
"""


def response_submit(*, invitation: Invitation, employee: Employee, answers: list[dict]) -> None:
    """Put one anonymous answer sheet into the ballot box and mark its invitation used, once.

    ``answers`` are dicts with question_id, value, choices, text, provider_id. The sheet is
    sealed (see ``surveys.ballots``); ``wave_count`` later moves it, in a shuffled batch of at
    least the threshold, into the results. The invitation's links die with it. A single SQL
    statement is atomic by itself, so this service needs no transaction (or savepoint) of its own.
    """
    today = timezone.localdate()
    wave = invitation.wave
    if wave.status != Wave.Status.OPEN or not wave.opens_on <= today <= wave.closes_on:
        raise WaveNotOpen
    sheet = ballot(wave_id=invitation.wave_id, employee=employee, segment_ids=invitation.segment_ids, day=today, answers=answers)
    with connection.cursor() as cursor:
        cursor.execute(_SUBMIT_SQL, [today, invitation.pk, sheet.id, sheet.wave_id, sheet.sealed])
        (written,) = cursor.fetchone()
    if not written:
        raise AlreadyAnswered


def ballot(*, wave_id: int, employee: Employee, segment_ids: list[int], day: date, answers: list[dict]) -> Ballot:
    """A sealed answer sheet with the reporting snapshot of its respondent (unsaved)."""
    payload = {
        "department": employee.department_id,
        "location": employee.location_id,
        "segments": list(segment_ids),
        "tenure": tenure_band(employee.hire_date, day),
        "answers": [{"question_id": None, "value": None, "choices": [], "text": "", "provider_id": None, **answer} for answer in answers],
    }
    return Ballot(wave_id=wave_id, sealed=ballots.seal(payload, wave_id=wave_id))


def _publishable_units(wave: Wave) -> dict[str, set]:
    """The reporting units with at least the threshold of invitees: only these are kept in a
    response's snapshot, so a snapshot never names a unit too small to be reported."""
    invited = wave.invitations.values_list("employee__department_id", "employee__location_id", "employee__hire_date", "segment_ids")
    departments, locations, bands, segments = Counter(), Counter(), Counter(), Counter()
    today = timezone.localdate()
    for department_id, location_id, hire_date, segment_ids in invited.iterator(chunk_size=10000):
        departments[department_id] += 1
        locations[location_id] += 1
        bands[tenure_band(hire_date, today)] += 1
        segments.update(set(segment_ids))
    keep = {}
    for name, counter in (("department", departments), ("location", locations), ("tenure", bands), ("segments", segments)):
        keep[name] = {key for key, n in counter.items() if unit_reportable(n)}
    return keep


@transaction.atomic
def wave_count(*, wave: Wave, final: bool = False) -> bool:
    """Move waiting ballots into the results as one shuffled batch, then roll the wave up.

    While the wave is open a batch moves only when at least the threshold of ballots waits
    (never, with ``SURVEYS_RESULTS_AT_CLOSE_ONLY``), so published figures move in such steps.
    At close the rest is counted, unless fewer than the threshold arrived after a published
    step: those would stand out as the difference of two steps, so they are not counted (the
    wave says how many). Responses get random keys, no time, and are written in random order.
    Returns whether a batch moved.
    """
    wave.refresh_from_db()
    Wave.objects.select_for_update().filter(pk=wave.pk).values_list("pk").get()
    waiting = list(Ballot.objects.filter(wave=wave).select_for_update())
    at_close_only = getattr(settings, "SURVEYS_RESULTS_AT_CLOSE_ONLY", False)
    moved = False
    if waiting and (final or (not at_close_only and batch_ready(len(waiting)))):
        if final and wave.results_batch and not batch_ready(len(waiting)):
            Wave.objects.filter(pk=wave.pk).update(uncounted=F("uncounted") + len(waiting))
        else:
            _move_batch(wave, waiting)
            moved = True
        Ballot.objects.filter(pk__in=[b.pk for b in waiting]).delete()
    if moved or final:
        wave_rollup(wave=wave)
    wave.refresh_from_db()
    return moved


def _move_batch(wave: Wave, waiting: list[Ballot]) -> None:
    keep = _publishable_units(wave)
    batch = wave.results_batch + 1
    random.SystemRandom().shuffle(waiting)
    responses, answers = [], []
    for ballot in waiting:
        sheet = ballots.unseal(ballot.sealed, wave_id=wave.pk)
        response_id = uuid.uuid4()
        responses.append(
            (
                response_id,
                wave.pk,
                batch,
                sheet["department"] if sheet["department"] in keep["department"] else None,
                sheet["location"] if sheet["location"] in keep["location"] else None,
                [s for s in sheet["segments"] if s in keep["segments"]],
                sheet["tenure"] if sheet["tenure"] in keep["tenure"] else "",
            )
        )
        answers.extend(_answer_row(response_id, answer) for answer in sheet["answers"])
    random.SystemRandom().shuffle(answers)
    # COPY rather than bulk_create: building and binding a model instance per answer cost most of
    # the time of closing a large wave (about 50 s for 26,000 ballots). Same rows, same order.
    _copy("surveys_response", ("id", "wave_id", "batch", "department_id", "location_id", "segment_ids", "tenure_band"), responses)
    _copy("surveys_answer", ("id", "response_id", "question_id", "provider_id", "value", "choices", "text"), answers)
    with connection.cursor() as cursor:
        # Fresh statistics (sampled, bounded), or the rollup's join may get a nested-loop plan
        # over tables the planner believes empty, which took minutes on the demo.
        cursor.execute("ANALYZE surveys_response, surveys_answer")
    Wave.objects.filter(pk=wave.pk).update(results_batch=batch)
    wave.results_batch = batch


def _answer_row(response_id: uuid.UUID, answer: dict) -> tuple:
    """An answer of a sheet as a row of surveys_answer, with the integer conversion the model
    fields apply (a random key, like every answer)."""

    def integer(value):
        return None if value is None else int(value)

    return (
        uuid.uuid4(),
        response_id,
        int(answer["question_id"]),
        integer(answer.get("provider_id")),
        integer(answer.get("value")),
        [int(choice) for choice in answer.get("choices") or []],
        answer.get("text") or "",
    )


def _copy(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


# --- rollups ---------------------------------------------------------------------------

# The answers of one wave, found through the index on answers' response: ``= ANY(ARRAY(...))``
# hands the wave's response ids to one bitmap index scan, so a rollup reads its own wave's answers
# and its cost follows the wave, not the history (a join on the wave alone gets a plan that scans
# every answer ever given). The array is computed once (an InitPlan), so it is never re-run per
# answer row, whatever statistics the planner has right after a batch was written.
_OF_WAVE = "r.wave_id = %s AND a.response_id = ANY(ARRAY(SELECT id FROM surveys_response WHERE wave_id = %s))"

# Answer counts per group x question x provider x value for every dimension, reading the wave's
# answers once. One row per numeric value (multiple choice answers exploded); value -1 marks a
# respondent of a multiple-choice question so its n counts people, not ticks. The whole wave,
# departments, locations and tenure bands are grouping sets (which one a row belongs to is
# told by GROUPING(): 1 for a column not grouped by); segments are unnested from the snapshot.
_ROLLUP_SQL = f"""
    WITH v AS MATERIALIZED (
        SELECT r.department_id, r.location_id, r.tenure_band, r.segment_ids, a.question_id, a.provider_id, x.value
        FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id
        CROSS JOIN LATERAL (
            SELECT a.value WHERE a.value IS NOT NULL
            UNION ALL SELECT unnest(a.choices)
            UNION ALL SELECT -1 WHERE cardinality(a.choices) > 0
        ) x(value)
        WHERE {_OF_WAVE} AND (a.value IS NOT NULL OR cardinality(a.choices) > 0)
    )
    SELECT CASE GROUPING(department_id, location_id, tenure_band)
               WHEN 7 THEN '{Dimension.ALL.value}' WHEN 3 THEN '{Dimension.DEPARTMENT.value}'
               WHEN 5 THEN '{Dimension.LOCATION.value}' ELSE '{Dimension.TENURE.value}' END,
           coalesce(department_id::text, location_id::text, tenure_band, ''), question_id, provider_id, value, count(*)
    FROM v
    GROUP BY GROUPING SETS (
        (question_id, provider_id, value),
        (department_id, question_id, provider_id, value),
        (location_id, question_id, provider_id, value),
        (tenure_band, question_id, provider_id, value)
    )
    UNION ALL
    SELECT '{Dimension.SEGMENT.value}', g.key::text, question_id, provider_id, value, count(*)
    FROM v CROSS JOIN LATERAL unnest(v.segment_ids) AS g(key)
    GROUP BY 2, 3, 4, 5
"""  # noqa: S608 - only fixed fragments are interpolated


def _rollup_rows(wave_id: int) -> list[tuple]:
    """(dimension, group key, question id, provider id, value, count) for every dimension."""
    with connection.cursor() as cursor:
        cursor.execute(_ROLLUP_SQL, [wave_id, wave_id])
        return cursor.fetchall()


def department_tree() -> dict[int, list[int]]:
    """Each department id with the ids of itself and every department below it."""
    children = defaultdict(list)
    for pk, parent_id in Department.objects.values_list("pk", "parent_id"):
        children[parent_id].append(pk)
    tree = {}
    for pk in [pk for ids in children.values() for pk in ids]:
        below, stack = [], [pk]
        while stack:
            current = stack.pop()
            below.append(current)
            stack.extend(children.get(current, ()))
        tree[pk] = sorted(below)
    return tree


_BASIS_PROFILES_SQL = """
    SELECT department_id, location_id, tenure_band, segment_ids, batch, count(*)
    FROM surveys_response WHERE wave_id = %s GROUP BY 1, 2, 3, 4, 5
"""
# Respondents per profile who answered a question (per provider for internal ratings), and per
# provider who rated it at all. Free texts are not figures: comments have their own rule. Each
# respondent counts once per answer set: grouped by the response's key (its snapshot depends on
# it) on small keys, not by count(DISTINCT), which sorted every answer of the wave on disk.
_BASIS_ANSWERS_SQL = f"""
    WITH answered AS (
        SELECT r.id, r.department_id, r.location_id, r.tenure_band, r.segment_ids, r.batch, a.question_id, a.provider_id
        FROM surveys_response r JOIN surveys_answer a ON a.response_id = r.id
        WHERE {_OF_WAVE} AND (a.value IS NOT NULL OR cardinality(a.choices) > 0)
        GROUP BY r.id, a.question_id, a.provider_id
    )
    SELECT department_id, location_id, tenure_band, segment_ids, batch, question_id, provider_id, count(*)
    FROM answered GROUP BY 1, 2, 3, 4, 5, 6, 7
    UNION ALL
    SELECT department_id, location_id, tenure_band, segment_ids, batch, NULL, provider_id, count(*)
    FROM (SELECT DISTINCT id, department_id, location_id, tenure_band, segment_ids, batch, provider_id FROM answered
          WHERE provider_id IS NOT NULL) AS rated
    GROUP BY 1, 2, 3, 4, 5, 7
"""  # noqa: S608 - only fixed fragments are interpolated


def answer_set(question_id: int | None = None, provider_id: int | None = None) -> str:
    """The name of an answer set in the disclosure basis: "*" every respondent, "q12" those who
    answered question 12, "p3" those who rated provider 3, "p3q12" both."""
    provider = f"p{provider_id}" if provider_id else ""
    question = f"q{question_id}" if question_id else ""
    return (provider + question) or "*"


def _basis(wave: Wave) -> DisclosureBasis:
    """Build what the audit needs from the counted responses: two grouped queries."""
    index, rows = {}, []

    def profile(department_id, location_id, band, segment_ids, batch) -> int:
        key = (department_id, location_id, band or "", tuple(sorted(set(segment_ids or []))), batch)
        if key not in index:
            index[key] = len(rows)
            rows.append([department_id, location_id, band or "", list(key[3]), batch])
        return index[key]

    counts: dict[str, Counter] = defaultdict(Counter)
    with connection.cursor() as cursor:
        cursor.execute(_BASIS_PROFILES_SQL, [wave.pk])
        for *attributes, n in cursor.fetchall():
            counts["*"][profile(*attributes)] += n
        cursor.execute(_BASIS_ANSWERS_SQL, [wave.pk, wave.pk])
        for *attributes, question_id, provider_id, n in cursor.fetchall():
            counts[answer_set(question_id, provider_id)][profile(*attributes)] += n
    weights = {name: [counter.get(i, 0) for i in range(len(rows))] for name, counter in counts.items()}
    basis, _created = DisclosureBasis.objects.update_or_create(
        wave=wave, defaults={"batch": wave.results_batch, "profiles": rows, "weights": weights, "tree": department_tree()}
    )
    return basis


def _favourable(kind: str, value: int) -> bool:
    if kind == QuestionKind.AGREEMENT:
        return value >= 4
    if kind == QuestionKind.SCALE10:
        return value >= 9
    if kind == QuestionKind.YES_NO:
        return value == 1
    return False


@transaction.atomic
def wave_rollup(*, wave: Wave) -> bool:
    """Rebuild a wave's rollups and disclosure basis from its counted responses, then let the
    disclosure-control layer decide what is published. Returns whether the whole-wave figures
    are published. Nothing here decides what may be shown: ``surveys.figures`` does.
    """
    from surveys import figures

    # The row lock serialises two rollups of one wave; the caller's instance is refreshed at the end.
    wave.refresh_from_db()
    Wave.objects.select_for_update().filter(pk=wave.pk).values_list("pk").get()
    kinds = dict(WaveQuestion.objects.filter(wave=wave).values_list("question_id", "question__kind"))
    basis = _basis(wave)

    counts: Counter = Counter()
    for (department_id, location_id, band, segment_ids, _batch), n in zip(basis.profiles, basis.weights.get("*", []), strict=False):
        counts[(Dimension.ALL.value, "")] += n
        counts[(Dimension.DEPARTMENT.value, str(department_id or ""))] += n
        counts[(Dimension.LOCATION.value, str(location_id or ""))] += n
        counts[(Dimension.TENURE.value, band or "")] += n
        for segment_id in segment_ids:
            counts[(Dimension.SEGMENT.value, str(segment_id))] += n

    GroupRollup.objects.filter(wave=wave).delete()
    QuestionRollup.objects.filter(wave=wave).delete()
    ParticipationRollup.objects.filter(wave=wave).delete()
    WaveComment.objects.filter(wave=wave).delete()
    GroupRollup.objects.bulk_create(
        GroupRollup(wave=wave, dimension=group[0], group_key=group[1], responses=n) for group, n in counts.items() if n
    )

    rollups: dict = {}
    for dimension, key, question_id, provider_id, value, count in _rollup_rows(wave.pk):
        row = rollups.setdefault(
            (dimension, key, question_id, provider_id),
            QuestionRollup(wave=wave, dimension=dimension, group_key=key, question_id=question_id, provider_id=provider_id, n=0),
        )
        kind = kinds.get(question_id)
        if value == -1:
            row.n += count
            continue
        row.distribution[str(value)] = row.distribution.get(str(value), 0) + count
        if kind == QuestionKind.MULTIPLE:
            continue
        row.n += count
        row.total += value * count
        if _favourable(kind, value):
            row.favourable += count
        if kind == QuestionKind.SCALE10:
            row.promoters += count if value >= 9 else 0
            row.detractors += count if value <= 6 else 0
    QuestionRollup.objects.bulk_create(rollups.values(), batch_size=INSERT_BATCH_SIZE)

    invited = Counter(wave.invitations.values_list("employee__department_id", flat=True).iterator(chunk_size=10000))
    ParticipationRollup.objects.bulk_create(
        ParticipationRollup(
            wave=wave,
            department_id=department_id,
            invited=n,
            answered=counts.get((Dimension.DEPARTMENT.value, str(department_id or "")), 0),
        )
        for department_id, n in invited.items()
    )
    _comments_rollup(wave)
    published = figures.publish(wave=wave)
    if published is not None:  # otherwise the last published state stays what is shown
        Wave.objects.filter(pk=wave.pk).update(
            published_responses=published, published_invited=wave.invited_count, published_answered=published, published_on=timezone.now()
        )
    wave.refresh_from_db()
    return published is not None


_COMMENTS_SQL = f"""
    SELECT a.question_id, a.text FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id
    WHERE {_OF_WAVE} AND a.text > ''
"""  # noqa: S608 - only fixed fragments are interpolated


def _comments_rollup(wave: Wave) -> None:
    """Copy the free texts of the whole wave in random order (random sort keys, inserted
    shuffled). Per-group comment lists are deliberately not kept: the difference between two
    lists would show which comments came from a small group. ``surveys.figures`` decides
    whether they are shown."""
    shuffle = random.SystemRandom()
    with connection.cursor() as cursor:
        cursor.execute(_COMMENTS_SQL, [wave.pk, wave.pk])
        texts = cursor.fetchall()
    shuffle.shuffle(texts)
    WaveComment.objects.bulk_create(
        (WaveComment(wave=wave, question_id=question_id, sort_key=shuffle.random(), text=text) for question_id, text in texts),
        batch_size=INSERT_BATCH_SIZE,
    )


def waves_rollup() -> int:
    """The periodic job: count waiting ballots of open waves in steps. Returns batches moved."""
    return sum(wave_count(wave=wave) for wave in Wave.objects.filter(status=Wave.Status.OPEN))


# --- recurring pulses ------------------------------------------------------------------


def _next_date(day: date, frequency: str) -> date:
    if frequency == PulseSchedule.Frequency.WEEKLY:
        return day + timedelta(days=7)
    if frequency == PulseSchedule.Frequency.BIWEEKLY:
        return day + timedelta(days=14)
    months = 1 if frequency == PulseSchedule.Frequency.MONTHLY else 3
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))


def rotation_items(items: list, offset: int, size: int) -> list:
    """``size`` items starting at ``offset``, wrapping around, in template order."""
    if not items or size <= 0 or size >= len(items):
        return list(items)
    picked = {(offset + i) % len(items) for i in range(size)}
    return [item for i, item in enumerate(items) if i in picked]


@transaction.atomic
def schedule_run(*, schedule: PulseSchedule) -> Wave | None:
    """Create and open the due wave of a recurring pulse; the claim makes it run once."""
    today = timezone.localdate()
    if not schedule.active or schedule.next_open_on > today:
        return None
    due = schedule.next_open_on
    claimed = PulseSchedule.objects.filter(pk=schedule.pk, next_open_on=due, rotation_offset=schedule.rotation_offset).update(
        next_open_on=_next_date(due, schedule.frequency), rotation_offset=F("rotation_offset") + schedule.items_per_wave
    )
    if not claimed:
        return None
    items = rotation_items(_template_questions(schedule.template), schedule.rotation_offset, schedule.items_per_wave)
    try:
        with transaction.atomic():
            return _schedule_wave(schedule, due, today, items)
    except ValidationError:
        return None  # e.g. an audience below the threshold: this period is skipped


def _schedule_wave(schedule: PulseSchedule, due: date, today: date, items: list) -> Wave:
    return wave_create(
        template=schedule.template,
        title=f"{schedule.template.name} · {due:%Y-%m-%d}",
        opens_on=today,
        closes_on=today + timedelta(days=max(schedule.window_days - 1, 0)),
        whole_company=schedule.whole_company,
        segments=list(schedule.segments.all()),
        items=items,
        schedule=schedule,
    )


def schedules_run() -> int:
    created = 0
    for schedule in PulseSchedule.objects.filter(active=True, next_open_on__lte=timezone.localdate()).select_related("template"):
        created += schedule_run(schedule=schedule) is not None
    return created


# --- post-training pulses ---------------------------------------------------------------

POST_TRAINING_NAME = "Post-training pulse"
POST_TRAINING_CODES = ("knowhow-transfer", "eng-growth", "ideas-open")
FOLLOW_UP_AFTER_DAYS = (7, 14)  # a seminar's pulse is due this many days after it (inclusive)
FOLLOW_UP_OPEN_DAYS = 5


def post_training_template() -> SurveyTemplate:
    """The "Post-training pulse" template, created from the question bank on first use.

    Templates have a single-language name, so this one is English like the other seeded ones;
    HR may rename or extend it, a renamed one is simply created again next time.
    """
    found = SurveyTemplate.objects.filter(name=POST_TRAINING_NAME, kind=SurveyTemplate.Kind.PULSE).order_by("pk").first()
    if found is not None:
        return found
    with transaction.atomic():
        # Two beats starting at once must not seed two templates of the same name.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [POST_TRAINING_NAME])
        found = SurveyTemplate.objects.filter(name=POST_TRAINING_NAME, kind=SurveyTemplate.Kind.PULSE).order_by("pk").first()
        if found is not None:
            return found
        template = template_create(
            name=POST_TRAINING_NAME, description="Sent automatically to a seminar's participants a week after the seminar."
        )
        questions = {q.code: q for q in Question.objects.filter(code__in=POST_TRAINING_CODES)}
        for code in POST_TRAINING_CODES:
            template_item_add(template=template, question=questions[code], required=questions[code].kind != QuestionKind.TEXT)
        return template


def follow_up_title(seminar: Activity) -> str:
    # Stored once for a mixed audience, so both languages rather than the job's language.
    prefix = "After the seminar / Nach dem Seminar: "
    return prefix + seminar.title[: Wave._meta.get_field("title").max_length - len(prefix)]


def seminars_due_for_follow_up(today: date):
    latest, earliest = (today - timedelta(days=days) for days in FOLLOW_UP_AFTER_DAYS)
    return (
        Activity.objects.filter(is_seminar=True, participants__isnull=False, due_date__range=(earliest, latest))
        .exclude(status=Activity.Status.CANCELLED)
        .filter(follow_up_waves__isnull=True)
        .select_related("phase__program", "participants")
        .order_by("due_date", "pk")
    )


@transaction.atomic
def seminar_follow_up(*, seminar: Activity, template: SurveyTemplate, today: date) -> Wave | None:
    """Create and open the post-training pulse of one seminar for its participant segment.

    The wave's insert claims the seminar (one wave per seminar, a unique constraint): a second
    beat waits for the first and then finds the claim taken. If the segment is smaller than the
    reporting threshold the wave is kept as a draft that is not opened: it records that the
    seminar was handled, so it is not tried again day after day.
    """
    try:
        with transaction.atomic():
            wave = wave_create(
                template=template,
                title=follow_up_title(seminar),
                opens_on=today,
                closes_on=today + timedelta(days=FOLLOW_UP_OPEN_DAYS - 1),
                whole_company=False,
                segments=[seminar.participants],
                phase=seminar.phase,
                seminar=seminar,
                open_due=False,
            )
    except IntegrityError:
        return None  # claimed by another run
    try:
        wave_open(wave=wave)
    except ValidationError:
        # Too small an audience: wave_open rolled its own work back and the draft remains.
        wave.refresh_from_db()
    return wave


def seminar_follow_ups(*, today: date | None = None) -> int:
    """Send the post-training pulse of every seminar held 7 to 14 days ago that has none yet.
    Returns the number of waves opened."""
    today = today or timezone.localdate()
    seminars = list(seminars_due_for_follow_up(today))
    if not seminars:
        return 0
    template = post_training_template()
    opened = 0
    for seminar in seminars:
        wave = seminar_follow_up(seminar=seminar, template=template, today=today)
        opened += wave is not None and wave.status == Wave.Status.OPEN
    return opened


# --- ideas and customer feedback ------------------------------------------------------


@transaction.atomic
def idea_submit(*, user, title: str, body: str, department=None, anonymous: bool) -> Idea:
    return Idea.objects.create(
        title=title, body=body, department=department, author=None if anonymous else user, submitted_on=timezone.localdate()
    )


@transaction.atomic
def idea_triage(*, idea: Idea, status: str, public_answer: str, finding=None) -> Idea:
    if status not in Idea.Status.values:
        raise ValidationError(_("Unknown status."))
    if finding is not None:
        idea.findings.add(finding)
    idea.status = status
    idea.public_answer = public_answer
    idea.answered_on = timezone.localdate() if public_answer else None
    idea.save(update_fields=["status", "public_answer", "answered_on"])
    return idea


@transaction.atomic
def feedback_link_create(*, department=None, location=None) -> FeedbackLink:
    if department is None and location is None:
        raise ValidationError(_("Choose a department or a location."))
    return FeedbackLink.objects.create(slug=secrets.token_urlsafe(12), department=department, location=location)


@transaction.atomic
def feedback_submit(*, link: FeedbackLink, satisfaction: int, nps: int, comment: str = "") -> CustomerFeedback:
    return CustomerFeedback.objects.create(link=link, given_on=timezone.localdate(), satisfaction=satisfaction, nps=nps, comment=comment)
