"""Reads of 柔性引才, scoped on top of personnel.scoping (the one place that decides visibility):
hospital HR sees its institution subtree, the commission admin its region, a department head
the contracts of their department, staff nothing; a foreign row is a 404."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from personnel.choices import Role
from personnel.scoping import can_read, role_of, visible_institutions

from .choices import COMMITTING_STATUSES
from .models import AnnualReview, Budget, Contract, Expert, Team, TerminationItem, Visit

MONEY = DecimalField(max_digits=14, decimal_places=2)


def _institution_ids(user) -> QuerySet:
    return visible_institutions(user).values("pk")


def visible_contracts(user) -> QuerySet[Contract]:
    qs = Contract.objects.all()
    if not can_read(user, "talent_contract"):
        return qs.none()
    if getattr(user, "is_superuser", False):
        return qs
    if role_of(user) == Role.DEPARTMENT_HEAD:
        return qs.filter(department_id=user.department_id) if user.department_id else qs.none()
    return qs.filter(institution__in=_institution_ids(user))


def visible_experts(user) -> QuerySet[Expert]:
    qs = Expert.objects.all()
    if not can_read(user, "talent_contract"):
        return qs.none()
    if getattr(user, "is_superuser", False):
        return qs
    if role_of(user) == Role.DEPARTMENT_HEAD:
        contracts = visible_contracts(user)
        return qs.filter(
            Q(pk__in=contracts.values("expert_id"))
            | Q(teams__contracts__in=contracts)
            | Q(led_teams__contracts__in=contracts)
        ).distinct()
    return qs.filter(institution__in=_institution_ids(user))


def visible_teams(user) -> QuerySet[Team]:
    qs = Team.objects.all()
    if not can_read(user, "talent_contract"):
        return qs.none()
    if getattr(user, "is_superuser", False):
        return qs
    if role_of(user) == Role.DEPARTMENT_HEAD:
        return qs.filter(pk__in=visible_contracts(user).values("team_id"))
    return qs.filter(institution__in=_institution_ids(user))


def visible_visits(user) -> QuerySet[Visit]:
    if not can_read(user, "talent_visit"):
        return Visit.objects.none()
    return Visit.objects.filter(contract__in=visible_contracts(user))


def visible_reviews(user) -> QuerySet[AnnualReview]:
    if not can_read(user, "talent_review"):
        return AnnualReview.objects.none()
    return AnnualReview.objects.filter(contract__in=visible_contracts(user))


def visible_termination_items(user) -> QuerySet[TerminationItem]:
    return TerminationItem.objects.filter(contract__in=visible_contracts(user))


def visible_budgets(user) -> QuerySet[Budget]:
    qs = Budget.objects.all()
    if not can_read(user, "talent_budget"):
        return qs.none()
    if getattr(user, "is_superuser", False):
        return qs
    return qs.filter(institution__in=_institution_ids(user))


def contracts_with_worked_days(qs: QuerySet[Contract]) -> QuerySet[Contract]:
    """Each contract with `worked_days` (all its visits) in one query."""
    worked = (
        Visit.objects.filter(contract=OuterRef("pk")).values("contract").annotate(total=Sum("days")).values("total")
    )
    return qs.annotate(
        worked_days=Coalesce(Subquery(worked, output_field=MONEY), Value(Decimal(0)), output_field=MONEY)
    )


def budgets_with_figures(qs: QuerySet[Budget]) -> QuerySet[Budget]:
    """Allocated, committed (signed contracts less what termination released) and paid per
    budget, in one query."""
    contracts = Contract.objects.filter(
        institution=OuterRef("institution"), start__year=OuterRef("year"), status__in=COMMITTING_STATUSES
    ).values("institution")

    def total(expression) -> Coalesce:
        sub = contracts.annotate(total=Sum(expression)).values("total")
        return Coalesce(Subquery(sub, output_field=MONEY), Value(Decimal(0)), output_field=MONEY)

    return qs.annotate(
        allocated_amount=F("base") + F("adjustment"),
        committed_amount=total(F("funding") - F("released")),
        paid_amount=total(F("paid")),
    ).annotate(left_amount=F("allocated_amount") - F("committed_amount"))
