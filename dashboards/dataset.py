"""A synthetic organisation with a year of weekly pulses, for benchmarks (``generate_dataset``).

Deterministic for a seed: every random choice comes from ``random.Random`` seeded from it, and
rows are read back in a fixed order. Only the row keys of responses and answers are truly random
(version-4 UUIDs from the OS), as the anonymity rules ask. Data follows the storage rules of real answers
(DESIGN.md "Anonymity" 1-2): a response keeps the wave and a reporting snapshot (department,
location, segment ids, tenure band; units below the threshold left out, as counting does), no
time and no invitation; an invitation records only that it was used and on which day. Each wave's
responses are written in shuffled order. Bulk paths only: PostgreSQL COPY through psycopg.
"""

import os
import random
import time
from collections import Counter
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from people.models import Department, Employee, Location, Segment, tenure_band
from surveys import services as survey_services
from surveys.anonymity import unit_reportable
from surveys.bank import load_bank
from surveys.models import Question, QuestionOption, SurveyTemplate, Wave, WaveQuestion

PREFIX = "ds-"
ENGAGEMENT_CODES = (
    "eng-proud",
    "eng-motivated",
    "eng-stay",
    "eng-recognition",
    "eng-growth",
    "eng-purpose",
    "eng-heard",
    "eng-resources",
    "eng-satisfied",
)
PULSE_CODES = (*ENGAGEMENT_CODES, "enps")  # the ten questions of every wave
COMMENT_CODE = "ideas-open"  # an optional free-text question, answered by a few
PARTICIPATION = 0.6
COMMENT_SHARE = 0.04
EXIT_SHARE = 0.12
HIRE_YEARS = 20
DIVISIONS = (
    ("sales", "Sales", "Vertrieb"),
    ("operations", "Operations", "Betrieb"),
    ("production", "Production", "Produktion"),
    ("service", "Customer Service", "Kundenservice"),
    ("finance", "Finance", "Finanzen"),
    ("it", "IT", "IT"),
    ("hr", "People & HR", "Personal"),
    ("rnd", "Research & Development", "Forschung & Entwicklung"),
)
TEAMS = ("North", "South", "East", "West", "Central", "Projects", "Support")
LOCATIONS = (
    ("Berlin HQ", "on_site"),
    ("Hamburg", "on_site"),
    ("Munich", "on_site"),
    ("Cologne", "on_site"),
    ("Leipzig plant", "on_site"),
    ("Field sales", "off_site"),
    ("Remote", "off_site"),
    ("Customer sites", "off_site"),
)
FIRST_NAMES = ("Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hannah", "Jonas", "Lea", "Max", "Mia", "Noah", "Paul", "Sofia")
LAST_NAMES = ("Becker", "Fischer", "Hoffmann", "Koch", "Meyer", "Müller", "Richter", "Schmidt", "Schneider", "Wagner", "Weber", "Wolf")
JOB_FAMILIES = ("Sales", "Engineering", "Operations", "Service", "Administration", "Management")
COMMENTS = (
    "More time for training would help.",
    "Our team meetings are useful.",
    "Tools are slow, please improve the laptops.",
    "Clearer priorities from management, please.",
    "I appreciate the flexible working hours.",
    "Communication between departments could be better.",
    "Great colleagues, great atmosphere.",
    "Too many meetings.",
)


def exists() -> bool:
    return (
        Employee.objects.filter(employee_number__startswith=PREFIX).exists() or Department.objects.filter(code__startswith=PREFIX).exists()
    )


def _copy(table: str, columns: tuple[str, ...], rows) -> int:
    """COPY rows (tuples of already formatted text, None for NULL) into a table."""
    raw = connection.cursor().connection
    n = 0
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buffer = []
        for row in rows:
            buffer.append("\t".join(r"\N" if v is None else str(v) for v in row))
            n += 1
            if len(buffer) >= 20000:
                copy.write("\n".join(buffer) + "\n")
                buffer = []
        if buffer:
            copy.write("\n".join(buffer) + "\n")
    return n


def _copy_lines(table: str, columns: tuple[str, ...], lines: list[str]) -> None:
    """COPY lines already in COPY's text format."""
    raw = connection.cursor().connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for start in range(0, len(lines), 50000):
            copy.write("\n".join(lines[start : start + 50000]) + "\n")


def _random_keys(n: int):
    """``n`` random version-4 UUIDs as text (from the OS, never from the seed), made in bulk."""
    digits = os.urandom(16 * n).hex()
    variant = "89ab"
    for i in range(0, 32 * n, 32):
        k = digits[i : i + 32]
        yield f"{k[:8]}-{k[8:12]}-4{k[13:16]}-{variant[int(k[16], 16) & 3]}{k[17:20]}-{k[20:]}"


def _array(values) -> str:
    return "{" + ",".join(str(v) for v in values) + "}"


def _clean(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


class Generator:
    def __init__(self, *, employees: int, weeks: int, seed: int, out=None):
        self.size = employees
        self.weeks = weeks
        self.seed = seed
        self.out = out
        self.today = timezone.localdate()
        self.timings: dict[str, float] = {}

    def say(self, message: str) -> None:
        if self.out is not None:
            self.out.write(message)

    def rng(self, *parts) -> random.Random:
        # Synthetic data, reproducible on purpose: not for anything secret.
        return random.Random("/".join(str(p) for p in (self.seed, *parts)))  # noqa: S311

    def phase(self, name: str, func, *args):
        started = time.perf_counter()
        result = func(*args)
        self.timings[name] = time.perf_counter() - started
        self.say(f"  {name}: {self.timings[name]:.1f} s")
        return result

    def run(self) -> dict[str, float]:
        self.phase("organisation", self.organisation)
        self.phase("employees", self.employees)
        self.phase("waves", self.waves)
        self.phase("rollups", self.rollups)
        self.phase("kpis", self.kpis)
        return self.timings

    # --- organisation --------------------------------------------------------------------

    @transaction.atomic
    def organisation(self) -> None:
        rng = self.rng("org")
        root = Department.objects.create(code=f"{PREFIX}company", name_en="Dataset Company", name_de="Dataset Unternehmen")
        self.leaves: list[Department] = []
        self.divisions: list[Department] = []
        for code, en, de in DIVISIONS:
            division = Department.objects.create(code=f"{PREFIX}{code}", name_en=en, name_de=de, parent=root)
            self.divisions.append(division)
            for team in rng.sample(TEAMS, rng.randint(5, 7)):
                slug = team.lower()
                self.leaves.append(
                    Department.objects.create(
                        code=f"{PREFIX}{code}-{slug}", name_en=f"{en} {team}", name_de=f"{de} {team}", parent=division
                    )
                )
        self.root = root
        self.locations = [Location.objects.get_or_create(name=f"{name} (dataset)", defaults={"kind": kind})[0] for name, kind in LOCATIONS]
        self.customer_facing_divisions = {self.divisions[0].pk, self.divisions[3].pk}
        segments = (
            ("Dataset: customer-facing", {"match": "all", "conditions": [{"field": "customer_facing", "values": ["true"]}]}),
            (
                "Dataset: southern sites",
                {"match": "all", "conditions": [{"field": "location", "values": [loc.pk for loc in self.locations[2:5]]}]},
            ),
        )
        self.segments = [Segment.objects.update_or_create(name=name, defaults={"rules": rules})[0] for name, rules in segments]
        self.say(
            f"    {1 + len(self.divisions) + len(self.leaves)} departments, {len(self.locations)} locations, {len(self.segments)} segments"
        )

    # --- employees -----------------------------------------------------------------------

    @transaction.atomic
    def employees(self) -> None:
        rng = self.rng("employees")
        today = self.today
        first_hire = today - timedelta(days=365 * HIRE_YEARS)
        span = (today - first_hire).days
        # Departments differ in size; a few people sit in the division and company units (heads).
        weights = [rng.uniform(0.4, 1.6) for _ in self.leaves]
        location_weights = [6, 3, 3, 2, 3, 1.5, 1.5, 1]
        now = timezone.now().isoformat()
        people = []
        heads = [self.root, *self.divisions]
        for n in range(self.size):
            department = heads[n] if n < len(heads) else rng.choices(self.leaves, weights)[0]
            # More recent hires than old ones (growth and turnover): the square skews to recent dates.
            hire = first_hire + timedelta(days=int(span * (1 - rng.random() ** 2)))
            if n < len(heads) + len(self.leaves):
                hire = min(hire, today - timedelta(days=3 * 365))
            exit_date = None
            if n >= len(heads) and rng.random() < EXIT_SHARE:
                exit_date = max(hire + timedelta(days=30), today - timedelta(days=rng.randint(1, 730)))
                if exit_date >= today:
                    exit_date = None
            location = rng.choices(self.locations, location_weights)[0]
            division_id = department.parent_id if department.parent_id != self.root.pk else department.pk
            customer_facing = division_id in self.customer_facing_divisions or rng.random() < 0.1
            people.append((n, department.pk, location.pk, hire, exit_date, customer_facing))
        rows = (
            (
                f"{PREFIX}{n:06d}",
                FIRST_NAMES[n % len(FIRST_NAMES)],
                f"{LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)]} {n}",
                f"ds{n:06d}@dataset.example",
                "en" if n % 4 == 0 else "de",
                department_id,
                location_id,
                JOB_FAMILIES[n % len(JOB_FAMILIES)],
                "t" if customer_facing else "f",
                hire.isoformat(),
                exit_date.isoformat() if exit_date else None,
                now,
                now,
            )
            for n, department_id, location_id, hire, exit_date, customer_facing in people
        )
        columns = (
            "employee_number",
            "first_name",
            "last_name",
            "email",
            "preferred_language",
            "department_id",
            "location_id",
            "job_family",
            "customer_facing",
            "hire_date",
            "exit_date",
            "created",
            "modified",
        )
        _copy("people_employee", columns, rows)
        ids = dict(Employee.objects.filter(employee_number__startswith=PREFIX).values_list("employee_number", "pk"))
        self.people = [(ids[f"{PREFIX}{n:06d}"], *rest) for n, *rest in people]
        self._reporting_lines(rng)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE people_employee")
        self.say(f"    {len(self.people):,} employees, {sum(1 for p in self.people if p[4]):,} exited")

    def _reporting_lines(self, rng: random.Random) -> None:
        """A head per department (the division's head above), team leads of about ten below."""
        heads: dict[int, int] = {}
        members: dict[int, list[int]] = {}
        for pk, department_id, _location, _hire, exit_date, _cf in self.people:
            if exit_date is None:
                members.setdefault(department_id, []).append(pk)
        for department_id, pks in members.items():
            heads[department_id] = pks[0]
        managers: dict[int, int] = {}
        parents = {d.pk: d.parent_id for d in (self.root, *self.divisions, *self.leaves)}
        for department_id, pks in members.items():
            head = pks[0]
            parent = parents[department_id]
            while parent is not None and parent not in heads:
                parent = parents[parent]
            if parent is not None:
                managers[head] = heads[parent]
            leads = pks[1 : 1 + max(1, (len(pks) - 1) // 10)]
            for lead in leads:
                managers[lead] = head
            for i, pk in enumerate(pks[1 + len(leads) :]):
                managers[pk] = leads[i % len(leads)] if leads else head
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE people_employee e SET manager_id = v.m FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, m) WHERE e.id = v.id",
                [list(managers), list(managers.values())],
            )
            for department_id, head in heads.items():
                cursor.execute("UPDATE people_department SET head_id = %s WHERE id = %s", [head, department_id])

    # --- waves ---------------------------------------------------------------------------

    def _template(self) -> tuple[SurveyTemplate, list]:
        load_bank(Question, QuestionOption)
        template = survey_services.template_create(name="Dataset weekly pulse")
        survey_services.template_section_add(template=template, title_en="Pulse", title_de="Puls")
        questions = {q.code: q for q in Question.objects.filter(code__in=(*PULSE_CODES, COMMENT_CODE))}
        for code in PULSE_CODES:
            survey_services.template_item_add(template=template, question=questions[code])
        survey_services.template_item_add(template=template, question=questions[COMMENT_CODE], required=False)
        return template, [questions[c] for c in (*PULSE_CODES, COMMENT_CODE)]

    def waves(self) -> None:
        template, questions = self._template()
        # Stable traits: a person's mood and a department's climate, so results have structure.
        traits = self.rng("traits")
        climate = {d.pk: traits.gauss(0, 0.35) for d in (self.root, *self.divisions, *self.leaves)}
        mood = {p[0]: traits.gauss(3.5, 0.6) + climate[p[1]] for p in self.people}
        response_rate = {d: min(0.95, max(0.25, PARTICIPATION + traits.gauss(0, 0.1))) for d in climate}
        first_monday = self.today - timedelta(days=self.today.weekday()) - timedelta(weeks=self.weeks)
        segment_cf, segment_sites = self.segments
        sites = {loc.pk for loc in self.locations[2:5]}
        self.wave_ids = []
        totals = Counter()
        for week in range(self.weeks):
            opens_on = first_monday + timedelta(weeks=week)
            closes_on = opens_on + timedelta(days=4)
            with transaction.atomic():
                counts = self._wave(
                    week, template, questions, opens_on, closes_on, mood, response_rate, segment_cf.pk, segment_sites.pk, sites
                )
            totals.update(counts)
            if week % 10 == 9 or week == self.weeks - 1:
                self.say(f"    wave {week + 1}/{self.weeks}: {totals['invited']:,} invitations, {totals['responses']:,} responses")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE surveys_invitation, surveys_response, surveys_answer")

    def _wave(self, week, template, questions, opens_on, closes_on, mood, response_rate, cf_segment, sites_segment, sites) -> Counter:
        rng = self.rng("wave", week)
        wave = Wave.objects.create(
            template=template,
            title=f"Weekly pulse {opens_on.isocalendar().year}-W{opens_on.isocalendar().week:02d}",
            status=Wave.Status.CLOSED,
            opens_on=opens_on,
            closes_on=closes_on,
            reminders_sent=2,
        )
        WaveQuestion.objects.bulk_create(
            WaveQuestion(wave=wave, question=q, section_en="Pulse", section_de="Puls", position=i, required=q.code != COMMENT_CODE)
            for i, q in enumerate(questions, start=1)
        )
        invited = []
        for pk, department_id, location_id, hire, exit_date, customer_facing in self.people:
            if hire > opens_on or (exit_date is not None and exit_date <= opens_on):
                continue
            segment_ids = ([cf_segment] if customer_facing else []) + ([sites_segment] if location_id in sites else [])
            invited.append((pk, department_id, location_id, hire, segment_ids))
        # The reporting units a snapshot may name: those with at least the threshold of invitees.
        units = Counter()
        for _pk, department_id, location_id, hire, segment_ids in invited:
            units["d", department_id] += 1
            units["l", location_id] += 1
            units["t", tenure_band(hire, opens_on)] += 1
            units.update(("s", s) for s in segment_ids)
        keep = {key for key, n in units.items() if unit_reportable(n)}
        window = (closes_on - opens_on).days
        invitations, responses = [], []
        for pk, department_id, location_id, hire, segment_ids in invited:
            used_on = None
            if rng.random() < response_rate[department_id]:
                used_on = opens_on + timedelta(days=min(window, int(rng.expovariate(0.8))))
                band = tenure_band(hire, used_on)
                responses.append(
                    (
                        department_id if ("d", department_id) in keep else None,
                        location_id if ("l", location_id) in keep else None,
                        [s for s in segment_ids if ("s", s) in keep],
                        band if ("t", band) in keep else "",
                        mood[pk] + rng.gauss(0, 0.3),
                    )
                )
            invitations.append(
                (
                    wave.pk,
                    pk,
                    "de",
                    _array(segment_ids),
                    used_on.isoformat() if used_on else None,
                    opens_on.isoformat(),
                    0 if used_on else 2,
                )
            )
        _copy(
            "surveys_invitation",
            ("wave_id", "employee_id", "language", "segment_ids", "used_on", "mailed_on", "reminders_sent"),
            invitations,
        )
        # Written in shuffled order with random keys: nothing follows the invitations' order.
        rng.shuffle(responses)
        response_rows, answer_lines = [], []
        comment_question = questions[-1].pk
        scored = [(q.pk, q.kind == "scale10") for q in questions[:-1]]
        keys = _random_keys(len(responses) * (len(scored) + 2))
        gauss, chance = rng.gauss, rng.random
        for department_id, location_id, segment_ids, band, feeling in responses:
            response_id = next(keys)
            response_rows.append((response_id, wave.pk, department_id, location_id, _array(segment_ids), band, 1))
            for question_id, nps in scored:
                value = round(feeling * 2.4 + gauss(-1.5, 1.8)) if nps else round(feeling + gauss(0, 0.8))
                value = min(10, max(0, value)) if nps else min(5, max(1, value))
                answer_lines.append(f"{next(keys)}\t{response_id}\t{question_id}\t{value}\t{{}}\t")
            if chance() < COMMENT_SHARE:
                text = _clean(rng.choice(COMMENTS))
                answer_lines.append(f"{next(keys)}\t{response_id}\t{comment_question}\t\\N\t{{}}\t{text}")
        _copy("surveys_response", ("id", "wave_id", "department_id", "location_id", "segment_ids", "tenure_band", "batch"), response_rows)
        _copy_lines("surveys_answer", ("id", "response_id", "question_id", "value", "choices", "text"), answer_lines)
        Wave.objects.filter(pk=wave.pk).update(invited_count=len(invitations), results_batch=1)
        self.wave_ids.append(wave.pk)
        return Counter(invited=len(invitations), responses=len(response_rows), answers=len(answer_lines))

    # --- results and KPIs ----------------------------------------------------------------

    def rollups(self) -> None:
        for i, wave in enumerate(Wave.objects.filter(pk__in=self.wave_ids).order_by("opens_on", "pk"), start=1):
            survey_services.wave_rollup(wave=wave)
            if i % 10 == 0 or i == len(self.wave_ids):
                self.say(f"    rolled up {i}/{len(self.wave_ids)} waves")

    def kpis(self) -> None:
        from kpis import services as kpi_services

        report = kpi_services.compute_kpis(months=kpi_services.default_months(), all_waves=True)
        self.say("    " + ", ".join(f"{name}: {written}" for name, written in report.items()))
        kpi_services.correlations_compute()
