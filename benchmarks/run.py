"""`make bench`: the portal served as in production, measured against the framework's floor.

Started by ``scripts/portal.py bench`` with DATABASE_URL / REDIS_URL of a running PostgreSQL and
Redis (embedded or configured). It

1. creates (once) two benchmark databases beside DATABASE_URL's, ``im_portal_bench_<E>x<W>`` and
   ``im_portal_bench_1000x4``, and fills each with ``generate_dataset`` (a generated dataset is
   kept and reused by the next run);
2. serves the large one as production does: gunicorn (sync workers, 2 per core), whitenoise,
   DEBUG off, connection reuse, a Celery worker and one beat; plus the floor view
   (``benchmarks/floor.py``, BENCH_FLOOR=1);
3. measures, each figure over several runs (min, median, max): page server times with wrk and
   query counts with Django's test client on both datasets; the disclosure check; opening a wave
   for every employee; submission throughput interleaved with the floor; closing that wave; the
   rollup of the largest wave; the nightly KPI job; the board report; peak memory of a web
   worker and of the Celery worker;
4. prints one table and writes ``bench/results.json``.

The benchmark wave it opens is deleted at the end, so every run measures the same dataset.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
WRK_DIR = BASE_DIR / "benchmarks" / "wrk"
WORK_DIR = BASE_DIR / ".data" / "bench"
RESULTS = BASE_DIR / "bench" / "results.json"
PYTHON = sys.executable
BIN = Path(PYTHON).parent
PASSWORD = "bench-portal-2026"  # the benchmark users' password (only in the benchmark databases)
USERS = {"hr": "bench.hr", "executive": "bench.exec", "employee": "bench.employee"}


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# --- databases and environment ------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            say(f"created database {name}")


def production_env(database_url: str, port: int) -> dict[str, str]:
    """The environment of a production start on this machine (no TLS proxy in front)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + "k" * 60,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "EMAIL_URL": "dummymail://",  # mails are rendered and handed to a backend that drops them
        "STATIC_ROOT": str(WORK_DIR / "static"),
        "BENCH_FLOOR": "1",
        "GUNICORN_ACCESS_LOG": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(2 * (os.cpu_count() or 1)),
        "LOG_LEVEL": "WARNING",
        "CACHE_KEY_PREFIX": "bench",
        "PYTHONPATH": str(BASE_DIR),
    }
    env.pop("TEST_DATABASE_NAME", None)
    return env


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, str(BASE_DIR / "manage.py"), *args], env=env, cwd=BASE_DIR, check=True, text=True, capture_output=capture
    )
    return result.stdout if capture else ""


def ensure_dataset(env: dict[str, str], employees: int, weeks: int, seed: int) -> float | None:
    """Generate the dataset unless the database holds one. Returns seconds taken, None if kept."""
    manage(env, "portal_prepare")
    exists = manage(env, "shell", "-c", "from dashboards import dataset; print(dataset.exists())", capture=True).strip()
    if exists.endswith("True"):
        return None
    say(f"generating the dataset: {employees:,} employees x {weeks} weeks (seed {seed}); this is done once")
    started = time.monotonic()
    manage(env, "generate_dataset", "--employees", str(employees), "--weeks", str(weeks), "--seed", str(seed))
    return time.monotonic() - started


# --- what is measured, inside Django ------------------------------------------------------


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "im_portal.settings")
    import django

    django.setup()


def ensure_users() -> dict[str, object]:
    """The three users the pages are measured as (idempotent)."""
    from django.contrib.auth.models import Group, User

    from common.roles import EMPLOYEE, EXECUTIVE, HR_MANAGER, ensure_role_groups
    from people.models import Employee

    ensure_role_groups()
    roles = {"hr": (HR_MANAGER, EMPLOYEE), "executive": (EXECUTIVE, EMPLOYEE), "employee": (EMPLOYEE,)}
    users = {}
    for role, username in USERS.items():
        user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
        if created:
            user.set_password(PASSWORD)
            user.save()
        user.groups.add(*Group.objects.filter(name__in=roles[role]))
        if not Employee.objects.filter(user=user).exists():
            employee = Employee.objects.filter(user__isnull=True, exit_date__isnull=True).order_by("pk").first()
            if employee is not None:
                Employee.objects.filter(pk=employee.pk).update(user=user)
        users[role] = user
    return users


def pages() -> dict[str, tuple[str, str]]:
    """name -> (role, path) of every page measured."""
    from kpis.models import Kpi
    from surveys.models import Wave

    wave = Wave.objects.filter(status=Wave.Status.CLOSED, published_on__isnull=False).order_by("-closes_on", "-pk").first()
    kpi = Kpi.objects.filter(measurements__isnull=False, code__contains="engagement").order_by("pk").first() or (
        Kpi.objects.filter(measurements__isnull=False).order_by("pk").first()
    )
    return {
        "wave_results": ("hr", f"/surveys/waves/{wave.pk}/"),
        "breakdown_location": ("hr", f"/surveys/waves/{wave.pk}/?by=location"),
        "heatmap_segment": ("hr", f"/surveys/waves/{wave.pk}/?by=segment"),
        "kpi_page": ("hr", f"/kpis/{kpi.code}/"),
        "executive_dashboard": ("executive", "/dashboard/"),
        "hr_cockpit": ("hr", "/hr/"),
        "employee_home": ("employee", "/me/"),
    }


def query_counts() -> dict[str, int]:
    """Queries per page, through the test client (after one warm-up request per page)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    users = ensure_users()
    clients = {}
    counts = {}
    for name, (role, path) in pages().items():
        if role not in clients:
            clients[role] = Client()
            clients[role].force_login(users[role])
        client = clients[role]
        client.get(path)  # the first view of a breakdown decides its groups once; measure a later view
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"[bench] {path} answered {response.status_code} for {role}")
        counts[name] = len(queries.captured_queries)
    return counts


def sessions_of_users() -> dict[str, str]:
    from django.test import Client

    keys = {}
    for role, user in ensure_users().items():
        client = Client()
        client.force_login(user)
        keys[role] = client.cookies["sessionid"].value
    return keys


def disclosure_check(runs: int) -> list[float]:
    """Seconds to decide whether a segment not yet decided may be published for the latest
    closed wave, against its ledger (each decision rolled back, so every run is a first one)."""
    from django.db import transaction

    from people.models import Segment
    from surveys.anonymity import Unit
    from surveys.figures import Ledger, _scored_question_ids
    from surveys.models import PublishedGroup, Wave

    wave = Wave.objects.filter(status=Wave.Status.CLOSED, published_on__isnull=False).order_by("-closes_on", "-pk").first()
    question_ids = _scored_question_ids(wave)
    segment_keys = [str(pk) for pk in Segment.objects.order_by("pk").values_list("pk", flat=True)]
    timings = []
    for _ in range(runs):
        for key in segment_keys:
            with transaction.atomic():
                PublishedGroup.objects.filter(wave=wave, dimension="segment", group_key=key).delete()
                started = time.perf_counter()
                Ledger(wave).decide("", [Unit("segment", key, wave.results_batch)], question_ids)
                timings.append(time.perf_counter() - started)
                transaction.set_rollback(True)
    published = PublishedGroup.objects.filter(wave=wave).count()
    say(f"disclosure check against a ledger of {published} groups of wave {wave.pk}")
    return timings


def bench_wave():
    """A new whole-company pulse wave from the dataset's template, left as a draft."""
    from django.utils import timezone

    from surveys import services
    from surveys.models import Wave

    template = Wave.objects.filter(status=Wave.Status.CLOSED).order_by("-closes_on").first().template
    today = timezone.localdate()
    return services.wave_create(
        template=template, title="Benchmark wave", opens_on=today, closes_on=today + timedelta(days=7), open_due=False
    )


def answer_sessions(wave, count: int) -> list[str]:
    """One answer session per unused invitation, written as a mailed link's first visit does."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from surveys.views import ANSWER_SESSION_KEY

    store = SessionStore()
    expires = timezone.now() + timedelta(days=1)
    keys, rows = [], []
    for pk in wave.invitations.filter(used_on__isnull=True).order_by("?").values_list("pk", flat=True)[:count]:
        key = secrets.token_hex(16)
        keys.append(key)
        rows.append(Session(session_key=key, session_data=store.encode({ANSWER_SESSION_KEY: pk}), expire_date=expires))
    Session.objects.bulk_create(rows, batch_size=5000)
    return keys


def answer_bodies(wave, count: int = 50) -> list[str]:
    """Complete form bodies (every question answered) in a seeded variety."""
    import random

    from surveys.models import QuestionKind

    rng = random.Random(1)
    items = list(wave.questions.select_related("question").order_by("position"))
    bodies = []
    for _ in range(count):
        fields = {}
        for item in items:
            kind = item.question.kind
            if kind == QuestionKind.AGREEMENT:
                fields[f"q{item.question_id}"] = rng.randint(1, 5)
            elif kind == QuestionKind.SCALE10:
                fields[f"q{item.question_id}"] = rng.randint(0, 10)
            elif kind == QuestionKind.YES_NO:
                fields[f"q{item.question_id}"] = rng.randint(0, 1)
            elif kind == QuestionKind.TEXT and rng.random() < 0.1:
                fields[f"q{item.question_id}"] = "Mehr Zeit für Weiterbildung, bitte."
            elif kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
                fields[f"q{item.question_id}"] = item.question.options.order_by("value").first().value
        bodies.append(urlencode(fields))
    return bodies


# --- load and processes -------------------------------------------------------------------


def wrk(mode: str, url: str, *, threads: int, connections: int, seconds: float, args: list[str]) -> dict:
    """Run wrk in ``mode`` (benchmarks/wrk/bench.lua) and return its summary with the CPU share
    wrk itself used (of one core)."""
    script = str(WRK_DIR / "bench.lua")
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s", "-s", script, url, "--", mode, *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    started = time.monotonic()
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    match = re.search(r"^WRKJSON (.*)$", output, re.MULTILINE)
    if process.returncode != 0 or not match:
        raise SystemExit(f"[bench] wrk failed:\n{output}")
    summary = json.loads(match.group(1))
    summary["rps"] = summary["requests"] / (summary["duration_us"] / 1e6)
    summary["load_cpu"] = (usage.ru_utime + usage.ru_stime) / wall
    return summary


class Processes:
    """The production processes, started and stopped together, with a memory sampler."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.web = self.worker = self.beat = None
        self.peak = {"web": 0, "worker": 0, "report_renderer": 0}
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def start(self) -> None:
        log = (WORK_DIR / "processes.log").open("a")
        self.web = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(BASE_DIR / "gunicorn.conf.py")], env=self.env, cwd=BASE_DIR, stdout=log, stderr=log
        )
        celery = [str(BIN / "celery"), "-A", "im_portal"]
        self.worker = subprocess.Popen(
            [*celery, "worker", "-l", "warning", "--concurrency", "2"], env=self.env, cwd=BASE_DIR, stdout=log, stderr=log
        )
        schedule = str(WORK_DIR / "celerybeat-schedule")
        self.beat = subprocess.Popen([*celery, "beat", "-l", "warning", "-s", schedule], env=self.env, cwd=BASE_DIR, stdout=log, stderr=log)
        self._sampler.start()

    def _sample(self) -> None:
        """Peak resident memory of any one gunicorn worker, of any one Celery process, and of
        the short-lived process a web worker spawns to draw the board report."""
        import psutil

        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                for worker in psutil.Process(self.web.pid).children():
                    with contextlib.suppress(psutil.Error):
                        self.peak["web"] = max(self.peak["web"], worker.memory_info().rss)
                        for child in worker.children(recursive=True):
                            self.peak["report_renderer"] = max(self.peak["report_renderer"], child.memory_info().rss)
            with contextlib.suppress(psutil.Error):
                parent = psutil.Process(self.worker.pid)
                for member in [parent, *parent.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        self.peak["worker"] = max(self.peak["worker"], member.memory_info().rss)
            self._stop.wait(0.1)

    def stop(self) -> None:
        self._stop.set()
        for process in (self.web, self.worker, self.beat):
            if process is not None and process.poll() is None:
                process.terminate()
        for process in (self.web, self.worker, self.beat):
            if process is not None:
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url, timeout=2)
            return
        time.sleep(0.3)
    raise SystemExit(f"[bench] {url} did not answer within {timeout:.0f} s (see {WORK_DIR / 'processes.log'})")


def spread(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


# --- the run -------------------------------------------------------------------------------


def measure(args, env: dict[str, str], base_url: str, processes: Processes, results: dict) -> None:
    from django.db import connection, transaction

    from surveys import services
    from surveys import tasks as survey_tasks
    from surveys.models import Answer, Invitation, Response, Wave

    # Pages first, on the dataset as generated.
    say("pages: query counts")
    results["pages"] = {name: {"queries": n} for name, n in query_counts().items()}
    sessions = sessions_of_users()
    for name, (role, path) in pages().items():
        runs = [
            wrk("page", base_url, threads=1, connections=1, seconds=args.page_seconds, args=[path, sessions[role]])
            for _ in range(args.rounds)
        ]
        bad = sum(run["non_2xx_3xx"] + run["errors"] for run in runs)
        if bad:
            raise SystemExit(f"[bench] {path}: {bad} failed requests")
        page = results["pages"][name]
        page.update(
            path=path,
            p50_ms=statistics.median(run["p50_us"] for run in runs) / 1000,
            p95_ms=statistics.median(run["p95_us"] for run in runs) / 1000,
            p50_ms_runs=spread([run["p50_us"] / 1000 for run in runs]),
            p95_ms_runs=spread([run["p95_us"] / 1000 for run in runs]),
            load_cpu=max(run["load_cpu"] for run in runs),
        )
        say(f"  {name}: p50 {page['p50_ms']:.0f} ms, p95 {page['p95_ms']:.0f} ms, {page['queries']} queries")

    timings = disclosure_check(args.rounds)
    results["disclosure_check_ms"] = statistics.median(timings) * 1000
    results["disclosure_check_ms_runs"] = spread([t * 1000 for t in timings])

    # Opening a wave for everybody, on the Celery worker as the beat job does it.
    wave = bench_wave()
    started = time.monotonic()
    invited = survey_tasks.wave_open.delay(wave.pk).get(timeout=900)
    results["jobs"]["wave_open_s"] = time.monotonic() - started
    results["jobs"]["wave_open_invitations"] = invited
    say(f"opened a wave for {invited:,} employees in {results['jobs']['wave_open_s']:.1f} s")
    wave.refresh_from_db()

    # Submission throughput, interleaved with the floor in the same server.
    with connection.cursor() as cursor:
        from benchmarks.floor import CREATE_SQL, TABLE

        cursor.execute(CREATE_SQL)
        cursor.execute(f"TRUNCATE {TABLE}")
    bodies_file = WORK_DIR / "bodies.txt"
    bodies_file.write_text("\n".join(answer_bodies(wave)) + "\n")
    per_round = max(200, invited // (args.rounds + 1))
    threads, connections = 2, 2 * int(env["WEB_CONCURRENCY"])
    floor_runs, submit_runs = [], []
    for round_number in range(args.rounds + 1):  # round 0 warms both up and is not counted
        seconds = 2 if round_number == 0 else args.submit_seconds
        floor_run = wrk("floor", base_url, threads=threads, connections=connections, seconds=seconds, args=["/bench/floor/"])
        session_file = WORK_DIR / f"sessions-{round_number}.txt"
        session_file.write_text("\n".join(answer_sessions(wave, per_round)) + "\n")
        used_before = Invitation.objects.filter(wave=wave, used_on__isnull=False).count()
        submit_run = wrk(
            "submit",
            base_url,
            threads=threads,
            connections=connections,
            seconds=seconds,
            args=[str(session_file), str(bodies_file), "/surveys/answer/", str(threads)],
        )
        submitted = Invitation.objects.filter(wave=wave, used_on__isnull=False).count() - used_before
        submit_run["submitted"] = submitted
        # wrk counts the answers it received in time; requests still in flight when it stops
        # are completed by the server too, so the database may hold up to one per connection more.
        submit_run["submitted_rps"] = submit_run["rps"]
        valid = submit_run["requests"] <= submitted <= submit_run["requests"] + connections
        if submit_run["wrapped"] or submit_run["non_2xx_3xx"] or submit_run["errors"] or not valid:
            raise SystemExit(f"[bench] the submission run is not valid: {submit_run} (increase the dataset or shorten --submit-seconds)")
        if round_number:
            floor_runs.append(floor_run)
            submit_runs.append(submit_run)
            say(f"  round {round_number}: floor {floor_run['rps']:.0f} req/s, submissions {submit_run['submitted_rps']:.0f}/s")
    floor_rps = statistics.median(run["rps"] for run in floor_runs)
    submit_rps = statistics.median(run["submitted_rps"] for run in submit_runs)
    results["submit"] = {
        "rps": submit_rps,
        "p50_ms": statistics.median(run["p50_us"] for run in submit_runs) / 1000,
        "p99_ms": statistics.median(run["p99_us"] for run in submit_runs) / 1000,
        "floor_rps": floor_rps,
        "floor_p50_ms": statistics.median(run["p50_us"] for run in floor_runs) / 1000,
        "ratio": submit_rps / floor_rps,
        "rps_runs": spread([run["submitted_rps"] for run in submit_runs]),
        "floor_rps_runs": spread([run["rps"] for run in floor_runs]),
        "p99_ms_runs": spread([run["p99_us"] / 1000 for run in submit_runs]),
        "connections": connections,
        "load_cpu": max(run["load_cpu"] for run in [*submit_runs, *floor_runs]),
        "responses": sum(run["submitted"] for run in submit_runs),
    }

    # Closing the wave counts its ballots and runs the publication plan.
    started = time.monotonic()
    with transaction.atomic():
        services.wave_close(wave=Wave.objects.get(pk=wave.pk))
    results["jobs"]["wave_close_s"] = time.monotonic() - started
    results["jobs"]["wave_close_responses"] = Response.objects.filter(wave=wave).count()

    largest = max(
        Wave.objects.filter(status=Wave.Status.CLOSED).exclude(pk=wave.pk).order_by("-closes_on")[:8],
        key=lambda w: w.published_responses or 0,
    )
    rollups = []
    for _ in range(args.rounds):
        started = time.monotonic()
        survey_tasks.wave_rollup.delay(largest.pk).get(timeout=900)
        rollups.append(time.monotonic() - started)
    results["jobs"]["rollup_largest_wave_s"] = statistics.median(rollups)
    results["jobs"]["rollup_largest_wave_responses"] = Response.objects.filter(wave=largest).count()
    results["jobs"]["rollup_largest_wave_answers"] = Answer.objects.filter(response__wave=largest).count()

    from kpis import tasks as kpi_tasks

    nightly = []
    for _ in range(2):  # the first run after a new wave computes it; the second finds little to do
        started = time.monotonic()
        kpi_tasks.compute_kpis.delay().get(timeout=900)
        nightly.append(time.monotonic() - started)
    results["jobs"]["kpi_nightly_s"] = nightly[0]
    results["jobs"]["kpi_nightly_again_s"] = nightly[1]

    board = []
    for _ in range(args.rounds):
        request = urllib.request.Request(base_url + "/dashboard/report.pdf", headers={"Cookie": f"sessionid={sessions['executive']}"})
        started = time.monotonic()
        with urllib.request.urlopen(request, timeout=120) as response:
            body = response.read()
        board.append(time.monotonic() - started)
        if not body.startswith(b"%PDF"):
            raise SystemExit("[bench] the board report is not a PDF")
    results["jobs"]["board_report_s"] = statistics.median(board)

    results["memory_mb"] = {name: value / 2**20 for name, value in processes.peak.items()}
    with contextlib.suppress(Exception):  # leave the dataset as it was for the next run
        Wave.objects.filter(pk=wave.pk).delete()


def machine(env: dict[str, str]) -> dict:
    import django
    import psutil
    from django.db import connection

    versions = {"python": platform.python_version(), "django": django.get_version()}
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        versions["postgresql"] = cursor.fetchone()[0]
    import redis

    versions["redis"] = redis.Redis.from_url(env["REDIS_URL"]).info("server")["redis_version"]
    versions["gunicorn"] = (
        subprocess.run([str(BIN / "gunicorn"), "--version"], capture_output=True, text=True).stdout.split()[-1].strip("()")
    )
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()
    versions["wrk"] = wrk_version[1] if len(wrk_version) > 1 else "?"
    return {
        "cores": os.cpu_count(),
        "cpu": platform.processor() or platform.machine(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "web_workers": int(env["WEB_CONCURRENCY"]),
        "versions": versions,
    }


def dataset_summary() -> dict:
    from people.models import Employee
    from surveys.models import Answer, Response, Wave

    return {
        "employees": Employee.objects.count(),
        "waves": Wave.objects.filter(status=Wave.Status.CLOSED).count(),
        "responses": Response.objects.count(),
        "answers": Answer.objects.count(),
    }


TARGETS = {"page_p95_ms": 200, "page_queries": 20, "disclosure_check_ms": 100, "wave_open_s": 30, "wave_close_s": 30}


def table(results: dict) -> str:
    lines = []
    d = results["dataset"]
    lines.append(
        f"IM Portal benchmark: {d['employees']:,} employees, {d['waves']} closed waves, {d['responses']:,} responses, "
        f"{d['answers']:,} answers; {results['machine']['cores']} cores, {results['machine']['web_workers']} web workers"
    )
    s = results["submit"]
    lines.append("")
    lines.append(f"{'submission (complete 10-question responses)':<46} {'median':>9} {'min':>9} {'max':>9}")
    lines.append(f"{'  responses per second':<46} {s['rps']:>9.1f} {s['rps_runs']['min']:>9.1f} {s['rps_runs']['max']:>9.1f}")
    lines.append(
        f"{'  floor: one-insert view, requests per second':<46} {s['floor_rps']:>9.1f} {s['floor_rps_runs']['min']:>9.1f} {s['floor_rps_runs']['max']:>9.1f}"
    )
    lines.append(f"{'  ratio ours / floor (target >= 0.5)':<46} {s['ratio']:>9.2f}")
    lines.append(f"{'  p50 / p99 latency, ms':<46} {s['p50_ms']:>9.1f} {s['p99_ms']:>9.1f}")
    lines.append(f"{'  wrk CPU (share of one core, max)':<46} {s['load_cpu']:>9.2f}")
    lines.append("")
    lines.append(f"{'page (target p95 < 200 ms, <= ~20 queries)':<46} {'p50 ms':>9} {'p95 ms':>9} {'queries':>9} {'at 1,000':>9}")
    for name, page in results["pages"].items():
        lines.append(f"  {name:<44} {page['p50_ms']:>9.1f} {page['p95_ms']:>9.1f} {page['queries']:>9} {page.get('queries_small', '-'):>9}")
    lines.append("")
    lines.append(f"{'disclosure check, ms (target < 100)':<46} {results['disclosure_check_ms']:>9.1f}")
    for name, value in results["jobs"].items():
        if name.endswith("_s"):
            lines.append(f"{'job ' + name[:-2] + ', s':<46} {value:>9.1f}")
    lines.append(f"{'peak memory of a web worker, MB (target < 300)':<46} {results['memory_mb']['web']:>9.0f}")
    lines.append(f"{'peak memory of the Celery worker, MB':<46} {results['memory_mb']['worker']:>9.0f}")
    lines.append(f"{'peak memory of the board report renderer, MB':<46} {results['memory_mb']['report_renderer']:>9.0f}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--small-employees", type=int, default=1000, help="the dataset whose query counts are compared")
    # A few weeks are enough to compare query counts, and a small company with many small
    # departments is where the exact disclosure audit works hardest (see the README).
    parser.add_argument("--small-weeks", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each figure")
    parser.add_argument("--submit-seconds", type=float, default=8)
    parser.add_argument("--page-seconds", type=float, default=4)
    parser.add_argument("--queries-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.queries_only:  # run in a child process against the small dataset
        django_setup({})
        print("QUERIES " + json.dumps(query_counts()), flush=True)
        return 0
    if not shutil.which("wrk"):
        raise SystemExit("[bench] wrk is needed as the load generator: apt-get install wrk (Debian/Ubuntu) or brew install wrk")

    WORK_DIR.mkdir(parents=True, exist_ok=True)
    port = int(os.environ.get("BENCH_PORT", "8090"))
    base_url = f"http://127.0.0.1:{port}"
    large_url = with_database(os.environ["DATABASE_URL"], f"im_portal_bench_{args.employees}x{args.weeks}")
    small_url = with_database(os.environ["DATABASE_URL"], f"im_portal_bench_{args.small_employees}x{args.small_weeks}")
    results: dict = {"machine": {}, "dataset": {}, "submit": {}, "pages": {}, "disclosure_check_ms": None, "jobs": {}, "memory_mb": {}}

    for url, employees, weeks in ((small_url, args.small_employees, args.small_weeks), (large_url, args.employees, args.weeks)):
        ensure_database(url)
        took = ensure_dataset(production_env(url, port), employees, weeks, args.seed)
        if took is not None and employees == args.employees:
            results["jobs"]["generate_dataset_s"] = took
    env = production_env(large_url, port)
    manage(env, "collectstatic", "--noinput", "-v", "0")  # DEBUG off serves the hashed names
    small = subprocess.run(
        [PYTHON, "-m", "benchmarks.run", "--queries-only"],
        env=production_env(small_url, port),
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
    )
    match = re.search(r"^QUERIES (.*)$", small.stdout, re.MULTILINE)
    if not match:
        raise SystemExit(f"[bench] query counts on the small dataset failed:\n{small.stdout}\n{small.stderr}")
    small_counts = json.loads(match.group(1))

    django_setup(env)
    results["machine"] = machine(env)
    results["dataset"] = {**dataset_summary(), "weeks": args.weeks, "seed": args.seed}
    processes = Processes(env)
    processes.start()
    try:
        wait_for(base_url + "/login/")
        measure(args, env, base_url, processes, results)
    finally:
        processes.stop()
    for name, count in small_counts.items():
        results["pages"][name]["queries_small"] = count
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=float) + "\n")
    print()
    print(table(results))
    print()
    say(f"figures written to {RESULTS.relative_to(BASE_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
