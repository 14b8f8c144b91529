"""The standard focus areas and instrument catalogue.

The rows are seeded by a data migration; ``ensure_catalogue`` puts them back when a test
flush (or a truncated table) removed them. The data itself lives once, in the migration.
"""

from importlib import import_module

from programs.models import FocusArea, Instrument

_seed = import_module("programs.migrations.0002_seed_focus_areas_and_instruments")
FOCUS_AREAS = _seed.FOCUS_AREAS
INSTRUMENTS = _seed.INSTRUMENTS


def ensure_catalogue() -> None:
    if FocusArea.objects.count() >= len(FOCUS_AREAS) and Instrument.objects.filter(code__isnull=False).count() >= len(INSTRUMENTS):
        return
    for code, order, name_en, name_de in FOCUS_AREAS:
        FocusArea.objects.update_or_create(code=code, defaults={"order": order, "name_en": name_en, "name_de": name_de})
    for code, group, name_en, name_de in INSTRUMENTS:
        Instrument.objects.update_or_create(code=code, defaults={"group": group, "name_en": name_en, "name_de": name_de})
