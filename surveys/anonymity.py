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

Only atoms below the threshold can be in such a support. So the audit orders large atoms first,
computes the reduced row echelon form over a large prime field (python-flint, exact), keeps the
rows that live on small atoms only (the subspace of formulas that avoid every large atom), and
searches that subspace for a combination covering fewer than ``threshold`` respondents (a
branch-and-bound over columns that either cancel or count). Working over a prime field can only
find more dependencies than over the rationals, never fewer, so it errs on the side of hiding.
If the search grows beyond a fixed budget the candidate is refused as well ("too complex").
"""

from __future__ import annotations

from dataclasses import dataclass

import flint
import numpy as np
from django.conf import settings

# A Mersenne prime below 2**64: word-sized arithmetic in FLINT, and dependencies over Q survive
# reduction modulo p (a rational combination scaled to coprime integers stays non-zero).
PRIME = (1 << 61) - 1
SEARCH_BUDGET = 20000



def reporting_threshold() -> int:
    """The minimum reporting group: no figure may rest on fewer respondents than this."""
    return max(3, settings.REPORTING_THRESHOLD)


def comment_threshold() -> int:
    """Free texts of a question are shown only when at least this many people wrote one."""
    return max(3, settings.COMMENT_THRESHOLD)


def at_least(count: int | None, threshold: int) -> bool:
    """The one comparison of a count with a threshold; every other module asks this layer."""
    return count is not None and count >= threshold


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


def audit(*, published: np.ndarray, candidate: np.ndarray, weights: np.ndarray, threshold: int) -> Verdict:
    """May ``candidate`` (a row over profiles) be published next to ``published`` (rows x profiles)?

    ``weights`` gives the respondents per profile for the answer set being audited.
    """
    if int(weights[candidate].sum()) < threshold:
        return Verdict(ok=False, reason=SMALL)
    rows = np.vstack([published, candidate[None, :]]) if len(published) else candidate[None, :]
    live = weights > 0
    rows, weights = rows[:, live], weights[live]
    covered = rows.any(axis=0)  # respondents in no published group are in no formula
    rows, weights = rows[:, covered], weights[covered]
    rows = rows[rows.any(axis=1)]
    if rows.shape[1] == 0:
        return SAFE
    # Atoms: profiles with the same membership pattern.
    packed = np.packbits(rows, axis=0).T
    _patterns, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    atom_weights = np.bincount(inverse.ravel(), weights=weights, minlength=len(first)).astype(np.int64)
    matrix = rows[:, first].astype(np.int64)
    small = atom_weights < threshold
    if not small.any():
        return SAFE
    order = np.concatenate([np.flatnonzero(~small), np.flatnonzero(small)])
    matrix, atom_weights = matrix[:, order], atom_weights[order]
    n_large = int((~small).sum())
    full = flint.nmod_mat(matrix.tolist(), PRIME)
    rank = full.rank()
    rank_large = flint.nmod_mat(matrix[:, :n_large].tolist(), PRIME).rank() if n_large else 0
    if rank == rank_large:
        return SAFE  # every derivable formula touches a large atom
    reduced, rank = full.rref()
    width = matrix.shape[1]
    entries = [int(x) for x in reduced.entries()]
    basis = []
    for r in range(rank):
        row = entries[r * width : (r + 1) * width]
        pivot = next(c for c, value in enumerate(row) if value)
        if pivot >= n_large:
            basis.append(row[n_large:])
    exposed = _small_combination(basis, [int(w) for w in atom_weights[n_large:]], threshold)
    if exposed is None:
        return SAFE
    if exposed == -1:
        return Verdict(ok=False, reason=COMPLEX)
    return Verdict(ok=False, reason=DIFFERENCING, exposed=exposed)


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
