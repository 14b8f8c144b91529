"""The statistics of the KPI app, as pure functions: no database access, no settings.

Correlation between two KPIs across groups and periods, pre/post comparisons of two survey
waves (from answer distributions, because the portal stores counts per answer value, not raw
answers), difference-in-differences against a control group, and driver analysis across the
respondents of one wave. The numbers come from SciPy and statsmodels; this module only chooses
the methods, guards the cases they cannot handle, and writes a plain-language reading in the
active language (``gettext``, numbers through ``number_format`` so German shows decimal commas).

Survey waves are independent samples: respondents are anonymous and not linked across waves,
so every pre/post comparison here compares two groups of answers, never the same people twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
from django.utils.formats import number_format
from django.utils.translation import gettext as _


# SciPy and statsmodels are imported where they are used: together they cost a process about
# 200 MB, and most requests that import this module (every KPI page, the dashboard) never
# compute a test. The jobs and the few pages that do pay for the import once per process.
def _scipy_stats():
    from scipy import stats

    return stats


MIN_PAIRS = 10
"""Fewest complete pairs for a correlation or a driver impact. Below ten points a single
department-month decides the coefficient, and the p-value of r = 0.6 is still above 0.05."""

MIN_ANSWERS = 2
"""Fewest answers on each side of a comparison: a variance needs two."""

ALPHA = 0.05
CONFIDENCE = 0.95

# Strength of a correlation by |r|: the brief's bands, after Cohen (1988): 0.1 small, 0.3
# medium, 0.5 large.
STRENGTH_BANDS = ((0.1, "none"), (0.3, "weak"), (0.5, "moderate"))

# Effect-size bands. Cohen's d family (Hedges' g, Cohen's h): Cohen, J. (1988), Statistical
# Power Analysis for the Behavioral Sciences, 2nd ed.: 0.2 small, 0.5 medium, 0.8 large.
# Cliff's delta (= rank-biserial correlation): Romano, J. et al. (2006), "Appropriate statistics
# for ordinal level data", Florida AIR: 0.147 small, 0.33 medium, 0.474 large.
COHEN_BANDS = ((0.2, "negligible"), (0.5, "small"), (0.8, "medium"))
CLIFF_BANDS = ((0.147, "negligible"), (0.33, "small"), (0.474, "medium"))

ACT_FIRST, KEEP_UP, MONITOR, LOWER_PRIORITY = "act_first", "keep_up", "monitor", "lower_priority"
PRIORITY_ORDER = (ACT_FIRST, KEEP_UP, MONITOR, LOWER_PRIORITY)


# --- formatting ---------------------------------------------------------------------------


def _num(value: float, places: int) -> str:
    """A number in the active locale with fixed decimals; -0.00 shows as 0.00."""
    value = round(float(value), places)
    return number_format(0.0 if value == 0 else value, decimal_pos=places, use_l10n=True)


def _signed(value: float, places: int) -> str:
    text = _num(value, places)
    return text if text.startswith("-") or round(value, places) == 0 else f"+{text}"


def format_p(p: float) -> str:
    """``p = 0.003`` or ``p < 0.001`` in the active locale."""
    if p < 0.001:
        return f"p < {_num(0.001, 3)}"
    return f"p = {_num(p, 3)}"


def _band(value: float, bands: Sequence[tuple[float, str]], top: str) -> str:
    for limit, label in bands:
        if abs(value) < limit:
            return label
    return top


def _finite(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _is_constant(values: Sequence[float]) -> bool:
    return len(values) == 0 or min(values) == max(values)


def priority_label(priority: str) -> str:
    """The translated label of a stored priority code (``""`` for an item not placed)."""
    labels = {
        ACT_FIRST: _("act first"),
        KEEP_UP: _("keep up"),
        MONITOR: _("monitor"),
        LOWER_PRIORITY: _("lower priority"),
    }
    return labels.get(priority, "")


# --- correlation --------------------------------------------------------------------------


@dataclass(frozen=True)
class Correlation:
    """Pearson (linear) and Spearman (rank) correlation of paired values.

    ``enough`` is False when there are fewer than ``min_n`` complete pairs or one series does
    not vary; then every coefficient, ``strength`` and ``direction`` are None. ``strength``
    ('none', 'weak', 'moderate', 'strong') and ``direction`` ('positive', 'negative', 'none')
    follow Pearson's r; the reading quotes Pearson's p-value."""

    n: int
    min_n: int
    enough: bool
    pearson_r: float | None = None
    pearson_p: float | None = None
    spearman_rho: float | None = None
    spearman_p: float | None = None
    strength: str | None = None
    direction: str | None = None
    constant: bool = False

    @property
    def significant(self) -> bool:
        return self.enough and self.pearson_p is not None and self.pearson_p < ALPHA

    def reading(self, unit_plural: str) -> str:
        """One sentence in the active language; ``unit_plural`` names what was paired, e.g.
        "department-months" (already translated by the caller)."""
        if self.n < self.min_n:
            return _("Too few pairs to say anything: %(n)s %(units)s, at least %(min)s are needed.") % {
                "n": self.n,
                "units": unit_plural,
                "min": self.min_n,
            }
        if not self.enough:
            return _("One of the two series does not vary across %(n)s %(units)s, so no relationship can be measured.") % {
                "n": self.n,
                "units": unit_plural,
            }
        relationships = {
            ("weak", "positive"): _("Weak positive relationship"),
            ("weak", "negative"): _("Weak negative relationship"),
            ("moderate", "positive"): _("Moderate positive relationship"),
            ("moderate", "negative"): _("Moderate negative relationship"),
            ("strong", "positive"): _("Strong positive relationship"),
            ("strong", "negative"): _("Strong negative relationship"),
        }
        values = {
            "relationship": relationships.get((self.strength, self.direction), _("No relationship to speak of")),
            "r": _num(self.pearson_r, 2),
            "rho": _num(self.spearman_rho, 2),
            "p": format_p(self.pearson_p),
            "n": self.n,
            "units": unit_plural,
        }
        if self.strength == "none":
            return _("%(relationship)s (Pearson r = %(r)s, Spearman ρ = %(rho)s, %(p)s), %(n)s %(units)s.") % values
        if self.significant:
            return (
                _(
                    "%(relationship)s (Pearson r = %(r)s, Spearman ρ = %(rho)s, %(p)s), %(n)s %(units)s; "
                    "this shows that the two move together, not that one causes the other."
                )
                % values
            )
        return (
            _(
                "%(relationship)s (Pearson r = %(r)s, Spearman ρ = %(rho)s, %(p)s), %(n)s %(units)s; "
                "this may be chance, and even if not, it would not show that one causes the other."
            )
            % values
        )


def correlate(x: Sequence[float | None], y: Sequence[float | None], *, min_n: int = MIN_PAIRS) -> Correlation:
    """Pearson and Spearman correlation over the pairs where both values are present."""
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length ({len(x)} and {len(y)})")
    pairs = [(float(a), float(b)) for a, b in zip(x, y, strict=True) if _finite(a) and _finite(b)]
    n = len(pairs)
    if n < max(min_n, 2):
        return Correlation(n=n, min_n=min_n, enough=False)
    xs, ys = [a for a, _b in pairs], [b for _a, b in pairs]
    if _is_constant(xs) or _is_constant(ys):
        return Correlation(n=n, min_n=min_n, enough=False, constant=True)
    stats = _scipy_stats()
    pearson = stats.pearsonr(xs, ys)
    spearman = stats.spearmanr(xs, ys)
    return stored_correlation(
        n=n,
        pearson_r=float(pearson.statistic),
        pearson_p=float(pearson.pvalue),
        spearman_rho=float(spearman.statistic),
        spearman_p=float(spearman.pvalue),
        min_n=min_n,
    )


def stored_correlation(
    *,
    n: int,
    pearson_r: float | None,
    pearson_p: float | None,
    spearman_rho: float | None,
    spearman_p: float | None,
    min_n: int = MIN_PAIRS,
) -> Correlation:
    """The ``Correlation`` of these coefficients over ``n`` pairs: what ``correlate`` returns, and
    what pages rebuild from the coefficients the weekly job stored (without recomputing them)."""
    if n < max(min_n, 2) or not all(_finite(v) for v in (pearson_r, pearson_p, spearman_rho, spearman_p)):
        return Correlation(n=n, min_n=min_n, enough=False, constant=n >= max(min_n, 2))
    r = float(pearson_r)
    return Correlation(
        n=n,
        min_n=min_n,
        enough=True,
        pearson_r=r,
        pearson_p=float(pearson_p),
        spearman_rho=float(spearman_rho),
        spearman_p=float(spearman_p),
        strength=_band(r, STRENGTH_BANDS, "strong"),
        direction="positive" if r > 0 else "negative" if r < 0 else "none",
    )


def paired_series(
    x: dict[tuple[str, date], float],
    y: dict[tuple[str, date], float],
    periods: list[date],
    lag: int = 0,
) -> tuple[list[float], list[float]]:
    """Pairs x of period i - lag with y of period i within each group (e.g. a department).

    ``periods`` is the ordered list of period starts; with ``lag=1`` engagement of one month is
    paired with customer satisfaction of the next. Keys whose period is not listed, pairs that
    fall outside the list, and missing or None values are skipped. Pairs come in the order of
    the sorted y keys (group, then period)."""
    index = {period: i for i, period in enumerate(periods)}
    xs, ys = [], []
    for (group, period), y_value in sorted(y.items()):
        i = index.get(period)
        if i is None or not 0 <= i - lag < len(periods):
            continue
        x_value = x.get((group, periods[i - lag]))
        if _finite(x_value) and _finite(y_value):
            xs.append(float(x_value))
            ys.append(float(y_value))
    return xs, ys


# --- pre/post comparisons -----------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """Two independent samples (two waves, or two groups) compared.

    For answer distributions the means are on the answer scale and ``difference`` (after -
    before) and its 95% interval (Welch) are in scale points. For proportions ``mean_before``
    and ``mean_after`` are the favourable shares in percent, and ``difference`` and the
    interval are in percentage points. ``test`` is 'mann-whitney', 'welch' or 'z-test';
    ``effect_measure`` is 'rank-biserial' (equal to Cliff's delta), 'hedges-g' or 'cohens-h',
    positive when after is higher. ``enough`` is False when a side has fewer than
    ``MIN_ANSWERS`` answers; test, interval and effect are None when the answers do not vary."""

    kind: str  # 'scale' or 'proportion'
    n_before: int
    n_after: int
    enough: bool
    mean_before: float | None = None
    mean_after: float | None = None
    difference: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    test: str | None = None
    statistic: float | None = None
    p_value: float | None = None
    effect_size: float | None = None
    effect_measure: str | None = None
    effect_label: str | None = None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA

    @property
    def test_name(self) -> str:
        names = {"mann-whitney": _("Mann-Whitney"), "welch": _("Welch's t-test"), "z-test": _("z-test")}
        return names.get(self.test, "")

    @property
    def effect_name(self) -> str:
        names = {"rank-biserial": _("rank-biserial r"), "hedges-g": _("Hedges' g"), "cohens-h": _("Cohen's h")}
        return names.get(self.effect_measure, "")

    def _change(self) -> str:
        places = 2 if self.kind == "scale" else 1
        size = _num(abs(self.difference), places)
        if round(self.difference, places) == 0:
            return _("No change")
        if self.kind == "scale":
            return (_("Up %(value)s points") if self.difference > 0 else _("Down %(value)s points")) % {"value": size}
        return (_("Up %(value)s percentage points") if self.difference > 0 else _("Down %(value)s percentage points")) % {"value": size}

    def reading(self) -> str:
        """One or two sentences in the active language."""
        if not self.enough:
            return _("Too few answers to compare: %(before)s before and %(after)s after, at least %(min)s are needed on each side.") % {
                "before": self.n_before,
                "after": self.n_after,
                "min": MIN_ANSWERS,
            }
        if self.p_value is None:
            return _("%(change)s; the answers do not vary on either side, so no test or interval can be computed.") % {
                "change": self._change()
            }
        places = 2 if self.kind == "scale" else 1
        effects = {
            "negligible": _("a negligible effect"),
            "small": _("a small effect"),
            "medium": _("a medium effect"),
            "large": _("a large effect"),
        }
        text = _("%(change)s (95%% CI %(low)s to %(high)s), %(effect)s, %(verdict)s (%(test)s, %(p)s).") % {
            "change": self._change(),
            "low": _num(self.ci_low, places),
            "high": _num(self.ci_high, places),
            "effect": effects[self.effect_label],
            "verdict": _("unlikely to be chance") if self.significant else _("possibly chance"),
            "test": self.test_name,
            "p": format_p(self.p_value),
        }
        if self.significant:
            # Anonymous waves: a reader would otherwise assume the same people changed their minds.
            text += " " + _("The waves are answered by partly different people, so this describes the group, not individual change.")
        return text


def _expand(distribution: dict[int, int]) -> np.ndarray:
    """Raw answers from counts per answer value."""
    for value, count in distribution.items():
        if count < 0 or int(count) != count:
            raise ValueError(f"count of answer {value!r} is not a non-negative integer: {count!r}")
    items = sorted((float(v), int(c)) for v, c in distribution.items() if c)
    return np.repeat([v for v, _c in items], [c for _v, c in items])


def compare_distributions(before: dict[int, int], after: dict[int, int], *, ordinal: bool) -> Comparison:
    """Compares two independent samples given as counts per answer value.

    Ordinal scales (agreement, 0-10) are tested with the two-sided Mann-Whitney U test (SciPy's
    tie-corrected normal approximation when there are ties) and sized by the rank-biserial
    correlation; other scales (yes/no as 0/1) with Welch's t-test and Hedges' g. The 95%
    interval of the mean difference is Welch's in both cases."""
    a, b = _expand(after), _expand(before)
    n_after, n_before = len(a), len(b)
    means = {
        "mean_before": float(b.mean()) if n_before else None,
        "mean_after": float(a.mean()) if n_after else None,
    }
    if n_before < MIN_ANSWERS or n_after < MIN_ANSWERS:
        return Comparison(kind="scale", n_before=n_before, n_after=n_after, enough=False, **means)
    difference = means["mean_after"] - means["mean_before"]
    base = Comparison(kind="scale", n_before=n_before, n_after=n_after, enough=True, difference=difference, **means)
    if _is_constant(a) and _is_constant(b):
        return base
    from statsmodels.stats.meta_analysis import effectsize_smd

    stats = _scipy_stats()
    welch = stats.ttest_ind(a, b, equal_var=False)
    interval = welch.confidence_interval(confidence_level=CONFIDENCE)
    if ordinal:
        mann_whitney = stats.mannwhitneyu(a, b, alternative="two-sided")
        statistic, p_value = float(mann_whitney.statistic), float(mann_whitney.pvalue)
        # U of "after" over all n_after * n_before pairs: P(after > before) - P(after < before).
        effect = 2 * statistic / (n_after * n_before) - 1
        test, measure, label = "mann-whitney", "rank-biserial", _band(effect, CLIFF_BANDS, "large")
    else:
        statistic, p_value = float(welch.statistic), float(welch.pvalue)
        effect, _variance = effectsize_smd(a.mean(), a.std(ddof=1), n_after, b.mean(), b.std(ddof=1), n_before)
        effect = float(effect)
        test, measure, label = "welch", "hedges-g", _band(effect, COHEN_BANDS, "large")
    return replace(
        base,
        ci_low=float(interval.low),
        ci_high=float(interval.high),
        test=test,
        statistic=statistic,
        p_value=p_value,
        effect_size=effect,
        effect_measure=measure,
        effect_label=label,
    )


def _check_counts(k: int, n: int) -> None:
    if not 0 <= k <= n:
        raise ValueError(f"favourable count {k} is not between 0 and {n}")


def compare_proportions(k_before: int, n_before: int, k_after: int, n_after: int) -> Comparison:
    """Compares two favourable shares of independent samples: the difference in percentage
    points with Newcombe's hybrid score interval, a pooled two-proportion z-test and Cohen's h."""
    _check_counts(k_before, n_before)
    _check_counts(k_after, n_after)
    shares = {
        "mean_before": 100 * k_before / n_before if n_before else None,
        "mean_after": 100 * k_after / n_after if n_after else None,
    }
    if n_before < MIN_ANSWERS or n_after < MIN_ANSWERS:
        return Comparison(kind="proportion", n_before=n_before, n_after=n_after, enough=False, **shares)
    difference = shares["mean_after"] - shares["mean_before"]
    base = Comparison(kind="proportion", n_before=n_before, n_after=n_after, enough=True, difference=difference, **shares)
    if k_before + k_after in (0, n_before + n_after):
        return base  # everyone (or no one) favourable on both sides: the pooled variance is zero
    from statsmodels.stats.proportion import confint_proportions_2indep, proportion_effectsize, proportions_ztest

    low, high = confint_proportions_2indep(k_after, n_after, k_before, n_before, method="newcomb", compare="diff", alpha=ALPHA)
    z, p_value = proportions_ztest([k_after, k_before], [n_after, n_before])
    effect = float(proportion_effectsize(k_after / n_after, k_before / n_before))
    return replace(
        base,
        ci_low=100 * float(low),
        ci_high=100 * float(high),
        test="z-test",
        statistic=float(z),
        p_value=float(p_value),
        effect_size=effect,
        effect_measure="cohens-h",
        effect_label=_band(effect, COHEN_BANDS, "large"),
    )


@dataclass(frozen=True)
class DifferenceInDifferences:
    """How much more the target group's favourable share moved than the control group's.

    Shares are in percent; ``difference`` = (target after - target before) - (control after -
    control before) in percentage points, with a normal-approximation standard error (the sum
    of the four binomial variances: all four samples are independent), 95% interval and
    two-sided p-value. ``enough`` is False when any of the four has fewer than
    ``MIN_ANSWERS`` answers; the error, interval and p-value are None when all four shares are
    0% or 100%."""

    target_before: float | None
    target_after: float | None
    control_before: float | None
    control_after: float | None
    n: tuple[int, int, int, int]
    enough: bool
    difference: float | None = None
    standard_error: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    statistic: float | None = None
    p_value: float | None = None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA

    def reading(self) -> str:
        if not self.enough:
            return _("Too few answers for a comparison with the control group: each of the four groups needs at least %(min)s answers.") % {
                "min": MIN_ANSWERS
            }
        values = {"value": _signed(self.difference, 1)}
        if self.p_value is None:
            return (
                _(
                    "The target group moved %(value)s percentage points relative to the control group; "
                    "all shares are 0%% or 100%%, so no interval can be computed."
                )
                % values
            )
        values.update(
            low=_num(self.ci_low, 1),
            high=_num(self.ci_high, 1),
            verdict=_("unlikely to be chance") if self.significant else _("possibly chance"),
            p=format_p(self.p_value),
        )
        return (
            _(
                "The target group moved %(value)s percentage points relative to the control group "
                "(95%% CI %(low)s to %(high)s), %(verdict)s (z-test, %(p)s). "
                "This assumes both groups would otherwise have moved alike."
            )
            % values
        )


def difference_in_differences(
    target_before: tuple[int, int],
    target_after: tuple[int, int],
    control_before: tuple[int, int],
    control_after: tuple[int, int],
) -> DifferenceInDifferences:
    """Difference-in-differences of favourable shares; each argument is (favourable, answers)."""
    cells = (target_before, target_after, control_before, control_after)
    for k, n in cells:
        _check_counts(k, n)
    shares = [k / n if n else None for k, n in cells]
    base = DifferenceInDifferences(
        *(None if s is None else 100 * s for s in shares),
        n=tuple(n for _k, n in cells),
        enough=all(n >= MIN_ANSWERS for _k, n in cells),
    )
    if not base.enough:
        return base
    tb, ta, cb, ca = shares
    estimate = (ta - tb) - (ca - cb)
    variance = sum(p * (1 - p) / n for p, (_k, n) in zip(shares, cells, strict=True))
    base = replace(base, difference=100 * estimate)
    if variance == 0:
        return base
    error = math.sqrt(variance)
    z = estimate / error
    stats = _scipy_stats()
    critical = float(stats.norm.ppf(1 - ALPHA / 2))
    return replace(
        base,
        standard_error=100 * error,
        ci_low=100 * (estimate - critical * error),
        ci_high=100 * (estimate + critical * error),
        statistic=float(z),
        p_value=float(2 * stats.norm.sf(abs(z))),
    )


# --- drivers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Driver:
    """One item's relation to the outcome across respondents.

    ``impact`` is Spearman's ρ of item and outcome over the ``n`` respondents who answered both
    (None below the minimum or when either does not vary). ``score`` and ``priority`` (one of
    ``PRIORITY_ORDER``, ``""`` when not placed) are set by ``prioritise``."""

    key: str
    n: int
    impact: float | None = None
    p_value: float | None = None
    score: float | None = None
    priority: str = ""

    @property
    def priority_label(self) -> str:
        return priority_label(self.priority)


def drivers(outcome: Sequence[float | None], items: dict[str, Sequence[float | None]], *, min_n: int = MIN_PAIRS) -> list[Driver]:
    """Per item, in the order given: Spearman's ρ with the outcome over pairwise-complete
    respondents (the same index is the same respondent; None is not answered)."""
    found = []
    for key, answers in items.items():
        if len(answers) != len(outcome):
            raise ValueError(f"item {key!r} has {len(answers)} answers for {len(outcome)} respondents")
        pairs = [(float(a), float(o)) for a, o in zip(answers, outcome, strict=True) if _finite(a) and _finite(o)]
        item_values, outcome_values = [a for a, _o in pairs], [o for _a, o in pairs]
        if len(pairs) < max(min_n, 2) or _is_constant(item_values) or _is_constant(outcome_values):
            found.append(Driver(key=key, n=len(pairs)))
            continue
        spearman = _scipy_stats().spearmanr(item_values, outcome_values)
        found.append(Driver(key=key, n=len(pairs), impact=float(spearman.statistic), p_value=float(spearman.pvalue)))
    return found


def prioritise(found: Iterable[Driver], scores: dict[str, float]) -> list[Driver]:
    """Drivers with their score and priority, the most urgent first.

    The rule is an importance-performance grid split at the medians of the placed items (those
    with an impact and a score): impact strictly above the median impact is "high", score
    strictly below the median score is "low". High impact and low score: act first; high impact
    and high score: keep up; low impact and low score: monitor; low impact and high score: lower
    priority. Within a quadrant, higher impact first, then lower score. Items without impact or
    score follow, unplaced, in the order given."""
    found = list(found)
    placed = [d for d in found if d.impact is not None and scores.get(d.key) is not None]
    unplaced = [replace(d, score=scores.get(d.key)) for d in found if d not in placed]
    if not placed:
        return unplaced
    impact_median = float(np.median([d.impact for d in placed]))
    score_median = float(np.median([scores[d.key] for d in placed]))

    def quadrant(driver: Driver) -> str:
        high_impact, low_score = driver.impact > impact_median, scores[driver.key] < score_median
        if high_impact:
            return ACT_FIRST if low_score else KEEP_UP
        return MONITOR if low_score else LOWER_PRIORITY

    ranked = [replace(d, score=float(scores[d.key]), priority=quadrant(d)) for d in placed]
    ranked.sort(key=lambda d: (PRIORITY_ORDER.index(d.priority), -d.impact, d.score))
    return ranked + unplaced
