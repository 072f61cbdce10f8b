from personnel.scoping import can_read


def navigation(request):
    user = getattr(request, "user", None)
    return {"nav_access_log": user is not None and can_read(user, "access_log")}
