from django.core.management.base import BaseCommand

from common.schedule import BEAT_SCHEDULE, sync_schedule


class Command(BaseCommand):
    help = "Sync the beat schedule declared in common/schedule.py to django-celery-beat."

    def handle(self, *args, **options):
        sync_schedule()
        self.stdout.write(f"Beat schedule synced ({len(BEAT_SCHEDULE)} entries).")
