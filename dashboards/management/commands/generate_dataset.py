import time

from django.core.management.base import BaseCommand, CommandError

from dashboards import dataset


class Command(BaseCommand):
    help = (
        "Generate a synthetic organisation with weekly pulse waves, published results and KPIs "
        "(deterministic for a seed), for benchmarks. Refuses to run when a dataset exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--employees", type=int, default=50_000)
        parser.add_argument("--weeks", type=int, default=52)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, employees, weeks, seed, **options):
        if employees < 20 or weeks < 1:
            raise CommandError("Use at least 20 employees and 1 week.")
        if dataset.exists():
            raise CommandError(
                f"A generated dataset already exists in this database (employees or departments with the "
                f"'{dataset.PREFIX}' prefix). Use a fresh database to generate another one."
            )
        self.stdout.write(f"Generating {employees:,} employees, {weeks} weekly waves, seed {seed}")
        started = time.perf_counter()
        dataset.Generator(employees=employees, weeks=weeks, seed=seed, out=self.stdout).run()
        self.stdout.write(self.style.SUCCESS(f"Dataset ready in {time.perf_counter() - started:.1f} s."))
