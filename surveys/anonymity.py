"""Disclosure control: the rules that decide whether a group's figures may be published.

This module is pure (no database): it answers one question. Given the groups already published
for a wave (the ledger) and a candidate group, would publishing the candidate let anybody who
reads every published figure work out the answers of fewer than ``threshold`` people?

How it decides (an exact audit of SUM queries, as in the classic statistical-database work):

- Respondents are described by *profiles* (their reporting snapshot: department, location,
  tenure band, segment tags and the batch in which their answers were counted) with a weight:
  how many respondents share the profile (per question: how many of them answered it).
- Each published group is a row of 0/1 over profiles. Respondents with the same membership
  pattern across all rows form an *atom*. A published figure (a count, a sum of answers, a
  count per answer option) is the sum of the atoms it covers, so everything an attacker can
  derive is a linear combination of the rows: the row space.
- The candidate is refused if the row space then contains a non-zero vector whose support
  covers fewer than ``threshold`` respondents: that vector is a formula (e.g. "department A
  minus segment B") that yields the sum of a few people's answers, or one person's.

Only atoms below the threshold can be in such a support, so a formula must vanish on every large
atom: over the rows' coordinates it is a functional that vanishes on the span of the large atoms'
vectors, and it sees a small atom only through the atom's class modulo that span. The audit
computes those classes exactly mod a prime (numpy: a Gram matrix of the large atoms, cheap block
elimination of groups that share no large atom, a blocked echelon form of the rest), drops the
classes of 0 (atoms no such formula reaches), merges classes that are multiples of each other
(they are in a support together) and divides out merged classes that reach the threshold, then
searches the formulas left for one covering fewer than ``threshold`` respondents (a
branch-and-bound over classes that either cancel or count). Working mod p gives the answer over
the rationals unless p divides one of a few fixed integers of the matrix (its invariant factors;
p is about 2**31, and these are small for 0/1 group matrices). If the search grows beyond a fixed
budget the candidate is refused as well ("too complex").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from django.conf import settings

# A prime below 2**31: a product of two residues fits in an int64, so numpy does the modular
# arithmetic. A dependency over Q survives reduction modulo p unless p divides one of the matrix's
# invariant factors (fixed integers, small for 0/1 group matrices).
PRIME = (1 << 31) - 1
SEARCH_BUDGET = 20000


def reporting_threshold() -> int:
    """The minimum reporting group: no figure may rest on fewer respondents than this."""
    return max(3, settings.REPORTING_THRESHOLD)


def comment_threshold() -> int:
    """Free texts of a question are shown only when at least this many people wrote one."""
    return max(3, settings.COMMENT_THRESHOLD)


@dataclass(frozen=True)
class GroupSizes:
    """The sizes the rules use, handed out only to be printed in explanations ("no figure rests
    on fewer than 5 people"); nothing outside this module compares a count with them."""

    reporting: int
    comments: int


def group_sizes() -> GroupSizes:
    return GroupSizes(reporting=reporting_threshold(), comments=comment_threshold())


def at_least(count: int | None, threshold: int) -> bool:
    """The one comparison of a count with a threshold; every other module asks this layer."""
    return count is not None and count >= threshold


def require_audience(invitees: int) -> None:
    """Refuse to open a wave for fewer invitees than the threshold, saying why."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if not audience_allowed(invitees):
        raise ValidationError(
            _("A wave needs at least %(n)s invitees, so that no result can point to a person; this audience has fewer.")
            % {"n": reporting_threshold()}
        )


def comments_shown(writers: int) -> bool:
    """The free texts of a question are shown once at least the comment threshold wrote one."""
    return at_least(writers, comment_threshold())


def audience_allowed(invitees: int) -> bool:
    """A wave opens only for at least the threshold of invitees."""
    return at_least(invitees, reporting_threshold())


def unit_reportable(invitees: int) -> bool:
    """A reporting unit (department, location, tenure band, segment) is kept in a response's
    snapshot only if the wave invited at least the threshold of people in it."""
    return at_least(invitees, reporting_threshold())


def batch_ready(waiting: int) -> bool:
    """Waiting ballots are counted as one batch once at least the threshold of them wait."""
    return at_least(waiting, reporting_threshold())


SMALL = "small"  # the group itself has fewer respondents than the threshold
DIFFERENCING = "differencing"  # together with what is published it exposes fewer than the threshold
COMPLEX = "complex"  # the audit could not prove it safe within its budget


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""
    exposed: int | None = None  # respondents a derivable formula would cover (a witness)


SAFE = Verdict(ok=True)


@dataclass(frozen=True)
class Unit:
    """A group that can be published: respondents of one reporting unit, counted up to a batch.

    ``dimension`` is one of all, department (own members), unit (a department with its
    sub-departments), location, tenure, segment. ``without`` lists department ids whose
    members are taken out (hidden answers left out of a parent). ``upto_batch`` limits the group
    to the answers counted by then, so the successive states of an open wave are groups too.
    """

    dimension: str
    key: str = ""
    upto_batch: int = 0
    without: tuple[int, ...] = ()


@dataclass
class Profiles:
    """The respondents of one wave, grouped by reporting snapshot (columns for the audit)."""

    department: np.ndarray  # int, -1 when not recorded
    location: np.ndarray  # int, -1 when not recorded
    tenure: np.ndarray  # str
    batch: np.ndarray  # int
    segments: np.ndarray  # bool, profiles x segment_ids
    segment_ids: list[int]
    weights: dict[str, np.ndarray]  # answer set ("*" = every respondent) -> respondents per profile

    @classmethod
    def from_rows(cls, rows: list[tuple], weights: dict[str, list[int]]) -> Profiles:
        """``rows``: (department_id, location_id, tenure_band, segment_ids, batch) per profile."""
        segment_ids = sorted({s for row in rows for s in row[3]})
        column = {s: i for i, s in enumerate(segment_ids)}
        segments = np.zeros((len(rows), len(segment_ids)), dtype=bool)
        for i, row in enumerate(rows):
            for s in row[3]:
                segments[i, column[s]] = True
        return cls(
            department=np.array([-1 if r[0] is None else r[0] for r in rows], dtype=np.int64),
            location=np.array([-1 if r[1] is None else r[1] for r in rows], dtype=np.int64),
            tenure=np.array([r[2] or "" for r in rows], dtype=object),
            batch=np.array([r[4] for r in rows], dtype=np.int64),
            segments=segments,
            segment_ids=segment_ids,
            weights={name: np.array(values, dtype=np.int64) for name, values in weights.items()},
        )

    def __len__(self) -> int:
        return len(self.department)


def members(unit: Unit, profiles: Profiles, subtree: dict[int, set[int]]) -> np.ndarray:
    """Which profiles belong to ``unit`` (a boolean row). ``subtree`` maps a department id to the
    ids of itself and every department below it."""
    if unit.dimension == "all":
        row = np.ones(len(profiles), dtype=bool)
    elif unit.dimension == "department":
        row = profiles.department == _int(unit.key)
    elif unit.dimension == "unit":
        row = np.isin(profiles.department, sorted(subtree.get(_int(unit.key), {_int(unit.key)})))
    elif unit.dimension == "location":
        row = profiles.location == _int(unit.key)
    elif unit.dimension == "tenure":
        row = profiles.tenure == unit.key
    elif unit.dimension == "segment":
        segment = _int(unit.key)
        if segment in profiles.segment_ids:
            row = profiles.segments[:, profiles.segment_ids.index(segment)].copy()
        else:
            row = np.zeros(len(profiles), dtype=bool)
    else:
        raise ValueError(f"unknown dimension {unit.dimension!r}")
    if unit.without:
        row &= ~np.isin(profiles.department, list(unit.without))
    return row & (profiles.batch <= unit.upto_batch)


def _int(key: str) -> int:
    return int(key) if key not in ("", None) else -1


def audit(*, published: np.ndarray, candidate: np.ndarray, weights: np.ndarray, threshold: int | None = None) -> Verdict:
    """May ``candidate`` (a row over profiles) be published next to ``published`` (rows x profiles)?

    ``weights`` gives the respondents per profile for the answer set being audited;
    ``threshold`` defaults to the installation's reporting threshold.
    """
    threshold = reporting_threshold() if threshold is None else threshold
    weights = np.asarray(weights, dtype=np.int64)
    candidate = np.asarray(candidate, dtype=bool)
    if int(weights[candidate].sum()) < threshold:
        return Verdict(ok=False, reason=SMALL)
    published = np.asarray(published, dtype=bool).reshape(-1, len(candidate))
    atoms, atom_weights = _atoms(published, candidate, weights)
    large = atom_weights >= threshold
    if large.all():
        return SAFE
    # A formula that avoids every large atom is a functional on the rows' space that vanishes on the
    # large atoms' vectors; it sees a small atom only through the atom's class modulo their span.
    classes, class_weights = _classes(atoms[large], atoms[~large], atom_weights[~large])
    while len(classes):
        heavy = class_weights >= threshold
        if not heavy.any():
            basis, _pivots = _reduced_echelon(classes.T)  # the formulas, as rows over the classes
            exposed = _small_combination(basis.tolist(), class_weights.tolist(), threshold)
            if exposed is None:
                return SAFE
            if exposed == -1:
                return Verdict(ok=False, reason=COMPLEX)
            return Verdict(ok=False, reason=DIFFERENCING, exposed=exposed)
        # A formula that sees one vector of a class sees the whole class, so a class of at least
        # the threshold must cancel like a large atom: divide it out too, and look again.
        basis, pivots = _reduced_echelon(classes[heavy])
        classes, class_weights = _merge_parallel(_modulo_span(classes[~heavy], basis, pivots), class_weights[~heavy])
    return SAFE


# The linear algebra works on vectors as the rows of int64 arrays of residues mod PRIME.


def _atoms(published: np.ndarray, candidate: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The atoms (bool, atoms x rows: the rows each atom is in, the candidate last) and the
    respondents per atom. An atom is a distinct membership pattern of the profiles that count:
    weight above 0 and in at least one row (respondents in no published group are in no formula)."""
    n_rows, n_profiles = len(published) + 1, len(candidate)
    packed = np.zeros((-(-n_rows // 64) * 8, n_profiles), dtype=np.uint8)  # 8 rows a byte
    groups = len(published) // 8
    octets = np.ascontiguousarray(published).view(np.uint8)[: groups * 8].reshape(groups, 8, n_profiles)
    np.copyto(packed[:groups], octets[:, 0])
    for bit in range(1, 8):
        packed[:groups] |= octets[:, bit] << bit
    for row in range(groups * 8, n_rows):
        packed[groups] |= (published[row] if row < len(published) else candidate).view(np.uint8) << (row - groups * 8)
    patterns = np.ascontiguousarray(packed.T)
    first, inverse = _distinct(patterns.view(np.uint64))
    atom_weights = np.bincount(inverse, weights=weights, minlength=len(first)).astype(np.int64)
    counted = (atom_weights > 0) & patterns[first].any(axis=1)
    atoms = np.unpackbits(patterns[first[counted]], axis=1, count=n_rows, bitorder="little").view(bool)
    return atoms, atom_weights[counted]


@functools.cache
def _mix(width: int) -> np.ndarray:
    """Fixed odd 64-bit multipliers for hashing rows of ``width`` integers."""
    return np.random.default_rng(width).integers(1, 1 << 63, size=width, dtype=np.uint64) | np.uint64(1)


def _distinct(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group equal rows of ``keys`` (non-negative integers): the first row of each group and the
    group of each row. Grouped by a hash of the row; equality is checked, never assumed."""
    keys = keys.view(np.uint64)
    mix = _mix(keys.shape[1])
    _hashes, first, inverse = np.unique(keys @ mix, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    again = np.flatnonzero(first[inverse] != np.arange(len(keys)))
    if not (keys[again] == keys[first[inverse[again]]]).all():  # a hash collision: sort the rows
        rows = np.ascontiguousarray(keys).view(np.dtype((np.void, 8 * keys.shape[1]))).ravel()
        _rows, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
        inverse = inverse.ravel()
    return first, inverse


def _classes(large: np.ndarray, small: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ``small`` atoms' vectors modulo the span of the ``large`` atoms' vectors (bool, atoms x
    rows), as classes: coordinates mod PRIME (classes x coordinates), one class for vectors that
    are multiples of each other modulo that span, and the respondents per class. Vectors in the
    span (class 0) are left out: every formula that avoids the large atoms avoids them too.

    The span is the row space of the Gram matrix G = large.T @ large (rows x rows; integers below
    the number of atoms, exact in floating point): the same span over the rationals, and mod PRIME
    at most a smaller one, which only leaves more formulas to check. Groups that share no large
    atom (departments, say) form a diagonal block D of G, which is eliminated cheaply first: a
    vector x becomes x_B - x_D D^-1 G_DB, and G its Schur complement G_BB - G_BD D^-1 G_DB. What
    is left needs a dense echelon form.
    """
    exact = np.float32 if len(large) < 1 << 24 else np.float64
    block = large.astype(exact)
    gram = (block.T @ block).astype(np.int64) % PRIME
    vectors = small
    while len(gram) > 1:
        diagonal = _disjoint_rows(gram)
        if len(diagonal) < max(1, len(gram) // 16):  # not worth a pass over every vector
            break
        rest = np.setdiff1d(np.arange(len(gram)), diagonal)
        factors = gram[np.ix_(diagonal, rest)] * _inverse(gram[diagonal, diagonal])[:, None] % PRIME
        gram = (gram[np.ix_(rest, rest)] - _matmul(gram[np.ix_(rest, diagonal)], factors)) % PRIME
        picked = np.take(vectors, diagonal, axis=1)
        product = _binary_times(picked, factors) if vectors.dtype == bool else _matmul(picked, factors)
        np.subtract(np.take(vectors, rest, axis=1), product, out=product)
        vectors, weights = _merge_equal(np.remainder(product, PRIME, out=product), weights)
    vectors = vectors.astype(np.int64)
    basis, pivots = _reduced_echelon(gram)
    return _merge_parallel(_modulo_span(vectors, basis, pivots), weights)


def _disjoint_rows(gram: np.ndarray) -> np.ndarray:
    """Rows of a symmetric ``gram`` with a non-zero diagonal and no entry between them, that is a
    diagonal block (greedy, rows with the fewest entries first)."""
    linked = gram != 0
    chosen = []
    blocked = ~np.diagonal(linked).copy()
    for row in np.argsort(linked.sum(axis=1), kind="stable"):
        if not blocked[row]:
            chosen.append(row)
            blocked |= linked[row]
    return np.array(sorted(chosen), dtype=np.int64)


def _modulo_span(vectors: np.ndarray, basis: np.ndarray, pivots: np.ndarray) -> np.ndarray:
    """``vectors`` modulo the span of ``basis`` (reduced echelon form, 1 at its ``pivots``): each x
    becomes x - x[pivots] @ basis, which is 0 on the pivots; its other coordinates remain."""
    free = np.setdiff1d(np.arange(vectors.shape[1]), pivots)
    if not len(pivots):
        return vectors % PRIME
    result = np.take(vectors, free, axis=1)
    result -= _matmul(np.take(vectors, pivots, axis=1), np.take(basis, free, axis=1))
    return np.remainder(result, PRIME, out=result)


def _merge_equal(vectors: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop zero vectors and merge equal ones, adding their weights."""
    nonzero = vectors.any(axis=1)
    vectors, weights = vectors[nonzero], weights[nonzero]
    if not len(vectors):
        return vectors, weights
    first, inverse = _distinct(vectors)
    return vectors[first], np.bincount(inverse, weights=weights, minlength=len(first)).astype(np.int64)


def _merge_parallel(vectors: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop zero vectors (in no support) and merge vectors that are multiples of each other (in a
    support together), adding their weights."""
    vectors, weights = vectors[vectors.any(axis=1)], weights[vectors.any(axis=1)]
    if not len(vectors):
        return vectors, weights
    lead = vectors[np.arange(len(vectors)), (vectors != 0).argmax(axis=1)]
    return _merge_equal(vectors * _inverse(lead)[:, None] % PRIME, weights)


def _inverse(values: np.ndarray) -> np.ndarray:
    """Element-wise inverse mod PRIME of non-zero residues (Fermat: values ** (PRIME - 2))."""
    result = np.ones_like(values)
    base = values % PRIME
    exponent = PRIME - 2
    while exponent:
        if exponent & 1:
            result = result * base % PRIME
        base = base * base % PRIME
        exponent >>= 1
    return result


def _matmul(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """left @ right mod PRIME for residues, on floating-point BLAS: ``right`` is cut into limbs
    narrow enough that every sum of products stays below 2**53, so each product is exact."""
    inner = left.shape[1]
    if inner > 2048:
        return (_matmul(left[:, :2048], right[:2048]) + _matmul(left[:, 2048:], right[2048:])) % PRIME
    if inner == 0:
        return np.zeros((left.shape[0], right.shape[1]), dtype=np.int64)
    part = left.astype(np.float64)
    bits = 22 - (inner - 1).bit_length()  # inner * 2**31 * 2**bits <= 2**53
    value = None
    for shift in range(bits * (30 // bits), -1, -bits):
        product = (part @ ((right >> shift) & ((1 << bits) - 1)).astype(np.float64)).astype(np.int64)
        if value is None:
            value = product
        else:  # Horner: value < PRIME, so value * 2**bits + product < 2**54
            value <<= bits
            value += product
        value %= PRIME
    return value


def _binary_times(binary: np.ndarray, right: np.ndarray) -> np.ndarray:
    """binary @ right mod PRIME for a 0/1 ``binary`` and residues ``right``: each row of the result
    sums the rows of ``right`` that the row of ``binary`` picks. An atom is in few of the groups
    that are eliminated together (they share no large atom), so the sum is taken a pick at a time."""
    picks = int(np.count_nonzero(binary, axis=1).max(initial=0))
    if picks > 4:  # one floating-point product instead: sums below 2**53 are exact
        return (binary.astype(np.float64) @ right.astype(np.float64)).astype(np.int64) % PRIME
    everyone = np.arange(len(binary))
    column = binary.argmax(axis=1)
    result = right[column]
    result[~binary[everyone, column]] = 0
    if picks > 1:
        binary = binary.copy()
        for _ in range(picks - 1):
            binary[everyone, column] = False
            column = binary.argmax(axis=1)
            hit = binary[everyone, column]
            result[hit] += right[column[hit]]
        result %= PRIME
    return result


def _reduced_echelon(matrix: np.ndarray, block: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Reduced row echelon form of ``matrix`` (residues): its non-zero rows, row j with 1 in column
    pivots[j] and 0 in every other pivot column, and the pivots.

    Blocked Gauss-Jordan: pivots are found in a panel of ``block`` columns, then every other row is
    updated at once with one matrix product, so the work runs in BLAS rather than in Python. Rows
    that are not pivots yet are 0 left of the panel, so only the columns from the panel on change.
    """
    matrix = matrix % PRIME
    n_rows, n_columns = matrix.shape
    done = np.zeros(n_rows, dtype=bool)
    pivot_rows: list[int] = []
    pivot_columns: list[int] = []
    for start in range(0, n_columns, block):
        active = np.flatnonzero(~done)
        if not len(active):
            break
        columns = np.arange(start, min(start + block, n_columns))
        found_rows, found_columns = _panel_pivots(matrix[np.ix_(active, columns)])
        if not found_rows:
            continue
        rows, cols = active[found_rows], columns[found_columns]
        pivot = _matmul(_inverse_matrix(matrix[np.ix_(rows, cols)]), matrix[rows, start:])
        others = matrix[:, cols].any(axis=1)
        others[rows] = False
        others = np.flatnonzero(others)
        if len(others):
            matrix[others, start:] = (matrix[others, start:] - _matmul(matrix[np.ix_(others, cols)], pivot)) % PRIME
        matrix[rows, start:] = pivot
        done[rows] = True
        pivot_rows.extend(rows.tolist())
        pivot_columns.extend(cols.tolist())
    return matrix[pivot_rows], np.array(pivot_columns, dtype=np.int64)


def _panel_pivots(panel: np.ndarray) -> tuple[list[int], list[int]]:
    """Rows and columns of a maximal invertible submatrix of a narrow panel (plain Gauss-Jordan)."""
    panel = panel.copy()
    used = np.zeros(len(panel), dtype=bool)
    rows: list[int] = []
    columns: list[int] = []
    for column in range(panel.shape[1]):
        candidates = np.flatnonzero((panel[:, column] != 0) & ~used)
        if not len(candidates):
            continue
        row = int(candidates[0])
        factors = panel[:, column] * pow(int(panel[row, column]), PRIME - 2, PRIME) % PRIME
        factors[row] = 0
        panel = (panel - np.outer(factors, panel[row])) % PRIME
        used[row] = True
        rows.append(row)
        columns.append(column)
    return rows, columns


def _inverse_matrix(square: np.ndarray) -> np.ndarray:
    """Inverse mod PRIME of a small invertible matrix (Gauss-Jordan on [square | identity])."""
    size = len(square)
    work = np.hstack([square % PRIME, np.eye(size, dtype=np.int64)])
    for column in range(size):
        row = column + int(np.flatnonzero(work[column:, column])[0])
        if row != column:
            work[[column, row]] = work[[row, column]]
        work[column] = work[column] * pow(int(work[column, column]), PRIME - 2, PRIME) % PRIME
        factors = work[:, column].copy()
        factors[column] = 0
        work = (work - np.outer(factors, work[column])) % PRIME
    return work[:, size:]


class _BudgetExceeded(Exception):
    pass


def _small_combination(basis: list[list[int]], weights: list[int], threshold: int) -> int | None:
    """Search the span of ``basis`` (rows over small atoms, mod PRIME) for a non-zero vector
    whose support weighs less than ``threshold``. Returns that weight, None if there is none,
    -1 if the search budget ran out.

    A vector is y . basis for a non-zero y. Each column either cancels (y is orthogonal to it:
    y moves into a hyperplane) or counts towards the support. Columns are taken heaviest first,
    so heavy columns are forced to cancel early and the tree stays small.
    """
    if not basis:
        return None
    d = len(basis)
    columns = sorted(
        ((w, [basis[i][c] for i in range(d)]) for c, w in enumerate(weights) if any(basis[i][c] for i in range(d))),
        key=lambda item: -item[0],
    )
    nodes = 0
    limit = threshold - 1

    def dot(y, a):
        return sum(p * q for p, q in zip(y, a, strict=True)) % PRIME

    def search(index: int, span: list[list[int]], used: int) -> int | None:
        nonlocal nodes
        nodes += 1
        if nodes > SEARCH_BUDGET:
            raise _BudgetExceeded
        while index < len(columns):
            values = [dot(y, columns[index][1]) for y in span]
            if any(values):
                break
            index += 1
        else:
            return used  # a non-zero y in span leaves only the counted columns
        weight, _column = columns[index]
        if used + weight <= limit:
            found = search(index + 1, span, used + weight)
            if found is not None:
                return found
        if len(span) > 1:
            pivot = next(i for i, v in enumerate(values) if v)
            inverse = pow(values[pivot], PRIME - 2, PRIME)
            narrowed = []
            for i, y in enumerate(span):
                if i == pivot:
                    continue
                factor = values[i] * inverse % PRIME
                narrowed.append([(a - factor * b) % PRIME for a, b in zip(y, span[pivot], strict=True)])
            return search(index + 1, narrowed, used)
        return None

    identity = [[1 if i == j else 0 for j in range(d)] for i in range(d)]
    try:
        return search(0, identity, 0)
    except _BudgetExceeded:
        return -1
