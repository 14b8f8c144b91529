"""Celery entry points of the KPI app: each calls a service that is safe to run twice."""

from celery import shared_task

from common.tasks import TRANSIENT
from kpis import services
from surveys.models import Wave

RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": True, "max_retries": 5, "acks_late": True}


@shared_task(**RETRY)
def compute_kpis() -> str:
    """Nightly: every survey and HR KPI for the periods and scopes that changed."""
    report = services.compute_kpis()
    return "; ".join(f"{name}: {written}" for name, written in report.items())


@shared_task(**RETRY)
def compute_wave(wave_id: int) -> str:
    """When a wave closes: its survey KPIs and drivers, then alerts and gates."""
    wave = Wave.objects.filter(pk=wave_id, status=Wave.Status.CLOSED).first()
    if wave is None:
        return "not closed"
    written = services.compute_wave(wave=wave)
    services.alerts_raise(measurements=written.changed)
    services.gates_evaluate()
    return str(written)


@shared_task(**RETRY)
def correlations_compute() -> int:
    """Weekly: engagement against customer satisfaction across departments x months."""
    return services.correlations_compute()


@shared_task(**RETRY)
def alert_mail(alert_id: int) -> bool:
    return services.alert_mail(alert_id=alert_id)


@shared_task(**RETRY)
def import_runs_purge() -> int:
    """Forget uploaded KPI files of dry runs that were never committed within two days."""
    from kpis.imports import MEASUREMENT_IMPORT

    return MEASUREMENT_IMPORT.purge()
