from rest_framework import permissions

from ..scoping import can_change, can_read


class RoleScopedPermission(permissions.BasePermission):
    """Reads need the role to read the view's `resource`; writes need it to change it.
    Which rows are reachable is decided by the view's scoped queryset (a foreign row is a 404)."""

    message = "当前角色无权执行此操作。"

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return False
        resource = getattr(view, "resource", None)
        if resource is None:
            return bool(getattr(user, "is_superuser", False))
        if request.method in permissions.SAFE_METHODS:
            return can_read(user, resource)
        return can_change(user, resource)
