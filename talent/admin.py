"""Admin pages of 柔性引才: read-only, scoped views of what the pages, the API and the beat task
write through talent.services (so the budget cap, term limits and review rules cannot be skipped
here).  Experts stay editable for typos in their details; the scoring scheme is read here and
revised by adding a version."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from personnel.admin import ScopedAdminMixin

from .models import AnnualReview, Budget, Contract, Expert, ReviewScheme, Team, TerminationItem, Visit
from .selectors import (
    visible_budgets,
    visible_contracts,
    visible_experts,
    visible_reviews,
    visible_teams,
    visible_termination_items,
    visible_visits,
)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Expert)
class ExpertAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(visible_experts)
    scope_resource = "talent_contract"
    list_display = ("name", "home_employer", "title", "title_level", "degree", "tier", "institution")
    list_filter = ("tier", "title_level", "degree")
    search_fields = ("name", "home_employer")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(visible_teams)
    scope_resource = "talent_contract"
    list_display = ("name", "leader", "institution")


@admin.register(Contract)
class ContractAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(visible_contracts)
    scope_resource = "talent_contract"
    list_display = ("code", "party_name", "institution", "mode", "start", "end", "funding", "paid", "status")
    list_filter = ("status", "mode")
    search_fields = ("code", "expert__name", "team__name")


@admin.register(Visit)
class VisitAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(visible_visits)
    scope_resource = "talent_visit"
    list_display = ("contract", "visit_date", "days", "kind", "patients", "recorded_by")


@admin.register(Budget)
class BudgetAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(visible_budgets)
    scope_resource = "talent_budget"
    list_display = ("institution", "year", "base", "adjustment", "allocated")
    list_filter = ("year",)


@admin.register(ReviewScheme)
class ReviewSchemeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "region", "effective_from")


@admin.register(AnnualReview)
class AnnualReviewAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(visible_reviews)
    scope_resource = "talent_review"
    list_display = ("contract", "year", "total", "result", "stipend", "may_renew")
    list_filter = ("year", "result")


@admin.register(TerminationItem)
class TerminationItemAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(visible_termination_items)
    scope_resource = "talent_contract"
    list_display = ("contract", "reason", "learned_on", "deadline", "status", "overdue")
    list_filter = ("status", "reason", "overdue")
