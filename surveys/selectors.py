"""Reads for surveys. Results come only from rollups, with every anonymity rule applied here,
so each page, chart and export shows exactly the same protected numbers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people.models import Department, Location, Segment, TenureBand
from surveys.models import (
    AGREEMENT_LABELS,
    CustomerFeedback,
    Dimension,
    FeedbackLink,
    GroupRollup,
    Idea,
    Invitation,
    ParticipationRollup,
    Question,
    QuestionCategory,
    QuestionKind,
    QuestionOption,
    QuestionRollup,
    SurveyTemplate,
    Wave,
    WaveComment,
    WaveQuestion,
)
from surveys.services import PARTITIONS, comment_threshold, reporting_threshold

SUPPRESSION_REASONS = {
    "small": gettext_lazy("fewer than %(n)s responses"),
    "overlap": gettext_lazy("hidden so that it cannot be derived from an overlapping group"),
    "secondary": gettext_lazy("hidden so that a smaller hidden group cannot be derived from the total"),
    "pending": gettext_lazy("results appear once at least %(n)s people have answered"),
}


def reason_text(reason: str, threshold: int) -> str:
    text = SUPPRESSION_REASONS.get(reason, SUPPRESSION_REASONS["small"])
    return str(text) % {"n": threshold} if "%(n)s" in str(text) else str(text)


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


def feedback_summary():
    """Satisfaction and NPS per public link; groups below the threshold are hidden."""
    threshold = reporting_threshold()
    rows = []
    links = FeedbackLink.objects.select_related("department", "location").annotate(
        n=Count("feedback"),
        satisfied=Count("feedback", filter=Q(feedback__satisfaction__gte=4)),
        promoters=Count("feedback", filter=Q(feedback__nps__gte=9)),
        detractors=Count("feedback", filter=Q(feedback__nps__lte=6)),
    )
    for link in links:
        visible = link.n >= threshold
        rows.append(
            {
                "link": link,
                "n": link.n if visible else None,
                "satisfaction": round(100 * link.satisfied / link.n) if visible else None,
                "nps": round(100 * (link.promoters - link.detractors) / link.n) if visible else None,
                "reason": "" if visible else reason_text("small", threshold),
            }
        )
    return rows


def feedback_count_since(*, link: FeedbackLink, since) -> int:
    return CustomerFeedback.objects.filter(link=link, given_on__gte=since).count()


# --- results ---------------------------------------------------------------------------


@dataclass
class Cell:
    n: int | None = None
    mean: float | None = None
    favourability: float | None = None
    enps: float | None = None
    distribution: list = field(default_factory=list)
    reason: str = ""
    reason_label: str = ""

    @property
    def hidden(self) -> bool:
        return bool(self.reason)


@dataclass
class Group:
    dimension: str
    key: str
    label: str
    responses: int | None
    reason: str = ""
    reason_label: str = ""


@dataclass
class QuestionResult:
    item: WaveQuestion
    total: Cell
    cells: list[Cell] = field(default_factory=list)  # one per breakdown group

    @property
    def question(self) -> Question:
        return self.item.question


@dataclass
class WaveResults:
    wave: Wave
    threshold: int
    dimension: str
    questions: list[QuestionResult]
    groups: list[Group]
    engagement: Cell
    enps: Cell
    group_engagement: list[Cell]
    participation_total: dict
    participation: list[dict]
    comments: list[tuple[Question, list[str]]]

    @property
    def heatmap_questions(self) -> list[QuestionResult]:
        return [q for q in self.questions if q.question.kind in (QuestionKind.AGREEMENT, QuestionKind.SCALE10, QuestionKind.YES_NO)]

    @property
    def heatmap_rows(self) -> list[dict]:
        columns = self.heatmap_questions
        return [
            {
                "group": group,
                "engagement": self.group_engagement[i],
                "engagement_style": heat_style(self.group_engagement[i]),
                "cells": [(q.cells[i], heat_style(q.cells[i])) for q in columns],
            }
            for i, group in enumerate(self.groups)
        ]

    @property
    def dimensions(self) -> list[tuple[str, str]]:
        return [(value, label) for value, label in Dimension.choices if value != Dimension.ALL]

    @property
    def comment_threshold(self) -> int:
        return comment_threshold()


def heat_style(cell: Cell) -> str:
    """Red (0 % favourable) through yellow to green (100 %)."""
    if cell.hidden or cell.favourability is None:
        return ""
    return f"background-color: hsl({round(cell.favourability * 1.2)}, 70%, 84%)"


def _labels(dimension: str, keys) -> dict[str, str]:
    if dimension == Dimension.DEPARTMENT:
        names = {str(d.pk): d.name for d in Department.objects.filter(pk__in=[k for k in keys if k])}
    elif dimension == Dimension.LOCATION:
        names = {str(loc.pk): loc.name for loc in Location.objects.filter(pk__in=[k for k in keys if k])}
    elif dimension == Dimension.SEGMENT:
        names = {str(s.pk): s.name for s in Segment.objects.filter(pk__in=[k for k in keys if k])}
    elif dimension == Dimension.TENURE:
        names = {str(value): str(label) for value, label in TenureBand.choices}
    else:
        names = {"": _("All respondents")}
    return {key: names.get(key) or _("not recorded") for key in keys}


def _cell(rollup: QuestionRollup | None, question: Question, threshold: int, reason: str = "") -> Cell:
    n = rollup.n if rollup else 0
    if not reason and n < threshold:
        reason = "small"
    if reason:
        return Cell(reason=reason, reason_label=reason_text(reason, threshold))
    cell = Cell(n=n)
    if question.kind == QuestionKind.MULTIPLE:
        cell.distribution = _distribution(rollup, question, n)
        return cell
    if question.kind != QuestionKind.TEXT:
        cell.mean = round(rollup.total / n, 2)
        cell.distribution = _distribution(rollup, question, n)
    if question.kind in (QuestionKind.AGREEMENT, QuestionKind.SCALE10, QuestionKind.YES_NO):
        cell.favourability = round(100 * rollup.favourable / n)
    if question.kind == QuestionKind.SCALE10:
        cell.enps = round(100 * (rollup.promoters - rollup.detractors) / n)
    return cell


def _distribution(rollup: QuestionRollup, question: Question, n: int) -> list[tuple[str, int, int]]:
    if question.kind == QuestionKind.AGREEMENT:
        labels = {v: str(label) for v, label in AGREEMENT_LABELS.items()}
    elif question.kind == QuestionKind.SCALE10:
        labels = {v: str(v) for v in range(11)}
    elif question.kind == QuestionKind.YES_NO:
        labels = {1: _("Yes"), 0: _("No")}
    else:
        labels = {option.value: option.text for option in question.options.all()}
    return [(label, rollup.distribution.get(str(v), 0), round(100 * rollup.distribution.get(str(v), 0) / n)) for v, label in labels.items()]


def _pooled(rollups: list[QuestionRollup | None], threshold: int, enps: bool = False) -> Cell:
    rows = [r for r in rollups if r is not None and r.n >= threshold]
    n = sum(r.n for r in rows)
    if not rows:
        return Cell(reason="small", reason_label=reason_text("small", threshold))
    if enps:
        return Cell(n=n, enps=round(100 * sum(r.promoters - r.detractors for r in rows) / n))
    return Cell(n=n, favourability=round(100 * sum(r.favourable for r in rows) / n))


def _hide_cells(groups: list[Group], cells: list[Cell], rollups: list, dimension: str, by_key: dict, threshold: int) -> None:
    """Per-question protection on top of the group decision: overlap and secondary suppression."""
    for group, cell, rollup in zip(groups, cells, rollups, strict=True):
        if cell.hidden or rollup is None:
            continue
        for container in by_key.get((group.dimension, group.key), ()):
            if 0 < container - rollup.n < threshold:
                cell.reason, cell.reason_label = "overlap", reason_text("overlap", threshold)
                break
    if dimension in PARTITIONS:
        hidden = [c for c in cells if c.hidden]
        visible = sorted((c for c in cells if not c.hidden), key=lambda c: c.n)
        if len(hidden) == 1 and visible:
            visible[0].__init__(reason="secondary", reason_label=reason_text("secondary", threshold))


def wave_results(*, wave: Wave, dimension: str = Dimension.DEPARTMENT) -> WaveResults:
    """Everything the results page, heatmap and exports show, in a fixed number of queries."""
    threshold = reporting_threshold()
    if dimension not in Dimension.values or dimension == Dimension.ALL:
        dimension = Dimension.DEPARTMENT
    items = wave_questions(wave=wave)
    group_rows = list(GroupRollup.objects.filter(wave=wave))
    rollups = {(r.dimension, r.group_key, r.question_id): r for r in QuestionRollup.objects.filter(wave=wave, provider__isnull=True)}
    all_row = next((g for g in group_rows if g.dimension == Dimension.ALL), None)
    pending = wave.published_responses < threshold

    breakdown = sorted((g for g in group_rows if g.dimension == dimension), key=lambda g: g.group_key)
    labels = _labels(dimension, [g.group_key for g in breakdown])
    groups = [
        Group(
            dimension=dimension,
            key=g.group_key,
            label=labels[g.group_key],
            responses=None if g.suppressed_reason else g.responses,
            reason=g.suppressed_reason,
            reason_label=reason_text(g.suppressed_reason, threshold) if g.suppressed_reason else "",
        )
        for g in breakdown
    ]
    groups.sort(key=lambda g: g.label.lower())
    containers = {(g.dimension, g.group_key): [tuple(w.split(":", 1)) for w in g.within] for g in group_rows}

    questions = []
    for item in items:
        question = item.question
        total_rollup = rollups.get((Dimension.ALL, "", question.pk))
        total = _cell(total_rollup, question, threshold, "pending" if pending else "")
        row_rollups = [rollups.get((dimension, g.key, question.pk)) for g in groups]
        cells = [
            _cell(r, question, threshold, g.reason or ("pending" if pending else "")) for g, r in zip(groups, row_rollups, strict=True)
        ]
        container_ns = {
            (g.dimension, g.key): [
                rollups[(d, k, question.pk)].n for d, k in containers.get((g.dimension, g.key), []) if (d, k, question.pk) in rollups
            ]
            for g in groups
        }
        _hide_cells(groups, cells, row_rollups, dimension, container_ns, threshold)
        questions.append(QuestionResult(item=item, total=total, cells=cells))

    engagement_ids = [
        i.question_id for i in items if i.question.category == QuestionCategory.ENGAGEMENT and i.question.kind == QuestionKind.AGREEMENT
    ]
    enps_ids = [i.question_id for i in items if i.question.category == QuestionCategory.ENPS and i.question.kind == QuestionKind.SCALE10]
    hidden_all = Cell(reason="pending", reason_label=reason_text("pending", threshold))
    engagement = hidden_all if pending else _pooled([rollups.get((Dimension.ALL, "", q)) for q in engagement_ids], threshold)
    enps = hidden_all if pending else _pooled([rollups.get((Dimension.ALL, "", q)) for q in enps_ids], threshold, enps=True)
    group_engagement = []
    for g in groups:
        if g.reason or pending:
            group_engagement.append(Cell(reason=g.reason or "pending", reason_label=g.reason_label or hidden_all.reason_label))
        else:
            group_engagement.append(_pooled([rollups.get((dimension, g.key, q)) for q in engagement_ids], threshold))

    participation_total, participation = participation_for(wave=wave, threshold=threshold)
    comments = wave_comments(wave=wave, items=items, pending=pending or (all_row is None))
    return WaveResults(
        wave=wave,
        threshold=threshold,
        dimension=dimension,
        questions=questions,
        groups=groups,
        engagement=engagement,
        enps=enps,
        group_engagement=group_engagement,
        participation_total=participation_total,
        participation=participation,
        comments=comments,
    )


def participation_for(*, wave: Wave, threshold: int) -> tuple[dict, list[dict]]:
    """Invited, answered and rate as of the last publication; small departments hidden."""
    invited, answered = wave.published_invited, wave.published_answered
    total = {
        "invited": wave.invited_count,
        "answered": answered if invited else None,
        "rate": round(100 * answered / invited) if invited else None,
        "as_of": wave.published_on,
    }
    rows = list(ParticipationRollup.objects.filter(wave=wave).select_related("department"))
    out = []
    for row in rows:
        small = row.invited < threshold or row.answered < threshold
        out.append(
            {
                "department": row.department.name if row.department else _("not recorded"),
                "invited": row.invited if row.invited >= threshold else None,
                "answered": None if small else row.answered,
                "rate": None if small else round(100 * row.answered / row.invited),
                "reason": "small" if small else "",
            }
        )
    hidden = [r for r in out if r["reason"]]
    visible = sorted((r for r in out if not r["reason"]), key=lambda r: r["answered"])
    if len(hidden) == 1 and visible:
        visible[0].update(answered=None, rate=None, reason="secondary")
    for r in out:
        r["reason_label"] = reason_text(r["reason"], threshold) if r["reason"] else ""
    out.sort(key=lambda r: str(r["department"]).lower())
    return total, out


def wave_comments(*, wave: Wave, items: list[WaveQuestion], pending: bool) -> list[tuple[Question, list[str]]]:
    """Shuffled comments of the whole wave, per question, only where at least the comment
    threshold of people wrote one."""
    if pending:
        return []
    texts = defaultdict(list)
    for question_id, text in WaveComment.objects.filter(wave=wave, dimension=Dimension.ALL).values_list("question_id", "text"):
        texts[question_id].append(text)
    minimum = comment_threshold()
    return [(i.question, texts[i.question_id]) for i in items if len(texts.get(i.question_id, ())) >= minimum]


def results_table(*, wave: Wave) -> list[list]:
    """The aggregated results of every breakdown as rows for CSV / XLSX, suppression applied."""
    header = [_("Breakdown"), _("Group"), _("Question"), _("Responses"), _("Mean"), _("Favourable %"), _("eNPS"), _("Note")]
    rows = [header]
    for dimension in (Dimension.DEPARTMENT, Dimension.LOCATION, Dimension.SEGMENT, Dimension.TENURE):
        results = wave_results(wave=wave, dimension=dimension)
        if dimension == Dimension.DEPARTMENT:
            for q in results.questions:
                rows.append(_export_row(str(Dimension.ALL.label), _("All respondents"), q.question, q.total))
        for q in results.questions:
            for group, cell in zip(results.groups, q.cells, strict=True):
                rows.append(_export_row(str(Dimension(dimension).label), group.label, q.question, cell))
    return rows


def _export_row(dimension_label: str, group_label: str, question: Question, cell: Cell) -> list:
    if cell.hidden:
        return [dimension_label, group_label, question.text, "", "", "", "", _("suppressed: %(reason)s") % {"reason": cell.reason_label}]
    return [dimension_label, group_label, question.text, cell.n, cell.mean, cell.favourability, cell.enps, ""]


# --- trends ----------------------------------------------------------------------------


def template_trend(*, template: SurveyTemplate) -> dict:
    """Favourability per question across the published waves of one template."""
    threshold = reporting_threshold()
    waves = list(template.waves.filter(published_responses__gte=threshold).order_by("opens_on")[:26])
    rows = QuestionRollup.objects.filter(wave__in=waves, dimension=Dimension.ALL, provider__isnull=True).select_related("question")
    by_question: dict = {}
    for r in rows:
        entry = by_question.setdefault(r.question_id, {"question": r.question, "values": {}})
        entry["values"][r.wave_id] = round(100 * r.favourable / r.n) if r.n >= threshold else None
    series = []
    for entry in by_question.values():
        if entry["question"].kind in (QuestionKind.AGREEMENT, QuestionKind.SCALE10, QuestionKind.YES_NO):
            series.append({"question": entry["question"], "values": [entry["values"].get(w.pk) for w in waves]})
    participation = [round(100 * w.published_answered / w.published_invited) if w.published_invited else None for w in waves]
    providers = []
    if template.kind == SurveyTemplate.Kind.INTERNAL_CUSTOMER:
        by_provider: dict = {}
        overall = QuestionRollup.objects.filter(
            wave__in=waves, dimension=Dimension.ALL, provider__isnull=False, question__code="service-satisfaction"
        ).select_related("provider")
        for r in overall:
            entry = by_provider.setdefault(r.provider_id, {"provider": r.provider, "values": {}})
            entry["values"][r.wave_id] = round(100 * r.favourable / r.n) if r.n >= threshold else None
        providers = [
            {"provider": e["provider"], "values": [e["values"].get(w.pk) for w in waves]}
            for e in sorted(by_provider.values(), key=lambda e: e["provider"].name.lower())
        ]
    return {"waves": waves, "series": series, "participation": participation, "providers": providers}


# --- internal customer surveys ---------------------------------------------------------


@dataclass
class ProviderScore:
    department: Department
    n: int | None
    inps: int | None
    items: list[tuple[Question, Cell]]
    reason_label: str = ""


def internal_customer_results(*, wave: Wave) -> dict:
    """Provider x customer-department matrix, internal NPS and a scorecard per provider."""
    threshold = reporting_threshold()
    items = list(wave_questions(wave=wave))
    rollups = list(QuestionRollup.objects.filter(wave=wave, provider__isnull=False, dimension__in=[Dimension.ALL, Dimension.DEPARTMENT]))
    departments = {d.pk: d for d in Department.objects.all()}
    overall = next((i.question for i in items if i.question.code == "service-satisfaction"), None)
    inps_q = next((i.question for i in items if i.question.kind == QuestionKind.SCALE10), None)

    by = {(r.provider_id, r.dimension, r.group_key, r.question_id): r for r in rollups}
    providers = sorted({r.provider_id for r in rollups}, key=lambda pk: departments[pk].name.lower())
    customers = sorted(
        {r.group_key for r in rollups if r.dimension == Dimension.DEPARTMENT and r.group_key},
        key=lambda key: departments[int(key)].name.lower(),
    )
    matrix = []
    for provider_id in providers:
        cells = [
            _cell(by.get((provider_id, Dimension.DEPARTMENT, key, overall.pk)) if overall else None, overall, threshold)
            if overall
            else Cell(reason="small", reason_label=reason_text("small", threshold))
            for key in customers
        ]
        hidden = [c for c in cells if c.hidden]
        visible = sorted((c for c in cells if not c.hidden), key=lambda c: c.n)
        if len(hidden) == 1 and visible:
            visible[0].__init__(reason="secondary", reason_label=reason_text("secondary", threshold))
        matrix.append((departments[provider_id], cells))
    scorecards = []
    for provider_id in providers:
        item_cells = [
            (i.question, _cell(by.get((provider_id, Dimension.ALL, "", i.question_id)), i.question, threshold))
            for i in items
            if i.question.kind != QuestionKind.TEXT
        ]
        inps_cell = _cell(by.get((provider_id, Dimension.ALL, "", inps_q.pk)), inps_q, threshold) if inps_q else Cell(reason="small")
        ns = [c.n for _q, c in item_cells if c.n]
        scorecards.append(
            ProviderScore(
                department=departments[provider_id],
                n=max(ns) if ns else None,
                inps=inps_cell.enps,
                items=item_cells,
                reason_label="" if ns else reason_text("small", threshold),
            )
        )
    return {
        "customers": [departments[int(k)] for k in customers],
        "matrix": matrix,
        "scorecards": scorecards,
        "threshold": threshold,
        "overall_question": overall,
    }


def wave_is_answerable(*, wave: Wave) -> bool:
    today = timezone.localdate()
    return wave.status == Wave.Status.OPEN and wave.opens_on <= today <= wave.closes_on


# --- figures for other apps (KPIs, dashboards) -----------------------------------------


@dataclass
class WaveScores:
    """Headline figures of one wave as published, None where protection hides them."""

    wave: Wave
    engagement: int | None
    enps: int | None
    participation: int | None


def wave_scores(*, waves) -> list[WaveScores]:
    """Engagement index (share favourable), eNPS and participation rate per wave, from rollups
    of the whole wave only (two queries for any number of waves)."""
    threshold = reporting_threshold()
    waves = list(waves)
    rows = QuestionRollup.objects.filter(wave__in=waves, dimension=Dimension.ALL, provider__isnull=True).select_related("question")
    by_wave = defaultdict(list)
    for row in rows:
        by_wave[row.wave_id].append(row)
    scores = []
    for wave in waves:
        published = wave.published_responses >= threshold
        engagement = [
            r for r in by_wave[wave.pk] if r.question.category == QuestionCategory.ENGAGEMENT and r.question.kind == QuestionKind.AGREEMENT
        ]
        enps = [r for r in by_wave[wave.pk] if r.question.category == QuestionCategory.ENPS]
        eng_cell = _pooled(engagement, threshold) if published else Cell(reason="pending")
        enps_cell = _pooled(enps, threshold, enps=True) if published else Cell(reason="pending")
        rate = round(100 * wave.published_answered / wave.published_invited) if published and wave.published_invited else None
        scores.append(WaveScores(wave=wave, engagement=eng_cell.favourability, enps=enps_cell.enps, participation=rate))
    return scores


def customer_feedback_figures(*, start, end, department=None, location=None) -> dict:
    """External customer satisfaction (share 4-5) and NPS for a period; hidden below the threshold."""
    feedback = CustomerFeedback.objects.filter(given_on__gte=start, given_on__lte=end)
    if department is not None:
        feedback = feedback.filter(link__department=department)
    if location is not None:
        feedback = feedback.filter(link__location=location)
    figures = feedback.aggregate(
        n=Count("id"),
        satisfied=Count("id", filter=Q(satisfaction__gte=4)),
        promoters=Count("id", filter=Q(nps__gte=9)),
        detractors=Count("id", filter=Q(nps__lte=6)),
    )
    n = figures["n"]
    if n < reporting_threshold():
        return {"n": None, "satisfaction": None, "nps": None}
    return {
        "n": n,
        "satisfaction": round(100 * figures["satisfied"] / n),
        "nps": round(100 * (figures["promoters"] - figures["detractors"]) / n),
    }
