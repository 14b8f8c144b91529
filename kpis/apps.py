import logging

from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "kpis"

    def ready(self):
        from surveys.signals import wave_closed

        wave_closed.connect(_wave_closed, dispatch_uid="kpis.compute_wave")


def _wave_closed(sender, wave_id: int, **kwargs) -> None:
    """A wave's final results are published: compute its KPIs and drivers in the background."""
    from kpis.tasks import compute_wave

    try:
        compute_wave.delay(wave_id)
    except Exception:  # the broker is down: the nightly job computes the wave instead
        logging.getLogger(__name__).warning(
            "could not queue the KPIs of wave %s; the nightly job will compute them", wave_id, exc_info=True
        )
