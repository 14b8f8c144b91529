"""An attacker who reads every figure the portal publishes and solves them as a linear system.

Independent of ``surveys.anonymity``: it reads what the pages' read API (``surveys.figures``)
shows, rebuilds each shown group's members from the stored responses (the ground truth), and
checks with exact rational arithmetic whether any combination of the published sums covers
fewer than the threshold of people: a vector in the row space whose support is that small.
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from itertools import combinations

from people.models import Department
from surveys import figures
from surveys.models import Answer, Dimension, Response, Wave


class Attacker:
    def __init__(self, wave: Wave):
        self.wave = wave
        # answer set -> set of published groups (dimension, key, upto_batch, without)
        self.seen: dict[str, set[tuple]] = defaultdict(set)

    # --- reading what is published ----------------------------------------------------

    def read(self, dimension: str) -> None:
        """Read one breakdown of the results page (and with it the total) as a user would."""
        wave = Wave.objects.get(pk=self.wave.pk)
        results = figures.wave_results(wave=wave, dimension=dimension)
        upto = wave.results_batch
        rows = [(results.total, [q.total for q in results.questions])]
        rows += [(group, [q.cells[i] for q in results.questions]) for i, group in enumerate(results.groups)]
        for group, cells in rows:
            if group.responses is None:
                continue
            unit = (group.dimension, group.key, upto, tuple(group.without))
            self.seen["*"].add(unit)
            for q, cell in zip(results.questions, cells, strict=True):
                if not cell.hidden and q.question.kind != "text":
                    self.seen[f"q{q.question.pk}"].add(unit)

    def read_internal(self) -> None:
        wave = Wave.objects.get(pk=self.wave.pk)
        results = figures.internal_customer_results(wave=wave)
        upto = wave.results_batch
        overall = results["overall_question"]
        for (provider, cells), score in zip(results["matrix"], results["scorecards"], strict=True):
            for customer, cell in zip(results["customers"], cells, strict=True):
                if not cell.hidden and overall is not None:
                    self.seen[f"p{provider.pk}q{overall.pk}"].add((Dimension.DEPARTMENT, str(customer.pk), upto, ()))
            for question, cell in score.items:
                if not cell.hidden:
                    self.seen[f"p{provider.pk}q{question.pk}"].add((Dimension.ALL, "", upto, tuple(score.without)))

    # --- solving ----------------------------------------------------------------------

    def exposures(self, threshold: int) -> list[tuple[str, int]]:
        """(answer set, people) for every combination of published sums that covers fewer than
        ``threshold`` people. Empty when the published figures protect everyone."""
        tree = _tree()
        respondents = list(
            Response.objects.filter(wave=self.wave).values("id", "department_id", "location_id", "tenure_band", "segment_ids", "batch")
        )
        answered = defaultdict(set)
        for response_id, question_id, provider_id in (
            Answer.objects.filter(response__wave=self.wave).exclude(value=None).values_list("response_id", "question_id", "provider_id")
        ):
            answered[f"p{provider_id}q{question_id}" if provider_id else f"q{question_id}"].add(response_id)
        found = []
        for answer_set, units in self.seen.items():
            people = respondents if answer_set == "*" else [r for r in respondents if r["id"] in answered[answer_set]]
            rows = [[1 if _member(unit, r, tree) else 0 for r in people] for unit in sorted(units)]
            exposed = smallest_support(rows, threshold)
            if exposed is not None:
                found.append((answer_set, exposed))
        return found


def _tree() -> dict[int, set[int]]:
    children = defaultdict(list)
    for pk, parent in Department.objects.values_list("pk", "parent_id"):
        children[parent].append(pk)
    tree = {}
    for pk in [pk for ids in children.values() for pk in ids]:
        below, stack = set(), [pk]
        while stack:
            node = stack.pop()
            below.add(node)
            stack.extend(children.get(node, ()))
        tree[pk] = below
    return tree


def _member(unit: tuple, r: dict, tree: dict) -> bool:
    dimension, key, upto, without = unit
    department = r["department_id"] if r["department_id"] is not None else -1
    if r["batch"] > upto or department in without:
        return False
    if dimension == Dimension.ALL:
        return True
    if dimension == Dimension.DEPARTMENT:
        return department == (int(key) if key else -1)
    if dimension == Dimension.UNIT:
        return department in tree.get(int(key), {int(key)})
    if dimension == Dimension.LOCATION:
        return (r["location_id"] if r["location_id"] is not None else -1) == (int(key) if key else -1)
    if dimension == Dimension.TENURE:
        return r["tenure_band"] == key
    if dimension == Dimension.SEGMENT:
        return int(key) in (r["segment_ids"] or [])
    raise ValueError(dimension)


def smallest_support(rows: list[list[int]], threshold: int) -> int | None:
    """The people count of a non-zero vector in the row space of ``rows`` (0/1 over people)
    supported on fewer than ``threshold`` people, or None. Exact: Fractions, and every subset
    of small atoms whose people total stays below the threshold."""
    if not rows or not rows[0]:
        return None
    people = len(rows[0])
    patterns = defaultdict(int)
    for j in range(people):
        column = tuple(row[j] for row in rows)
        if any(column):
            patterns[column] += 1
    atoms = sorted(patterns, key=lambda a: patterns[a] < threshold)  # large atoms first
    weights = [patterns[a] for a in atoms]
    large = sum(1 for w in weights if w >= threshold)
    reduced = _rref([[Fraction(atom[i]) for atom in atoms] for i in range(len(rows))])
    # Formulas that avoid every large atom: reduced rows whose pivot lies among the small atoms.
    basis = [row[large:] for row in reduced if next(j for j, v in enumerate(row) if v) >= large]
    if not basis:
        return None
    small_weights = weights[large:]
    support = [j for j in range(len(small_weights)) if any(row[j] for row in basis)]
    for size in range(1, threshold):
        for subset in combinations(support, size):
            people_in = sum(small_weights[j] for j in subset)
            if people_in >= threshold:
                continue
            outside = [j for j in support if j not in subset]
            if len(_rref([[row[j] for j in outside] for row in basis])) < len(basis):
                return people_in
    return None


def _rref(matrix: list[list[Fraction]]) -> list[list[Fraction]]:
    """Reduced row echelon form over the rationals; only the non-zero rows."""
    rows = [list(r) for r in matrix if any(r)]
    rank, width = 0, len(rows[0]) if rows else 0
    for column in range(width):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][column] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        lead = rows[rank][column]
        rows[rank] = [v / lead for v in rows[rank]]
        for i in range(len(rows)):
            if i != rank and rows[i][column] != 0:
                factor = rows[i][column]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rows[:rank]
