from io import StringIO

from people import demo
from people.models import Employee, Segment
from people.selectors import segment_member_count


def test_demo_seed_is_idempotent_and_has_useful_segments(db):
    demo.seed(StringIO())
    counts = (Employee.objects.count(), Segment.objects.count())
    demo.seed(StringIO())
    assert (Employee.objects.count(), Segment.objects.count()) == counts
    off_site = Segment.objects.get(name="Customer-facing off-site staff")
    assert 0 < segment_member_count(segment=off_site) < Employee.objects.count()
    assert all(segment_member_count(segment=segment) > 0 for segment in Segment.objects.all())
