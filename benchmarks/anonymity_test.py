"""Disclosure control: auditing one more group of a wave with 50,000 invitees at 60% participation
(30,000 respondents) against a ledger of a few hundred published groups; the portal asks for well
under 100 ms per audit. Pure: the profiles are synthetic (numpy), no database is touched.

The company: a department tree of depth 4 (a root, 6 divisions, 39 areas, 221 teams: 267
departments; parents have staff of their own), 20 locations (each department mostly at one
site), 5 tenure bands and 10 segment tags (each held by 3-15% of people). The ledger is what a
closed wave publishes in the order the portal checks it: everyone, each parent with its
sub-departments, each department's own members, locations, tenure bands; the segments are then
the candidates, each audited against that ledger.
"""

import statistics
import time

import numpy as np
import pytest

from surveys.anonymity import Profiles, Unit, audit, members

INVITEES = 50_000
PARTICIPATION = 0.6
THRESHOLD = 5
TENURE = ("lt1", "1-3", "3-5", "5-10", "10+")


def company(seed: int = 7) -> tuple[Profiles, dict[int, set[int]], list[int]]:
    """Profiles of the respondents, the department subtrees, and the parents top-down."""
    rng = np.random.default_rng(seed)
    parent = {0: None}
    levels = [[0]]
    for fan_out in (6, 6, 6):
        level = []
        for up in levels[-1]:
            for _ in range(int(rng.integers(fan_out - 2, fan_out + 2)) if up else fan_out):
                parent[len(parent)] = up
                level.append(len(parent) - 1)
        levels.append(level)
    departments = np.array(sorted(parent))
    subtree = {d: {d} for d in parent}
    for d in parent:
        up = parent[d]
        while up is not None:
            subtree[up].add(d)
            up = parent[up]
    parents = [d for level in levels for d in level if len(subtree[d]) > 1]

    respondents = int(INVITEES * PARTICIPATION)
    # Teams hold most people; parents keep a small staff of their own.
    size = np.where([len(subtree[d]) > 1 for d in departments], 0.3, 1.0) * rng.uniform(0.5, 1.5, len(departments))
    department = rng.choice(departments, size=respondents, p=size / size.sum())
    home = rng.integers(0, 20, len(departments))
    location = np.where(rng.random(respondents) < 0.8, home[department], rng.integers(0, 20, respondents))
    tenure = rng.choice(len(TENURE), size=respondents, p=[0.1, 0.25, 0.25, 0.2, 0.2])
    segments = rng.random((respondents, 10)) < np.linspace(0.03, 0.15, 10)

    code = (department * 20 + location) * 5 + tenure
    code = code * 1024 + segments @ (1 << np.arange(10))
    profiles, counts = np.unique(code, return_counts=True)
    rows = []
    for value in profiles.tolist():
        tags = [s for s in range(10) if value >> s & 1]
        value >>= 10
        rows.append((value // 100, value // 5 % 20, TENURE[value % 5], tags, 1))
    return Profiles.from_rows(rows, {"*": counts.tolist()}), subtree, parents


def ledger_order(subtree, parents) -> list[Unit]:
    return (
        [Unit("all", upto_batch=1)]
        + [Unit("unit", str(d), upto_batch=1) for d in parents]
        + [Unit("department", str(d), upto_batch=1) for d in sorted(subtree)]
        + [Unit("location", str(loc), upto_batch=1) for loc in range(20)]
        + [Unit("tenure", band, upto_batch=1) for band in TENURE]
    )


@pytest.fixture(scope="module")
def published_wave():
    profiles, subtree, parents = company()
    weights = profiles.weights["*"]
    published = np.zeros((0, len(profiles)), dtype=bool)
    started = time.perf_counter()
    units = ledger_order(subtree, parents)
    for unit in units:
        row = members(unit, profiles, subtree)
        if audit(published=published, candidate=row, weights=weights, threshold=THRESHOLD).ok:
            published = np.vstack([published, row])
    per_audit = (time.perf_counter() - started) / len(units)
    return profiles, subtree, published, per_audit, len(units)


def test_audit_one_more_group(published_wave, report):
    profiles, subtree, published, per_audit, audited = published_wave
    weights = profiles.weights["*"]
    candidates = [members(Unit("segment", str(s), upto_batch=1), profiles, subtree) for s in range(10)]
    timings, verdicts = [], []
    for _ in range(3):
        for row in candidates:
            started = time.perf_counter()
            verdicts.append(audit(published=published, candidate=row, weights=weights, threshold=THRESHOLD))
            timings.append(time.perf_counter() - started)
    shape = f"{len(profiles):,} profiles, {int(weights.sum()):,} respondents, {len(published)} of {audited} groups published"
    report(f"anonymity: build the ledger ({shape}), per audit", per_audit * 1000, "ms")
    report(f"anonymity: audit one more group (median of {len(timings)}; {shape})", statistics.median(timings) * 1000, "ms")
    report("anonymity: segment candidates accepted", sum(v.ok for v in verdicts) / 3, "of 10")
    assert len(published) > 0.8 * audited  # a realistic ledger, not one the audit refused wholesale
