from django.db import migrations

from surveys.bank import BANK, load_bank


def seed(apps, schema_editor):
    load_bank(apps.get_model("surveys", "Question"), apps.get_model("surveys", "QuestionOption"))


def unseed(apps, schema_editor):
    apps.get_model("surveys", "Question").objects.filter(code__in=[row[0] for row in BANK], template_items__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_surveys_schema")]

    operations = [migrations.RunPython(seed, unseed)]
