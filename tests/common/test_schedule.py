from django_celery_beat.models import IntervalSchedule, PeriodicTask

from common.schedule import BEAT_SCHEDULE, MANAGED_PREFIX, sync_schedule


def test_every_declared_job_is_in_the_database_after_migrate(db):
    names = set(PeriodicTask.objects.filter(name__startswith=MANAGED_PREFIX).values_list("name", flat=True))
    assert names == {MANAGED_PREFIX + name for name in BEAT_SCHEDULE}
    heartbeat = PeriodicTask.objects.get(name=MANAGED_PREFIX + "heartbeat")
    assert heartbeat.task == "common.tasks.heartbeat"
    assert (heartbeat.interval.every, heartbeat.interval.period) == (60, IntervalSchedule.SECONDS)


def test_sync_is_idempotent_and_keeps_an_admins_change(db):
    task = PeriodicTask.objects.get(name=MANAGED_PREFIX + "heartbeat")
    task.interval = IntervalSchedule.objects.create(every=120, period=IntervalSchedule.SECONDS)
    task.enabled = False
    task.save()
    sync_schedule()
    sync_schedule()
    task.refresh_from_db()
    assert task.interval.every == 120
    assert task.enabled is False
    assert PeriodicTask.objects.filter(name__startswith=MANAGED_PREFIX).count() == len(BEAT_SCHEDULE)


def test_sync_removes_jobs_no_longer_declared(db):
    interval = IntervalSchedule.objects.create(every=5, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name=MANAGED_PREFIX + "retired-job", task="common.tasks.gone", interval=interval)
    PeriodicTask.objects.create(name="made by an admin", task="common.tasks.heartbeat", interval=interval)
    sync_schedule()
    assert not PeriodicTask.objects.filter(name=MANAGED_PREFIX + "retired-job").exists()
    assert PeriodicTask.objects.filter(name="made by an admin").exists()
