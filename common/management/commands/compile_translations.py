from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    """Compile every .po catalogue of the project to .mo.

    Pure Python (polib), so `make run` works on a machine without GNU gettext installed.
    """

    help = "Compile the project's translation catalogues without GNU gettext."

    def handle(self, *args, **options):
        count = 0
        for po_path in catalogue_paths():
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            count += 1
        self.stdout.write(f"Compiled {count} translation catalogue(s).")


def catalogue_paths() -> list[Path]:
    base = Path(settings.BASE_DIR)
    skip = {".venv", ".data", "node_modules", ".git"}
    return sorted(p for p in base.rglob("locale/*/LC_MESSAGES/*.po") if not skip & set(p.relative_to(base).parts))
