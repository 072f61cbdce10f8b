"""Who may see and change what.  One function per model; every view, API, admin page and
export goes through these, none filters by institution by hand.

Roles (domain: 卫健委 admin, hospital HR, department head, staff, HIS API client):
- commission admin: every institution of its region;
- hospital HR and API clients: their institution and the institutions below it;
- department head: their own department (read);
- staff: their own record (read).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from .choices import Role
from .models import Department, Institution, PolicyVersion, PostQuota, Staff, Title


@dataclass
class ApiClient:
    """The principal behind an institution API key (HIS clients); not a database user."""

    institution: Institution
    key_name: str = ""
    role: str = Role.API_CLIENT
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_active: bool = True
    is_superuser: bool = False
    is_staff: bool = False
    pk: None = None
    id: None = None
    department_id: None = None
    staff_id: None = None

    @property
    def institution_id(self) -> int:
        return self.institution.pk

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False

    def get_username(self) -> str:
        return f"api:{self.key_name}"

    def __str__(self) -> str:
        return f"接口客户端 {self.key_name}（{self.institution}）"


# The secondments app's (县聘乡用) resources: stints, their leave and attendance, the yearly
# planning (demand, dispatch lists, matches) and the separate annual assessment.
SECONDMENT_RESOURCES = frozenset(
    {"secondment", "secondment_leave", "secondment_attendance", "secondment_plan", "secondment_assessment"}
)

# Resources each role may create, change or delete (within what it can see).
CHANGE_MATRIX: dict[str, frozenset[str]] = {
    Role.COMMISSION_ADMIN: frozenset(
        {"institution", "department", "staff", "title", "appointment", "quota"}
        | {"assessment", "period", "scheme", "duty_target"}
        | SECONDMENT_RESOURCES
    ),
    Role.HOSPITAL_HR: frozenset(
        {"department", "staff", "title", "appointment"}
        | {"assessment", "duty_target"}
        | {"secondment_leave", "secondment_attendance", "secondment_plan", "secondment_assessment"}
    ),
    Role.DEPARTMENT_HEAD: frozenset({"assessment"}),
    Role.STAFF: frozenset(),
    Role.API_CLIENT: frozenset({"staff", "title"} | {"workload"} | {"secondment_leave", "secondment_attendance"}),
}

# Resources each role may read at all (then only the rows the functions below return).
# The second set of each row is the assessments app's (periods, schemes, scores, workload, targets).
READ_MATRIX: dict[str, frozenset[str]] = {
    Role.COMMISSION_ADMIN: frozenset(
        {"institution", "department", "staff", "title", "appointment", "quota"}
        | {"assessment", "period", "scheme", "workload", "duty_target"}
        | SECONDMENT_RESOURCES
    ),
    Role.HOSPITAL_HR: frozenset(
        {"institution", "department", "staff", "title", "appointment", "quota"}
        | {"assessment", "period", "scheme", "workload", "duty_target"}
        | SECONDMENT_RESOURCES
    ),
    Role.DEPARTMENT_HEAD: frozenset(
        {"institution", "department", "staff", "title", "appointment"}
        | {"assessment", "period", "scheme", "workload", "duty_target"}
        | {"secondment", "secondment_leave", "secondment_attendance"}
    ),
    Role.STAFF: frozenset(
        {"institution", "department", "staff", "title", "appointment"}
        | {"assessment", "period", "scheme", "workload", "duty_target"}
        | {"secondment", "secondment_leave", "secondment_attendance"}
    ),
    Role.API_CLIENT: frozenset(
        {"institution", "department", "staff", "title", "appointment", "quota"}
        | {"workload", "period", "scheme"}
        | {"secondment", "secondment_leave", "secondment_attendance"}
    ),
}


# The talent app's (柔性引才) resources: experts, teams and contracts ("talent_contract"), visits,
# annual reviews and the yearly fund.  A department head reads the contracts of their department;
# a staff member has no part in them.  Kept apart so each app's rights read in one place.
TALENT_READ: dict[str, frozenset[str]] = {
    Role.COMMISSION_ADMIN: frozenset({"talent_contract", "talent_visit", "talent_review", "talent_budget"}),
    Role.HOSPITAL_HR: frozenset({"talent_contract", "talent_visit", "talent_review", "talent_budget"}),
    Role.DEPARTMENT_HEAD: frozenset({"talent_contract", "talent_visit", "talent_review"}),
    Role.STAFF: frozenset(),
    Role.API_CLIENT: frozenset({"talent_contract", "talent_visit"}),
}
TALENT_CHANGE: dict[str, frozenset[str]] = {
    Role.COMMISSION_ADMIN: frozenset({"talent_contract", "talent_review", "talent_budget"}),
    Role.HOSPITAL_HR: frozenset({"talent_contract", "talent_visit", "talent_review"}),
    Role.DEPARTMENT_HEAD: frozenset(),
    Role.STAFF: frozenset(),
    Role.API_CLIENT: frozenset({"talent_visit"}),
}
for _role, _resources in TALENT_READ.items():
    READ_MATRIX[_role] = READ_MATRIX[_role] | _resources
for _role, _resources in TALENT_CHANGE.items():
    CHANGE_MATRIX[_role] = CHANGE_MATRIX[_role] | _resources


# The 能上能下 app's resources (seed 000 §五): cases, rectifications and conduct events.  Staff read
# their own case and rectification (tallies only, never ballots); who takes which step of a case is
# `demotions.permissions`.
DEMOTION_READ: dict[str, frozenset[str]] = {
    Role.COMMISSION_ADMIN: frozenset({"demotion_case", "rectification", "conduct_event"}),
    Role.HOSPITAL_HR: frozenset({"demotion_case", "rectification", "conduct_event"}),
    Role.DEPARTMENT_HEAD: frozenset({"demotion_case", "rectification", "conduct_event"}),
    Role.STAFF: frozenset({"demotion_case", "rectification"}),
    Role.API_CLIENT: frozenset(),
}
DEMOTION_CHANGE: dict[str, frozenset[str]] = {
    Role.COMMISSION_ADMIN: frozenset({"demotion_case", "conduct_event"}),
    Role.HOSPITAL_HR: frozenset({"demotion_case", "conduct_event"}),
    Role.DEPARTMENT_HEAD: frozenset(),
    Role.STAFF: frozenset(),
    Role.API_CLIENT: frozenset(),
}
for _role, _resources in DEMOTION_READ.items():
    READ_MATRIX[_role] = READ_MATRIX[_role] | _resources
for _role, _resources in DEMOTION_CHANGE.items():
    CHANGE_MATRIX[_role] = CHANGE_MATRIX[_role] | _resources


# The rounds app's resources (聘任轮次, seed 000 §四): rounds and their proposed lists, applications,
# agreements.  Staff read the round and their own application and agreement, and apply for
# themselves; HR their institution subtree's; the commission its region's.  Who takes which step
# is `rounds.permissions`.
ROUND_READ: dict[str, frozenset[str]] = {
    Role.COMMISSION_ADMIN: frozenset({"round", "round_application", "agreement"}),
    Role.HOSPITAL_HR: frozenset({"round", "round_application", "agreement"}),
    Role.DEPARTMENT_HEAD: frozenset({"round"}),
    Role.STAFF: frozenset({"round", "round_application", "agreement"}),
    Role.API_CLIENT: frozenset(),
}
ROUND_CHANGE: dict[str, frozenset[str]] = {
    Role.COMMISSION_ADMIN: frozenset({"round", "round_application", "agreement"}),
    Role.HOSPITAL_HR: frozenset({"round_application", "agreement"}),
    Role.DEPARTMENT_HEAD: frozenset(),
    Role.STAFF: frozenset({"round_application"}),
    Role.API_CLIENT: frozenset(),
}
for _role, _resources in ROUND_READ.items():
    READ_MATRIX[_role] = READ_MATRIX[_role] | _resources
for _role, _resources in ROUND_CHANGE.items():
    CHANGE_MATRIX[_role] = CHANGE_MATRIX[_role] | _resources


def role_of(user) -> str:
    if not getattr(user, "is_authenticated", False):
        return ""
    return getattr(user, "role", "") or ""


def can_read(user, resource: str) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return resource in READ_MATRIX.get(role_of(user), frozenset())


def can_change(user, resource: str) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return resource in CHANGE_MATRIX.get(role_of(user), frozenset())


def can_view_full_id(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_perm("personnel.view_full_id_number")


def _institution_q(user, prefix: str = "") -> Q | None:
    """The institutions a user reaches, as a filter on `prefix` (None = everything)."""
    if getattr(user, "is_superuser", False):
        return None
    role = role_of(user)
    institution = getattr(user, "institution", None)
    if not role or institution is None:
        return Q(pk__in=[])
    if role == Role.COMMISSION_ADMIN:
        return Q(**{f"{prefix}region_id": institution.region_id})
    if role in (Role.HOSPITAL_HR, Role.API_CLIENT):
        return Q(**{f"{prefix}path__startswith": institution.path})
    return Q(**{f"{prefix}pk": institution.pk})


def _apply(qs: QuerySet, q: Q | None) -> QuerySet:
    return qs if q is None else qs.filter(q)


def visible_institutions(user) -> QuerySet[Institution]:
    if not can_read(user, "institution"):
        return Institution.objects.none()
    return _apply(Institution.objects.all(), _institution_q(user))


def visible_departments(user) -> QuerySet[Department]:
    qs = Department.objects.all()
    if not can_read(user, "department"):
        return qs.none()
    role = role_of(user)
    if role == Role.DEPARTMENT_HEAD:
        return qs.filter(pk=user.department_id)
    if role == Role.STAFF:
        return qs.filter(staff__pk=user.staff_id)
    return _apply(qs, _institution_q(user, "institution__"))


def visible_staff(user) -> QuerySet[Staff]:
    qs = Staff.objects.all()
    if not can_read(user, "staff"):
        return qs.none()
    role = role_of(user)
    if role == Role.DEPARTMENT_HEAD:
        return qs.filter(department_id=user.department_id)
    if role == Role.STAFF:
        return qs.filter(pk=user.staff_id)
    return _apply(qs, _institution_q(user, "institution__"))


def visible_titles(user) -> QuerySet[Title]:
    if not can_read(user, "title"):
        return Title.objects.none()
    return Title.objects.filter(staff__in=visible_staff(user).values("pk"))


def visible_quotas(user) -> QuerySet[PostQuota]:
    if not can_read(user, "quota"):
        return PostQuota.objects.none()
    return _apply(PostQuota.objects.all(), _institution_q(user, "institution__"))


def institution_filter(user, prefix: str = "") -> Q | None:
    """The institutions a user reaches, as a filter on `prefix` (None = everything); for apps
    that scope rows by an institution of their own (a secondment's two units)."""
    return _institution_q(user, prefix)


def visible_policies(user) -> QuerySet[PolicyVersion]:
    if getattr(user, "is_superuser", False):
        return PolicyVersion.objects.all()
    institution = getattr(user, "institution", None)
    if not role_of(user) or institution is None:
        return PolicyVersion.objects.none()
    return PolicyVersion.objects.filter(region_id=institution.region_id)


def changeable(user, resource: str, qs: QuerySet) -> QuerySet:
    """The rows of `qs` the user may change: its visible rows if the role may change the resource."""
    return qs if can_change(user, resource) else qs.none()


# The access log of full ID numbers (app accesslog): the commission reads its region's rows.
ACCESS_LOG_READ: dict[str, frozenset[str]] = {Role.COMMISSION_ADMIN: frozenset({"access_log"})}
for _role, _resources in ACCESS_LOG_READ.items():
    READ_MATRIX[_role] = READ_MATRIX[_role] | _resources
