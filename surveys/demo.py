"""Demo surveys: six months of weekly pulses, an internal customer survey, ideas in every status
and external customer feedback. Deterministic (fixed seed) and idempotent (skips when present).

Rows are written with bulk_create and published through the normal rollup job, so the demo shows
exactly what real data would: Legal (4 people) is always suppressed, and so is the group that
secondary suppression hides next to it.
"""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from people.models import Department, Employee, Location, Segment
from people.selectors import segment_employees
from surveys import services
from surveys.models import (
    Ballot,
    CustomerFeedback,
    FeedbackLink,
    Idea,
    Invitation,
    PulseSchedule,
    Question,
    SurveyTemplate,
    Wave,
    WaveQuestion,
)

PULSE_NAME = "Weekly pulse"
WEEKS = 26
PULSE_CODES = [
    "eng-proud",
    "eng-motivated",
    "eng-stay",
    "eng-recognition",
    "eng-growth",
    "eng-purpose",
    "eng-heard",
    "eng-resources",
    "eng-satisfied",
    "enps",
]
# How each department feels (mean on the 1-5 scale) six months ago; every team improves a little.
MOOD = {
    "board": 4.2,
    "sales": 3.8,
    "field-sales": 3.3,
    "service": 3.2,
    "it": 3.9,
    "hr": 4.1,
    "finance": 3.5,
    "logistics": 2.8,
    "marketing": 4.0,
    "production": 3.0,
    "legal": 3.6,
}
SERVICE_QUALITY = {"it": 4.1, "hr": 3.9, "finance": 3.0, "logistics": 3.4, "marketing": 3.7, "service": 3.6}
COMMENTS = [
    "More direct talks with our supervisors, please.",
    "The new onboarding helped a lot.",
    "Weniger Meetings, mehr Zeit für Kunden.",
    "Bitte bessere Abstimmung zwischen Vertrieb und Logistik.",
    "Our tools are slow; the helpdesk is great though.",
    "Ich wünsche mir mehr Anerkennung für gute Arbeit.",
    "Clear goals for the quarter would help the team.",
    "Mehr Weiterbildung zu Beschwerdemanagement.",
    "Keep the CEO breakfasts going!",
    "Die Schichtplanung sollte früher feststehen.",
]
IDEAS = [
    (
        "Shared calendar for meeting rooms",
        "Ein gemeinsamer Kalender spart jeden Tag Suchzeit.",
        "it",
        Idea.Status.IMPLEMENTED,
        "Done: every room is bookable in the calendar since March.",
        False,
    ),
    (
        "Ride-along days for office staff",
        "Office colleagues join field sales for a day to understand customers.",
        "field-sales",
        Idea.Status.ACCEPTED,
        "Great idea: the first ride-along days start next month.",
        False,
    ),
    (
        "Complaint handling workshop",
        "Kurzer Workshop zum Umgang mit Beschwerden für alle mit Kundenkontakt.",
        "service",
        Idea.Status.UNDER_REVIEW,
        "We are checking trainers and dates.",
        False,
    ),
    ("Standing desks in the open office", "Some height-adjustable desks would help with back pain.", None, Idea.Status.NEW, "", True),
    (
        "Paperless travel expenses",
        "Reisekosten per App statt Papierformular.",
        "finance",
        Idea.Status.ACCEPTED,
        "Accepted; the app goes live with the next release.",
        False,
    ),
    (
        "Free parking for night shifts",
        "Night shift colleagues cannot find parking.",
        "production",
        Idea.Status.DECLINED,
        "Unfortunately the car park belongs to our landlord; we are offering job tickets instead.",
        True,
    ),
    (
        "Monthly open Q&A with management",
        "Offene Fragerunde mit der Geschäftsführung, auch anonym per Zettel.",
        "board",
        Idea.Status.IMPLEMENTED,
        "Every first Monday since January.",
        True,
    ),
    ("Warehouse signage in English", "New colleagues struggle with German-only signs.", "logistics", Idea.Status.NEW, "", False),
    (
        "Buddy programme for new hires",
        "Jede neue Kollegin bekommt eine Patin aus einem anderen Team.",
        "hr",
        Idea.Status.UNDER_REVIEW,
        "HR is drafting the programme with two volunteers.",
        False,
    ),
    (
        "Customer stories in the newsletter",
        "Show what our work means for customers.",
        "marketing",
        Idea.Status.ACCEPTED,
        "Starting with the next issue.",
        True,
    ),
]


def seed(stdout) -> None:
    if SurveyTemplate.objects.filter(name=PULSE_NAME).exists():
        stdout.write("surveys: demo data already present")
        return
    rng = random.Random(2026)
    today = timezone.localdate()
    employees = list(Employee.objects.active().select_related("department"))
    if not employees:
        stdout.write("surveys: no employees, skipping demo surveys")
        return
    segments = _segment_map()
    questions = {q.code: q for q in Question.objects.filter(code__isnull=False)}
    hr_user = get_user_model().objects.filter(username="hr.manager").first()
    demo_users = set(get_user_model().objects.filter(username__in=["employee", "hr.manager", "executive"]).values_list("id", flat=True))

    pulse = services.template_create(name=PULSE_NAME, description="Five questions a week, rotating.", created_by=hr_user)
    for code in PULSE_CODES:
        services.template_item_add(template=pulse, question=questions[code])
    items = list(pulse.items.select_related("section", "question").order_by("section__position", "position", "id"))
    schedule = PulseSchedule.objects.create(
        template=pulse, frequency=PulseSchedule.Frequency.WEEKLY, window_days=5, items_per_wave=5, next_open_on=today + timedelta(days=7)
    )
    # Every wave asks the eNPS and one free-text question besides four rotating engagement items.
    for week in range(WEEKS, -1, -1):
        opens = today - timedelta(days=7 * week)
        rotating = services.rotation_items(items[:-1], ((WEEKS - week) * 4) % 9, 4)
        wave = Wave.objects.create(
            template=pulse,
            schedule=schedule,
            title=f"{PULSE_NAME} · {opens:%Y-%m-%d}",
            status=Wave.Status.OPEN if week == 0 else Wave.Status.CLOSED,
            opens_on=opens,
            closes_on=opens + timedelta(days=4),
            reminders_sent=2 if week else 0,
            created_by=hr_user,
        )
        wave_items = [*rotating, items[-1]]
        WaveQuestion.objects.bulk_create(
            WaveQuestion(wave=wave, question_id=i.question_id, section_en="Questions", section_de="Fragen", position=n, required=True)
            for n, i in enumerate(wave_items, start=1)
        )
        WaveQuestion.objects.create(
            wave=wave, question=questions["ideas-open"], section_en="Questions", section_de="Fragen", position=6, required=False
        )
        progress = (WEEKS - week) / WEEKS
        rate = 0.45 if week == 0 else 0.62 + 0.15 * progress
        _fill_wave(
            wave,
            employees,
            segments,
            rng,
            rate,
            demo_users,
            lambda e, p=progress: MOOD.get(e.department.code, 3.4) + 0.4 * p,
            [i.question for i in wave_items],
            questions["ideas-open"],
        )
        services.wave_count(wave=wave, final=wave.status == Wave.Status.CLOSED)

    _internal_customer_survey(employees, segments, questions, rng, today, hr_user)
    _ideas(rng, today)
    _customer_feedback(rng, today)
    stdout.write(f"surveys: {WEEKS + 1} weekly pulse waves, an internal customer survey, {len(IDEAS)} ideas, customer feedback")


def _segment_map() -> dict[int, list[int]]:
    members: dict[int, list[int]] = {}
    for segment in Segment.objects.order_by("pk"):
        for employee_id in segment_employees(segment=segment).values_list("id", flat=True):
            members.setdefault(employee_id, []).append(segment.pk)
    return members


def _fill_wave(wave, employees, segments, rng, rate, demo_users, mood, numeric_questions, text_question) -> None:
    invitations, ballots = [], []
    for employee in employees:
        answered = employee.user_id not in demo_users and rng.random() < rate
        invitations.append(
            Invitation(
                wave=wave,
                employee=employee,
                language=employee.preferred_language,
                segment_ids=segments.get(employee.pk, []),
                mailed_on=wave.opens_on,
                used_on=wave.opens_on + timedelta(days=rng.randint(0, 3)) if answered else None,
                reminders_sent=0 if answered else wave.reminders_sent,
            )
        )
        if not answered:
            continue
        mean = mood(employee)
        answers = []
        for question in numeric_questions:
            if question.kind == "scale10":
                value = min(10, max(0, round(rng.gauss(mean * 2.4 - 1.5, 2.0))))
            else:
                value = min(5, max(1, round(rng.gauss(mean, 0.9))))
            answers.append({"question_id": question.pk, "value": value})
        if rng.random() < 0.3:
            answers.append({"question_id": text_question.pk, "text": rng.choice(COMMENTS)})
        ballots.append(
            services.ballot(
                wave_id=wave.pk, employee=employee, segment_ids=segments.get(employee.pk, []), day=wave.opens_on, answers=answers
            )
        )
    # The demo's answers take the same path as real ones: sealed ballots, counted by the job.
    Invitation.objects.bulk_create(invitations)
    Ballot.objects.bulk_create(ballots)
    Wave.objects.filter(pk=wave.pk).update(invited_count=len(invitations))


def _internal_customer_survey(employees, segments, questions, rng, today, hr_user) -> None:
    codes = [
        "service-reliability",
        "service-responsiveness",
        "service-communication",
        "service-helpfulness",
        "service-satisfaction",
        "service-inps",
    ]
    template = services.template_create(name="Internal services", kind=SurveyTemplate.Kind.INTERNAL_CUSTOMER, created_by=hr_user)
    for code in codes:
        services.template_item_add(template=template, question=questions[code])
    opens = today - timedelta(days=40)
    wave = Wave.objects.create(
        template=template,
        title="Internal services · spring",
        status=Wave.Status.CLOSED,
        opens_on=opens,
        closes_on=opens + timedelta(days=13),
        created_by=hr_user,
    )
    WaveQuestion.objects.bulk_create(
        WaveQuestion(wave=wave, question=questions[code], section_en="Service", section_de="Service", position=n)
        for n, code in enumerate(codes, 1)
    )
    providers = {d.code: d for d in Department.objects.filter(code__in=SERVICE_QUALITY)}
    invitations, ballots = [], []
    for employee in employees:
        answered = rng.random() < 0.7
        invitations.append(
            Invitation(
                wave=wave, employee=employee, language=employee.preferred_language, mailed_on=opens, used_on=opens if answered else None
            )
        )
        if not answered:
            continue
        answers = []
        used = rng.sample(sorted(providers), rng.randint(2, 4))
        for code in used:
            provider = providers[code]
            if provider.pk == employee.department_id:
                continue
            mean = SERVICE_QUALITY[code]
            for question_code in codes:
                question = questions[question_code]
                if question.kind == "scale10":
                    value = min(10, max(0, round(rng.gauss(mean * 2.4 - 1.5, 2.0))))
                else:
                    value = min(5, max(1, round(rng.gauss(mean, 0.8))))
                answers.append({"question_id": question.pk, "provider_id": provider.pk, "value": value})
        ballots.append(
            services.ballot(wave_id=wave.pk, employee=employee, segment_ids=segments.get(employee.pk, []), day=opens, answers=answers)
        )
    Invitation.objects.bulk_create(invitations)
    Ballot.objects.bulk_create(ballots)
    Wave.objects.filter(pk=wave.pk).update(invited_count=len(invitations))
    services.wave_count(wave=wave, final=True)


def _ideas(rng, today) -> None:
    departments = {d.code: d for d in Department.objects.all()}
    authors = list(get_user_model().objects.filter(employee__isnull=False).order_by("pk")[:40])
    Idea.objects.bulk_create(
        Idea(
            title=title,
            body=body,
            department=departments.get(code) if code else None,
            author=None if anonymous or not authors else rng.choice(authors),
            submitted_on=today - timedelta(days=rng.randint(5, 160)),
            status=status,
            public_answer=answer,
            answered_on=today - timedelta(days=rng.randint(0, 4)) if answer else None,
        )
        for title, body, code, status, answer, anonymous in IDEAS
    )


def _customer_feedback(rng, today) -> None:
    targets = [
        FeedbackLink(slug="demo-customer-service", department=Department.objects.filter(code="service").first()),
        FeedbackLink(slug="demo-plant-leipzig", location=Location.objects.filter(name__icontains="Leipzig").first()),
    ]
    links = FeedbackLink.objects.bulk_create([link for link in targets if link.department_id or link.location_id])
    feedback = []
    for index, link in enumerate(links):
        for _ in range(90):
            satisfaction = min(5, max(1, round(rng.gauss(3.9 - 0.5 * index, 0.9))))
            nps = min(10, max(0, round(satisfaction * 2 + rng.gauss(-0.5, 1.5))))
            feedback.append(
                CustomerFeedback(link=link, given_on=today - timedelta(days=rng.randint(0, 180)), satisfaction=satisfaction, nps=nps)
            )
    CustomerFeedback.objects.bulk_create(feedback)
