from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

# Each app that has demo data provides `<app>/demo.py` with `seed(stdout)`; they run in
# dependency order so later apps find what earlier ones created. Every `seed` is idempotent.
DEMO_APPS = ("people", "programs", "surveys", "kpis")


class Command(BaseCommand):
    help = "Create (or complete) the demo company. Safe to run again: nothing is duplicated."

    def handle(self, *args, **options):
        for app in DEMO_APPS:
            try:
                module = import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            with transaction.atomic():
                module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo company ready."))
