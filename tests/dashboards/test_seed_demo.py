from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command

from people.models import Department, Employee, Location


def test_seed_demo_builds_a_believable_company_and_is_idempotent(db):
    call_command("seed_demo", stdout=StringIO())
    counts = (Employee.objects.count(), Department.objects.count(), Location.objects.count(), get_user_model().objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Employee.objects.count(), Department.objects.count(), Location.objects.count(), get_user_model().objects.count()) == counts

    assert 250 <= Employee.objects.count() <= 400
    assert Department.objects.count() >= 8
    assert Department.objects.filter(parent__isnull=False, parent__parent__isnull=False).exists(), "departments form a tree"
    assert Location.objects.count() == 3
    assert Location.objects.filter(kind=Location.Kind.OFF_SITE, employees__isnull=False).exists()
    for username, group in (("hr.manager", "HR manager"), ("executive", "Executive"), ("employee", "Employee")):
        user = get_user_model().objects.get(username=username)
        assert user.check_password("demo-portal-2026")
        assert user.groups.filter(name=group).exists()
    assert get_user_model().objects.get(username="admin").is_superuser
