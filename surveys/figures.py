"""Published figures: the one read API for every survey figure a person can see.

Result pages, breakdowns, heatmaps, exports, trends, the internal-service matrix, comments,
participation, and every KPI, dashboard, report or API built on surveys read through here.
Nothing else compares a count with the threshold: this module asks ``surveys.anonymity``.

How it works: each group a surface offers is a ``Unit``. Before a unit's figures are shown the
``Ledger`` of the wave is asked; a unit decided before keeps its decision (published or refused,
with the answer sets hidden inside it); a new one is audited, per answer set, together with
everything already published for that wave, and the decision is written to the ledger in the
same transaction (the wave row is locked, so two readers cannot publish two halves of a
difference). The department tree, the total, locations and tenure bands are decided at close in
a fixed order (``publish``), so what is shown does not depend on who looked first; segments are
decided when first asked for.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np
from django.db import transaction
from django.db.models import Count, Q, TextField
from django.db.models.functions import Cast, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from people.models import Department, Location, Segment, TenureBand
from surveys.anonymity import (
    COMPLEX,
    DIFFERENCING,
    SMALL,
    Profiles,
    Unit,
    audit,
    comments_shown,
    group_sizes,
    members,
    unit_reportable,
)
from surveys.models import (
    AGREEMENT_LABELS,
    Answer,
    CustomerFeedback,
    Dimension,
    DisclosureBasis,
    FeedbackLink,
    GroupRollup,
    ParticipationRollup,
    PublishedGroup,
    Question,
    QuestionCategory,
    QuestionKind,
    QuestionRollup,
    SurveyTemplate,
    Wave,
    WaveComment,
    WaveQuestion,
)
from surveys.selectors import wave_questions

PENDING = "pending"  # nothing counted and published yet
AT_CLOSE = "at_close"  # breakdowns are decided when the wave closes

REASONS = {
    SMALL: gettext_lazy("fewer than %(n)s responses"),
    DIFFERENCING: gettext_lazy("with the figures already shown it would reveal the answers of fewer than %(n)s people"),
    COMPLEX: gettext_lazy("the check could not prove that it reveals no one"),
    PENDING: gettext_lazy("results appear once at least %(n)s people have answered"),
    AT_CLOSE: gettext_lazy("breakdowns appear when the wave closes"),
}
SCORED = (QuestionKind.AGREEMENT, QuestionKind.SCALE10, QuestionKind.YES_NO)


def reason_text(reason: str, threshold: int | None = None) -> str:
    return _reason_text(reason, threshold or group_sizes().reporting, get_language())


@functools.lru_cache(maxsize=256)
def _reason_text(reason: str, threshold: int, language: str | None) -> str:
    """Translated once per reason, threshold and language: a page with many hidden cells asks
    for the same few texts hundreds of times."""
    text = str(REASONS.get(reason, REASONS[SMALL]))
    return text % {"n": threshold} if "%(n)s" in text else text


# --- the ledger ------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    published: bool
    reason: str = ""
    without: tuple[int, ...] = ()
    hidden: frozenset[str] = frozenset()

    def shows(self, answer_set: str) -> bool:
        return self.published and answer_set not in self.hidden


REFUSED_SMALL = Decision(published=False, reason=SMALL)


def base_set(scope: str) -> str:
    """The answer set of 'being in the group': every respondent, or those who rated a provider."""
    return scope or "*"


def question_set(scope: str, question_id: int) -> str:
    return f"{scope}q{question_id}"


def department_id(key: str) -> int:
    """Department group keys are ids as text; "" (not recorded) is -1, as in the audit."""
    return int(key) if key else -1


def department_key(department_id: int) -> str:
    return "" if department_id == -1 else str(department_id)


class Ledger:
    """The published groups of one wave: read once, extended by audits in a locked transaction."""

    def __init__(self, wave: Wave):
        self.wave = wave
        self.rows: dict[tuple, PublishedGroup] = {}
        self._unsaved: list[PublishedGroup] = []
        self._load(PublishedGroup.objects.filter(wave=wave))

    def _load(self, rows) -> None:
        for row in rows:
            self.rows[(row.scope, row.dimension, row.group_key, row.upto_batch)] = row

    def get(self, scope: str, unit: Unit) -> Decision | None:
        row = self.rows.get((scope, unit.dimension, unit.key, unit.upto_batch))
        if row is None:
            return None
        return Decision(published=row.published, reason=row.reason, without=tuple(row.without), hidden=frozenset(row.hidden))

    def decide(self, scope: str, units: list[Unit], question_ids: list[int]) -> list[Decision]:
        """Decisions for ``units`` in order; units not decided yet are audited in that order."""
        if any(self.get(scope, unit) is None for unit in units):
            with transaction.atomic():
                Wave.objects.select_for_update().filter(pk=self.wave.pk).values_list("pk").get()
                self._load(PublishedGroup.objects.filter(wave=self.wave))  # another reader may have decided
                missing = [unit for unit in units if self.get(scope, unit) is None]
                if missing:
                    self._audit(scope, missing, question_ids)
                    # One insert for all decisions, still inside the lock (a round trip per group grew with the groups).
                    PublishedGroup.objects.bulk_create(self._unsaved)
                    self._unsaved = []
        return [self.get(scope, unit) for unit in units]

    def _audit(self, scope: str, units: list[Unit], question_ids: list[int]) -> None:
        basis = DisclosureBasis.objects.filter(wave=self.wave).first()
        if basis is None or not basis.profiles:
            for unit in units:
                self._write(scope, unit, REFUSED_SMALL)
            return
        tree = {int(k): set(v) for k, v in basis.tree.items()}
        profiles = Profiles.from_rows([tuple(p) for p in basis.profiles], basis.weights)
        zeros = np.zeros(len(profiles), dtype=np.int64)
        cache: dict[Unit, np.ndarray] = {}

        def row_of(unit: Unit) -> np.ndarray:
            if unit not in cache:
                cache[unit] = members(unit, profiles, tree)
            return cache[unit]

        def published_rows(keys: tuple) -> np.ndarray:
            rows = [row_of(Unit(r.dimension, r.group_key, r.upto_batch, tuple(r.without))) for r in map(self.rows.get, keys)]
            return np.vstack(rows) if rows else np.zeros((0, len(profiles)), dtype=bool)

        # An audit depends on nothing but the published rows, the candidate and the weights, so
        # answer sets with the same respondents per profile (questions everyone answered) and the
        # same published groups share one verdict instead of repeating it per question.
        verdicts: dict[tuple, object] = {}
        weight_ids: dict[str, int] = {}
        distinct_weights: dict[bytes, int] = {}

        def verdict(candidate: Unit, answer_set: str):
            weights = profiles.weights.get(answer_set, zeros)
            if answer_set not in weight_ids:
                weight_ids[answer_set] = distinct_weights.setdefault(weights.tobytes(), len(distinct_weights))
            published = tuple(key for key, r in self.rows.items() if key[0] == scope and r.published and answer_set not in r.hidden)
            key = (candidate, weight_ids[answer_set], published)
            if key not in verdicts:
                verdicts[key] = audit(published=published_rows(published), candidate=row_of(candidate), weights=weights)
            return verdicts[key]

        base = base_set(scope)
        for unit in units:
            candidate = unit
            result = verdict(candidate, base)
            if not result.ok and result.reason != SMALL and unit.dimension in (Dimension.ALL, Dimension.UNIT):
                # Take hidden answers out of the parent rather than hide it (it then says so).
                below = tree.get(int(unit.key), set()) if unit.dimension == Dimension.UNIT else None
                hidden = sorted(
                    department_id(key)
                    for (s, dimension, key, upto), r in self.rows.items()
                    if s == scope
                    and dimension == Dimension.DEPARTMENT
                    and upto == unit.upto_batch
                    and not r.published
                    and (below is None or department_id(key) in below)
                )
                if hidden:
                    candidate = Unit(unit.dimension, unit.key, unit.upto_batch, tuple(hidden))
                    result = verdict(candidate, base)
            if not result.ok:
                self._write(scope, unit, Decision(published=False, reason=result.reason))
                continue
            hidden_sets = set()
            # The group is in the ledger for its count before its questions are audited.
            self._write(scope, unit, Decision(published=True, without=candidate.without))
            for question_id in question_ids:
                answer_set = question_set(scope, question_id)
                if not verdict(candidate, answer_set).ok:
                    hidden_sets.add(answer_set)
            if hidden_sets:
                self.rows[(scope, unit.dimension, unit.key, unit.upto_batch)].hidden = sorted(hidden_sets)

    def _write(self, scope: str, unit: Unit, decision: Decision) -> None:
        """Record a decision; ``decide`` inserts the decisions of one audit together."""
        row = PublishedGroup(
            wave=self.wave,
            scope=scope,
            dimension=unit.dimension,
            group_key=unit.key,
            upto_batch=unit.upto_batch,
            without=list(decision.without),
            published=decision.published,
            reason=decision.reason,
            hidden=sorted(decision.hidden),
        )
        self._unsaved.append(row)
        self.rows[(scope, unit.dimension, unit.key, unit.upto_batch)] = row


def _scored_question_ids(wave: Wave) -> list[int]:
    return list(
        WaveQuestion.objects.filter(wave=wave)
        .exclude(question__kind=QuestionKind.TEXT)
        .order_by("position")
        .values_list("question_id", flat=True)
    )


def publish(*, wave: Wave) -> int | None:
    """Run the fixed publication plan after a rollup. Returns the number of respondents the
    published whole-wave figures rest on at the current state, None if they are not published.

    Open wave: only the whole wave, one state per counted batch. Closed wave: departments
    (largest first), the whole wave, departments with their sub-departments, locations, tenure
    bands, then for internal-service ratings each provider's customers and overall score.
    """
    if not wave.results_batch or wave.status == Wave.Status.DRAFT:
        return None
    ledger = Ledger(wave)
    question_ids = _scored_question_ids(wave)
    upto = wave.results_batch
    everyone = Unit(Dimension.ALL, "", upto)
    sizes = _sizes(wave)

    def size(decision: Decision) -> int | None:
        if not decision.published:
            return None
        return sizes.get((Dimension.ALL, ""), 0) - sum(sizes.get((Dimension.DEPARTMENT, department_key(d)), 0) for d in decision.without)

    if wave.status == Wave.Status.OPEN:
        (decision,) = ledger.decide("", [everyone], question_ids)
        return size(decision)
    plan = [Unit(Dimension.DEPARTMENT, key, upto) for key in _by_size(sizes, Dimension.DEPARTMENT)]
    plan.append(everyone)
    plan += [Unit(Dimension.UNIT, key, upto) for key in _parents(wave, sizes)]
    plan += [Unit(Dimension.LOCATION, key, upto) for key in _by_size(sizes, Dimension.LOCATION)]
    plan += [Unit(Dimension.TENURE, key, upto) for key in _by_size(sizes, Dimension.TENURE)]
    decisions = ledger.decide("", plan, question_ids)
    for provider_id in _providers(wave):
        scope = f"p{provider_id}"
        customers = [Unit(Dimension.DEPARTMENT, key, upto) for key in _by_size(sizes, Dimension.DEPARTMENT)]
        ledger.decide(scope, [*customers, everyone], question_ids)
    return size(decisions[plan.index(everyone)])


def _sizes(wave: Wave) -> dict[tuple[str, str], int]:
    return {(g.dimension, g.group_key): g.responses for g in GroupRollup.objects.filter(wave=wave)}


def _by_size(sizes: dict, dimension: str) -> list[str]:
    keys = [key for (d, key) in sizes if d == dimension]
    return sorted(keys, key=lambda key: (-sizes[(dimension, key)], key))


def _tree(wave: Wave) -> dict[int, list[int]]:
    """The department tree the wave's rollup was audited with (each id: itself and all below)."""
    basis = DisclosureBasis.objects.filter(wave=wave).only("tree").first()
    return {int(k): v for k, v in (basis.tree if basis else {}).items()}


def _parents(wave: Wave, sizes: dict, tree: dict[int, list[int]] | None = None) -> list[str]:
    """Departments with sub-departments that have respondents, largest unit first."""
    tree = _tree(wave) if tree is None else tree
    units = []
    for pk, below in tree.items():
        n = sum(sizes.get((Dimension.DEPARTMENT, str(d)), 0) for d in below)
        if len(below) > 1 and n > sizes.get((Dimension.DEPARTMENT, str(pk)), 0):
            units.append((n, str(pk)))
    return [key for _n, key in sorted(units, key=lambda item: (-item[0], item[1]))]


def _providers(wave: Wave) -> list[int]:
    if not wave.is_internal_customer:
        return []
    return sorted(set(QuestionRollup.objects.filter(wave=wave, provider__isnull=False).values_list("provider_id", flat=True)))


# --- cells -----------------------------------------------------------------------------


@dataclass
class Cell:
    n: int | None = None
    mean: float | None = None
    favourability: int | None = None
    enps: int | None = None
    distribution: list = field(default_factory=list)
    reason: str = ""
    reason_label: str = ""

    @property
    def hidden(self) -> bool:
        return bool(self.reason)


def hidden_cell(reason: str) -> Cell:
    return Cell(reason=reason, reason_label=reason_text(reason))


@dataclass
class Sums:
    """Raw sums of one group x question, composed from rollups (never shown as such).

    The counts per answer value are added up only when asked for: most cells show none."""

    n: int = 0
    total: int = 0
    favourable: int = 0
    promoters: int = 0
    detractors: int = 0
    parts: list = field(default_factory=list, repr=False)  # (counts per value, sign) of each row added

    def add(self, row, sign: int = 1) -> None:
        self.n += sign * row.n
        self.total += sign * row.total
        self.favourable += sign * row.favourable
        self.promoters += sign * row.promoters
        self.detractors += sign * row.detractors
        self.parts.append((row.distribution, sign))

    @property
    def distribution(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for counts, sign in self.parts:
            # A Sheet keeps each rollup's counts as JSON text, decoded here on first use.
            for value, count in (json.loads(counts) if isinstance(counts, str) else counts).items():
                out[value] = out.get(value, 0) + sign * count
        return out


def _cell(sums: Sums | None, question: Question, distribution: bool = True) -> Cell:
    """Figures of a published group and question, rounded so that they do not re-create sums:
    means to one decimal, shares in whole percent. ``distribution=False`` leaves out the share
    per answer option where a surface shows none (heatmaps, breakdowns, exports)."""
    n = sums.n if sums else 0
    if not n:
        return hidden_cell(SMALL)
    cell = Cell(n=n)
    if question.kind == QuestionKind.MULTIPLE:
        if distribution:
            cell.distribution = _distribution(sums, question, n)
        return cell
    if question.kind != QuestionKind.TEXT:
        cell.mean = round(sums.total / n, 1)
        if distribution:
            cell.distribution = _distribution(sums, question, n)
    if question.kind in SCORED:
        cell.favourability = round(100 * sums.favourable / n)
    if question.kind == QuestionKind.SCALE10:
        cell.enps = round(100 * (sums.promoters - sums.detractors) / n)
    return cell


def _distribution(sums: Sums, question: Question, n: int) -> list[tuple[str, int]]:
    if question.kind in (QuestionKind.AGREEMENT, QuestionKind.SCALE10, QuestionKind.YES_NO):
        labels = _scale_labels(question.kind, get_language())
    else:
        labels = {option.value: option.text for option in question.options.all()}
    return [(label, round(100 * sums.distribution.get(str(v), 0) / n)) for v, label in labels.items()]


@functools.lru_cache(maxsize=32)
def _scale_labels(kind: str, language: str | None) -> dict[int, str]:
    """The answer labels of a fixed scale, translated once per language."""
    if kind == QuestionKind.AGREEMENT:
        return {v: str(label) for v, label in AGREEMENT_LABELS.items()}
    if kind == QuestionKind.SCALE10:
        return {v: str(v) for v in range(11)}
    return {1: _("Yes"), 0: _("No")}


def _pooled(parts: list[Sums], enps: bool = False) -> Cell:
    """An index over several published cells of one group (only cells that are shown)."""
    n = sum(p.n for p in parts)
    if not parts or not n:
        return hidden_cell(SMALL)
    if enps:
        return Cell(n=n, enps=round(100 * sum(p.promoters - p.detractors for p in parts) / n))
    return Cell(n=n, favourability=round(100 * sum(p.favourable for p in parts) / n))


class _SheetRow(NamedTuple):
    n: int
    total: int
    favourable: int
    promoters: int
    detractors: int
    distribution: str  # JSON text


class Sheet:
    """The raw rollups of one wave and scope, able to compose a group with or without parts.

    ``dimension`` reads only that breakdown's rollups besides the whole wave and departments
    (which every group may be composed from); ``tree`` hands over a department tree already read.
    """

    def __init__(
        self, wave: Wave, provider_id: int | None = None, *, dimension: str | None = None, tree: dict[int, list[int]] | None = None
    ):
        rows = (
            QuestionRollup.objects.filter(wave=wave, provider_id=provider_id)
            if provider_id
            else QuestionRollup.objects.filter(wave=wave, provider__isnull=True)
        )
        if dimension is not None:
            rows = rows.filter(dimension__in={Dimension.ALL, Dimension.DEPARTMENT, dimension})
        # Plain rows, the counts per value as JSON text: most cells never decode them.
        rows = rows.annotate(counts=Cast("distribution", TextField()))
        fields = ("dimension", "group_key", "question_id", "n", "total", "favourable", "promoters", "detractors", "counts")
        self.rows = {(d, key, question_id): _SheetRow(*values) for d, key, question_id, *values in rows.values_list(*fields)}
        self.wave = wave
        if tree is not None:
            self.__dict__["tree"] = tree  # fills the cached property below

    @cached_property
    def tree(self) -> dict[int, list[int]]:
        return _tree(self.wave)

    def sums(self, unit: Unit, question_id: int, without: tuple[int, ...] = ()) -> Sums:
        sums = Sums()
        if unit.dimension == Dimension.UNIT:
            for department_id in self.tree.get(int(unit.key), [int(unit.key)]):
                if department_id not in without and (
                    row := self.rows.get((Dimension.DEPARTMENT, department_key(department_id), question_id))
                ):
                    sums.add(row)
            return sums
        if (row := self.rows.get((unit.dimension, unit.key, question_id))) is not None:
            sums.add(row)
        for department_id in without:  # only the whole wave is shown "without" departments
            if (row := self.rows.get((Dimension.DEPARTMENT, department_key(department_id), question_id))) is not None:
                sums.add(row, -1)
        return sums


# --- wave results ----------------------------------------------------------------------


@dataclass
class Group:
    dimension: str
    key: str
    label: str
    responses: int | None
    reason: str = ""
    reason_label: str = ""
    note: str = ""  # e.g. "without 1 hidden department"
    without: tuple[int, ...] = ()  # department ids left out (-1: not recorded)


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
    total: Group
    groups: list[Group]
    engagement: Cell
    enps: Cell
    group_engagement: list[Cell]
    participation_total: dict
    participation: list[dict]
    comments: list[tuple[Question, list[str]]]
    breakdown_reason: str = ""

    @property
    def heatmap_questions(self) -> list[QuestionResult]:
        return [q for q in self.questions if q.question.kind in SCORED]

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
    def comment_size(self) -> int:
        return group_sizes().comments


def heat_style(cell: Cell) -> str:
    """Red (0 % favourable) through yellow to green (100 %)."""
    if cell.hidden or cell.favourability is None:
        return ""
    return f"background-color: hsl({round(cell.favourability * 1.2)}, 70%, 84%)"


def labels(dimension: str, keys) -> dict[str, str]:
    keys = list(keys)
    if dimension in (Dimension.DEPARTMENT, Dimension.UNIT):
        names = {str(d.pk): d.name for d in Department.objects.filter(pk__in=[k for k in keys if k])}
        if dimension == Dimension.UNIT:
            names = {k: _("%(name)s incl. sub-departments") % {"name": v} for k, v in names.items()}
    elif dimension == Dimension.LOCATION:
        names = {str(loc.pk): loc.name for loc in Location.objects.filter(pk__in=[k for k in keys if k])}
    elif dimension == Dimension.SEGMENT:
        names = {str(s.pk): s.name for s in Segment.objects.filter(pk__in=[k for k in keys if k])}
    elif dimension == Dimension.TENURE:
        names = {str(value): str(label) for value, label in TenureBand.choices}
    else:
        names = {"": _("All respondents")}
    return {key: names.get(key) or _("not recorded") for key in keys}


def _without_note(decision: Decision | None) -> str:
    if decision is None or not decision.without:
        return ""
    n = len(decision.without)
    return ngettext(
        "without %(n)s hidden department, so that its answers cannot be derived",
        "without %(n)s hidden departments, so that their answers cannot be derived",
        n,
    ) % {"n": n}


def _breakdown_keys(wave: Wave, dimension: str, sizes: dict, tree: dict[int, list[int]] | None = None) -> list[str]:
    if dimension == Dimension.UNIT:
        return _parents(wave, sizes, tree)
    keys = [key for (d, key) in sizes if d == dimension]
    if dimension == Dimension.SEGMENT:
        return sorted(keys, key=lambda key: int(key) if key.isdigit() else 0)  # decided in a fixed order
    return _by_size(sizes, dimension)


@dataclass
class _WaveReads:
    """What every breakdown of one wave reads: read once when the export builds them all."""

    items: list[WaveQuestion]
    ledger: Ledger
    sizes: dict
    sheet: Sheet
    comment_counts: dict[int, list[str]] | None = None


def wave_results(*, wave: Wave, dimension: str = Dimension.DEPARTMENT, _reads: _WaveReads | None = None) -> WaveResults:
    """Everything the results page, heatmap and exports show, in a bounded number of queries.
    With ``_reads`` (the export) the wave's reads are shared and participation is left out."""
    threshold = group_sizes().reporting  # printed on the page, never compared here
    if dimension not in Dimension.values or dimension == Dimension.ALL:
        dimension = Dimension.DEPARTMENT
    upto = wave.results_batch
    if _reads is None:
        items = wave_questions(wave=wave)
        ledger = Ledger(wave)
        sizes = _sizes(wave) if upto else {}
        tree = _tree(wave) if dimension == Dimension.UNIT else None
        sheet = Sheet(wave, dimension=dimension, tree=tree)
    else:
        items, ledger, sizes, sheet = _reads.items, _reads.ledger, _reads.sizes, _reads.sheet
        tree = sheet.tree if dimension == Dimension.UNIT else None
    question_ids = [i.question_id for i in items if i.question.kind != QuestionKind.TEXT]
    everyone = Unit(Dimension.ALL, "", upto)
    total_decision = ledger.get("", everyone) if upto else None

    breakdown_reason = ""
    if total_decision is None or not total_decision.published:
        breakdown_reason = PENDING if total_decision is None else total_decision.reason
    elif wave.status != Wave.Status.CLOSED:
        breakdown_reason = AT_CLOSE
    groups, decisions = [], []
    if not breakdown_reason:
        keys = _breakdown_keys(wave, dimension, sizes, tree)
        decisions = ledger.decide("", [Unit(dimension, key, upto) for key in keys], question_ids)
        names = labels(dimension, keys)
        for key, decision in zip(keys, decisions, strict=True):
            unit = Unit(dimension, key, upto)
            shown = decision.published
            groups.append(
                Group(
                    dimension=dimension,
                    key=key,
                    label=names[key],
                    responses=_responses(sizes, unit, decision, sheet) if shown else None,
                    reason="" if shown else decision.reason,
                    reason_label="" if shown else reason_text(decision.reason, threshold),
                    note=_without_note(decision),
                    without=decision.without,
                )
            )
        order = sorted(range(len(groups)), key=lambda i: groups[i].label.lower())
        groups, decisions = [groups[i] for i in order], [decisions[i] for i in order]

    total_shown = total_decision is not None and total_decision.published
    total_group = Group(
        dimension=Dimension.ALL,
        key="",
        label=_("All respondents"),
        responses=_responses(sizes, everyone, total_decision, sheet) if total_shown else None,
        reason="" if total_shown else (total_decision.reason if total_decision else PENDING),
        note=_without_note(total_decision),
        without=total_decision.without if total_decision else (),
    )
    total_group.reason_label = reason_text(total_group.reason, threshold) if total_group.reason else ""
    if _reads is None:
        comment_counts = _comment_texts(wave) if total_shown else {}
    else:
        if _reads.comment_counts is None:
            _reads.comment_counts = _comment_texts(wave) if total_shown else {}
        comment_counts = _reads.comment_counts

    questions = []
    for item in items:
        question = item.question
        answer_set = question_set("", question.pk)
        if question.kind == QuestionKind.TEXT:
            texts = comment_counts.get(question.pk, [])
            total = Cell(n=len(texts)) if comments_shown(len(texts)) else hidden_cell(total_group.reason or SMALL)
        elif total_shown and total_decision.shows(answer_set):
            total = _cell(sheet.sums(everyone, question.pk, total_decision.without), question)
        else:
            total = hidden_cell(total_group.reason or DIFFERENCING)
        cells = []
        for group, decision in zip(groups, decisions, strict=True):
            if not decision.published:
                cells.append(hidden_cell(decision.reason))
            elif question.kind == QuestionKind.TEXT or not decision.shows(answer_set):
                cells.append(hidden_cell(DIFFERENCING if question.kind != QuestionKind.TEXT else SMALL))
            else:
                sums = sheet.sums(Unit(dimension, group.key, upto), question.pk, decision.without)
                cells.append(_cell(sums, question, distribution=False))  # breakdowns show no distribution
        questions.append(QuestionResult(item=item, total=total, cells=cells))

    engagement_ids = [
        i.question_id for i in items if i.question.category == QuestionCategory.ENGAGEMENT and i.question.kind == QuestionKind.AGREEMENT
    ]
    enps_ids = [i.question_id for i in items if i.question.category == QuestionCategory.ENPS and i.question.kind == QuestionKind.SCALE10]

    def pooled(unit: Unit, decision: Decision | None, ids: list[int], enps: bool = False) -> Cell:
        if decision is None or not decision.published:
            return hidden_cell(decision.reason if decision else PENDING)
        parts = [sheet.sums(unit, q, decision.without) for q in ids if decision.shows(question_set("", q))]
        return _pooled(parts, enps=enps)

    engagement = pooled(everyone, total_decision, engagement_ids)
    enps = pooled(everyone, total_decision, enps_ids, enps=True)
    group_engagement = [pooled(Unit(dimension, g.key, upto), d, engagement_ids) for g, d in zip(groups, decisions, strict=True)]
    if _reads is None:
        total_participation, participation = participation_for(wave=wave, ledger=ledger)
    else:
        total_participation, participation = participation_total(wave=wave), []
    comments = wave_comments(wave=wave, items=items, texts=comment_counts)
    return WaveResults(
        wave=wave,
        threshold=threshold,
        dimension=dimension,
        questions=questions,
        total=total_group,
        groups=groups,
        engagement=engagement,
        enps=enps,
        group_engagement=group_engagement,
        participation_total=total_participation,
        participation=participation,
        comments=comments,
        breakdown_reason=reason_text(breakdown_reason, threshold) if breakdown_reason else "",
    )


def _responses(sizes: dict, unit: Unit, decision: Decision, sheet: Sheet) -> int:
    def size(dimension, key):
        return sizes.get((dimension, key), 0)

    if unit.dimension == Dimension.UNIT:
        return sum(size(Dimension.DEPARTMENT, str(d)) for d in sheet.tree.get(int(unit.key), []) if d not in decision.without)
    return size(unit.dimension, unit.key) - sum(size(Dimension.DEPARTMENT, department_key(d)) for d in decision.without)


def participation_total(*, wave: Wave) -> dict:
    """Invited, answered and rate of the whole wave as of the last published step (no query:
    the wave keeps the published counts)."""
    invited, answered = wave.published_invited, wave.published_answered
    return {
        "invited": wave.invited_count,
        "answered": answered if invited else None,
        "rate": round(100 * answered / invited) if invited else None,
        "as_of": wave.published_on,
    }


def participation_for(*, wave: Wave, ledger: Ledger | None = None) -> tuple[dict, list[dict]]:
    """Invited, answered and rate as of the last published step; per department only where the
    department's group is published (its answered count is that group's size)."""
    total = participation_total(wave=wave)
    ledger = ledger or Ledger(wave)
    out = []
    for row in ParticipationRollup.objects.filter(wave=wave).select_related("department"):
        decision = ledger.get("", Unit(Dimension.DEPARTMENT, str(row.department_id or ""), wave.results_batch))
        shown = decision is not None and decision.published and wave.status == Wave.Status.CLOSED
        # A unit below the threshold does not exist in the results at all (see the snapshot).
        small_unit = not unit_reportable(row.invited)
        reason = "" if shown else (decision.reason if decision else (AT_CLOSE if wave.status == Wave.Status.OPEN else SMALL))
        reason = SMALL if small_unit else reason
        out.append(
            {
                "department": row.department.name if row.department else _("not recorded"),
                "department_id": row.department_id,
                "invited": None if small_unit else row.invited,
                "answered": row.answered if shown and not small_unit else None,
                "rate": round(100 * row.answered / row.invited) if shown and not small_unit and row.invited else None,
                "reason": reason,
                "reason_label": reason_text(reason) if reason else "",
            }
        )
    out.sort(key=lambda r: str(r["department"]).lower())
    return total, out


def _comment_texts(wave: Wave) -> dict[int, list[str]]:
    texts = defaultdict(list)
    for question_id, text in WaveComment.objects.filter(wave=wave, dimension=Dimension.ALL).values_list("question_id", "text"):
        texts[question_id].append(text)
    return texts


def wave_comments(*, wave: Wave, items: list[WaveQuestion], texts: dict[int, list[str]]) -> list[tuple[Question, list[str]]]:
    """Shuffled comments of the whole wave, per question, only where at least the comment
    threshold of people wrote one (``texts`` is empty unless the whole wave is published)."""
    return [(i.question, texts[i.question_id]) for i in items if comments_shown(len(texts.get(i.question_id, ())))]


def results_table(*, wave: Wave) -> list[list]:
    """The published results of every breakdown as rows for CSV / XLSX."""
    header = [_("Breakdown"), _("Group"), _("Question"), _("Responses"), _("Mean"), _("Favourable %"), _("eNPS"), _("Note")]
    rows = [header]
    if wave.is_internal_customer:
        return rows + _internal_table(wave)
    reads = _WaveReads(
        items=wave_questions(wave=wave), ledger=Ledger(wave), sizes=_sizes(wave) if wave.results_batch else {}, sheet=Sheet(wave)
    )
    for dimension in (Dimension.DEPARTMENT, Dimension.UNIT, Dimension.LOCATION, Dimension.SEGMENT, Dimension.TENURE):
        results = wave_results(wave=wave, dimension=dimension, _reads=reads)
        if dimension == Dimension.DEPARTMENT:
            for q in results.questions:
                rows.append(_export_row(str(Dimension.ALL.label), results.total.label, q.question, q.total, results.total.note))
        for q in results.questions:
            if q.question.kind == QuestionKind.TEXT:
                continue  # free texts are never broken down (see the comments)
            for group, cell in zip(results.groups, q.cells, strict=True):
                rows.append(_export_row(str(Dimension(dimension).label), group.label, q.question, cell, group.note))
    return rows


def _internal_table(wave: Wave) -> list[list]:
    """Internal ratings: each provider's scorecard, then its row of the provider x customer matrix."""
    results = internal_customer_results(wave=wave)
    rows = []
    overall = results["overall_question"]
    for (provider, cells), score in zip(results["matrix"], results["scorecards"], strict=True):
        label = _("Provider: %(name)s") % {"name": provider.name}
        for question, cell in score.items:
            rows.append(_export_row(label, _("All customers"), question, cell, score.note))
        if overall is not None:
            for customer, cell in zip(results["customers"], cells, strict=True):
                rows.append(_export_row(label, customer.name, overall, cell))
    return rows


def _export_row(dimension_label: str, group_label: str, question: Question, cell: Cell, note: str = "") -> list:
    if cell.hidden:
        return [dimension_label, group_label, question.text, "", "", "", "", _("hidden: %(reason)s") % {"reason": cell.reason_label}]
    return [dimension_label, group_label, question.text, cell.n, cell.mean, cell.favourability, cell.enps, note]


# --- whole-wave figures for trends, KPIs and dashboards --------------------------------


def _whole_wave(waves: list[Wave]) -> dict[int, Decision]:
    """The decision on each wave's whole-wave group at its current state (one query)."""
    rows = PublishedGroup.objects.filter(wave__in=waves, scope="", dimension=Dimension.ALL)
    batches = {w.pk: w.results_batch for w in waves}
    return {
        r.wave_id: Decision(published=r.published, reason=r.reason, without=tuple(r.without), hidden=frozenset(r.hidden))
        for r in rows
        if r.upto_batch == batches.get(r.wave_id)
    }


def _whole_wave_sums(waves: list[Wave], decisions: dict[int, Decision]) -> dict[tuple[int, int, int | None], Sums]:
    """The whole-wave rollup rows of ``waves`` and those of the departments that a published
    whole wave leaves out (which the sums subtract); not every department's rows, which would
    grow with the organisation and the number of waves."""
    left_out = sorted({department_key(d) for decision in decisions.values() for d in decision.without})
    rows = QuestionRollup.objects.filter(wave__in=waves, provider__isnull=True)
    rows = rows.filter(Q(dimension=Dimension.ALL) | Q(dimension=Dimension.DEPARTMENT, group_key__in=left_out)).select_related("question")
    out: dict = {}
    for r in rows:
        out.setdefault((r.wave_id, r.dimension, r.group_key, r.question_id, r.provider_id), r)
    return out


def whole_wave_cells(*, waves: list[Wave]) -> tuple[dict[int, dict[int, Cell]], dict[int, Question]]:
    """Per wave, the published whole-wave cell of each scored question (hidden where protected),
    and the questions by id: three queries for any number of waves."""
    waves = list(waves)
    decisions = _whole_wave(waves)
    rows = _whole_wave_sums(waves, decisions)
    questions = {row.question_id: row.question for row in rows.values()}
    out = {}
    for wave in waves:
        decision = decisions.get(wave.pk)
        cells = {}
        for (wave_id, dimension, _key, question_id, _provider), row in rows.items():
            if wave_id != wave.pk or dimension != Dimension.ALL:
                continue
            if decision is None or not decision.shows(question_set("", question_id)):
                cells[question_id] = hidden_cell(decision.reason if decision and not decision.published else DIFFERENCING)
                continue
            sums = Sums()
            sums.add(row)
            for d in decision.without:
                if (part := rows.get((wave.pk, Dimension.DEPARTMENT, department_key(d), question_id, None))) is not None:
                    sums.add(part, -1)
            cells[question_id] = _cell(sums, row.question)
        out[wave.pk] = cells
    return out, questions


def template_trend(*, template: SurveyTemplate) -> dict:
    """Favourability per question across the latest 26 published waves of one template."""
    latest = list(template.waves.filter(results_batch__gt=0).order_by("-opens_on", "-pk")[:26])
    waves = sorted(latest, key=lambda w: (w.opens_on, w.pk))
    cells, questions = whole_wave_cells(waves=waves)
    series = [
        {"question": q, "values": [_shown(cells.get(w.pk, {}).get(q.pk), "favourability") for w in waves]}
        for _pk, q in sorted(questions.items())
        if q.kind in SCORED
    ]
    participation = [round(100 * w.published_answered / w.published_invited) if w.published_invited else None for w in waves]
    providers = []
    if template.kind == SurveyTemplate.Kind.INTERNAL_CUSTOMER:
        batches = {w.pk: w.results_batch for w in waves}
        decisions = {
            (r.wave_id, r.scope): Decision(published=r.published, without=tuple(r.without), hidden=frozenset(r.hidden))
            for r in PublishedGroup.objects.filter(wave__in=waves, dimension=Dimension.ALL).exclude(scope="")
            if r.upto_batch == batches[r.wave_id]
        }
        rows = QuestionRollup.objects.filter(
            wave__in=waves,
            dimension__in=[Dimension.ALL, Dimension.DEPARTMENT],
            provider__isnull=False,
            question__code="service-satisfaction",
        ).select_related("provider", "question")
        by_key = {(r.wave_id, r.provider_id, r.dimension, r.group_key): r for r in rows}
        by_provider: dict = {}
        for r in rows:
            if r.dimension != Dimension.ALL:
                continue
            entry = by_provider.setdefault(r.provider_id, {"provider": r.provider, "values": {}})
            decision = decisions.get((r.wave_id, f"p{r.provider_id}"))
            if decision is None or not decision.shows(question_set(f"p{r.provider_id}", r.question_id)):
                entry["values"][r.wave_id] = None
                continue
            sums = Sums()
            sums.add(r)
            for d in decision.without:
                if (part := by_key.get((r.wave_id, r.provider_id, Dimension.DEPARTMENT, department_key(d)))) is not None:
                    sums.add(part, -1)
            entry["values"][r.wave_id] = _shown(_cell(sums, r.question), "favourability")
        providers = [
            {"provider": e["provider"], "values": [e["values"].get(w.pk) for w in waves]}
            for e in sorted(by_provider.values(), key=lambda e: e["provider"].name.lower())
        ]
    return {"waves": waves, "series": series, "participation": participation, "providers": providers}


def _shown(cell: Cell | None, attribute: str):
    return None if cell is None or cell.hidden else getattr(cell, attribute)


@dataclass
class WaveScores:
    """Headline figures of one wave as published, None where protection hides them."""

    wave: Wave
    engagement: int | None
    enps: int | None
    participation: int | None


def wave_scores(*, waves) -> list[WaveScores]:
    """Engagement index (share favourable), eNPS and participation rate per wave, from the
    published whole-wave cells only (a fixed number of queries for any number of waves)."""
    waves = list(waves)
    decisions = _whole_wave(waves)
    rows = _whole_wave_sums(waves, decisions)
    questions = defaultdict(dict)
    for (wave_id, dimension, _key, _question_id, _provider), row in rows.items():
        if dimension == Dimension.ALL:
            questions[wave_id][row.question_id] = row.question
    scores = []
    for wave in waves:
        decision = decisions.get(wave.pk)

        def parts(kind_filter, wave=wave, decision=decision):
            if decision is None or not decision.published:
                return []
            out = []
            for q in questions[wave.pk].values():
                if kind_filter(q) and decision.shows(question_set("", q.pk)):
                    sums = Sums()
                    if (row := rows.get((wave.pk, Dimension.ALL, "", q.pk, None))) is not None:
                        sums.add(row)
                    for d in decision.without:
                        if (row := rows.get((wave.pk, Dimension.DEPARTMENT, department_key(d), q.pk, None))) is not None:
                            sums.add(row, -1)
                    out.append(sums)
            return out

        engagement = _pooled(parts(lambda q: q.category == QuestionCategory.ENGAGEMENT and q.kind == QuestionKind.AGREEMENT))
        enps = _pooled(parts(lambda q: q.category == QuestionCategory.ENPS and q.kind == QuestionKind.SCALE10), enps=True)
        published = decision is not None and decision.published
        rate = round(100 * wave.published_answered / wave.published_invited) if published and wave.published_invited else None
        scores.append(WaveScores(wave=wave, engagement=_shown(engagement, "favourability"), enps=_shown(enps, "enps"), participation=rate))
    return scores


# --- internal customer surveys ---------------------------------------------------------


@dataclass
class ProviderScore:
    department: Department
    n: int | None
    inps: int | None
    items: list[tuple[Question, Cell]]
    reason_label: str = ""
    note: str = ""
    without: tuple[int, ...] = ()


def internal_customer_results(*, wave: Wave) -> dict:
    """Provider x customer-department matrix, internal NPS and a scorecard per provider; each
    provider's ratings are audited as their own answer sets (decided at close)."""
    threshold = group_sizes().reporting  # printed on the page, never compared here
    items = [i for i in wave_questions(wave=wave) if i.question.kind != QuestionKind.TEXT]
    departments = {d.pk: d for d in Department.objects.all()}
    overall = next((i.question for i in items if i.question.code == "service-satisfaction"), None)
    inps_q = next((i.question for i in items if i.question.kind == QuestionKind.SCALE10), None)
    upto = wave.results_batch
    closed = wave.status == Wave.Status.CLOSED and upto
    ledger = Ledger(wave)
    rollups = list(QuestionRollup.objects.filter(wave=wave, provider__isnull=False, dimension__in=[Dimension.ALL, Dimension.DEPARTMENT]))
    by = {(r.provider_id, r.dimension, r.group_key, r.question_id): r for r in rollups}
    providers = sorted({r.provider_id for r in rollups}, key=lambda pk: departments[pk].name.lower())
    customers = sorted(
        {r.group_key for r in rollups if r.dimension == Dimension.DEPARTMENT and r.group_key},
        key=lambda key: departments[int(key)].name.lower(),
    )
    not_yet = AT_CLOSE if wave.status == Wave.Status.OPEN else PENDING

    def cell(provider_id, unit: Unit, question: Question | None, decision: Decision | None) -> Cell:
        if question is None:
            return hidden_cell(SMALL)
        if not closed or decision is None:
            return hidden_cell(not_yet)
        if not decision.published:
            return hidden_cell(decision.reason)
        if not decision.shows(question_set(f"p{provider_id}", question.pk)):
            return hidden_cell(DIFFERENCING)
        sums = Sums()
        if (row := by.get((provider_id, unit.dimension, unit.key, question.pk))) is not None:
            sums.add(row)
        for d in decision.without:
            if (row := by.get((provider_id, Dimension.DEPARTMENT, department_key(d), question.pk))) is not None:
                sums.add(row, -1)
        return _cell(sums, question)

    matrix, scorecards = [], []
    for provider_id in providers:
        scope = f"p{provider_id}"
        units = [Unit(Dimension.DEPARTMENT, key, upto) for key in customers]
        decisions = [ledger.get(scope, u) for u in units] if closed else [None] * len(units)
        matrix.append((departments[provider_id], [cell(provider_id, u, overall, d) for u, d in zip(units, decisions, strict=True)]))
        everyone = Unit(Dimension.ALL, "", upto)
        decision = ledger.get(scope, everyone) if closed else None
        item_cells = [(i.question, cell(provider_id, everyone, i.question, decision)) for i in items]
        inps_cell = cell(provider_id, everyone, inps_q, decision) if inps_q else hidden_cell(SMALL)
        ns = [c.n for _q, c in item_cells if c.n]
        scorecards.append(
            ProviderScore(
                department=departments[provider_id],
                n=max(ns) if ns else None,
                inps=inps_cell.enps,
                items=item_cells,
                reason_label="" if ns else reason_text(decision.reason if decision else not_yet, threshold),
                note=_without_note(decision),
                without=decision.without if decision else (),
            )
        )
    return {
        "customers": [departments[int(k)] for k in customers],
        "matrix": matrix,
        "scorecards": scorecards,
        "threshold": threshold,
        "overall_question": overall,
    }


# --- external customer feedback --------------------------------------------------------


def _feedback_months(feedback) -> list[dict]:
    """Per link and calendar month: complete months only, each shown only from the threshold,
    so published figures move once a month and never with a single new answer."""
    first_of_month = timezone.localdate().replace(day=1)
    return list(
        feedback.filter(given_on__lt=first_of_month)
        .annotate(month=TruncMonth("given_on"))
        .values("link_id", "month")
        .annotate(
            n=Count("id"),
            satisfied=Count("id", filter=Q(satisfaction__gte=4)),
            promoters=Count("id", filter=Q(nps__gte=9)),
            detractors=Count("id", filter=Q(nps__lte=6)),
        )
    )


def _feedback_figures(cells: list[dict]) -> dict:
    shown = [c for c in cells if unit_reportable(c["n"])]  # a link x month cell, like a reporting unit
    n = sum(c["n"] for c in shown)
    if not n:
        return {"n": None, "satisfaction": None, "nps": None}
    return {
        "n": n,
        "satisfaction": round(100 * sum(c["satisfied"] for c in shown) / n),
        "nps": round(100 * sum(c["promoters"] - c["detractors"] for c in shown) / n),
    }


def feedback_summary() -> list[dict]:
    """Satisfaction and NPS per public link over its complete months with enough answers."""
    links = list(FeedbackLink.objects.select_related("department", "location"))
    cells = defaultdict(list)
    for cell in _feedback_months(CustomerFeedback.objects.filter(link__in=links)):
        cells[cell["link_id"]].append(cell)
    rows = []
    for link in links:
        figures = _feedback_figures(cells[link.pk])
        rows.append({"link": link, **figures, "reason": "" if figures["n"] else reason_text(SMALL)})
    return rows


def customer_feedback_figures(*, start, end, department=None, location=None) -> dict:
    """External customer satisfaction (share 4-5) and NPS for a period, from complete months
    per link with at least the threshold of answers."""
    feedback = CustomerFeedback.objects.filter(given_on__gte=start, given_on__lte=end)
    if department is not None:
        feedback = feedback.filter(link__department=department)
    if location is not None:
        feedback = feedback.filter(link__location=location)
    return _feedback_figures(_feedback_months(feedback))


# --- KPIs ------------------------------------------------------------------------------

KPI_DIMENSIONS = (Dimension.ALL, Dimension.DEPARTMENT, Dimension.LOCATION)


@dataclass
class KpiGroup:
    """The published KPI figures of one group of a closed wave: shares favourable in whole
    percent and eNPS, exactly as the results pages round them."""

    dimension: str
    key: str
    responses: int
    values: dict[str, int] = field(default_factory=dict)


def kpi_figures(*, wave: Wave, categories: dict[str, str], items: dict[str, str]) -> list[KpiGroup]:
    """Per published group of a closed wave (the whole wave, departments, locations: the
    groups decided at close), the favourable share over the agreement items of each category
    in ``categories`` (KPI code -> question category), of each single item in ``items`` (KPI
    code -> question code), and the eNPS ("enps"). A group or answer set the ledger hides is
    simply absent; a KPI with no shown item in a group has no value there."""
    if wave.status != Wave.Status.CLOSED or not wave.results_batch:
        return []
    ledger = Ledger(wave)
    sheet = Sheet(wave)
    upto = wave.results_batch
    sizes = _sizes(wave)
    questions = [i.question for i in wave_questions(wave=wave) if i.question.kind in SCORED]
    out = []
    for dimension in KPI_DIMENSIONS:
        keys = [""] if dimension == Dimension.ALL else [key for (d, key) in sizes if d == dimension and key]
        for key in keys:
            unit = Unit(dimension, key, upto)
            decision = ledger.get("", unit)
            if decision is None or not decision.published:
                continue
            shown = [q for q in questions if decision.shows(question_set("", q.pk))]
            values = {}
            for code, category in categories.items():
                ids = [q.pk for q in shown if q.category == category and q.kind == QuestionKind.AGREEMENT]
                cell = _pooled([sheet.sums(unit, q, decision.without) for q in ids])
                if not cell.hidden:
                    values[code] = cell.favourability
            for code, question_code in items.items():
                question = next((q for q in shown if q.code == question_code), None)
                if question is not None and not (cell := _cell(sheet.sums(unit, question.pk, decision.without), question)).hidden:
                    values[code] = cell.favourability
            ids = [q.pk for q in shown if q.category == QuestionCategory.ENPS and q.kind == QuestionKind.SCALE10]
            if ids and not (cell := _pooled([sheet.sums(unit, q, decision.without) for q in ids], enps=True)).hidden:
                values["enps"] = cell.enps
            if values:
                out.append(KpiGroup(dimension=dimension, key=key, responses=_responses(sizes, unit, decision, sheet), values=values))
    return out


def kpi_participation(*, wave: Wave) -> list[KpiGroup]:
    """Participation of a closed wave as published: the whole wave and every department whose
    figures are published (rate in whole percent, sample size = invited)."""
    if wave.status != Wave.Status.CLOSED or not wave.results_batch:
        return []
    total, departments = participation_for(wave=wave)
    out = []
    if total["rate"] is not None:
        out.append(KpiGroup(dimension=Dimension.ALL, key="", responses=total["invited"], values={"participation-rate": total["rate"]}))
    for row in departments:
        if row["rate"] is not None and row.get("department_id"):
            out.append(
                KpiGroup(
                    dimension=Dimension.DEPARTMENT,
                    key=str(row["department_id"]),
                    responses=row["invited"],
                    values={"participation-rate": row["rate"]},
                )
            )
    return out


def kpi_internal_service(*, wave: Wave) -> list[KpiGroup]:
    """Per providing department of a closed internal-service wave, the favourable share over
    its service items and its internal NPS, as its scorecard publishes them; the company value
    pools the published scorecards."""
    if not wave.is_internal_customer or wave.status != Wave.Status.CLOSED or not wave.results_batch:
        return []
    results = internal_customer_results(wave=wave)
    out, favourable, answers = [], 0, 0
    for score in results["scorecards"]:
        shown = [(q, c) for q, c in score.items if not c.hidden and q.kind == QuestionKind.AGREEMENT]
        values = {}
        if shown:
            n = sum(c.n for _q, c in shown)
            values["internal-service-quality"] = round(sum(c.favourability * c.n for _q, c in shown) / n)
            favourable += sum(c.favourability * c.n for _q, c in shown)
            answers += n
        if score.inps is not None:
            values["internal-nps"] = score.inps
        if values:
            out.append(KpiGroup(dimension=Dimension.DEPARTMENT, key=str(score.department.pk), responses=score.n or 0, values=values))
    if answers:
        out.append(
            KpiGroup(
                dimension=Dimension.ALL,
                key="",
                responses=max((g.responses for g in out), default=0),
                values={"internal-service-quality": round(favourable / answers)},
            )
        )
    return out


@dataclass
class RespondentMatrix:
    """Answers of the whole wave's published group, one row per respondent in random order,
    for statistics across respondents (driver analysis). Never shown as such."""

    questions: list[Question]
    rows: list[list[int | None]]


def respondent_matrix(*, wave: Wave) -> RespondentMatrix | None:
    """The scored answers of a closed wave's respondents, only when its whole-wave group is
    published, without the departments it is published without, and only for answer sets the
    ledger shows; None otherwise."""
    if wave.status != Wave.Status.CLOSED or not wave.results_batch:
        return None
    decision = Ledger(wave).get("", Unit(Dimension.ALL, "", wave.results_batch))
    if decision is None or not decision.published:
        return None
    questions = [
        i.question
        for i in wave_questions(wave=wave)
        if i.question.kind in (QuestionKind.AGREEMENT, QuestionKind.SCALE10) and decision.shows(question_set("", i.question_id))
    ]
    index = {q.pk: position for position, q in enumerate(questions)}
    # A join on the wave (not "response IN (subquery)"), no ordering: rows are grouped below.
    answers = Answer.objects.filter(response__wave=wave, question_id__in=list(index), provider__isnull=True, value__isnull=False)
    excluded = [d for d in decision.without if d != -1]
    if excluded:
        answers = answers.exclude(response__department_id__in=excluded)
    if -1 in decision.without:
        answers = answers.exclude(response__department__isnull=True)
    answers = answers.values_list("response_id", "question_id", "value")
    rows: dict = {}
    for response_id, question_id, value in answers.iterator(chunk_size=5000):
        rows.setdefault(response_id, [None] * len(questions))[index[question_id]] = value
    return RespondentMatrix(questions=questions, rows=list(rows.values()))


@dataclass
class Distributions:
    """Answer counts per value of each asked question for one group of a wave, as published;
    a question that is hidden has no counts but the reason, in the reader's language."""

    counts: dict[int, dict[int, int]] = field(default_factory=dict)
    reasons: dict[int, str] = field(default_factory=dict)


def group_distributions(*, wave: Wave, dimension: str, key: str, questions: list[Question]) -> Distributions:
    """For pre/post comparisons: the counts of one group of a closed wave for each question,
    where the ledger publishes that group and answer set (a segment is audited when first asked
    for, as on the results page). One ledger and one sheet for all questions."""
    out = Distributions()
    if not questions:
        return out
    if wave.status != Wave.Status.CLOSED or not wave.results_batch:
        reason = reason_text(AT_CLOSE if wave.status == Wave.Status.OPEN else PENDING)
        out.reasons = {q.pk: reason for q in questions}
        return out
    ledger = Ledger(wave)
    unit = Unit(dimension, key, wave.results_batch)
    decision = ledger.get("", unit)
    scored = _scored_question_ids(wave)
    if decision is None:
        (decision,) = ledger.decide("", [unit], scored)
    sheet = Sheet(wave)
    for question in questions:
        if question.pk not in scored:
            out.reasons[question.pk] = reason_text(SMALL)
        elif not decision.published:
            out.reasons[question.pk] = reason_text(decision.reason)
        elif not decision.shows(question_set("", question.pk)):
            out.reasons[question.pk] = reason_text(DIFFERENCING)
        elif (sums := sheet.sums(unit, question.pk, decision.without)).n:
            out.counts[question.pk] = {int(value): count for value, count in sums.distribution.items() if count}
        else:
            out.reasons[question.pk] = reason_text(SMALL)
    return out
