"""聘任轮次 pages: the rounds of the region, and a round's board — where each institution stands
(people gathered, applications, reviewed, ranked, publicised, approved, signed, vacancies) with what
is overdue.  Reads through rounds.selectors (scoped); the steps themselves are the API's (and the
services')."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.generic import TemplateView

from personnel.scoping import visible_institutions
from personnel.views import ScopedMixin
from publicity.models import PublicityStatus

from .choices import ApplicationStatus, ListStatus
from .models import Application, AppointmentRound
from .selectors import vacancies, visible_lists, visible_rounds

NAV = "round"
S = ApplicationStatus


@dataclass
class BoardRow:
    institution_id: int
    institution_name: str
    gathered: int = 0
    undecided: int = 0
    applications: int = 0
    reviewed: int = 0
    ranked: int = 0
    approved: int = 0
    signed: int = 0
    approved_unsigned: int = 0
    vacancies: int = 0
    list_status: str = ""
    list_label: str = "未拟定"
    publicity_ends_on: dt.date | None = None
    overdue: list[str] = field(default_factory=list)


class RoundListView(ScopedMixin, TemplateView):
    template_name = "rounds/round_list.html"
    resource = "round"
    nav_active = NAV

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rounds"] = visible_rounds(self.request.user).select_related("region").order_by("-year")
        return context


def board_rows(user, round_: AppointmentRound, *, today: dt.date) -> list[BoardRow]:
    """One row per institution the user reaches that has anything in the round; a fixed number of
    queries whatever the number of institutions and people."""
    reach = visible_institutions(user)
    signed = Application.objects.filter(round=round_, staff=OuterRef("staff"), status=S.SIGNED)
    candidates = (
        round_.candidates.filter(institution__in=reach)
        .annotate(done=Exists(signed))
        .values("institution")
        .annotate(
            gathered=Count("pk"),
            undecided=Count("pk", filter=Q(ending_decision__isnull=True, done=False)),
        )
    )
    counts = (
        Application.objects.filter(round=round_, institution__in=reach)
        .exclude(status=S.WITHDRAWN)
        .values("institution")
        .annotate(
            applications=Count("pk"),
            reviewed=Count("pk", filter=~Q(status=S.SUBMITTED)),
            ranked=Count("pk", filter=Q(status__in=[S.PROPOSED, S.NOT_PROPOSED, S.APPROVED, S.SIGNED])),
            approved=Count("pk", filter=Q(status__in=[S.APPROVED, S.SIGNED])),
            signed=Count("pk", filter=Q(status=S.SIGNED)),
            approved_unsigned=Count("pk", filter=Q(status=S.APPROVED)),
        )
    )
    rows: dict[int, BoardRow] = {}
    names = dict(reach.values_list("pk", "name"))

    def row(pk: int) -> BoardRow:
        if pk not in rows:
            rows[pk] = BoardRow(institution_id=pk, institution_name=names.get(pk, ""))
        return rows[pk]

    for c in candidates:
        r = row(c["institution"])
        r.gathered, r.undecided = c["gathered"], c["undecided"]
    for c in counts:
        r = row(c["institution"])
        for key in ("applications", "reviewed", "ranked", "approved", "signed", "approved_unsigned"):
            setattr(r, key, c[key])
    for v in vacancies(round_):
        if v.institution_id in names:
            row(v.institution_id).vacancies += v.vacancies
    lists = visible_lists(user).filter(round=round_).prefetch_related("publicities")
    for lst in lists:
        r = row(lst.institution_id)
        r.list_status, r.list_label = lst.status, lst.get_status_display()
        running = [p for p in lst.publicities.all() if p.status == PublicityStatus.RUNNING]
        if running:
            r.publicity_ends_on = running[0].ends_on
            if today > running[0].ends_on:
                r.overdue.append(f"公示期已于{running[0].ends_on:%Y-%m-%d}届满，尚未结束公示")
    for r in rows.values():
        if today >= round_.term_start:
            if r.undecided:
                r.overdue.append(f"新聘期已开始，{r.undecided}人既未签约也未登记期满处理")
            if r.approved_unsigned:
                r.overdue.append(f"新聘期已开始，{r.approved_unsigned}人已审批未签约")
        if r.list_status == ListStatus.PUBLICISED:
            r.list_label = "公示结束，待审批"
    return sorted(rows.values(), key=lambda r: (not r.overdue, r.institution_name))


class RoundBoardView(ScopedMixin, TemplateView):
    template_name = "rounds/board.html"
    resource = "round"
    nav_active = NAV

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        round_ = get_object_or_404(visible_rounds(user).select_related("region", "policy"), pk=kwargs["pk"])
        today = timezone.localdate()
        rows = board_rows(user, round_, today=today)
        context.update(
            {
                "round": round_,
                "rows": rows,
                "today": today,
                "overdue_count": sum(1 for r in rows if r.overdue),
                "totals": {
                    key: sum(getattr(r, key) for r in rows)
                    for key in ("gathered", "undecided", "applications", "reviewed", "ranked", "approved", "signed")
                },
            }
        )
        return context
