"""The disclosure-control engine (surveys.anonymity) against an attacker who reads every published
figure and solves them as a linear system. Pure: no database.

The attacker here is written independently of the engine: exact rational arithmetic (Fraction
Gaussian elimination) and brute force over every small set of atoms. A set S of atoms is exposed
when some combination of the published rows is non-zero and vanishes outside S, that is when
dropping the columns of S lowers the rank; S is a disclosure when it holds fewer respondents than
the threshold. The engine must never publish a disclosure, and every refusal it gives as
"differencing" must be one the attacker can exploit (so it does not simply refuse everything).

Hypothesis settings come from a profile, HYPOTHESIS_PROFILE=ci (default, 300 examples) | dev | deep.
"""

import os
from fractions import Fraction
from itertools import combinations

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings, target
from hypothesis import strategies as st

from surveys import anonymity
from surveys.anonymity import COMPLEX, DIFFERENCING, PRIME, SMALL, Profiles, Unit, audit, members

settings.register_profile("ci", max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=50, deadline=None, database=None)
settings.register_profile("deep", max_examples=3000, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The department tree of every organisation below: 1 is the company, 2 and 3 its divisions, 4 and 5
# teams of division 2.
PARENT = {1: None, 2: 1, 3: 1, 4: 2, 5: 2}
SUBTREE = {1: {1, 2, 3, 4, 5}, 2: {2, 4, 5}, 3: {3}, 4: {4}, 5: {5}}


# The attacker ------------------------------------------------------------------------------------


def smallest_disclosure(rows: list[np.ndarray], weights: np.ndarray, threshold: int) -> int | None:
    """The fewest respondents (below ``threshold``) whose answer sum some combination of ``rows``
    yields, or None when no combination yields a sum over fewer than ``threshold`` people."""
    if not len(rows):
        return None
    atoms: dict[tuple[bool, ...], int] = {}
    for profile, weight in enumerate(weights):
        if weight > 0:
            pattern = tuple(bool(row[profile]) for row in rows)
            atoms[pattern] = atoms.get(pattern, 0) + int(weight)
    patterns = list(atoms)
    matrix = basis([[Fraction(int(pattern[i])) for pattern in patterns] for i in range(len(rows))])
    full = len(matrix)
    small = [j for j, pattern in enumerate(patterns) if atoms[pattern] < threshold]
    lightest = sorted(atoms[patterns[j]] for j in small)
    best = None
    for size in range(1, len(small) + 1):
        if sum(lightest[:size]) >= (threshold if best is None else best):
            break  # every larger set weighs too much
        for exposed in combinations(small, size):
            weight = sum(atoms[patterns[j]] for j in exposed)
            if weight >= threshold or (best is not None and weight >= best):
                continue
            kept = [[row[j] for j in range(len(patterns)) if j not in exposed] for row in matrix]
            if len(basis(kept)) < full:
                best = weight
    return best


def basis(matrix: list[list[Fraction]]) -> list[list[Fraction]]:
    """Independent rows spanning the rows of ``matrix`` (Gaussian elimination over Q)."""
    rows = [list(row) for row in matrix if any(row)]
    found = 0
    for column in range(len(rows[0]) if rows else 0):
        pivot = next((i for i in range(found, len(rows)) if rows[i][column] != 0), None)
        if pivot is None:
            continue
        rows[found], rows[pivot] = rows[pivot], rows[found]
        for i in range(found + 1, len(rows)):
            if rows[i][column] != 0:
                factor = rows[i][column] / rows[found][column]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[found], strict=True)]
        found += 1
    return rows[:found]


# Fixed organisations -----------------------------------------------------------------------------


def organisation(people: list[tuple], answered: dict[str, list[int]] | None = None) -> Profiles:
    """One profile per entry (department, location, tenure, segments, batch, respondents)."""
    rows = [entry[:5] for entry in people]
    return Profiles.from_rows(rows, {"*": [entry[5] for entry in people], **(answered or {})})


def publish(profiles: Profiles, units: list[Unit], *, answer_set: str = "*", threshold: int = 5):
    """Audit ``units`` in order, publishing what passes; returns the verdicts and the ledger."""
    weights = profiles.weights[answer_set]
    ledger = np.zeros((0, len(profiles)), dtype=bool)
    verdicts = []
    for unit in units:
        row = members(unit, profiles, SUBTREE)
        verdict = audit(published=ledger, candidate=row, weights=weights, threshold=threshold)
        verdicts.append(verdict)
        if verdict.ok:
            ledger = np.vstack([ledger, row])
    return verdicts, ledger


def test_a_parent_of_13_with_a_child_of_9_exposes_the_other_4():
    profiles = organisation([(4, 1, "1-3", [], 1, 9), (5, 1, "1-3", [], 1, 4)])
    verdicts, ledger = publish(profiles, [Unit("unit", "2", 1), Unit("department", "4", 1), Unit("department", "5", 1)])
    assert verdicts[0].ok
    assert (verdicts[1].ok, verdicts[1].reason, verdicts[1].exposed) == (False, DIFFERENCING, 4)
    assert (verdicts[2].ok, verdicts[2].reason) == (False, SMALL)
    assert smallest_disclosure([*ledger, members(Unit("department", "4", 1), profiles, SUBTREE)], profiles.weights["*"], 5) == 4


def test_team_a_or_me_next_to_team_a_or_a_colleague_is_refused():
    # Segment 10 is team A and me, segment 11 team A and a colleague: 7 people each, 2 apart.
    profiles = organisation([(4, 1, "1-3", [10, 11], 1, 6), (3, 1, "1-3", [10], 1, 1), (5, 2, "3-5", [11], 1, 1)])
    verdicts, _ledger = publish(profiles, [Unit("segment", "10", 1), Unit("segment", "11", 1)])
    assert verdicts[0].ok
    assert (verdicts[1].ok, verdicts[1].reason, verdicts[1].exposed) == (False, DIFFERENCING, 2)


def test_three_groups_that_are_safe_in_pairs_isolate_one_person_together():
    # X = A + B (10), Y = C + me (6), Z = A + B + C (15): Y - (Z - X) is me alone.
    people = [(4, 1, "1-3", [10, 12], 1, 5), (5, 1, "1-3", [10, 12], 1, 5), (3, 1, "1-3", [11, 12], 1, 5), (3, 2, "3-5", [11], 1, 1)]
    profiles = organisation(people)
    x, y, z = (Unit("segment", key, 1) for key in ("10", "11", "12"))
    for pair in ((x, y), (x, z), (y, z)):
        assert all(verdict.ok for verdict in publish(profiles, list(pair))[0])
    verdicts, _ledger = publish(profiles, [x, y, z])
    assert verdicts[0].ok and verdicts[1].ok
    assert (verdicts[2].ok, verdicts[2].reason, verdicts[2].exposed) == (False, DIFFERENCING, 1)


def test_groups_with_the_same_members_can_all_be_published():
    # The company, the company as a unit and the company without an empty department: one group.
    profiles = organisation([(4, 1, "1-3", [], 1, 3), (5, 2, "3-5", [], 1, 4)])
    units = [Unit("all", upto_batch=1), Unit("unit", "1", 1), Unit("all", upto_batch=1, without=(3,))]
    verdicts, _ledger = publish(profiles, units)
    assert all(verdict.ok for verdict in verdicts)


def test_disjoint_groups_above_the_threshold_are_all_published():
    profiles = organisation(
        [(1, 1, "lt1", [], 1, 5), (3, 1, "1-3", [], 1, 6), (4, 2, "1-3", [], 1, 7), (5, 2, "10+", [], 1, 12), (2, 3, "3-5", [], 1, 5)]
    )
    units = [Unit("all", upto_batch=1), *(Unit("department", str(d), 1) for d in (1, 2, 3, 4, 5)), Unit("unit", "2", 1)]
    verdicts, _ledger = publish(profiles, units)
    assert all(verdict.ok for verdict in verdicts)


def test_a_group_safe_for_one_question_can_expose_the_few_who_answered_another():
    # Department 4 has 8 people, department 5 has 6, of whom only 3 answered the optional question.
    people = [(4, 1, "1-3", [], 1, 8), (5, 1, "1-3", [], 1, 3), (5, 2, "1-3", [], 1, 3)]
    profiles = organisation(people, answered={"optional": [8, 3, 0]})
    units = [Unit("unit", "2", 1), Unit("department", "4", 1)]
    assert all(verdict.ok for verdict in publish(profiles, units)[0])
    verdicts, _ledger = publish(profiles, units, answer_set="optional")
    assert verdicts[0].ok
    assert (verdicts[1].ok, verdicts[1].reason, verdicts[1].exposed) == (False, DIFFERENCING, 3)


def test_an_open_wave_moves_only_in_steps_of_the_threshold():
    # 5 answers counted in batch 1, 2 more in batch 2, 5 more in batch 3.
    profiles = organisation([(4, 1, "1-3", [], 1, 5), (4, 1, "1-3", [], 2, 2), (4, 1, "1-3", [], 3, 5)])
    verdicts, _ledger = publish(profiles, [Unit("department", "4", batch) for batch in (1, 2, 3)])
    assert verdicts[0].ok
    assert (verdicts[1].ok, verdicts[1].reason, verdicts[1].exposed) == (False, DIFFERENCING, 2)
    assert verdicts[2].ok  # 12 - 5 = 7 new answers


def test_hidden_answers_left_out_of_a_parent_keep_the_parent_publishable():
    # Team 5 (3 people) is hidden; division 2 without it can be shown next to team 4.
    profiles = organisation([(2, 1, "1-3", [], 1, 5), (4, 1, "1-3", [], 1, 6), (5, 1, "1-3", [], 1, 3)])
    with_team = [Unit("department", "4", 1), Unit("department", "2", 1), Unit("unit", "2", 1)]
    assert not publish(profiles, with_team)[0][2].ok
    verdicts, _ledger = publish(profiles, [*with_team[:2], Unit("unit", "2", 1, without=(5,))])
    assert all(verdict.ok for verdict in verdicts)


def test_many_groups_around_one_common_core_stay_publishable_until_two_of_them_differ_by_few():
    # Segment s holds a core of 10 people and 3 people of its own; segment 99 holds the core and
    # the people of segments 10 and 11. Every two segments differ by 6 people, so all 34 are shown
    # (enough overlapping groups for the engine's dense path); segment 99 minus segment 10 would
    # be segment 11's 3 people.
    segments = list(range(10, 44))
    profiles = organisation(
        [(1, 1, "1-3", [*segments, 99], 1, 10)] + [(1, 1, "1-3", [s, 99] if s in (10, 11) else [s], 1, 3) for s in segments]
    )
    verdicts, ledger = publish(profiles, [Unit("segment", str(s), 1) for s in [*segments, 99]])
    assert all(verdict.ok for verdict in verdicts[:-1])
    assert (verdicts[-1].ok, verdicts[-1].reason, verdicts[-1].exposed) == (False, DIFFERENCING, 3)
    assert smallest_disclosure(list(ledger), profiles.weights["*"], 5) is None


def test_people_who_only_ever_appear_together_in_a_formula_count_together():
    # A core of 10 is in segments 10, 11 and 12; 2 people only in 10, 3 in 11 and 12, 3 only in 11,
    # 3 only in 12. Every formula that cancels the core and touches the 2 touches the 3 as well
    # (5 together), and segment 11 minus segment 12 sets 3 against 3: nothing below 5.
    people = [(1, 1, "1-3", [10, 11, 12], 1, 10), (2, 1, "1-3", [10], 1, 2), (3, 1, "1-3", [11, 12], 1, 3)]
    profiles = organisation([*people, (4, 1, "1-3", [11], 1, 3), (5, 1, "1-3", [12], 1, 3)])
    verdicts, ledger = publish(profiles, [Unit("segment", str(s), 1) for s in (10, 11, 12)])
    assert all(verdict.ok for verdict in verdicts)
    assert smallest_disclosure(list(ledger), profiles.weights["*"], 5) is None


def test_the_attacker_finds_the_textbook_attack():
    # The checker itself must be able to fail: a parent of 13 next to its child of 9 leaks 4.
    profiles = organisation([(4, 1, "1-3", [], 1, 9), (5, 1, "1-3", [], 1, 4)])
    rows = [members(Unit(kind, key, 1), profiles, SUBTREE) for kind, key in (("unit", "2"), ("department", "4"))]
    assert smallest_disclosure(rows, profiles.weights["*"], 5) == 4
    assert smallest_disclosure(rows[:1], profiles.weights["*"], 5) is None


# The property-based attacker ---------------------------------------------------------------------

people = st.tuples(
    st.sampled_from(sorted(PARENT)),
    st.sampled_from([None, 1, 2, 3]),
    st.sampled_from(["", "lt1", "1-3", "10+"]),
    st.lists(st.sampled_from([10, 11, 12]), max_size=2, unique=True),
    st.integers(1, 2),
)


def every_unit() -> list[Unit]:
    units = []
    for batch in (1, 2):
        units += [Unit("all", upto_batch=batch), Unit("all", upto_batch=batch, without=(3,))]
        units += [Unit("department", str(d), batch) for d in PARENT]
        units += [Unit("unit", str(d), batch) for d in (1, 2)]
        units += [Unit("unit", "1", batch, without=(5,)), Unit("unit", "2", batch, without=(4,))]
        units += [Unit("location", str(loc), batch) for loc in (1, 2, 3)]
        units += [Unit("tenure", band, batch) for band in ("lt1", "1-3", "10+")]
        units += [Unit("segment", str(s), batch) for s in (10, 11, 12)]
    return units


@st.composite
def waves(draw):
    profiles = draw(st.lists(people, min_size=1, max_size=8))
    weights = draw(st.lists(st.integers(0, 6), min_size=len(profiles), max_size=len(profiles)))
    threshold = draw(st.integers(3, 5))
    order = draw(st.lists(st.sampled_from(every_unit()), min_size=1, max_size=14, unique=True))
    return Profiles.from_rows(profiles, {"*": weights}), threshold, order


@settings(PROFILE)
@given(waves())
def test_an_attacker_solving_every_published_figure_learns_no_sum_over_fewer_than_the_threshold(wave):
    profiles, threshold, order = wave
    weights = profiles.weights["*"]
    ledger: list[np.ndarray] = []
    for unit in order:
        row = members(unit, profiles, SUBTREE)
        verdict = audit(published=np.array(ledger).reshape(len(ledger), len(profiles)), candidate=row, weights=weights, threshold=threshold)
        event(f"verdict: {verdict.reason or 'published'}")
        if verdict.ok:
            ledger.append(row)
            assert smallest_disclosure(ledger, weights, threshold) is None, f"publishing {unit} leaks"
        elif verdict.reason == SMALL:
            assert int(weights[row].sum()) < threshold
        else:
            assert verdict.reason != COMPLEX, "a few profiles never exhaust the search"
            assert verdict.reason == DIFFERENCING
            found = smallest_disclosure([*ledger, row], weights, threshold)
            assert found is not None, f"{unit} refused, but nothing it adds is determinable"
            assert found <= verdict.exposed < threshold
    target(float(len(ledger)), label="groups published")


@st.composite
def ledgers(draw):
    """Any 0/1 rows at all (up to 80 of them over at most 10 profiles): many rows on few atoms take
    the engine through its dense paths, and an unsafe ledger must make every candidate unsafe."""
    n_profiles = draw(st.integers(1, 10))
    n_rows = draw(st.integers(0, 80))
    density = draw(st.floats(0.1, 0.9))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    published = rng.random((n_rows, n_profiles)) < density
    candidate = rng.random(n_profiles) < density
    weights = np.array(draw(st.lists(st.integers(0, 6), min_size=n_profiles, max_size=n_profiles)))
    return published, candidate, weights, draw(st.integers(3, 5))


@settings(PROFILE)
@given(ledgers())
def test_the_audit_refuses_exactly_what_an_attacker_could_solve(case):
    published, candidate, weights, threshold = case
    verdict = audit(published=published, candidate=candidate, weights=weights, threshold=threshold)
    found = smallest_disclosure([*published, candidate], weights, threshold)
    event(f"verdict: {verdict.reason or 'published'}")
    if int(weights[candidate].sum()) < threshold:
        assert verdict.reason == SMALL
    elif found is None:
        assert verdict.ok
    else:
        assert (verdict.ok, verdict.reason) == (False, DIFFERENCING)
        assert found <= verdict.exposed < threshold


@pytest.mark.parametrize("seed", range(4))
def test_a_wider_company_is_mostly_published_and_never_leaks(seed):
    # Twelve teams under one root (enough disjoint groups for the engine's block elimination), a
    # few dozen profiles: the final ledger is checked by the attacker, refusals must be real.
    rng = np.random.default_rng(seed)
    subtree = {0: set(range(13)), **{team: {team} for team in range(1, 13)}}
    rows = [
        (int(rng.integers(1, 13)), int(rng.integers(1, 3)), str(rng.choice(["lt1", "10+"])), [10] if rng.random() < 0.3 else [], 1)
        for _ in range(24)
    ]
    weights = rng.integers(0, 9, size=len(rows))
    profiles = Profiles.from_rows(rows, {"*": weights.tolist()})
    units = [Unit("all", upto_batch=1), Unit("segment", "10", 1), Unit("tenure", "lt1", 1), Unit("location", "1", 1)]
    units += [Unit("department", str(team), 1) for team in range(1, 13)]
    units += [Unit("all", upto_batch=1, without=(team,)) for team in range(1, 13, 3)]
    ledger: list[np.ndarray] = []
    for i in rng.permutation(len(units)):
        row = members(units[i], profiles, subtree)
        verdict = audit(published=np.array(ledger).reshape(len(ledger), len(rows)), candidate=row, weights=weights, threshold=5)
        if verdict.ok:
            ledger.append(row)
        elif verdict.reason == DIFFERENCING:
            assert smallest_disclosure([*ledger, row], weights, 5) is not None
    assert len(ledger) >= len(units) // 3
    assert smallest_disclosure(ledger, weights, 5) is None


# The exact arithmetic underneath ------------------------------------------------------------------


def echelon_rank(rows: list[list[int]]) -> int:
    """Rank mod PRIME in plain Python integers."""
    rows = [list(row) for row in rows]
    found = 0
    for column in range(len(rows[0]) if rows else 0):
        pivot = next((i for i in range(found, len(rows)) if rows[i][column] % PRIME), None)
        if pivot is None:
            continue
        rows[found], rows[pivot] = rows[pivot], rows[found]
        inverse = pow(rows[found][column], PRIME - 2, PRIME)
        for i in range(found + 1, len(rows)):
            factor = rows[i][column] * inverse % PRIME
            rows[i] = [(a - factor * b) % PRIME for a, b in zip(rows[i], rows[found], strict=True)]
        found += 1
    return found


@pytest.mark.parametrize(("shape", "rank"), [((150, 200), 90), ((70, 70), 69), ((40, 300), 40), ((5, 3), 0)])
def test_the_blocked_echelon_form_spans_the_rows_exactly(shape, rank):
    rng = np.random.default_rng(rank)
    matrix = (
        rng.integers(0, PRIME, size=(shape[0], rank), dtype=np.int64).astype(object)
        @ rng.integers(0, 3, size=(rank, shape[1])).astype(object)
    ) % PRIME
    matrix = matrix.astype(np.int64)
    reduced, pivots = anonymity._reduced_echelon(matrix)
    assert len(pivots) == len(reduced) == echelon_rank(matrix.tolist()) == rank
    assert (reduced[:, pivots] == np.eye(rank, dtype=np.int64)).all()
    assert echelon_rank([*reduced.tolist(), *matrix.tolist()]) == rank  # same span, not a smaller one


@pytest.mark.parametrize("inner", [1, 7, 64, 2049, 5000])
def test_products_of_residues_are_exact(inner):
    rng = np.random.default_rng(inner)
    left = rng.integers(0, PRIME, size=(6, inner), dtype=np.int64)
    right = rng.integers(0, PRIME, size=(inner, 5), dtype=np.int64)
    right[:, 0] = PRIME - 1
    expected = (left.astype(object) @ right.astype(object)) % PRIME
    assert (anonymity._matmul(left, right) == expected).all()
    sparse = np.zeros((8, inner), dtype=bool)  # an atom in a few groups: summed a pick at a time
    for row, picks in enumerate(rng.integers(0, 5, size=8)):
        sparse[row, rng.choice(inner, size=min(int(picks), inner), replace=False)] = True
    dense = rng.random((8, inner)) < 0.5
    dense[0] = True
    for binary in (sparse, dense):
        expected = (binary.astype(object) @ right.astype(object)) % PRIME
        assert (anonymity._binary_times(binary, right) == expected).all()
