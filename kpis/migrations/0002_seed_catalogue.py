from django.db import migrations

from kpis.catalogue import load_catalogue


def seed(apps, schema_editor):
    load_catalogue(apps.get_model("kpis", "Kpi"))


def unseed(apps, schema_editor):
    apps.get_model("kpis", "Kpi").objects.filter(seeded=True).delete()


class Migration(migrations.Migration):
    dependencies = [("kpis", "0001_kpis_schema")]

    operations = [migrations.RunPython(seed, unseed)]
