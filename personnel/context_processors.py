from .scoping import can_read, role_of


def navigation(request):
    user = getattr(request, "user", None)
    role = role_of(user) if user is not None else ""
    return {
        "current_role": role,
        "current_institution": getattr(user, "institution", None),
        "nav_rounds": user is not None and can_read(user, "round"),
    }
