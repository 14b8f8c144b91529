"""The demo company: departments as a tree, three locations, about 300 employees, demo logins."""

import random
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from common.roles import EMPLOYEE, EXECUTIVE, HR_MANAGER
from people.models import Department, Employee, Location, Segment

DEMO_PASSWORD = "demo-portal-2026"  # documented in the README; demo installations only

# code, English, German, parent code, headcount, what we do for you (en, de), contact
DEPARTMENTS = [
    (
        "board",
        "Management Board",
        "Geschäftsführung",
        None,
        4,
        "Sets direction and decides on company-wide priorities.",
        "Legt die Richtung fest und entscheidet über unternehmensweite Prioritäten.",
        "board@demo.example",
    ),
    (
        "sales",
        "Sales",
        "Vertrieb",
        "board",
        55,
        "Wins and looks after our customers; ask us about offers and key accounts.",
        "Gewinnt und betreut unsere Kunden; fragen Sie uns zu Angeboten und Schlüsselkunden.",
        "sales@demo.example",
    ),
    (
        "field-sales",
        "Field Sales",
        "Außendienst",
        "sales",
        30,
        "Visits customers on site across the region.",
        "Besucht Kunden vor Ort in der ganzen Region.",
        "field@demo.example",
    ),
    (
        "service",
        "Customer Service",
        "Kundenservice",
        "board",
        45,
        "Answers customer calls, tickets and complaints.",
        "Beantwortet Kundenanrufe, Tickets und Beschwerden.",
        "service@demo.example",
    ),
    (
        "it",
        "IT",
        "IT",
        "board",
        28,
        "Runs the helpdesk, laptops, accounts and business software.",
        "Betreibt Helpdesk, Laptops, Zugänge und Geschäftssoftware.",
        "helpdesk@demo.example",
    ),
    (
        "hr",
        "Human Resources",
        "Personal",
        "board",
        12,
        "Hiring, onboarding, training, payroll questions and internal marketing.",
        "Einstellung, Onboarding, Weiterbildung, Gehaltsfragen und internes Marketing.",
        "hr@demo.example",
    ),
    (
        "finance",
        "Finance",
        "Finanzen",
        "board",
        18,
        "Invoices, budgets, travel expenses and purchase orders.",
        "Rechnungen, Budgets, Reisekosten und Bestellungen.",
        "finance@demo.example",
    ),
    (
        "logistics",
        "Logistics",
        "Logistik",
        "board",
        40,
        "Warehouse, shipping and deliveries to customers.",
        "Lager, Versand und Lieferungen an Kunden.",
        "logistics@demo.example",
    ),
    (
        "marketing",
        "Marketing",
        "Marketing",
        "board",
        14,
        "Brand, campaigns, website and the internal newsletter.",
        "Marke, Kampagnen, Website und der interne Newsletter.",
        "marketing@demo.example",
    ),
    (
        "production",
        "Production",
        "Produktion",
        "board",
        50,
        "Makes our products on time and in quality.",
        "Fertigt unsere Produkte pünktlich und in Qualität.",
        "production@demo.example",
    ),
    (
        "legal",
        "Legal",
        "Recht",
        "finance",
        4,
        "Contracts and compliance questions.",
        "Verträge und Compliance-Fragen.",
        "legal@demo.example",
    ),
]

LOCATIONS = [
    ("Headquarters Hamburg", Location.Kind.ON_SITE),
    ("Plant Leipzig", Location.Kind.ON_SITE),
    ("Field staff (mobile)", Location.Kind.OFF_SITE),
]

FIRST_NAMES = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Elena",
    "Felix",
    "Greta",
    "Hannah",
    "Jonas",
    "Julia",
    "Karl",
    "Lara",
    "Leon",
    "Lena",
    "Lukas",
    "Marie",
    "Max",
    "Mia",
    "Noah",
    "Paul",
    "Sophie",
    "Tim",
    "Tom",
    "Yusuf",
    "Zoe",
    "Emre",
    "Ayşe",
    "Jan",
    "Nina",
    "Ole",
]
LAST_NAMES = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Braun",
    "Zimmermann",
    "Hartmann",
    "Krüger",
    "Lange",
    "Werner",
    "Yılmaz",
    "Kaya",
    "Nowak",
    "Jansen",
]

JOB_FAMILIES = {
    "sales": "Sales",
    "field-sales": "Sales",
    "service": "Customer service",
    "it": "IT",
    "hr": "HR",
    "finance": "Finance",
    "logistics": "Operations",
    "marketing": "Marketing",
    "production": "Operations",
    "board": "Management",
    "legal": "Finance",
}
CUSTOMER_FACING = {"sales", "field-sales", "service"}

DEMO_USERS = [
    # username, first, last, role, department code
    ("hr.manager", "Hanna", "Richter", HR_MANAGER, "hr"),
    ("executive", "Erik", "Vogel", EXECUTIVE, "board"),
    ("employee", "Emma", "Berger", EMPLOYEE, "service"),
]


def seed(stdout) -> None:
    rng = random.Random(2026)  # fixed seed: the demo company looks the same on every machine
    departments = {}
    for code, name_en, name_de, parent, _size, services_en, services_de, contact in DEPARTMENTS:
        departments[code], _ = Department.objects.get_or_create(
            code=code,
            defaults={
                "name_en": name_en,
                "name_de": name_de,
                "parent": departments.get(parent),
                "services_en": services_en,
                "services_de": services_de,
                "contact": contact,
            },
        )
    locations = {name: Location.objects.get_or_create(name=name, defaults={"kind": kind})[0] for name, kind in LOCATIONS}
    hq, plant, field = locations.values()

    if not Employee.objects.filter(employee_number__startswith="D").exists():
        today = date.today()
        number = 0
        for code, *_rest in DEPARTMENTS:
            size = next(d[4] for d in DEPARTMENTS if d[0] == code)
            dept = departments[code]
            head = None
            for index in range(size):
                number += 1
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                location = field if code == "field-sales" else plant if code in {"production", "logistics"} else hq
                hired = today - timedelta(days=rng.randint(30, 365 * 18))
                employee = Employee.objects.create(
                    employee_number=f"D{number:05d}",
                    first_name=first,
                    last_name=last,
                    email=f"{first}.{last}.{number}@demo.example".lower()
                    .replace("ü", "ue")
                    .replace("ö", "oe")
                    .replace("ş", "s")
                    .replace("ı", "i"),
                    preferred_language="en" if rng.random() < 0.2 else "de",
                    department=dept,
                    location=location,
                    job_family=JOB_FAMILIES[code],
                    customer_facing=code in CUSTOMER_FACING,
                    hire_date=hired,
                    manager=head,
                    exit_date=today - timedelta(days=rng.randint(1, 20)) if index > 3 and rng.random() < 0.03 else None,
                )
                if head is None:
                    head = employee
                    dept.head = employee
                    dept.save(update_fields=["head"])
        stdout.write(f"  people: {number} employees in {len(departments)} departments")

    User = get_user_model()
    for username, first, last, role, dept_code in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@demo.example"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(Group.objects.get(name=role))
        if role != EMPLOYEE:
            user.groups.add(Group.objects.get(name=EMPLOYEE))
        Employee.objects.get_or_create(
            user=user,
            defaults={
                "employee_number": f"U-{username}",
                "first_name": first,
                "last_name": last,
                "email": user.email,
                "preferred_language": "de",
                "department": departments[dept_code],
                "location": hq,
                "job_family": JOB_FAMILIES[dept_code],
                "customer_facing": dept_code in CUSTOMER_FACING,
                "hire_date": date(2019, 4, 1),
            },
        )
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@demo.example", DEMO_PASSWORD)
    _seed_segments(departments)


def _seed_segments(departments: dict[str, Department]) -> None:
    """A few segments an HR manager would define first (idempotent: matched by name)."""
    hr_manager = get_user_model().objects.filter(username="hr.manager").first()
    segments = [
        (
            "Customer-facing off-site staff",
            "Field staff who meet customers: the promise keepers of the brand.",
            {
                "match": "all",
                "conditions": [{"field": "customer_facing", "values": [True]}, {"field": "location_type", "values": ["off_site"]}],
            },
        ),
        (
            "Customer-facing employees",
            "Everyone in direct contact with external customers.",
            {"match": "all", "conditions": [{"field": "customer_facing", "values": [True]}]},
        ),
        (
            "Managers",
            "Employees with direct reports: the first step of service to employees begins with them.",
            {"match": "all", "conditions": [{"field": "is_manager", "values": [True]}]},
        ),
        (
            "New joiners (under 1 year)",
            "For onboarding and acculturation programs.",
            {"match": "all", "conditions": [{"field": "tenure_band", "values": ["lt1"]}]},
        ),
        (
            "Internal service providers",
            "Departments whose customers are colleagues: IT, HR, Finance (with Legal) and Logistics.",
            {
                "match": "all",
                "conditions": [{"field": "department", "values": [departments[code].pk for code in ("it", "hr", "finance", "logistics")]}],
            },
        ),
    ]
    for name, description, rules in segments:
        Segment.objects.get_or_create(name=name, defaults={"description": description, "rules": rules, "created_by": hr_manager})
