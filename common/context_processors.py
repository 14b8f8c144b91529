from common.navigation import nav_for
from common.roles import EMPLOYEE, EXECUTIVE, HR_MANAGER, user_roles


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": frozenset()}
    roles = user_roles(user)
    return {
        "nav_items": nav_for(roles),
        "user_roles": roles,
        "is_hr_manager": HR_MANAGER in roles,
        "is_executive": EXECUTIVE in roles,
        "is_employee": EMPLOYEE in roles,
    }
