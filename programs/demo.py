"""Two demo programs: one in phase 2 with a realistic plan, one completed.

Idempotent: a program whose name exists is left alone. Dates are anchored on today so the
running program is always mid-way; everything else is fixed.
"""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from people.models import Segment
from programs import services
from programs.catalogue import ensure_catalogue
from programs.models import FocusArea, Instrument, Program

RUNNING = "Customer first: service from the inside out"
COMPLETED = "Onboarding and internal service pilot"

FINDINGS = [
    ("internal", "employee_survey", "weakness", "Only 41% of employees can name our three service promises (employee survey, spring)."),
    ("internal", "improvement_ideas", "weakness", "Many improvement ideas about slow hand-offs between Sales and Customer Service."),
    ("external", "customer_survey", "threat", "Customers rate our response time below the two main competitors (NPS comments)."),
    ("internal", "interviews", "strength", "Supervisors in Customer Service hold regular team meetings and want more material."),
    ("external", "other", "opportunity", "The new brand campaign next year gives a natural occasion to explain our promises inside first."),
]


def _user(username):
    return get_user_model().objects.filter(username=username).first()


def seed(stdout) -> None:
    hr = _user("hr.manager")
    if hr is None:
        stdout.write("  programs: skipped (no hr.manager; run the people demo first)")
        return
    ensure_catalogue()
    today = timezone.localdate()
    if not Program.objects.filter(name=RUNNING).exists():
        _seed_running(hr, today)
    if not Program.objects.filter(name=COMPLETED).exists():
        _seed_completed(hr, today)
    stdout.write(f"  programs: {Program.objects.count()} programs")


def _segments(*names):
    return [s for s in (Segment.objects.filter(name=n).first() for n in names) if s is not None]


def _plan(program, hr, *, focus_codes, targets, instruments):
    chosen = [
        services.program_focus_area_set(
            program=program, actor=hr, focus_area=FocusArea.objects.get(code=code), priority=priority, rationale=rationale
        )
        for priority, (code, rationale) in enumerate(focus_codes, start=1)
    ]
    general = services.goal_create(
        program=program,
        actor=hr,
        kind="general",
        title="Customer orientation in every department",
        description="Every team knows who its customers are, inside and outside, and acts on it.",
        due_date=program.end_date,
    )
    for title, months in (("Every employee knows the external marketing strategy", 4), ("Employees know what customers expect", 6)):
        services.goal_create(
            program=program, actor=hr, kind="sub", title=title, parent=general, due_date=program.start_date + timedelta(days=30 * months)
        )
    for title in ("Higher employee satisfaction", "Trust in management", "Commitment to the service promises"):
        services.goal_create(program=program, actor=hr, kind="indirect", title=title, parent=general, due_date=program.end_date)
    target_objects = []
    for index, segment in enumerate(_segments(*targets)):
        target = services.target_segment_add(program=program, actor=hr, segment=segment)
        services.suitability_set(target=target, actor=hr, ratings={c.pk: max(1, 5 - index - i) for i, c in enumerate(chosen)})
        target_objects.append(target)
    for code, budget, start_offset, length, status, description in instruments:
        start = program.start_date + timedelta(days=start_offset)
        services.planned_instrument_create(
            program=program,
            actor=hr,
            data={
                "instrument": Instrument.objects.get(code=code),
                "owner": hr,
                "budget": Decimal(budget),
                "start_date": start,
                "end_date": min(start + timedelta(days=length), program.end_date),
                "status": status,
                "description": description,
                "focus_areas": chosen[:1],
                "target_segments": target_objects,
            },
        )


def _complete_by_criteria(phase, hr):
    for activity in phase.activities.all():
        services.activity_update(activity=activity, actor=hr, data={"status": "done"})
    for criterion in phase.criteria.all():
        services.criterion_set_met(criterion=criterion, actor=hr, met=True)
    services.phase_complete(phase=phase, actor=hr)


def _assess(program, hr, day, scores):
    notes = ["", "", "Segments defined from HR data.", "", "", ""]
    services.self_assessment_create(
        program=program, actor=hr, assessed_on=day, scores={p: (s, notes[p - 1]) for p, s in enumerate(scores, start=1)}
    )


def _seed_running(hr, today):
    program = services.program_create(
        actor=hr,
        name=RUNNING,
        description="Make every department see colleagues and customers as customers: the service promises lived inside first.",
        start_date=today - timedelta(days=120),
        end_date=today + timedelta(days=245),
        status=Program.Status.ACTIVE,
    )
    for scope, source, swot, text in FINDINGS:
        services.finding_create(
            program=program,
            actor=hr,
            scope=scope,
            source=source,
            swot=swot,
            description=text,
            evidence_links=["Employee survey, spring wave"],
        )
    services.program_update(
        program=program,
        actor=hr,
        data={
            "situation_summary": "Employees want to serve customers well but do not know our promises, and hand-offs between "
            "departments cost customers time. Supervisors are willing to lead the change."
        },
    )
    _plan(
        program,
        hr,
        focus_codes=[
            ("internal-communication", "Employees cannot keep promises they do not know."),
            ("internal-exchange", "Slow hand-offs between Sales and Service are the main complaint."),
        ],
        targets=("Customer-facing employees", "Internal service providers"),
        instruments=[
            ("town-hall", "3500", 20, 1, "done", "Kick-off town hall with the CEO."),
            ("newsletter", "1800", 20, 300, "in_progress", "Monthly newsletter with one service story."),
            ("ceo-breakfast", "2400", 60, 240, "in_progress", "Six CEO breakfasts with ten employees each."),
            ("training-seminars", "24000", 150, 90, "planned", "The four standard seminars for supervisors and teams."),
            ("internal-service-metrics", "5000", 180, 150, "planned", "Response time and hand-off quality between departments."),
            ("employee-surveys", "6000", 300, 30, "planned", "Post-measurement pulse against the spring baseline."),
        ],
    )
    phases = {p.number: p for p in program.phases.all()}
    _complete_by_criteria(phases[1], hr)
    kickoff, dialogues = phases[2].activities.order_by("id")
    services.activity_update(activity=kickoff, actor=hr, data={"status": "done"})
    services.activity_update(activity=dialogues, actor=hr, data={"status": "in_progress", "completion": 40})
    services.criterion_set_met(criterion=phases[2].criteria.order_by("id").first(), actor=hr, met=True)
    for seminar in phases[3].activities.filter(is_seminar=True):
        services.activity_update(activity=seminar, actor=hr, data={"planned_attendance": 40})
    _assess(program, hr, program.start_date + timedelta(days=5), [2, 2, 3, 3, 2, 2])
    _assess(program, hr, today - timedelta(days=7), [4, 3, 3, 3, 3, 3])
    services.news_post_create(
        program=program,
        actor=hr,
        title="Our service promises: it starts with us",
        body="The management board has committed to the program. Over the next weeks your supervisor will invite you to a team dialogue.",
    )
    services.news_post_create(
        program=program,
        actor=hr,
        title="Team dialogues have started",
        body="Four in ten teams have already met. Share your ideas for better hand-offs on the ideas portal.",
    )


def _seed_completed(hr, today):
    start = today - timedelta(days=540)
    program = services.program_create(
        actor=hr,
        name=COMPLETED,
        description="A first, smaller program: better onboarding and clear internal service standards in IT and HR.",
        start_date=start,
        end_date=start + timedelta(days=300),
        status=Program.Status.ACTIVE,
    )
    services.finding_create(
        program=program,
        actor=hr,
        scope="internal",
        source="interviews",
        swot="weakness",
        description="New joiners wait up to two weeks for a laptop and accounts.",
    )
    services.program_update(program=program, actor=hr, data={"situation_summary": "Onboarding and internal service are slow."})
    _plan(
        program,
        hr,
        focus_codes=[("internal-exchange", "Internal service quality between IT, HR and the business.")],
        targets=("New joiners (under 1 year)", "Internal service providers"),
        instruments=[
            ("onboarding", "8000", 10, 200, "done", "Onboarding checklist and buddy programme."),
            ("process-standards", "2000", 30, 120, "done", "Service standard for new-joiner equipment."),
        ],
    )
    phases = {p.number: p for p in program.phases.all()}
    for number in (1, 2):
        _complete_by_criteria(phases[number], hr)
    for seminar in phases[3].activities.filter(is_seminar=True):
        services.activity_update(activity=seminar, actor=hr, data={"status": "done", "planned_attendance": 25, "actual_attendance": 21})
    services.phase_complete(
        phase=phases[3], actor=hr, override_reason="Attendance stayed below plan (21 of 25); the board accepted it as sufficient."
    )
    _complete_by_criteria(phases[4], hr)
    _assess(program, hr, start + timedelta(days=3), [2, 2, 2, 3, 2, 2])
    _assess(program, hr, start + timedelta(days=290), [3, 4, 3, 4, 3, 3])
    services.news_post_create(
        program=program, actor=hr, title="Onboarding pilot completed", body="New joiners now get their equipment on day one."
    )
