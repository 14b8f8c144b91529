from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from common.middleware import session_started
        from common.schedule import sync_schedule_after_migrate

        post_migrate.connect(sync_schedule_after_migrate, sender=self)
        user_logged_in.connect(session_started, dispatch_uid="common.session_started")
