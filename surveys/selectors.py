"""Reads for surveys that publish no figure. Every survey figure (results, breakdowns, trends,
participation, comments, scores for KPIs and dashboards) is read through ``surveys.figures``."""

from __future__ import annotations

import time

from django.db import connection
from django.db.models import Count, Prefetch
from django.utils import timezone

from people.models import Department
from surveys.models import (
    CustomerFeedback,
    FeedbackLink,
    Idea,
    Invitation,
    Question,
    QuestionOption,
    SurveyTemplate,
    Wave,
    WaveQuestion,
)

# --- employee side ---------------------------------------------------------------------


def open_invitations_for_user(*, user):
    today = timezone.localdate()
    return (
        Invitation.objects.filter(
            employee__user=user, used_on__isnull=True, wave__status=Wave.Status.OPEN, wave__opens_on__lte=today, wave__closes_on__gte=today
        )
        .select_related("wave")
        .order_by("wave__closes_on")
    )


def open_waves_for_user(*, user) -> list[Wave]:
    """The open waves a signed-in employee has not answered yet (one query)."""
    if not user.is_authenticated:
        return []
    return [invitation.wave for invitation in open_invitations_for_user(user=user)]


def invitation_for_token(*, token_hash: str) -> Invitation | None:
    return Invitation.objects.filter(tokens__token_hash=token_hash).select_related("wave", "wave__template", "employee").first()


def wave_questions(*, wave: Wave) -> list[WaveQuestion]:
    return list(
        WaveQuestion.objects.filter(wave=wave)
        .select_related("question")
        .prefetch_related(Prefetch("question__options", queryset=QuestionOption.objects.order_by("value")))
        .order_by("position")
    )


# A wave's questions are written once, when it is created, and every answer page and every
# submission reads them: each worker process keeps them for a minute rather than asking
# PostgreSQL twice per response. Keyed by database, wave and its creation time.
ANSWER_ITEMS_SECONDS = 60
_answer_items: dict[tuple, tuple[float, list[WaveQuestion]]] = {}


def answer_items(*, wave: Wave) -> list[WaveQuestion]:
    """``wave_questions`` for the answer form, kept per process (read-only use)."""
    key = (connection.settings_dict["NAME"], wave.pk, wave.created)
    now = time.monotonic()
    kept = _answer_items.get(key)
    if kept is not None and now - kept[0] < ANSWER_ITEMS_SECONDS:
        return kept[1]
    items = wave_questions(wave=wave)
    if len(_answer_items) > 200:
        _answer_items.clear()
    _answer_items[key] = (now, items)
    return items


def provider_departments() -> list[Department]:
    return list(Department.objects.order_by("name_en"))


# --- HR lists --------------------------------------------------------------------------


def bank_questions():
    return Question.objects.filter(in_bank=True).prefetch_related("options").order_by("category", "id")


def templates_overview():
    return SurveyTemplate.objects.annotate(item_count=Count("items", distinct=True), wave_count=Count("waves", distinct=True))


def waves_overview():
    return Wave.objects.select_related("template").order_by("-opens_on", "-id")


def template_detail(*, template: SurveyTemplate):
    return list(template.sections.prefetch_related(Prefetch("items", queryset=TemplateItemQS())).order_by("position"))


def TemplateItemQS():
    from surveys.models import TemplateItem

    return TemplateItem.objects.select_related("question").order_by("position", "id")


def ideas_board(*, status: str = ""):
    ideas = Idea.objects.select_related("department", "author").prefetch_related("findings__program")
    return ideas.filter(status=status) if status else ideas


def findings_for_evidence():
    from programs.models import Finding

    return list(Finding.objects.select_related("program").order_by("program__name", "pk")[:200])


def feedback_count_since(*, link: FeedbackLink, since) -> int:
    return CustomerFeedback.objects.filter(link=link, given_on__gte=since).count()


def wave_is_answerable(*, wave: Wave) -> bool:
    today = timezone.localdate()
    return wave.status == Wave.Status.OPEN and wave.opens_on <= today <= wave.closes_on
