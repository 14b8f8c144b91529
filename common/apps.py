from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"

    def ready(self):
        from common.schedule import sync_schedule_after_migrate

        post_migrate.connect(sync_schedule_after_migrate, sender=self)
