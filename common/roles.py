"""Roles are Django groups; this module is the one place that knows their names.

`role_required` is the single access check every role-restricted view uses: an anonymous
visitor is sent to the login page, a signed-in user without the role gets 403.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

HR_MANAGER = "HR manager"
EXECUTIVE = "Executive"
EMPLOYEE = "Employee"
ALL_ROLES = (HR_MANAGER, EXECUTIVE, EMPLOYEE)


def user_roles(user) -> frozenset[str]:
    """The role names of a user, read once per request and kept on the user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_im_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True))
        if user.is_superuser:
            cached = frozenset(ALL_ROLES)
        user._im_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def role_required(*roles: str):
    """Decorate a view so only users holding at least one of ``roles`` may use it."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def ensure_role_groups() -> None:
    """Create the role groups if missing (a migration creates them; a flushed test database may not have them)."""
    from django.contrib.auth.models import Group

    for name in ALL_ROLES:
        Group.objects.get_or_create(name=name)
