from datetime import date

from people.models import Segment
from programs import services
from programs.models import FocusArea, Instrument


def make_program(owner, *, name="Customer first", start=date(2026, 1, 1), end=date(2026, 12, 31), **kwargs):
    """A program as an HR manager creates it: with its four phases and standard activities."""
    return services.program_create(actor=owner, name=name, start_date=start, end_date=end, **kwargs)


def make_planned_program(owner, *, segment: Segment | None = None, **kwargs):
    """A program with a finding, a focus area, goals, a target segment and a planned instrument."""
    program = make_program(owner, **kwargs)
    services.finding_create(
        program=program, actor=owner, scope="internal", source="employee_survey", swot="weakness", description="Slow hand-offs"
    )
    services.program_update(program=program, actor=owner, data={"situation_summary": "Silos between sales and service."})
    chosen = services.program_focus_area_set(
        program=program, actor=owner, focus_area=FocusArea.objects.get(code="internal-communication"), priority=1
    )
    general = services.goal_create(program=program, actor=owner, kind="general", title="Customer orientation")
    services.goal_create(program=program, actor=owner, kind="sub", title="Know customer expectations", parent=general)
    target = None
    if segment is not None:
        target = services.target_segment_add(program=program, actor=owner, segment=segment)
        services.suitability_set(target=target, actor=owner, ratings={chosen.pk: 4})
    services.planned_instrument_create(
        program=program,
        actor=owner,
        data={
            "instrument": Instrument.objects.get(code="newsletter"),
            "owner": owner,
            "budget": 1200,
            "start_date": program.start_date,
            "end_date": program.end_date,
            "status": "planned",
            "description": "Monthly",
            "focus_areas": [chosen],
            "target_segments": [target] if target else [],
        },
    )
    return program
