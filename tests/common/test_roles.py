from django.contrib.auth.models import Group

from common.roles import ALL_ROLES, has_role, user_roles


def test_migration_creates_the_three_role_groups(db):
    assert set(Group.objects.filter(name__in=ALL_ROLES).values_list("name", flat=True)) == set(ALL_ROLES)


def test_roles_are_read_once_per_user_object(hr_manager, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert has_role(hr_manager, "HR manager")
        assert not has_role(hr_manager, "Executive")
        assert user_roles(hr_manager) == {"HR manager", "Employee"}
