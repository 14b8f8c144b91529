from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    """Everything a start needs before serving, in one process (each Django start costs seconds)."""

    help = "Migrate (which syncs the beat schedule), compile translations and, with --demo, seed the demo company."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="also create the demo company if it is not there yet")

    def handle(self, *args, demo=False, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("compile_translations", stdout=self.stdout)
        if demo:
            call_command("seed_demo", stdout=self.stdout)
