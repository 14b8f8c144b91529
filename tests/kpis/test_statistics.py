"""The KPI statistics against arithmetic done by hand on small data, and against SciPy's own
results on the same numbers; readings in English and (numbers only) in German."""

import math
from datetime import date

import numpy as np
import pytest
from django.utils import translation
from scipy import stats as scipy_stats

from kpis import statistics
from kpis.statistics import Driver

Z_975 = 1.959963984540054  # standard normal quantile for a two-sided 95% interval


def expand(distribution):
    return np.repeat(list(distribution), list(distribution.values())).astype(float)


# --- correlation --------------------------------------------------------------------------

X5, Y5 = [1, 2, 3, 4, 5], [2, 4, 5, 4, 5]


def test_pearson_and_spearman_on_five_points_by_hand():
    # Deviations from the means (3 and 4): dx = -2 -1 0 1 2, dy = -2 0 1 0 1.
    # Sxy = 4 + 0 + 0 + 0 + 2 = 6, Sxx = 10, Syy = 4 + 0 + 1 + 0 + 1 = 6, so r = 6 / sqrt(60).
    r = 6 / math.sqrt(60)
    # t = r * sqrt(n - 2) / sqrt(1 - r^2) on n - 2 = 3 degrees of freedom.
    t = r * math.sqrt(3) / math.sqrt(1 - r**2)
    p = 2 * scipy_stats.t.sf(t, 3)
    # Ranks of y: 2 -> 1, the two 4s -> 2.5, the two 5s -> 4.5; against ranks 1..5 of x:
    # deviations -2 -0.5 1.5 -0.5 1.5, so Sxy = 4 + 0.5 + 0 - 0.5 + 3 = 7, Syy = 9, rho = 7 / sqrt(90).
    rho = 7 / math.sqrt(90)

    result = statistics.correlate(X5, Y5, min_n=5)

    assert result.enough and result.n == 5
    assert result.pearson_r == pytest.approx(r)
    assert result.pearson_r == pytest.approx(0.7745967, abs=1e-7)
    assert result.pearson_p == pytest.approx(p)
    assert result.spearman_rho == pytest.approx(rho)
    assert (result.strength, result.direction) == ("strong", "positive")


def test_correlation_equals_scipy_on_the_same_numbers():
    x = [3.1, 2.4, 5.6, 4.4, 3.9, 6.2, 2.2, 4.8, 5.1, 3.3, 4.0, 5.9]
    y = [70, 64, 81, 77, 69, 88, 61, 74, 85, 66, 79, 80]

    result = statistics.correlate(x, y)

    pearson, spearman = scipy_stats.pearsonr(x, y), scipy_stats.spearmanr(x, y)
    assert result.pearson_r == pytest.approx(pearson.statistic)
    assert result.pearson_p == pytest.approx(pearson.pvalue)
    assert result.spearman_rho == pytest.approx(spearman.statistic)
    assert result.spearman_p == pytest.approx(spearman.pvalue)


# For permutations of 1..12 without ties, r = 1 - 6 * sum(d^2) / (n (n^2 - 1)) = 1 - 6 D / 1716.
TWELVE = list(range(1, 13))


@pytest.mark.parametrize(
    ("y", "d_squared", "strength", "direction"),
    [
        ([2, 11, 4, 9, 6, 7, 8, 5, 10, 3, 12, 1], 292, "none", "negative"),  # r = -0.021
        ([12, 1, 11, 2, 10, 3, 9, 4, 8, 5, 7, 6], 322, "weak", "negative"),  # r = -0.126
        ([5, 1, 9, 2, 12, 3, 8, 4, 11, 6, 7, 10], 172, "moderate", "positive"),  # r = 0.399
        ([3, 1, 2, 6, 4, 5, 12, 7, 8, 9, 11, 10], 44, "strong", "positive"),  # r = 0.846
        ([10, 12, 11, 7, 9, 8, 6, 5, 4, 1, 3, 2], 554, "strong", "negative"),  # r = -0.937
    ],
)
def test_strength_bands(y, d_squared, strength, direction):
    result = statistics.correlate(TWELVE, y)

    assert result.pearson_r == pytest.approx(1 - 6 * d_squared / 1716)
    assert (result.strength, result.direction) == (strength, direction)


def test_too_few_pairs_refuses_and_says_how_many_are_needed():
    # Twelve values, but None in either series drops the pair: six complete pairs remain.
    x = [1, 2, None, 4, 5, 6, 7, None, 9, None, 11, 12]
    y = [2, 1, 3, None, 5, 4, 7, 6, 9, 8, None, None]

    result = statistics.correlate(x, y)

    assert result.n == 6 and not result.enough
    assert result.pearson_r is result.spearman_rho is result.pearson_p is result.strength is None
    assert result.reading("department-months") == "Too few pairs to say anything: 6 department-months, at least 10 are needed."
    assert statistics.correlate(x, y, min_n=6).enough


def test_min_pairs_is_ten():
    assert statistics.MIN_PAIRS == 10
    assert not statistics.correlate(list(range(9)), list(range(9))).enough
    assert statistics.correlate(list(range(10)), list(range(10))).enough


def test_a_constant_series_has_no_coefficient():
    result = statistics.correlate(TWELVE, [4.0] * 12)

    assert result.n == 12 and not result.enough and result.pearson_r is None
    assert "does not vary" in result.reading("department-months")
    assert "12 department-months" in result.reading("department-months")


@pytest.mark.parametrize(
    "x, y",
    [
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12]),  # strong positive
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [5, 1, 4, 2, 5, 3, 1, 4, 2, 3]),  # weak
        ([1, 2, 3], [3, 2, 1]),  # too few pairs
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [4] * 10),  # constant
    ],
)
def test_a_stored_correlation_reads_as_the_computed_one(x, y):
    """Pages rebuild the result from the stored coefficients (no SciPy on a page): same reading."""
    computed = statistics.correlate(x, y)
    stored = statistics.stored_correlation(
        n=computed.n,
        pearson_r=computed.pearson_r,
        pearson_p=computed.pearson_p,
        spearman_rho=computed.spearman_rho,
        spearman_p=computed.spearman_p,
    )
    assert stored == computed
    assert stored.reading("department-months") == computed.reading("department-months")


def test_series_of_different_length_are_an_error():
    with pytest.raises(ValueError):
        statistics.correlate([1, 2, 3], [1, 2])


def test_reading_of_a_significant_correlation():
    result = statistics.correlate(TWELVE, [3, 1, 2, 6, 4, 5, 12, 7, 8, 9, 11, 10])

    assert result.reading("department-months") == (
        "Strong positive relationship (Pearson r = 0.85, Spearman ρ = 0.85, p < 0.001), 12 department-months; "
        "this shows that the two move together, not that one causes the other."
    )


def test_reading_says_a_correlation_may_be_chance():
    result = statistics.correlate(TWELVE, [5, 1, 9, 2, 12, 3, 8, 4, 11, 6, 7, 10])  # r = 0.399, p = 0.199

    text = result.reading("department-months")
    assert text.startswith("Moderate positive relationship (Pearson r = 0.40, Spearman ρ = 0.40, p = 0.199), 12 department-months")
    assert "may be chance" in text


def test_german_reading_has_decimal_commas():
    result = statistics.correlate(TWELVE, [5, 1, 9, 2, 12, 3, 8, 4, 11, 6, 7, 10])

    with translation.override("de"):
        text = result.reading("Abteilungsmonate")

    assert "r = 0,40" in text and "ρ = 0,40" in text and "p = 0,199" in text and "12 Abteilungsmonate" in text
    assert "0.40" not in text


# --- pairing with a lag -------------------------------------------------------------------

JAN, FEB, MAR, APR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)
ENGAGEMENT = {("a", JAN): 1.0, ("a", FEB): 2.0, ("a", MAR): 3.0, ("b", JAN): 10.0, ("b", FEB): 20.0, ("b", MAR): None}
SATISFACTION = {("a", JAN): 100.0, ("a", FEB): 200.0, ("a", MAR): 300.0, ("b", FEB): 2000.0, ("b", MAR): 3000.0, ("b", APR): 4.0}


def test_pairing_in_the_same_period():
    xs, ys = statistics.paired_series(ENGAGEMENT, SATISFACTION, [JAN, FEB, MAR], lag=0)

    # b in March has no engagement value (None) and April is not among the periods.
    assert list(zip(xs, ys, strict=True)) == [(1.0, 100.0), (2.0, 200.0), (3.0, 300.0), (20.0, 2000.0)]


def test_pairing_with_engagement_leading_by_one_period():
    xs, ys = statistics.paired_series(ENGAGEMENT, SATISFACTION, [JAN, FEB, MAR], lag=1)

    # January satisfaction has no earlier period; department b pairs January with February and
    # February with March, never across departments.
    assert list(zip(xs, ys, strict=True)) == [(1.0, 200.0), (2.0, 300.0), (10.0, 2000.0), (20.0, 3000.0)]


def test_pairing_follows_the_listed_order_not_the_calendar_distance():
    # With February missing from the list, March's predecessor is January (February skipped).
    xs, ys = statistics.paired_series(ENGAGEMENT, SATISFACTION, [JAN, MAR], lag=1)

    assert list(zip(xs, ys, strict=True)) == [(1.0, 300.0), (10.0, 3000.0)]


# --- comparison of answer distributions ---------------------------------------------------

BEFORE = {1: 2, 2: 3, 3: 4, 4: 1}  # ten answers
AFTER = {2: 1, 3: 3, 4: 4, 5: 2}  # ten answers


def test_mann_whitney_from_distributions_by_hand():
    # U of "after": for every after answer, the before answers below it plus half the ties.
    # 2: 2 + 3/2 = 3.5 (x1); 3: 5 + 4/2 = 7 (x3); 4: 9 + 1/2 = 9.5 (x4); 5: 10 (x2).
    u = 3.5 * 1 + 7 * 3 + 9.5 * 4 + 10 * 2  # 82.5
    # Normal approximation with tie correction: pooled counts 1:2 2:4 3:7 4:5 5:2 (N = 20),
    # sum(t^3 - t) = 6 + 60 + 336 + 120 + 6 = 528.
    variance = 10 * 10 / 12 * ((20 + 1) - 528 / (20 * 19))
    z = (u - 50 - 0.5) / math.sqrt(variance)  # continuity correction
    p = 2 * scipy_stats.norm.sf(z)

    result = statistics.compare_distributions(BEFORE, AFTER, ordinal=True)

    assert result.test == "mann-whitney"
    assert result.statistic == pytest.approx(82.5) == pytest.approx(u)
    assert result.p_value == pytest.approx(p)
    assert result.p_value == pytest.approx(0.0123, abs=5e-4)
    # Rank-biserial r = 2U / (n1 n2) - 1 = 165 / 100 - 1 = 0.65, which is Cliff's delta.
    assert result.effect_size == pytest.approx(0.65)
    assert (result.effect_measure, result.effect_label) == ("rank-biserial", "large")
    assert result.significant


def test_mann_whitney_from_distributions_equals_scipy_on_the_raw_answers():
    before, after = {1: 3, 2: 7, 3: 12, 4: 9, 5: 4}, {1: 1, 2: 5, 3: 10, 4: 14, 5: 8}

    result = statistics.compare_distributions(before, after, ordinal=True)

    raw = scipy_stats.mannwhitneyu(expand(after), expand(before), alternative="two-sided")
    assert result.statistic == pytest.approx(raw.statistic)
    assert result.p_value == pytest.approx(raw.pvalue)
    assert (result.n_before, result.n_after) == (35, 38)
    assert result.mean_before == pytest.approx(np.mean(expand(before)))
    assert result.difference == pytest.approx(np.mean(expand(after)) - np.mean(expand(before)))


def test_welch_interval_test_and_hedges_g_by_hand():
    before, after = {2: 1, 3: 1, 4: 1}, {4: 1, 5: 1, 6: 1, 7: 1}
    # before: mean 3, variance 1; after: mean 5.5, variance (2.25 + 0.25 + 0.25 + 2.25) / 3 = 5/3.
    se_squared = 1 / 3 + (5 / 3) / 4  # 0.75
    df = se_squared**2 / ((1 / 3) ** 2 / 2 + (5 / 12) ** 2 / 3)  # Welch-Satterthwaite, 4.959
    half_width = scipy_stats.t.ppf(0.975, df) * math.sqrt(se_squared)
    # Hedges' g: pooled variance (2 * 1 + 3 * 5/3) / 5 = 1.4, d = 2.5 / sqrt(1.4),
    # small-sample correction 1 - 3 / (4 * 7 - 9).
    g = 2.5 / math.sqrt(1.4) * (1 - 3 / 19)

    result = statistics.compare_distributions(before, after, ordinal=False)

    assert df == pytest.approx(4.9592, abs=1e-4)
    assert result.difference == pytest.approx(2.5)
    assert (result.ci_low, result.ci_high) == (pytest.approx(2.5 - half_width), pytest.approx(2.5 + half_width))
    assert result.test == "welch"
    assert result.statistic == pytest.approx(2.5 / math.sqrt(0.75))
    assert result.p_value == pytest.approx(2 * scipy_stats.t.sf(2.5 / math.sqrt(0.75), df))
    assert result.effect_size == pytest.approx(g)
    assert result.effect_size == pytest.approx(1.7793, abs=1e-4)
    assert (result.effect_measure, result.effect_label) == ("hedges-g", "large")


def test_ordinal_comparison_also_reports_the_welch_interval():
    ordinal = statistics.compare_distributions(BEFORE, AFTER, ordinal=True)
    welch = scipy_stats.ttest_ind(expand(AFTER), expand(BEFORE), equal_var=False).confidence_interval()

    assert (ordinal.ci_low, ordinal.ci_high) == (pytest.approx(welch.low), pytest.approx(welch.high))


def test_fewer_than_two_answers_on_a_side_is_not_enough():
    result = statistics.compare_distributions({3: 1, 4: 0}, {2: 4, 5: 3}, ordinal=True)

    assert not result.enough and (result.n_before, result.n_after) == (1, 7)
    assert result.p_value is None and result.difference is None
    assert result.reading() == "Too few answers to compare: 1 before and 7 after, at least 2 are needed on each side."


def test_answers_that_do_not_vary_get_no_test():
    result = statistics.compare_distributions({3: 5}, {4: 6}, ordinal=True)

    assert result.enough and result.difference == pytest.approx(1.0)
    assert result.p_value is None and result.ci_low is None and result.effect_size is None
    assert result.reading() == "Up 1.00 points; the answers do not vary on either side, so no test or interval can be computed."


def test_negative_counts_are_an_error():
    with pytest.raises(ValueError):
        statistics.compare_distributions({1: -1, 2: 3}, {1: 2, 2: 2}, ordinal=True)


def test_reading_of_a_significant_change():
    result = statistics.compare_distributions(BEFORE, AFTER, ordinal=True)
    ci = scipy_stats.ttest_ind(expand(AFTER), expand(BEFORE), equal_var=False).confidence_interval()

    # Means 2.4 and 3.7: up 1.3 points.
    assert result.reading() == (
        f"Up 1.30 points (95% CI {ci.low:.2f} to {ci.high:.2f}), a large effect, unlikely to be chance (Mann-Whitney, p = 0.012). "
        "The waves are answered by partly different people, so this describes the group, not individual change."
    )


def test_reading_of_a_change_that_may_be_chance():
    result = statistics.compare_distributions({3: 5, 4: 5}, {3: 4, 4: 6}, ordinal=True)

    text = result.reading()
    assert text.startswith("Up 0.10 points (95% CI ")
    assert "a negligible effect, possibly chance (Mann-Whitney, p = " in text
    assert "different people" not in text


def test_german_reading_of_a_comparison_has_decimal_commas():
    result = statistics.compare_distributions(BEFORE, AFTER, ordinal=True)

    with translation.override("de"):
        text = result.reading()

    assert "1,30" in text and "p = 0,012" in text and "1.30" not in text


# --- favourable shares --------------------------------------------------------------------


def wilson(k, n):
    p, z2 = k / n, Z_975**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z_975 * math.sqrt(p * (1 - p) / n + z2 / (4 * n**2)) / (1 + z2 / n)
    return centre - half, centre + half


def test_proportions_by_hand():
    # 30 of 60 favourable before, 45 of 62 after.
    p0, p1 = 30 / 60, 45 / 62
    pooled = 75 / 122
    z = (p1 - p0) / math.sqrt(pooled * (1 - pooled) * (1 / 60 + 1 / 62))
    # Newcombe's hybrid score interval from the two Wilson intervals.
    l0, u0 = wilson(30, 60)
    l1, u1 = wilson(45, 62)
    low = (p1 - p0) - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = (p1 - p0) + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    h = 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p0))

    result = statistics.compare_proportions(30, 60, 45, 62)

    assert (result.mean_before, result.mean_after) == (pytest.approx(50.0), pytest.approx(100 * 45 / 62))
    assert result.difference == pytest.approx(100 * (p1 - p0))
    assert (result.ci_low, result.ci_high) == (pytest.approx(100 * low), pytest.approx(100 * high))
    assert result.statistic == pytest.approx(z)
    assert result.p_value == pytest.approx(2 * scipy_stats.norm.sf(z))
    assert result.effect_size == pytest.approx(h)
    assert (result.test, result.effect_measure, result.effect_label) == ("z-test", "cohens-h", "small")


def test_wilson_helper_matches_scipy():
    interval = scipy_stats.binomtest(45, 62).proportion_ci(method="wilson")

    assert wilson(45, 62) == (pytest.approx(interval.low), pytest.approx(interval.high))


def test_proportion_reading_in_english_and_german():
    result = statistics.compare_proportions(30, 60, 45, 62)

    assert result.reading().startswith(
        "Up 22.6 percentage points (95% CI 5.3 to 38.1), a small effect, unlikely to be chance (z-test, p = 0.010)."
    )
    with translation.override("de"):
        text = result.reading()
    assert "22,6" in text and "5,3" in text and "38,1" in text and "p = 0,010" in text


def test_proportions_where_everyone_agrees_get_no_test():
    result = statistics.compare_proportions(20, 20, 30, 30)

    assert result.enough and result.difference == pytest.approx(0.0) and result.p_value is None
    assert result.reading().startswith("No change;")


def test_impossible_proportions_are_an_error():
    with pytest.raises(ValueError):
        statistics.compare_proportions(11, 10, 5, 10)


# --- difference in differences ------------------------------------------------------------


def test_difference_in_differences_by_hand():
    # Target 50% -> 75% (30/60 -> 45/60), control 50% -> 60% (25/50 -> 30/50): 25 - 10 = 15 points.
    variance = 0.5 * 0.5 / 60 + 0.75 * 0.25 / 60 + 0.5 * 0.5 / 50 + 0.6 * 0.4 / 50  # 0.0170917
    se = math.sqrt(variance)

    result = statistics.difference_in_differences((30, 60), (45, 60), (25, 50), (30, 50))

    assert result.difference == pytest.approx(15.0)
    assert result.standard_error == pytest.approx(100 * se)
    assert result.standard_error == pytest.approx(13.0735, abs=1e-4)
    assert (result.ci_low, result.ci_high) == (pytest.approx(15 - Z_975 * 100 * se), pytest.approx(15 + Z_975 * 100 * se))
    assert result.p_value == pytest.approx(2 * scipy_stats.norm.sf(0.15 / se))
    assert result.p_value == pytest.approx(0.2512, abs=1e-4)
    assert not result.significant
    assert result.reading() == (
        "The target group moved +15.0 percentage points relative to the control group (95% CI -10.6 to 40.6), "
        "possibly chance (z-test, p = 0.251). This assumes both groups would otherwise have moved alike."
    )
    with translation.override("de"):
        assert "+15,0" in result.reading() and "-10,6" in result.reading()


def test_difference_in_differences_needs_answers_in_all_four_groups():
    result = statistics.difference_in_differences((30, 60), (45, 60), (1, 1), (30, 50))

    assert not result.enough and result.difference is None
    assert "at least 2 answers" in result.reading()


# --- drivers ------------------------------------------------------------------------------


def test_driver_impact_is_spearman_over_pairwise_complete_respondents():
    outcome = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, None]
    items = {
        "same-order": [2, 3, 3.5, 4, 5, 6, 8, 9, 10, 12, 13, 1],  # monotone with the outcome: rho = 1
        "reverse": [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 5],  # rho = -1
        "mixed": [3, 1, None, 5, 2, 4, 5, 1, 3, 4, 2, 5],
        "sparse": [1, None, None, 3, None, 4, None, 2, None, 5, 3, 4],
        "constant": [3] * 12,
    }

    found = {d.key: d for d in statistics.drivers(outcome, items, min_n=5)}

    assert list(found) == list(items)
    assert found["same-order"].impact == pytest.approx(1.0) and found["same-order"].n == 11
    assert found["reverse"].impact == pytest.approx(-1.0)
    mixed_items = [3, 1, 5, 2, 4, 5, 1, 3, 4, 2]
    mixed_outcome = [1, 2, 4, 5, 6, 7, 8, 9, 10, 11]
    assert found["mixed"].n == 10
    assert found["mixed"].impact == pytest.approx(scipy_stats.spearmanr(mixed_items, mixed_outcome).statistic)
    # The last respondent left the outcome empty: six complete pairs for "sparse".
    assert found["sparse"].n == 6 and found["sparse"].impact is not None
    assert found["constant"].impact is None and found["constant"].n == 11
    assert statistics.drivers(outcome, {"sparse": items["sparse"]}, min_n=7)[0].impact is None


def test_prioritise_puts_high_impact_and_low_score_first():
    found = [
        Driver(key="a", n=50, impact=0.60),
        Driver(key="b", n=50, impact=0.50),
        Driver(key="c", n=50, impact=0.20),
        Driver(key="d", n=50, impact=0.10),
        Driver(key="e", n=50, impact=0.55),
        Driver(key="f", n=4, impact=None),
        Driver(key="g", n=50, impact=0.30),
        Driver(key="h", n=50, impact=0.40),  # no published score
    ]
    scores = {"a": 40, "b": 80, "c": 30, "d": 90, "e": 35, "f": 20, "g": 60}
    # Placed: a b c d e g. Median impact (0.30 + 0.50) / 2 = 0.40; median score (40 + 60) / 2 = 50.

    ranked = statistics.prioritise(found, scores)

    assert [(d.key, d.priority) for d in ranked] == [
        ("a", "act_first"),
        ("e", "act_first"),
        ("b", "keep_up"),
        ("c", "monitor"),
        ("g", "lower_priority"),
        ("d", "lower_priority"),
        ("f", ""),
        ("h", ""),
    ]
    assert ranked[0].score == 40 and ranked[-2].score == 20 and ranked[-1].score is None
    assert [d.priority_label for d in ranked[:4]] == ["act first", "act first", "keep up", "monitor"]
