"""The beat schedule, declared in code in this one place and synced to django-celery-beat.

Syncing creates missing entries and removes ones no longer declared. An entry that already
exists keeps its schedule and enabled flag, so a change made by an admin in the database
survives restarts; the task path and its arguments are always brought up to date.
"""

import json

from django.db import transaction

# name -> task path and schedule. Apps add their jobs here, never elsewhere.
#   "every": seconds between runs, or "crontab": dict of crontab fields; "args": the task's
#   positional arguments (JSON), kept up to date like the task path.
BEAT_SCHEDULE: dict[str, dict] = {
    "heartbeat": {"task": "common.tasks.heartbeat", "every": 60},
    "surveys: open due waves": {"task": "surveys.tasks.waves_open_due", "every": 900},
    "surveys: recurring pulses": {"task": "surveys.tasks.schedules_run", "every": 900},
    "surveys: reminders": {"task": "surveys.tasks.waves_remind", "every": 3600},
    "surveys: close due waves": {"task": "surveys.tasks.waves_close_due", "every": 900},
    "surveys: roll up open waves": {"task": "surveys.tasks.waves_rollup", "every": 600},
    "surveys: post-training pulses": {"task": "surveys.tasks.seminar_follow_ups", "crontab": {"minute": "0", "hour": "7"}},
    "kpis: compute KPIs, alerts and exit criteria (nightly)": {"task": "kpis.tasks.compute_kpis", "crontab": {"minute": "30", "hour": "2"}},
    "kpis: correlation of engagement and customer satisfaction (weekly)": {
        "task": "kpis.tasks.correlations_compute",
        "crontab": {"minute": "0", "hour": "4", "day_of_week": "1"},
    },
    "kpis: forget uncommitted import uploads": {"task": "kpis.tasks.import_runs_purge", "every": 6 * 3600},
    "people: forget uncommitted import uploads": {"task": "people.tasks.import_runs_purge", "every": 6 * 3600},
    "kpis: re-queue stuck imports": {
        "task": "common.tasks.tabular_import_requeue_stuck",
        "every": 120,
        "args": ["kpis.imports.MEASUREMENT_IMPORT"],
    },
    "people: re-queue stuck imports": {
        "task": "common.tasks.tabular_import_requeue_stuck",
        "every": 120,
        "args": ["people.services.EMPLOYEE_IMPORT"],
    },
    "dashboards: monthly board report": {
        "task": "dashboards.tasks.board_report_mail",
        "crontab": {"minute": "0", "hour": "6", "day_of_month": "1"},
    },
}

MANAGED_PREFIX = "im: "


@transaction.atomic
def sync_schedule() -> None:
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask, PeriodicTasks

    wanted = {MANAGED_PREFIX + name: spec for name, spec in BEAT_SCHEDULE.items()}
    PeriodicTask.objects.filter(name__startswith=MANAGED_PREFIX).exclude(name__in=wanted).delete()
    for name, spec in wanted.items():
        schedule_kwargs = {}
        # Schedules are not unique in django-celery-beat (an admin may add an equal one): any will do.
        if "every" in spec:
            fields = {"every": spec["every"], "period": IntervalSchedule.SECONDS}
            schedule_kwargs["interval"] = IntervalSchedule.objects.filter(**fields).order_by(
                "pk"
            ).first() or IntervalSchedule.objects.create(**fields)
        else:
            fields = spec["crontab"]
            schedule_kwargs["crontab"] = CrontabSchedule.objects.filter(**fields).order_by("pk").first() or CrontabSchedule.objects.create(
                **fields
            )
        args = json.dumps(spec.get("args", []))
        task, created = PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": spec["task"], "args": args, "description": spec.get("description", ""), **schedule_kwargs}
        )
        if not created and (task.task, json.loads(task.args or "[]")) != (spec["task"], spec.get("args", [])):
            task.task, task.args = spec["task"], args
            task.save(update_fields=["task", "args"])
    PeriodicTasks.update_changed()


def sync_schedule_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    if "django_celery_beat_periodictask" in connections[using].introspection.table_names():
        sync_schedule()
