from django.db import migrations

from kpis.catalogue import load_catalogue


def refresh(apps, schema_editor):
    load_catalogue(apps.get_model("kpis", "Kpi"))


class Migration(migrations.Migration):
    """The catalogue's texts as of this release (owners and tolerances are kept)."""

    dependencies = [("kpis", "0005_target_latest_label")]

    operations = [migrations.RunPython(refresh, migrations.RunPython.noop)]
