import io
import time

import pytest

from people import demo as people_demo
from surveys import demo
from surveys.figures import internal_customer_results, wave_results
from surveys.models import CustomerFeedback, Idea, SurveyTemplate, Wave

pytestmark = pytest.mark.django_db


def test_demo_surveys_are_varied_protected_and_idempotent():
    people_demo.seed(io.StringIO())
    started = time.perf_counter()
    demo.seed(io.StringIO())
    elapsed = time.perf_counter() - started
    print(f"surveys demo seeded in {elapsed:.1f} s")
    pulse = SurveyTemplate.objects.get(name=demo.PULSE_NAME)
    assert pulse.waves.count() == demo.WEEKS + 1
    assert pulse.waves.filter(status=Wave.Status.OPEN).count() == 1
    latest_closed = pulse.waves.filter(status=Wave.Status.CLOSED).order_by("-opens_on").first()
    results = wave_results(wave=latest_closed, dimension="department")
    by_label = {g.label: g for g in results.groups}
    # Legal has four people: below the threshold its answers keep no department, and the
    # people without a reportable department are too few to be shown.
    assert "Legal" not in by_label and by_label["not recorded"].reason == "small"
    assert sum(1 for g in results.groups if not g.reason) >= 8  # useful: most departments are shown
    visible = [c.favourability for c in results.group_engagement if not c.hidden]
    assert max(visible) - min(visible) >= 20  # some departments clearly better than others
    assert results.comments
    internal = SurveyTemplate.objects.get(kind=SurveyTemplate.Kind.INTERNAL_CUSTOMER).waves.get()
    assert internal_customer_results(wave=internal)["matrix"]
    assert set(Idea.objects.values_list("status", flat=True)) == set(Idea.Status.values)
    assert CustomerFeedback.objects.count() >= 100
    waves = Wave.objects.count()
    demo.seed(io.StringIO())
    assert Wave.objects.count() == waves
