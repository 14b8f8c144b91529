"""Seed the four standard focus areas and the standard instrument catalogue, in both languages."""

from django.db import migrations

FOCUS_AREAS = [
    (
        "internal-exchange",
        1,
        "Optimising internal exchange relationships",
        "Optimierung der unternehmensinternen Austauschbeziehungen",
    ),
    (
        "customer-employee-satisfaction",
        2,
        "Parallel promotion of customer and employee satisfaction",
        "Parallele Förderung von Kunden- und Mitarbeiterzufriedenheit",
    ),
    ("internal-communication", 3, "Internal communication", "Interne Kommunikation"),
    ("marketing-concepts", 4, "Implementation of marketing concepts", "Implementierung von Marketingkonzepten"),
]

# code, group, English, German
INSTRUMENTS = [
    ("newsletter", "internal_communication", "Employee newsletter", "Mitarbeiter-Newsletter"),
    ("intranet", "internal_communication", "Intranet and collaboration platform", "Intranet und Kollaborationsplattform"),
    ("town-hall", "internal_communication", "Town hall meeting", "Town-Hall-Meeting (Mitarbeiterversammlung)"),
    ("ceo-breakfast", "internal_communication", "CEO breakfast", "CEO-Frühstück"),
    (
        "external-campaign-inward",
        "external_communication",
        "Advertising and brand campaigns acting inward",
        "Werbe- und Markenkampagnen mit Innenwirkung",
    ),
    (
        "press-inward",
        "external_communication",
        "Press and public relations acting inward",
        "Presse- und Öffentlichkeitsarbeit mit Innenwirkung",
    ),
    ("applicant-selection", "hr", "Applicant approach and selection", "Bewerberansprache und -auswahl"),
    ("onboarding", "hr", "Onboarding", "Onboarding (Akkulturation)"),
    ("training-seminars", "hr", "Training and seminars", "Interne Fortbildung und Seminare"),
    ("career-planning", "hr", "Career planning", "Karriereplanung"),
    ("incentive-systems", "hr", "Incentive systems", "Anreizsysteme"),
    ("goal-alignment", "hr", "Goal alignment", "Zielabgleich"),
    ("process-standards", "coordination", "Process standards", "Prozessstandards"),
    ("coordination-units", "coordination", "Coordination units", "Koordinationseinheiten"),
    ("internal-service-metrics", "coordination", "Internal service metrics", "Interne Dienstleistungskennzahlen"),
    ("employee-surveys", "feedback", "Employee surveys", "Mitarbeiterbefragungen"),
    ("focus-groups", "feedback", "Focus groups", "Fokusgruppen"),
    ("social-engagement", "culture", "Social engagement", "Soziales Engagement"),
]


def seed(apps, schema_editor):
    FocusArea = apps.get_model("programs", "FocusArea")
    Instrument = apps.get_model("programs", "Instrument")
    for code, order, name_en, name_de in FOCUS_AREAS:
        FocusArea.objects.update_or_create(code=code, defaults={"order": order, "name_en": name_en, "name_de": name_de})
    for code, group, name_en, name_de in INSTRUMENTS:
        Instrument.objects.update_or_create(code=code, defaults={"group": group, "name_en": name_en, "name_de": name_de})


def unseed(apps, schema_editor):
    apps.get_model("programs", "Instrument").objects.filter(code__in=[row[0] for row in INSTRUMENTS]).delete()
    apps.get_model("programs", "FocusArea").objects.filter(code__in=[row[0] for row in FOCUS_AREAS]).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_program_process")]

    operations = [migrations.RunPython(seed, unseed)]
