import io

from people import demo as people_demo
from programs import demo
from programs.models import Phase, Program
from programs.selectors import current_phase


def test_demo_seeds_a_running_and_a_completed_program_and_is_idempotent(db):
    people_demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    assert Program.objects.count() == 2
    running = Program.objects.get(name=demo.RUNNING)
    assert current_phase(list(running.phases.all())).number == 2
    assert running.planned_instruments.count() >= 5
    assert running.findings.count() == 5
    assert running.assessments.count() == 2
    completed = Program.objects.get(name=demo.COMPLETED)
    assert completed.status == Program.Status.COMPLETED
    assert not completed.phases.exclude(status=Phase.Status.COMPLETED).exists()
    assert completed.phases.get(number=3).completed_by_override
