"""A synthetic organisation with a year of weekly pulses, for benchmarks (``generate_dataset``).

What it builds: a department tree (company, eight divisions, their teams), locations, two
segments, employees with managers, hires and exits; a weekly pulse of ten questions (and an
optional comment) for ``weeks`` weeks at about 60 % participation; a quarterly internal-services
survey in which respondents rate providing divisions; anonymous improvement ideas, some linked
as evidence to the findings of an active IM program; the rollups and published results of every
wave; the survey, HR, phase and derived KPIs as the nightly job computes them, and 12 months of
imported KPI history. Three users can sign in (``BENCH_USERS``, password ``BENCH_PASSWORD``).

Deterministic for a seed: every random choice comes from ``random.Random`` seeded from it, and
rows are read back in a fixed order. Only the row keys of responses, answers and ideas are truly
random (from the OS), as the anonymity rules ask. Data follows the storage rules of real answers
(DESIGN.md "Anonymity" 1-2): a response keeps the wave and a reporting snapshot (department,
location, segment ids, tenure band; units below the threshold left out, as counting does), no
time and no invitation; an invitation records only that it was used and on which day. Each wave's
responses are written in the order of their random keys. Bulk paths only: PostgreSQL COPY through psycopg, and
multi-row inserts for the few thousand ideas and measurements.

The parameters and totals of a finished run are recorded in the description of the dataset's
pulse template (``RECORD``), where ``summary()`` reads them back.
"""

import contextlib
import multiprocessing
import os
import random
import re
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, connections, transaction
from django.utils import timezone

from common.roles import EMPLOYEE, EXECUTIVE, HR_MANAGER, ensure_role_groups
from kpis import periods
from kpis import services as kpi_services
from kpis.models import Kpi, Measurement, Scope
from people.models import Department, Employee, Location, Segment, tenure_band
from programs import services as program_services
from programs.models import Program
from surveys import services as survey_services
from surveys.anonymity import unit_reportable
from surveys.bank import load_bank
from surveys.demo import PULSE_CODES as demo_pulse_codes
from surveys.models import Idea, Question, QuestionOption, SurveyTemplate, Wave, WaveQuestion

PREFIX = "ds-"
# The ten questions of every wave: the demo company's weekly pulse (nine engagement items and the eNPS).
PULSE_CODES = tuple(demo_pulse_codes)
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

PULSE_TEMPLATE = "Dataset weekly pulse"
INTERNAL_TEMPLATE = "Dataset internal services"
SERVICE_CODES = (
    "service-reliability",
    "service-responsiveness",
    "service-communication",
    "service-helpfulness",
    "service-satisfaction",
    "service-inps",
)
# The divisions others rate as internal service providers, with how well they serve (1-5).
PROVIDERS = {"it": 3.9, "hr": 3.7, "finance": 3.1, "operations": 3.4}
PROVIDER_SERVICES = {
    "it": ("Laptops, accounts, the helpdesk and business applications.", "Laptops, Zugänge, Helpdesk und Fachanwendungen."),
    "hr": ("Hiring, payroll, training and advice for managers.", "Einstellungen, Entgelt, Weiterbildung und Beratung für Führungskräfte."),
    "finance": ("Budgets, invoices, travel expenses and reporting.", "Budgets, Rechnungen, Reisekosten und Berichte."),
    "operations": ("Facilities, purchasing and logistics.", "Gebäude, Einkauf und Logistik."),
}
BENCH_PASSWORD = "bench-portal-2026"  # noqa: S105 - a documented password of benchmark databases only
BENCH_USERS = (("bench.hr", "Hanna", HR_MANAGER), ("bench.exec", "Erik", EXECUTIVE), ("bench.employee", "Emma", EMPLOYEE))
RECORD = (
    "Generated for benchmarks by generate_dataset --employees {employees} --weeks {weeks} --seed {seed}: "
    "{waves} waves, {responses} responses, {answers} answers."
)
RECORD_PATTERN = re.compile(
    r"Generated for benchmarks by generate_dataset --employees (?P<employees>\d+) --weeks (?P<weeks>\d+) --seed (?P<seed>-?\d+): "
    r"(?P<waves>\d+) waves, (?P<responses>\d+) responses, (?P<answers>\d+) answers\."
)
# (title, body): submitted in English or German, as people write them.
IDEAS = (
    ("Shared calendar for meeting rooms", "A shared booking calendar would save us searching for a free room every day."),
    ("Gemeinsamer Kalender für Besprechungsräume", "Ein gemeinsamer Kalender spart jeden Tag die Suche nach einem freien Raum."),
    ("Ride-along days for office staff", "Office colleagues could join field sales for a day to understand our customers."),
    ("Workshop zum Beschwerdemanagement", "Ein kurzer Workshop zum Umgang mit Beschwerden für alle mit Kundenkontakt."),
    ("Paperless travel expenses", "Submit travel expenses in an app instead of a paper form."),
    ("Reisekosten per App", "Reisekostenabrechnung per App statt Papierformular, mit Foto der Belege."),
    ("Monthly open Q&A with management", "An open question round with the management once a month, questions may be anonymous."),
    ("Patenprogramm für neue Kolleginnen und Kollegen", "Jede neue Kollegin bekommt eine Patin aus einem anderen Team."),
    ("Customer stories in the newsletter", "Show in every newsletter what our work means for one customer."),
    ("Schichtplan früher veröffentlichen", "Der Schichtplan sollte mindestens vier Wochen im Voraus feststehen."),
    ("Standing desks in the open office", "Some height-adjustable desks would help colleagues with back pain."),
    ("Schilder im Lager auch auf Englisch", "Neue Kolleginnen und Kollegen verstehen die Beschilderung im Lager nicht."),
    ("Lessons learned after every project", "A short retrospective after each project so the next team can learn from it."),
    ("Weniger Pflichtmeetings am Freitag", "Freitags nur Meetings, die wirklich nötig sind, damit Zeit für Kunden bleibt."),
    ("Self-service password reset", "Let us reset our own passwords instead of waiting for the helpdesk."),
    ("Jobrad für alle Standorte", "Dienstfahrrad-Leasing auch für die Kolleginnen und Kollegen im Werk."),
)
IDEA_STATUSES = (Idea.Status.NEW, Idea.Status.UNDER_REVIEW, Idea.Status.ACCEPTED, Idea.Status.IMPLEMENTED, Idea.Status.DECLINED)
IDEA_STATUS_WEIGHTS = (2, 3, 3, 2, 2)
IDEA_ANSWERS = {
    Idea.Status.NEW: ("",),
    Idea.Status.UNDER_REVIEW: ("We are checking costs and dates.", "Wir prüfen Aufwand und Termine.", "The team is looking into it."),
    Idea.Status.ACCEPTED: ("Accepted: it starts next quarter.", "Angenommen, die Umsetzung beginnt im nächsten Quartal."),
    Idea.Status.IMPLEMENTED: ("Done, thank you for the idea!", "Umgesetzt, vielen Dank für die Idee!"),
    Idea.Status.DECLINED: (
        "Unfortunately not possible this year; we will look at it again.",
        "Leider in diesem Jahr nicht möglich; wir greifen es wieder auf.",
    ),
}
# (source, SWOT quadrant, description) of the dataset program's situation analysis.
FINDINGS = (
    ("improvement_ideas", "weakness", "Employees lose time with paper processes and slow tools."),
    ("improvement_ideas", "opportunity", "Office staff want to understand customers first-hand."),
    ("employee_survey", "weakness", "Recognition scores lowest of the engagement items in most divisions."),
    ("employee_survey", "strength", "People understand how their work serves our customers."),
)
HISTORY_MONTHS = 12  # imported KPI history
IMPORTED_KPIS = (
    "absenteeism-rate",
    "platform-usage",
    "training-hours",
    "cost-per-hire",
    "customer-satisfaction",
    "customer-nps",
    "complaint-rate",
    "revenue",
)
ABSENTEEISM = {"production": 7.5, "operations": 6.8, "service": 5.4}  # percent; 4.5 elsewhere
REVENUE = {"sales": 1_400_000, "service": 350_000}  # euro per month and division
CUSTOMER_FACING = {"sales", "service"}  # customer satisfaction follows engagement here


def started() -> bool:
    """Whether a generated dataset, finished or not, is in the database (a second one would clash)."""
    return (
        Employee.objects.filter(employee_number__startswith=PREFIX).exists() or Department.objects.filter(code__startswith=PREFIX).exists()
    )


def summary() -> dict | None:
    """The parameters and totals of the finished generated dataset in this database, or None:
    {"employees", "answers", "responses", "waves", "seed", "weeks"} (waves counts the pulse and
    internal-services waves). Read from the record the generator leaves: one query."""
    description = SurveyTemplate.objects.filter(name=PULSE_TEMPLATE).order_by("pk").values_list("description", flat=True).first()
    match = RECORD_PATTERN.fullmatch(description or "")
    if match is None:
        return None
    return {key: int(value) for key, value in match.groupdict().items()}


def exists() -> bool:
    """Whether a finished generated dataset is in the database."""
    return summary() is not None


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


@contextlib.contextmanager
def _bulk_load():
    """Skip the per-row foreign-key triggers while COPY runs, where the role may (a superuser):
    PostgreSQL checks each of a wave's 300,000 answers against its response one by one at
    commit, which took longer than writing them. The generator makes every reference itself, so
    nothing is left unchecked that could be wrong. Only inside the caller's transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
        if superuser:
            cursor.execute("SET LOCAL session_replication_role = replica")
        try:
            yield
        finally:
            if superuser:
                cursor.execute("SET LOCAL session_replication_role = origin")


def _random_id() -> int:
    """A random key for an idea, from the OS like ``surveys.models.random_id``."""
    return int.from_bytes(os.urandom(7)) % 2**52 + 1


def _null(value) -> str:
    return r"\N" if value is None else str(value)


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
    def __init__(self, *, employees: int, weeks: int, seed: int, jobs: int = 1, out=None):
        self.size = employees
        self.weeks = weeks
        self.seed = seed
        self.jobs = jobs
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
        self.phase("users", self.users)
        self._start_publishing()
        try:
            self.phase("waves", self.waves)
            self.phase("internal services", self.internal_services)
            self.phase("ideas", self.ideas)
            self.phase("rollups", self.rollups)
        finally:
            self._stop_publishing()
        self.phase("kpis", self.kpis)
        self.phase("record", self.record)
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
        with _bulk_load():
            _copy("people_employee", columns, rows)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE people_employee")
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

    # --- bench users ---------------------------------------------------------------------

    def users(self) -> None:
        self.bench_users = bench_users()
        self.say("    " + ", ".join(f"{u.username} ({role})" for u, role in self.bench_users))

    # --- waves ---------------------------------------------------------------------------

    def _template(self, name: str, kind: str, codes, optional=()) -> tuple[SurveyTemplate, list]:
        load_bank(Question, QuestionOption)
        template = survey_services.template_create(name=name, kind=kind)
        questions = {q.code: q for q in Question.objects.filter(code__in=(*codes, *optional))}
        for code in codes:
            survey_services.template_item_add(template=template, question=questions[code])
        for code in optional:
            survey_services.template_item_add(template=template, question=questions[code], required=False)
        return template, [questions[c] for c in (*codes, *optional)]

    def _traits(self) -> None:
        """Stable traits: a person's mood and a department's climate, so results have structure."""
        traits = self.rng("traits")
        self.climate = {d.pk: traits.gauss(0, 0.35) for d in (self.root, *self.divisions, *self.leaves)}
        self.mood = {p[0]: traits.gauss(3.5, 0.6) + self.climate[p[1]] for p in self.people}
        self.response_rate = {d: min(0.95, max(0.25, PARTICIPATION + traits.gauss(0, 0.1))) for d in self.climate}
        self.first_monday = self.today - timedelta(days=self.today.weekday()) - timedelta(weeks=self.weeks)
        self.wave_ids: list[int] = []
        self.totals: Counter = Counter()

    def waves(self) -> None:
        self._traits()
        template, questions = self._template(PULSE_TEMPLATE, SurveyTemplate.Kind.PULSE, PULSE_CODES, optional=(COMMENT_CODE,))
        self.pulse_template = template
        comment_question = questions[-1].pk
        scored = [(q.pk, q.kind == "scale10") for q in questions[:-1]]

        def answers(person, feeling, rng):
            gauss = rng.gauss
            rows = []
            for question_id, nps in scored:
                value = _rating(feeling, nps, gauss)
                rows.append((question_id, None, value, ""))
            if rng.random() < COMMENT_SHARE:
                rows.append((comment_question, None, None, rng.choice(COMMENTS)))
            return rows

        for week in range(self.weeks):
            opens_on = self.first_monday + timedelta(weeks=week)
            iso = opens_on.isocalendar()
            with transaction.atomic():
                wave = self._wave(template, questions, f"Weekly pulse {iso.year}-W{iso.week:02d}", opens_on, opens_on + timedelta(days=4))
                self._fill(wave, self.rng("wave", week), answers)
            self._publish(wave)
            if week % 10 == 9 or week == self.weeks - 1:
                self.say(
                    f"    wave {week + 1}/{self.weeks}: {self.totals['invited']:,} invitations, {self.totals['responses']:,} responses"
                )

    def internal_services(self) -> None:
        """A quarterly internal customer survey: each respondent rates two or three providing
        divisions other than their own on the service items (answers carry the provider)."""
        template, questions = self._template(INTERNAL_TEMPLATE, SurveyTemplate.Kind.INTERNAL_CUSTOMER, SERVICE_CODES)
        self.internal_template = template
        providers = {d.code.removeprefix(PREFIX): d for d in self.divisions if d.code.removeprefix(PREFIX) in PROVIDERS}
        for code, department in providers.items():
            en, de = PROVIDER_SERVICES[code]
            Department.objects.filter(pk=department.pk).update(services_en=en, services_de=de, contact=f"{code}@dataset.example")
        division_of = {d.pk: d.pk for d in self.divisions}
        division_of |= {d.pk: d.parent_id for d in self.leaves}
        division_of[self.root.pk] = None
        items = [(q.pk, q.kind == "scale10") for q in questions]
        quality = {d.pk: PROVIDERS[code] for code, d in providers.items()}

        def answers(person, feeling, rng):
            own = division_of[person[1]]
            eligible = [pk for pk in sorted(quality) if pk != own]
            rows = []
            # A better mood lifts every rating a little; the provider's own quality dominates.
            for provider_id in rng.sample(eligible, min(len(eligible), rng.randint(2, 3))):
                mean = quality[provider_id] + 0.3 * (feeling - 3.5)
                for question_id, nps in items:
                    value = _rating(mean, nps, rng.gauss)
                    rows.append((question_id, provider_id, value, ""))
            return rows

        weeks = internal_weeks(self.weeks)
        for week in weeks:
            opens_on = self.first_monday + timedelta(weeks=week)
            quarter = (opens_on.month - 1) // 3 + 1
            # Closes a day before the week's pulse: the benchmark's "latest closed wave" stays a pulse.
            with transaction.atomic():
                wave = self._wave(
                    template, questions, f"Internal services {opens_on.year}-Q{quarter}", opens_on, opens_on + timedelta(days=3)
                )
                self._fill(wave, self.rng("internal", week), answers)
            self._publish(wave)
        self.say(f"    {len(weeks)} internal-services waves rating {len(providers)} providers")

    def _analyze(self) -> None:
        """COPY leaves the planner without statistics, and with stale ones the rollups' joins
        pick plans for a far smaller table: refresh them whenever the answers grew by a quarter."""
        if self.totals["answers"] < 1.25 * self.analyzed_at:
            return
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE surveys_invitation, surveys_response, surveys_answer")
        self.analyzed_at = self.totals["answers"]

    def _wave(self, template, questions, title, opens_on, closes_on) -> Wave:
        wave = Wave.objects.create(
            template=template, title=title, status=Wave.Status.CLOSED, opens_on=opens_on, closes_on=closes_on, reminders_sent=2
        )
        section = template.sections.order_by("position").first()  # the one section template_create makes
        WaveQuestion.objects.bulk_create(
            WaveQuestion(
                wave=wave, question=q, section_en=section.title_en, section_de=section.title_de, position=i, required=q.code != COMMENT_CODE
            )
            for i, q in enumerate(questions, start=1)
        )
        return wave

    def _fill(self, wave: Wave, rng: random.Random, answers_of) -> None:
        """Invite everyone employed when the wave opens; about PARTICIPATION of them answer.
        ``answers_of(person, feeling, rng)`` gives (question, provider, value, text) tuples."""
        opens_on, closes_on = wave.opens_on, wave.closes_on
        segment_cf, segment_sites = (s.pk for s in self.segments)
        sites = {loc.pk for loc in self.locations[2:5]}
        invited = []
        for pk, department_id, location_id, hire, exit_date, customer_facing in self.people:
            if hire > opens_on or (exit_date is not None and exit_date <= opens_on):
                continue
            segment_ids = ([segment_cf] if customer_facing else []) + ([segment_sites] if location_id in sites else [])
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
        for person in invited:
            pk, department_id, location_id, hire, segment_ids = person
            used_on = None
            if rng.random() < self.response_rate[department_id]:
                used_on = opens_on + timedelta(days=min(window, int(rng.expovariate(0.8))))
                band = tenure_band(hire, used_on)
                snapshot = (
                    department_id if ("d", department_id) in keep else None,
                    location_id if ("l", location_id) in keep else None,
                    [s for s in segment_ids if ("s", s) in keep],
                    band if ("t", band) in keep else "",
                )
                responses.append((snapshot, answers_of(person, self.mood[pk] + rng.gauss(0, 0.3), rng)))
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
        # Random keys, and written in the order of those keys: nothing follows the invitations'
        # order, and the answers' two indexes on their response get their entries in key order
        # (COPY's server time, index upkeep included, is most of a wave's writing time).
        keys = _random_keys(len(responses) + sum(len(a) for _s, a in responses))
        keyed = sorted(((next(keys), snapshot, answers) for snapshot, answers in responses), key=lambda r: r[0])
        response_rows, answer_lines = [], []
        for response_id, (department_id, location_id, segment_ids, band), answers in keyed:
            response_rows.append((response_id, wave.pk, department_id, location_id, _array(segment_ids), band, 1))
            for question_id, provider_id, value, text in answers:
                answer_lines.append(
                    f"{next(keys)}\t{response_id}\t{question_id}\t{_null(provider_id)}\t{_null(value)}\t{{}}\t{_clean(text)}"
                )
        with _bulk_load():
            _copy(
                "surveys_invitation",
                ("wave_id", "employee_id", "language", "segment_ids", "used_on", "mailed_on", "reminders_sent"),
                invitations,
            )
            _copy(
                "surveys_response", ("id", "wave_id", "department_id", "location_id", "segment_ids", "tenure_band", "batch"), response_rows
            )
            _copy_lines("surveys_answer", ("id", "response_id", "question_id", "provider_id", "value", "choices", "text"), answer_lines)
        Wave.objects.filter(pk=wave.pk).update(invited_count=len(invitations), results_batch=1)
        self.wave_ids.append(wave.pk)
        self.totals.update(invited=len(invitations), responses=len(response_rows), answers=len(answer_lines))

    # --- ideas ---------------------------------------------------------------------------

    def ideas(self) -> None:
        """Improvement ideas every week (about one per thousand employees, at least two),
        anonymous, about a department or the whole company; older ones answered. Accepted and
        implemented ideas are evidence for the findings of the dataset's IM program."""
        rng = self.rng("ideas")
        hr_user = next(u for u, role in self.bench_users if role == HR_MANAGER)
        start = self.first_monday
        program = program_services.program_create(
            actor=hr_user,
            name="Dataset IM program",
            description="Internal marketing program of the generated benchmark organisation.",
            start_date=start,
            end_date=self.today + timedelta(days=365),
            status=Program.Status.ACTIVE,
        )
        findings = [
            program_services.finding_create(program=program, actor=hr_user, scope="internal", source=source, swot=swot, description=text)
            for source, swot, text in FINDINGS
        ]
        targets = [None, self.root, *self.divisions, *self.leaves]
        ideas, links = [], []
        for week in range(self.weeks):
            monday = start + timedelta(weeks=week)
            for _n in range(max(2, round(self.size / 1000 * rng.uniform(0.6, 1.4)))):
                title, body = rng.choice(IDEAS)
                submitted = min(self.today, monday + timedelta(days=rng.randint(0, 6)))
                age = (self.today - submitted).days
                status = Idea.Status.NEW if age < 7 else rng.choices(IDEA_STATUSES, IDEA_STATUS_WEIGHTS)[0]
                answer = rng.choice(IDEA_ANSWERS[status]) if status != Idea.Status.NEW else ""
                answered_on = min(self.today, submitted + timedelta(days=rng.randint(2, 30))) if answer else None
                target = targets[0] if rng.random() < 0.3 else rng.choice(targets[1:])
                idea = Idea(
                    id=_random_id(),
                    title=title,
                    body=body,
                    department=target,
                    submitted_on=submitted,
                    status=status,
                    public_answer=answer,
                    answered_on=answered_on,
                )
                ideas.append(idea)
                if status in (Idea.Status.ACCEPTED, Idea.Status.IMPLEMENTED):
                    links.append(Idea.findings.through(idea_id=idea.id, finding_id=rng.choice(findings).pk))
        with transaction.atomic():
            Idea.objects.bulk_create(ideas, batch_size=2000)
            Idea.findings.through.objects.bulk_create(links, batch_size=2000)
        self.totals.update(ideas=len(ideas))
        self.say(f"    {len(ideas):,} ideas, {len(links):,} linked to {len(findings)} findings of an active program")

    # --- results and KPIs ----------------------------------------------------------------

    def _start_publishing(self) -> None:
        """Each wave is rolled up (published) and its survey KPIs computed as soon as it is
        written, as the close job would, by ``jobs`` worker processes while the next wave is
        generated: the writer's Python, the rollups' SQL and their disclosure audit overlap.
        Each rollup also reads the answers table as it was when its wave closed, not a year's."""
        self.analyzed_at = 0
        self.pending: list = []
        self.pool = None
        if self.jobs > 1 and not connection.in_atomic_block:
            connections.close_all()  # each worker opens its own connection
            self.pool = multiprocessing.get_context("fork").Pool(self.jobs)

    def _publish(self, wave: Wave) -> None:
        self._analyze()
        if self.pool is None:
            self.pending.append(_publish_wave(wave.pk))
        else:
            self.pending.append(self.pool.apply_async(_publish_wave, (wave.pk,)))

    def _stop_publishing(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None

    def rollups(self) -> None:
        """Wait for the waves still being published; report the time the workers spent."""
        done = []
        for i, result in enumerate(self.pending, start=1):
            done.append(result if isinstance(result, tuple) else result.get())
            if i % 10 == 0 or i == len(self.pending):
                self.say(f"    published {i}/{len(self.pending)} waves")
        rollup, kpis = sum(d[0] for d in done), sum(d[1] for d in done)
        self.say(
            f"    summed over {len(done)} waves: rollups {rollup:.1f} s ({rollup / max(1, len(done)):.1f} s a wave), "
            f"survey KPIs and drivers {kpis:.1f} s"
        )

    def kpis(self) -> None:
        """HR, feedback, derived and phase KPIs for the last 24 months as the nightly job computes
        them (the waves' survey KPIs were computed as they were published), then 12 months of
        imported history, revenue per employee and the correlations."""
        report = kpi_services.compute_kpis(months=kpi_services.default_months())
        self.say("    " + ", ".join(f"{name}: {written.created} created" for name, written in report.items()))
        rows = self._kpi_history()
        with transaction.atomic():
            Measurement.objects.bulk_create(rows, batch_size=2000)
        derived = kpi_services.store_computed(kpi_services.derived_values(months=kpi_services.default_months()))
        kpi_services.correlations_compute()
        self.say(f"    {len(rows):,} imported measurements over {HISTORY_MONTHS} months, {derived.created:,} derived")

    def _kpi_history(self) -> list[Measurement]:
        """Imported KPIs (absenteeism, platform usage, training hours, cost per hire, customer
        satisfaction, NPS and complaints, revenue) per month or quarter for the company, each
        department and location. In the customer-facing divisions customer satisfaction follows
        the department's published engagement of the month; elsewhere it is noise around a level."""
        rng = self.rng("kpis")
        kpis = {k.code: k for k in Kpi.objects.filter(code__in=IMPORTED_KPIS)}
        months = [p for p in kpi_services.default_months() if p.end < self.today][-HISTORY_MONTHS:]
        quarters = sorted({periods.quarter(p.start.year, (p.start.month - 1) // 3 + 1) for p in months}, key=lambda q: q.start)
        quarters = [q for q in quarters if q.end < self.today]
        engagement: dict[tuple[int, date], list[float]] = {}
        for department_id, period_end, value in Measurement.objects.filter(
            kpi__code="engagement-index", scope=Scope.DEPARTMENT
        ).values_list("department_id", "period_end", "value"):
            engagement.setdefault((department_id, periods.month_of(period_end).start), []).append(float(value))
        division_code = {d.pk: d.code.removeprefix(PREFIX) for d in self.divisions}
        division_code |= {d.pk: division_code[d.parent_id] for d in self.leaves}
        departments = [d.pk for d in (*self.divisions, *self.leaves)]
        locations = [loc.pk for loc in self.locations]
        rows = []

        def imported(code, period, value, department_id=None, location_id=None, sample_size=None):
            scope = Scope.DEPARTMENT if department_id else Scope.LOCATION if location_id else Scope.COMPANY
            rows.append(
                Measurement(
                    kpi=kpis[code],
                    period=period.key,
                    period_start=period.start,
                    period_end=period.end,
                    scope=scope,
                    department_id=department_id,
                    location_id=location_id,
                    value=Decimal(str(round(value, 2))),
                    sample_size=sample_size,
                    origin=Measurement.Origin.IMPORTED,
                )
            )

        for index, period in enumerate(months):
            season = 1.0 if period.start.month in (1, 2, 12) else 0.0
            usage = 45 + 3 * index
            for department_id in departments:
                code = division_code[department_id]
                imported(
                    "absenteeism-rate",
                    period,
                    max(0.5, ABSENTEEISM.get(code, 4.5) + season - 0.05 * index + rng.gauss(0, 0.5)),
                    department_id,
                )
                imported("platform-usage", period, min(100, usage + rng.gauss(0, 5)), department_id)
                if code in REVENUE:
                    imported("revenue", period, REVENUE[code] / 8 * (1 + 0.01 * index + rng.gauss(0, 0.04)), department_id)
                own = engagement.get((department_id, period.start))
                if code in CUSTOMER_FACING and own is not None:
                    satisfaction = 20 + 0.85 * (sum(own) / len(own)) + rng.gauss(0, 3)
                else:
                    satisfaction = 70 + rng.gauss(0, 7)
                satisfaction = max(5, min(99, satisfaction))
                imported("customer-satisfaction", period, satisfaction, department_id, sample_size=rng.randint(40, 160))
                imported("customer-nps", period, max(-100, min(100, 2.1 * satisfaction - 130 + rng.gauss(0, 6))), department_id)
                imported("complaint-rate", period, max(0, 6 - 0.05 * satisfaction + rng.gauss(0, 0.4)), department_id)
            for location_id in locations:
                imported("absenteeism-rate", period, max(0.5, 4.8 + season - 0.05 * index + rng.gauss(0, 0.4)), location_id=location_id)
                imported("platform-usage", period, min(100, usage + rng.gauss(0, 4)), location_id=location_id)
                imported("customer-satisfaction", period, 72 + rng.gauss(0, 4), location_id=location_id, sample_size=rng.randint(60, 300))
            imported("absenteeism-rate", period, 4.9 + season - 0.05 * index + rng.gauss(0, 0.2))
            imported("platform-usage", period, min(100, usage + rng.gauss(0, 2)))
            imported("revenue", period, sum(REVENUE.values()) * (1 + 0.01 * index + rng.gauss(0, 0.02)))
            imported("customer-satisfaction", period, 73 + 0.3 * index + rng.gauss(0, 1.5), sample_size=rng.randint(800, 1200))
            imported("customer-nps", period, 18 + 0.5 * index + rng.gauss(0, 3))
            imported("complaint-rate", period, max(0, 2.2 - 0.04 * index + rng.gauss(0, 0.2)))
        for index, period in enumerate(quarters):
            for department_id in departments:
                imported("training-hours", period, max(0, 6 + 0.8 * index + rng.gauss(0, 2)), department_id)
                imported("cost-per-hire", period, max(500, 4200 + rng.gauss(0, 900)), department_id)
            for location_id in locations:
                imported("training-hours", period, max(0, 6 + 0.8 * index + rng.gauss(0, 1.5)), location_id=location_id)
            imported("training-hours", period, 6 + 0.8 * index + rng.gauss(0, 0.5))
            imported("cost-per-hire", period, 4200 + rng.gauss(0, 300))
        kinds = {code: {"company", "department", "location"} & set(kpi.scopes) for code, kpi in kpis.items()}
        return [m for m in rows if m.scope in kinds[m.kpi.code]]

    # --- the record a benchmark reads ----------------------------------------------------

    def record(self) -> None:
        waves = len(self.wave_ids)
        SurveyTemplate.objects.filter(pk=self.pulse_template.pk).update(
            description=RECORD.format(
                employees=self.size,
                weeks=self.weeks,
                seed=self.seed,
                waves=waves,
                responses=self.totals["responses"],
                answers=self.totals["answers"],
            )
        )
        self.say(
            f"    {self.size:,} employees, {waves} waves, {self.totals['responses']:,} responses, "
            f"{self.totals['answers']:,} answers, {self.totals['ideas']:,} ideas"
        )


def _publish_wave(wave_id: int) -> tuple[float, float]:
    """Roll a wave up and compute its survey KPIs; returns the seconds each took."""
    started = time.perf_counter()
    survey_services.wave_rollup(wave=Wave.objects.get(pk=wave_id))
    rolled = time.perf_counter()
    kpi_services.compute_wave(wave=Wave.objects.get(pk=wave_id))
    return rolled - started, time.perf_counter() - rolled


def _rating(mean: float, nps: bool, gauss) -> int:
    """An answer around ``mean`` (on the 1-5 scale), on the 0-10 scale for NPS items."""
    if nps:
        return min(10, max(0, round(mean * 2.4 - 1.5 + gauss(0, 1.8))))
    return min(5, max(1, round(mean + gauss(0, 0.8))))


def internal_weeks(weeks: int) -> list[int]:
    """The weeks (from 0) with an internal-services wave: mid-quarter, at least one."""
    return [w for w in range(weeks) if w % 13 == 6] or [0]


def bench_users() -> list[tuple]:
    """Create (or reset) the benchmark's users, one per role (``BENCH_USERS``), all with the
    password ``BENCH_PASSWORD``. Each is linked to a generated employee who has no account yet:
    the HR manager to one in the HR division, the executive to the company's head, the employee
    to the first active team member without reports."""
    ensure_role_groups()
    User = get_user_model()
    active = Employee.objects.filter(employee_number__startswith=PREFIX, exit_date__isnull=True, user__isnull=True).order_by(
        "employee_number"
    )
    candidates = {
        HR_MANAGER: active.filter(department__parent__code=f"{PREFIX}hr"),
        EXECUTIVE: active.filter(department__code=f"{PREFIX}company"),
        EMPLOYEE: active.filter(department__parent__parent__isnull=False, reports__isnull=True),
    }
    out = []
    for username, first_name, role in BENCH_USERS:
        user, _created = User.objects.get_or_create(
            username=username, defaults={"first_name": first_name, "last_name": "Bench", "email": f"{username}@dataset.example"}
        )
        user.set_password(BENCH_PASSWORD)
        user.is_active = True
        user.save()
        user.groups.set(Group.objects.filter(name__in={role, EMPLOYEE}))
        if not Employee.objects.filter(user=user).exists():
            employee = candidates[role].first()
            if employee is not None:
                Employee.objects.filter(pk=employee.pk).update(user=user)
        out.append((user, role))
    return out
