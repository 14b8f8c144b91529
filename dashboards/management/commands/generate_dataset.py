import os
import time

from django.core.management.base import BaseCommand, CommandError

from dashboards import dataset


class Command(BaseCommand):
    help = (
        "Generate a synthetic organisation with weekly pulse waves, quarterly internal-services waves, "
        "improvement ideas, published results and KPIs with 12 months of history (deterministic for a seed), "
        "for benchmarks. Refuses to run when a dataset exists. It also creates three users who can sign in, "
        f"all with the password '{dataset.BENCH_PASSWORD}': "
        + ", ".join(f"{username} ({role})" for username, _first, role in dataset.BENCH_USERS)
        + "; --users only (re)creates them in a database that already holds a dataset."
    )

    def add_arguments(self, parser):
        parser.add_argument("--employees", type=int, default=50_000)
        parser.add_argument("--weeks", type=int, default=52)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--jobs",
            type=int,
            default=min(2, os.cpu_count() or 1),
            help="processes that roll up waves and compute their KPIs side by side (default: 2, or 1 on one core)",
        )
        parser.add_argument(
            "--users",
            action="store_true",
            help=f"only create the benchmark users (or reset their password to '{dataset.BENCH_PASSWORD}') and stop",
        )

    def handle(self, *args, employees, weeks, seed, jobs, users, **options):
        if users:
            for user, role in dataset.bench_users():
                self.stdout.write(f"{user.username} ({role}), password '{dataset.BENCH_PASSWORD}'")
            return
        if employees < 20 or weeks < 1 or jobs < 1:
            raise CommandError("Use at least 20 employees, 1 week and 1 job.")
        if dataset.started():
            state = "" if dataset.exists() else "n unfinished"
            raise CommandError(
                f"A{state} generated dataset already exists in this database (employees or departments with the "
                f"'{dataset.PREFIX}' prefix). Use a fresh database to generate another one."
            )
        self.stdout.write(f"Generating {employees:,} employees, {weeks} weekly waves, seed {seed}, {jobs} job(s)")
        started = time.perf_counter()
        dataset.Generator(employees=employees, weeks=weeks, seed=seed, jobs=jobs, out=self.stdout).run()
        self.stdout.write(self.style.SUCCESS(f"Dataset ready in {time.perf_counter() - started:.1f} s."))
