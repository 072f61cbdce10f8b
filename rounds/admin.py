"""Admin pages of the rounds app: read-only, since every step goes through rounds.services (checked
and recorded); the one thing edited here is a policy version's agreement template (the commission's,
checked by its clean(): only the documented placeholders).  Ballots appear only as the tally."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html_join
from simple_history.admin import SimpleHistoryAdmin

from personnel.admin import ScopedAdminMixin, ServiceSaveMixin
from personnel.api.mixins import save_with_full_clean
from personnel.choices import Role
from personnel.scoping import visible_policies

from .models import (
    Agreement,
    AgreementTemplate,
    Application,
    ApplicationEvidence,
    AppointmentRound,
    EndingDecision,
    ProposedList,
)
from .selectors import (
    completion_summary,
    visible_agreements,
    visible_applications,
    visible_candidates,
    visible_lists,
    visible_rounds,
)
from .services import ballot_tally


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AppointmentRound)
class AppointmentRoundAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(visible_rounds)
    scope_resource = "round"
    list_display = ("name", "region", "year", "opened_on", "ends_by", "term_start", "status", "policy")
    list_filter = ("status", "year")
    list_select_related = ("region", "policy")


@admin.register(ProposedList)
class ProposedListAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(visible_lists)
    scope_resource = "round"
    list_display = ("round", "institution", "status", "proposed_on", "approved_on", "approval_document")
    list_filter = ("status",)
    list_select_related = ("round", "institution")


class EvidenceInline(ReadOnlyMixin, admin.TabularInline):
    model = ApplicationEvidence
    extra = 0
    fields = ("name", "description", "uploaded_by", "uploaded_at")
    readonly_fields = fields


@admin.register(Application)
class ApplicationAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(visible_applications)
    scope_resource = "round_application"
    list_display = (
        "staff",
        "institution",
        "post_grade",
        "source",
        "status",
        "combined_score",
        "rank",
        "completion",
        "applied_on",
    )
    list_filter = ("status", "source", "round")
    list_select_related = ("staff", "institution", "post_grade")
    search_fields = ("staff__name", "staff__employee_no")
    readonly_fields = ("democratic_tally",)
    inlines = [EvidenceInline]

    @admin.display(description="上一聘期必尽任务")
    def completion(self, obj) -> str:
        return completion_summary(obj.target_completion)

    @admin.display(description="民主评议（按类别汇总）")
    def democratic_tally(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "—"
        rows = ballot_tally(obj)
        if not rows:
            return "—"
        return format_html_join("；", "{}：{}票，平均{}", ((t["label"], t["count"], t["mean"]) for t in rows))


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(visible_agreements)
    scope_resource = "agreement"
    list_display = ("number", "application", "post_grade", "term_start", "term_end", "signed_on", "uploaded_by")
    list_select_related = ("application__staff", "post_grade", "uploaded_by")
    search_fields = ("number", "application__staff__name")
    exclude = ("signed_file",)  # personal data: served only through the scoped API


@admin.register(EndingDecision)
class EndingDecisionAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(
        lambda user: EndingDecision.objects.filter(candidate__in=visible_candidates(user).values("pk"))
    )
    scope_resource = "round_application"
    list_display = ("candidate", "round", "outcome", "post_grade", "decided_on", "decided_by")
    list_filter = ("outcome",)
    list_select_related = ("candidate__staff", "round", "post_grade", "decided_by")


@admin.register(AgreementTemplate)
class AgreementTemplateAdmin(ScopedAdminMixin, ServiceSaveMixin, admin.ModelAdmin):
    """The commission edits its policy versions' agreement templates; HR reads them."""

    scope_function = staticmethod(
        lambda user: AgreementTemplate.objects.filter(policy__in=visible_policies(user).values("pk"))
    )
    change_roles = frozenset({Role.COMMISSION_ADMIN})
    list_display = ("policy", "title")
    list_select_related = ("policy",)

    def save_through_service(self, request, obj, form, change: bool) -> None:
        save_with_full_clean(obj, actor=request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
