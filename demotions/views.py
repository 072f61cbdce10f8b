"""能上能下 pages: the case board (cases by step, rectifications), the case page (header, timeline,
evidence, scores as group tallies, decision, publicity, approval, execution, and the form of the
next step for whoever may take it), the conduct-event form and the printable publicity notice.

Reads go through `demotions.selectors` (scoped); every write through `demotions.services` /
`demotions.restoration`, whose ApplicationError becomes form errors with nothing written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, F, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView
from django_fsm import has_transition_perm
from django_fsm_log.models import StateLog

from assessments.choices import Grade
from personnel.errors import ApplicationError
from personnel.forms import apply_application_error
from personnel.scoping import can_read
from personnel.views import (
    DashboardCard,
    ScopedMixin,
    StaffSection,
    paginate,
    register_dashboard_cards,
    register_staff_section,
)
from personnel.watermark import Watermark

from . import exports
from .choices import OPEN_STATES, CaseKind, CaseState, RectificationStatus
from .forms import (
    AnswerForm,
    ApproveForm,
    AssessForm,
    BallotsForm,
    BoardFilterForm,
    DecideForm,
    DismissForm,
    EndPublicityForm,
    EventForm,
    EvidenceForm,
    ExecuteForm,
    ObjectionForm,
    ProposeForm,
    RestorationForm,
    ReviewForm,
    StartPublicityForm,
)
from .models import CaseEvidence, DemotionCase
from .permissions import can_act, role_may
from .selectors import visible_cases, visible_events, visible_rectifications

NAV = "demotion"
DEFAULT_STEP_DAYS = 15
BOARD_ROWS = 200  # cases shown per step on the board; filter to see others


def step_days() -> int:
    """Days a step may take when the case carries no `step_due` (no policy key exists for it)."""
    return int(getattr(settings, "DEMOTION_STEP_DAYS", DEFAULT_STEP_DAYS))


def entered_state_on(case: DemotionCase) -> dt.date:
    if case.state_changed_at:
        return timezone.localdate(case.state_changed_at)
    return case.opened_on


def due_on(case: DemotionCase, days: int) -> dt.date | None:
    """When the current step is due: `step_due`, else the day it entered the step + `days`."""
    if case.state not in OPEN_STATES:
        return None
    return case.step_due or entered_state_on(case) + dt.timedelta(days=days)


def overdue_q(today: dt.date, days: int) -> Q:
    """`mark_overdue`'s rule in SQL (for counts): the due date passed, or none and the step
    entered more than `days` ago."""
    late = today - dt.timedelta(days=days)
    return (
        Q(step_due__lt=today)
        | Q(step_due__isnull=True, state_changed_at__date__lt=late)
        | Q(step_due__isnull=True, state_changed_at__isnull=True, opened_on__lt=late)
    )


def mark_overdue(case: DemotionCase, today: dt.date, days: int) -> DemotionCase:
    case.due = due_on(case, days)
    case.overdue_days = (today - case.due).days if case.due and case.due < today else 0
    case.overdue = case.overdue_days > 0
    case.days_in_step = (today - entered_state_on(case)).days
    return case


# --- The procedure, step by step --------------------------------------------------------------------

DEMOTION_STEPS = [
    (CaseState.OPENED, "党支部提议", "提交提议理由和证明材料"),
    (CaseState.PROPOSED, "资格审查", "人事管理中心/医疗管理中心审查材料的真实性、合规性"),
    (CaseState.REVIEWED, "综合考核", "量化考核（权重不低于政策规定）+ 民主测评 + 现场答辩"),
    (CaseState.ASSESSED, "党委会议", "医共体党委会议研究决定，形成纪要"),
    (CaseState.DECIDED, "发布公示", "公示名单及必尽任务完成情况"),
    (CaseState.IN_PUBLICITY, "公示期·异议答复", "公示期满且异议均已答复后结束公示"),
    (CaseState.PUBLICISED, "卫健委审批", "卫健委批复"),
    (CaseState.APPROVED, "执行", "签订新协议，调整岗位和工资"),
]
RESTORATION_STEPS = [
    (CaseState.OPENED, "提议恢复聘任", "提交理由"),
    (CaseState.PROPOSED, "资格审查", "审查低聘后的考核结果和任务完成情况"),
    (CaseState.REVIEWED, "发布公示", "公示恢复聘任名单"),
    (CaseState.IN_PUBLICITY, "公示期·异议答复", "公示期满且异议均已答复后结束公示"),
    (CaseState.PUBLICISED, "卫健委审批", "卫健委批复"),
    (CaseState.APPROVED, "执行", "恢复原岗位等级"),
]


def procedure(case: DemotionCase) -> list[dict[str, Any]]:
    """The steps of the case's procedure, each done / current / to come."""
    steps = RESTORATION_STEPS if case.kind == CaseKind.RESTORATION else DEMOTION_STEPS
    order = [state for state, *_ in steps]
    if case.state == CaseState.EXECUTED:
        position = len(order)
    elif case.state in order:
        position = order.index(case.state)
    else:  # dismissed: nothing is current
        position = -1
    result = []
    for index, (state, label, note) in enumerate(steps):
        if case.state == CaseState.DISMISSED:
            status = "skipped"
        elif index < position:
            status = "done"
        elif index == position:
            status = "current"
        else:
            status = "todo"
        result.append({"state": state, "label": label, "note": note, "status": status})
    return result


@dataclass(frozen=True)
class Step:
    """A form on the case page that posts to `demotions:step` and calls one service."""

    key: str
    title: str
    form_class: type[forms.Form]
    button: str
    permission: str  # demotions.permissions step name
    transition: str = ""  # the DemotionCase transition it takes, if any
    multipart: bool = False


STEPS: dict[str, Step] = {
    s.key: s
    for s in [
        Step("propose", "党支部提议", ProposeForm, "提交提议", "propose", "propose", multipart=True),
        Step("review", "资格审查", ReviewForm, "提交审查结论", "review", "review"),
        Step("ballots", "民主测评（按类别录入票数，不记名）", BallotsForm, "保存测评票", "record_ballots"),
        Step("assess", "综合考核", AssessForm, "计算综合得分", "assess", "assess"),
        Step("decide", "党委会议决定", DecideForm, "记录会议决定", "decide", "decide"),
        Step("start_publicity", "开始公示", StartPublicityForm, "开始公示", "start_publicity", "start_publicity"),
        Step("objection", "登记异议", ObjectionForm, "登记异议", "lodge_objection"),
        Step("answer", "答复异议", AnswerForm, "提交答复", "answer_objection"),
        Step("end_publicity", "结束公示", EndPublicityForm, "结束公示", "end_publicity", "end_publicity"),
        Step("approve", "卫健委审批", ApproveForm, "批准", "approve", "approve"),
        Step("execute", "执行", ExecuteForm, "执行", "execute", "execute"),
        Step("dismiss", "终止案件", DismissForm, "终止案件", "dismiss", "dismiss"),
        Step("evidence", "上传材料", EvidenceForm, "上传", "upload_evidence", multipart=True),
        Step("restoration", "提议恢复聘任", RestorationForm, "提议恢复聘任", "propose"),
    ]
}


def steps_for_state(case: DemotionCase) -> list[str]:
    """The steps the case's state offers, whoever the user."""
    state = case.state
    keys: list[str] = []
    if state == CaseState.OPENED:
        keys.append("propose")
    elif state == CaseState.PROPOSED:
        keys.append("review")
    elif state == CaseState.REVIEWED:
        keys += ["start_publicity"] if case.kind == CaseKind.RESTORATION else ["ballots", "assess"]
    elif state == CaseState.ASSESSED:
        keys.append("decide")
    elif state == CaseState.DECIDED:
        keys.append("start_publicity")
    elif state == CaseState.IN_PUBLICITY:
        keys += ["objection", "answer", "end_publicity"]
    elif state == CaseState.PUBLICISED:
        keys.append("approve")
    elif state == CaseState.APPROVED:
        keys.append("execute")
    elif state == CaseState.EXECUTED and case.kind == CaseKind.DEMOTION:
        keys.append("restoration")
    if state in OPEN_STATES:
        keys += ["evidence", "dismiss"]
    return keys


def auto_id(key: str, suffix: object = "") -> str:
    """Field ids per step form, so two forms on the case page never share an id (the field names
    stay plain)."""
    return f"id_{key}{suffix}_%s"


def may_take(case: DemotionCase, user, key: str) -> bool:
    step = STEPS[key]
    if step.transition:
        return has_transition_perm(getattr(case, step.transition), user)
    return can_act(user, case, step.permission)


def available_steps(case: DemotionCase, user) -> list[str]:
    return [key for key in steps_for_state(case) if may_take(case, user, key)]


# --- The board --------------------------------------------------------------------------------------


def _board_cases(user) -> QuerySet[DemotionCase]:
    return visible_cases(user).select_related(
        "staff__department", "institution", "appointment__post_grade", "decided_grade"
    )


class BoardView(ScopedMixin, TemplateView):
    """Cases grouped by step with counts, overdue steps highlighted; the rectifications tab."""

    template_name = "demotions/board.html"
    resource = "demotion_case"
    nav_active = NAV

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        form = BoardFilterForm(self.request.GET or None, user=user)
        filters = form.cleaned_data if form.is_valid() else {}
        tab = "rectifications" if self.request.GET.get("tab") == "rectifications" else "cases"

        cases = self._filter(_board_cases(user), filters, institution_field="institution")
        days = step_days()
        per_state = (
            cases.order_by().values("state").annotate(n=Count("id"), late=Count("id", filter=overdue_q(today, days)))
        )
        counts = {row["state"]: row["n"] for row in per_state}
        late = {row["state"]: row["late"] if row["state"] in OPEN_STATES else 0 for row in per_state}
        if not filters.get("closed"):
            cases = cases.filter(state__in=OPEN_STATES)
        groups = {state: [] for state in CaseState.values}
        # At most BOARD_ROWS per step, in one query (a window per state); the counts say the rest.
        ranked = cases.annotate(
            rank=Window(RowNumber(), partition_by=[F("state")], order_by=[F("opened_on").asc(), F("id").asc()])
        ).filter(rank__lte=BOARD_ROWS)
        for case in ranked.order_by("opened_on", "id") if tab == "cases" else []:
            groups[case.state].append(mark_overdue(case, today, days))
        context["groups"] = [
            {
                "state": state,
                "label": label,
                "cases": groups[state],
                "count": counts.get(state, 0),
                "overdue": late.get(state, 0),
                "closed": state not in OPEN_STATES,
            }
            for state, label in CaseState.choices
        ]
        context["open_count"] = sum(n for s, n in counts.items() if s in OPEN_STATES)
        context["overdue_count"] = sum(g["overdue"] for g in context["groups"])
        context["in_publicity_count"] = counts.get(CaseState.IN_PUBLICITY, 0)

        rectifications = self._filter(
            visible_rectifications(user).select_related("staff__department", "staff__institution", "period"),
            filters,
            institution_field="staff__institution",
        )
        context["open_rectifications"] = rectifications.filter(status=RectificationStatus.OPEN).count()
        context["rectifications"] = []
        if tab == "rectifications":
            # Open ones first, the nearest deadline first; then the closed ones, latest first.
            ordered = rectifications.annotate(
                closed=Case(When(status=RectificationStatus.OPEN, then=Value(0)), default=Value(1)),
                open_deadline=Case(When(status=RectificationStatus.OPEN, then=F("deadline"))),
            ).order_by("closed", F("open_deadline").asc(nulls_last=True), F("deadline").desc(), "-id")
            page = paginate(self.request, ordered)
            rows = list(page.object_list)
            for r in rows:
                r.days_left = (r.deadline - today).days
            context["rectifications"] = rows
            context["page_obj"] = page
        context["form"] = form
        context["tab"] = tab
        context["today"] = today
        context["step_days"] = days
        context["board_rows"] = BOARD_ROWS
        context["can_record_event"] = role_may(user, "record_event")
        context["query"] = self.request.GET.urlencode()
        return context

    @staticmethod
    def _filter(qs: QuerySet, filters: dict, *, institution_field: str) -> QuerySet:
        if filters.get("q"):
            qs = qs.filter(staff__name__contains=filters["q"].strip())
        if filters.get("institution"):
            qs = qs.filter(**{f"{institution_field}__path__startswith": filters["institution"].path})
        if institution_field == "institution":
            if filters.get("trigger"):
                qs = qs.filter(trigger=filters["trigger"])
            if filters.get("kind"):
                qs = qs.filter(kind=filters["kind"])
        return qs


# --- The case page ----------------------------------------------------------------------------------


def _case_scope(user) -> QuerySet[DemotionCase]:
    return visible_cases(user).select_related(
        "staff__department",
        "staff__institution",
        "institution",
        "appointment__post_grade",
        "policy",
        "rectification__period",
        "decided_grade",
        "new_appointment__post_grade",
        "pay_grade_before",
        "pay_grade_after",
        "restores",
        "opened_by",
    )


def case_context(request, case: DemotionCase, *, bound: dict[str, forms.Form] | None = None) -> dict[str, Any]:
    """Everything the case page shows; `bound` replaces a step's blank form by the submitted one."""
    from . import services

    user = request.user
    today = timezone.localdate()
    mark_overdue(case, today, step_days())
    case.combined_grade_label = dict(Grade.choices).get(case.combined_grade, case.combined_grade)
    bound = bound or {}
    ct = ContentType.objects.get_for_model(DemotionCase)
    timeline = list(
        StateLog.objects.filter(content_type=ct, object_id=case.pk).select_related("by").order_by("timestamp", "id")
    )
    labels = dict(CaseState.choices)
    for entry in timeline:
        entry.source_label = labels.get(entry.source_state, entry.source_state or "")
        entry.state_label = labels.get(entry.state, entry.state)
    publicities = list(case.publicities.order_by("-starts_on", "-id").prefetch_related("objections__answered_by"))
    publicity = publicities[0] if publicities else None
    blockers: list[str] = []
    if publicity is not None and case.state == CaseState.IN_PUBLICITY:
        from publicity.services import end_blockers

        blockers = end_blockers(publicity, on=today)

    keys = available_steps(case, user)
    step_forms = []
    for key in keys:
        if key in ("answer", "restoration"):
            continue
        step = STEPS[key]
        form = bound.get(key) or step.form_class(initial=_initial(key, case, today), auto_id=auto_id(key))
        step_forms.append({"step": step, "form": form, "url": reverse("demotions:step", args=[case.pk, key])})
    answer_forms = {}
    if "answer" in keys and publicity is not None:
        for objection in publicity.objections.all():
            if not objection.is_answered:
                submitted = bound.get("answer")
                if submitted is not None and str(submitted.data.get("objection")) == str(objection.pk):
                    answer_forms[objection.pk] = submitted
                else:
                    answer_forms[objection.pk] = AnswerForm(
                        initial={"objection": objection.pk}, auto_id=auto_id("answer", objection.pk)
                    )
    if publicity is not None:
        for objection in publicity.objections.all():
            objection.answer_form = answer_forms.get(objection.pk)

    restoration = None
    if case.kind == CaseKind.DEMOTION and case.state == CaseState.EXECUTED:
        from .restoration import restoration_eligibility

        eligible, reasons = restoration_eligibility(case, as_of=today)
        restorations = list(case.restorations.order_by("-opened_on", "-id"))
        offer = "restoration" in keys and eligible and not any(r.is_open for r in restorations)
        restoration = {
            "eligible": eligible,
            "reasons": reasons,
            "cases": restorations,
            "form": (bound.get("restoration") or RestorationForm(auto_id=auto_id("restoration")))
            if offer or "restoration" in bound
            else None,
        }

    main_steps = [f for f in step_forms if f["step"].key not in ("dismiss", "evidence")]
    return {
        "case": case,
        "procedure": procedure(case),
        "timeline": timeline,
        "evidence": list(case.evidence.select_related("uploaded_by")),
        "tally": _tally_rows(services.ballot_tally(case)) if case.kind == CaseKind.DEMOTION else [],
        "sources": list(case.source_assessments.select_related("period").order_by("period__start")),
        "events": list(case.events.order_by("date", "id")),
        "publicity": publicity,
        "earlier_publicities": publicities[1:],
        "blockers": blockers,
        "step_forms": main_steps,
        "dismiss_form": next((f for f in step_forms if f["step"].key == "dismiss"), None),
        "evidence_form": next((f for f in step_forms if f["step"].key == "evidence"), None),
        "restoration": restoration,
        "today": today,
        "step_days": step_days(),
        "has_notice": publicity is not None,
    }


def _tally_rows(tally) -> list[dict[str, Any]]:
    """The per-group tally (group, label, count, average) as rows for the template."""
    rows = []
    for row in tally:
        if isinstance(row, dict):
            rows.append(row)
        elif isinstance(row, tuple | list):
            group, label, count, average = row
            rows.append({"group": group, "label": label, "count": count, "average": average})
        else:
            rows.append({k: getattr(row, k) for k in ("group", "label", "count", "average")})
    return rows


def _initial(key: str, case: DemotionCase, today: dt.date) -> dict[str, Any]:
    if key in ("start_publicity", "execute"):
        return {"starts_on": today, "on": today}
    if key == "objection":
        return {"lodged_on": today}
    if key == "decide":
        return {"meeting_date": today, "demote": "yes"}
    if key == "review":
        return {"passed": "yes"}
    if key == "assess":
        weight = case.policy.quantified_score_min_weight
        return {"quantified_weight": weight, "democratic_weight": None, "defence_weight": None}
    return {}


class CaseDetailView(ScopedMixin, DetailView):
    template_name = "demotions/case_detail.html"
    resource = "demotion_case"
    scope = staticmethod(_case_scope)
    nav_active = NAV
    context_object_name = "case"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(case_context(self.request, self.object))
        return context


class CaseStepView(ScopedMixin, View):
    """POST one step's form: a case out of reach is a 404, a role that may not take the step a 403,
    a step the case's state does not offer (a stale page) a message; the service decides the rest,
    and its refusal comes back as form errors with nothing written."""

    resource = "demotion_case"
    http_method_names = ["post"]

    def post(self, request, pk: int, step: str):
        case = get_object_or_404(_case_scope(request.user), pk=pk)
        if step not in STEPS:
            raise Http404("没有这个办理事项。")
        spec = STEPS[step]
        if not role_may(request.user, spec.permission):
            raise PermissionDenied("您的角色不能办理此事项。")
        if step not in steps_for_state(case):
            messages.error(request, f"案件当前处于“{case.get_state_display()}”，不能办理“{spec.title}”，请刷新页面。")
            return redirect("demotions:case", pk=case.pk)
        if not may_take(case, request.user, step):
            raise PermissionDenied("您不能在本案件的当前环节办理此事项。")
        form = spec.form_class(
            request.POST,
            request.FILES,
            auto_id=auto_id(step, request.POST.get("objection", "") if step == "answer" else ""),
        )
        if form.is_valid():
            try:
                message = self.perform(step, case, form.cleaned_data)
            except ApplicationError as error:
                apply_application_error(form, error)
            else:
                messages.success(request, message)
                return redirect(self.next_url)
        case = get_object_or_404(_case_scope(request.user), pk=pk)  # as stored: the refusal wrote nothing
        context = case_context(request, case, bound={step: form})
        context.update(nav_active=NAV, failed_step=step)
        from personnel.views import navigation_for

        context["nav"] = navigation_for(request.user)
        return render(request, "demotions/case_detail.html", context)

    def perform(self, step: str, case: DemotionCase, data: dict) -> str:
        from . import services

        actor = self.request.user
        self.next_url = reverse("demotions:case", args=[case.pk])
        if step == "propose":
            services.propose_case(case=case, actor=actor, reasons=data["reasons"], files=data["files"])
            return "已提交提议，等待资格审查。"
        if step == "review":
            services.review_case(case=case, actor=actor, passed=data["passed"], opinion=data["opinion"])
            return "资格审查通过。" if data["passed"] else "资格审查未通过，案件已终止。"
        if step == "ballots":
            services.record_ballots(case=case, actor=actor, ballots=data["ballots"])
            return f"已录入民主测评票{sum(len(v) for v in data['ballots'].values())}张。"
        if step == "assess":
            services.assess_case(case=case, actor=actor, **data)
            return "综合考核已完成。"
        if step == "decide":
            services.decide_case(
                case=case,
                actor=actor,
                meeting_date=data["meeting_date"],
                decision=data["decision"],
                minutes=data["minutes"],
                demote=data["demote"],
                decided_grade=data["decided_grade"],
            )
            return "已记录党委会议决定。" if data["demote"] else "党委会议决定不予高职低聘，案件已终止。"
        if step == "start_publicity":
            services.start_case_publicity(case=case, actor=actor, starts_on=data["starts_on"])
            return "公示已开始。"
        if step == "objection":
            services.lodge_case_objection(case=case, actor=actor, **data)
            return "已登记异议，须答复后才能结束公示。"
        if step == "answer":
            objection = self._objection(case, data["objection"])
            services.answer_case_objection(objection=objection, actor=actor, answer=data["answer"])
            return "已答复异议。"
        if step == "end_publicity":
            services.end_case_publicity(case=case, actor=actor, on=data["on"])
            return "公示已结束，等待卫健委审批。"
        if step == "approve":
            services.approve_case(case=case, actor=actor, document=data["document"], note=data["note"])
            return "已批准。"
        if step == "execute":
            services.execute_case(case=case, actor=actor, on=data["on"])
            return "已执行：原聘任结束，新聘任已生效。"
        if step == "dismiss":
            services.dismiss_case(case=case, actor=actor, reason=data["reason"])
            return "案件已终止。"
        if step == "evidence":
            services.add_evidence(case=case, actor=actor, files=data["files"], description=data["description"])
            return f"已上传{len(data['files'])}份材料。"
        if step == "restoration":
            from .restoration import propose_restoration

            restoration = propose_restoration(demotion_case=case, actor=actor, reasons=data["reasons"])
            self.next_url = reverse("demotions:case", args=[restoration.pk])
            return "已提议恢复聘任。"
        raise Http404(step)  # pragma: no cover - STEPS and this list are the same

    @staticmethod
    def _objection(case: DemotionCase, pk: int):
        from publicity.models import Objection

        objection = Objection.objects.filter(publicity__in=case.publicities.all(), pk=pk).first()
        if objection is None:
            raise ApplicationError("找不到该异议，请刷新页面后重试。")
        return objection


class EvidenceDownloadView(ScopedMixin, View):
    """An evidence file, only to users who can see its case (never a public media URL)."""

    resource = "demotion_case"

    def get(self, request, pk: int, evidence_pk: int):
        evidence = get_object_or_404(
            CaseEvidence.objects.filter(case__in=visible_cases(request.user).values("pk")), pk=evidence_pk, case_id=pk
        )
        try:
            handle = evidence.file.open("rb")
        except FileNotFoundError as missing:
            raise Http404("材料文件已不存在。") from missing
        response = FileResponse(handle, as_attachment=True, filename=evidence.name)
        response["Cache-Control"] = "private, no-store"
        return response


# --- Conduct events ---------------------------------------------------------------------------------


class EventCreateView(ScopedMixin, FormView):
    """登记履职事件 (refusal, accident, ethics, fraud…): the service decides whether it opens a case."""

    template_name = "demotions/event_form.html"
    form_class = EventForm
    resource = "conduct_event"
    action = "change"
    nav_active = NAV

    def permitted(self, user) -> bool:
        return super().permitted(user) and role_may(user, "record_event")

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"user": self.request.user}

    def get_initial(self):
        return {"date": timezone.localdate()}

    def form_valid(self, form):
        from . import services

        data = form.cleaned_data
        try:
            event = services.record_event(
                staff=data["staff"],
                actor=self.request.user,
                kind=data["kind"],
                date=data["date"],
                description=data["description"],
                accident_level=data["accident_level"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
            return self.form_invalid(form)
        opened = list(visible_cases(self.request.user).filter(events=event)) if event is not None else []
        if opened:
            messages.success(self.request, f"已登记事件，并据此立案：{opened[0]}。")
            return redirect("demotions:case", pk=opened[0].pk)
        messages.success(self.request, "已登记事件（尚未达到立案条件）。")
        return redirect("demotions:event_create")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["events"] = list(
            visible_events(self.request.user)
            .select_related("staff__institution", "recorded_by")
            .prefetch_related("cases")
            .order_by("-date", "-id")[:30]
        )
        return context


# --- The publicity notice ---------------------------------------------------------------------------


def _attachment(content: bytes, name: str, fmt: str) -> HttpResponse:
    content_type = "application/pdf" if fmt == "pdf" else exports.XLSX
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.{fmt}"
    return response


class CaseNoticeView(ScopedMixin, View):
    """公示: one case's notice (name, post, proposed grade, reasons, duty-target completion, period)."""

    resource = "demotion_case"

    def get(self, request, pk: int, fmt: str):
        case = get_object_or_404(_case_scope(request.user), pk=pk)
        publicity = case.publicities.order_by("-starts_on", "-id").first()
        if publicity is None:
            raise Http404("该案件尚未公示。")
        entries = [exports.notice_entry(request.user, case, on=publicity.starts_on)]
        content = exports.notice(entries, publicity=publicity, fmt=fmt, mark=Watermark.for_user(request.user))
        return _attachment(content, f"公示-{case.staff.name}", fmt)


class InstitutionNoticeView(ScopedMixin, View):
    """公示 of every case in publicity within one institution (and those under it)."""

    resource = "demotion_case"

    def get(self, request, fmt: str):
        form = BoardFilterForm(request.GET, user=request.user)
        qs = _case_scope(request.user).filter(state=CaseState.IN_PUBLICITY)
        if form.is_valid() and form.cleaned_data.get("institution"):
            qs = qs.filter(institution__path__startswith=form.cleaned_data["institution"].path)
        cases = list(qs.order_by("institution__path", "staff__name", "id"))
        if not cases:
            messages.info(request, "所选范围内没有公示中的案件。")
            return redirect(reverse("demotions:board") + "?" + request.GET.urlencode())
        publicities = {
            p.object_id: p
            for p in _running_publicities(cases)  # one query
        }
        entries = [
            exports.notice_entry(request.user, c, on=publicities[c.pk].starts_on if c.pk in publicities else None)
            for c in cases
        ]
        content = exports.notice(
            entries, publicity=None, publicities=publicities, fmt=fmt, mark=Watermark.for_user(request.user)
        )
        return _attachment(content, "高职低聘公示名单", fmt)


def _running_publicities(cases: list[DemotionCase]):
    from publicity.models import Publicity, PublicityStatus

    return Publicity.objects.filter(
        Q(content_type=ContentType.objects.get_for_model(DemotionCase)),
        object_id__in=[c.pk for c in cases],
        status=PublicityStatus.RUNNING,
    )


@register_dashboard_cards
def demotion_cards(user) -> list[DashboardCard]:
    """Cases in progress (and how many sit past their step's due date), open rectifications."""
    if not can_read(user, "demotion_case"):
        return []
    counts = visible_cases(user).aggregate(
        open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        overdue=Count("pk", filter=Q(state__in=OPEN_STATES) & overdue_q(timezone.localdate(), step_days())),
    )
    rectifications = visible_rectifications(user).filter(status=RectificationStatus.OPEN).count()
    board = reverse("demotions:board")
    note = f"{counts['overdue']}件当前环节已逾期" if counts["overdue"] else "各环节均在期限内"
    return [
        DashboardCard("高职低聘在办案件", counts["open"], board, note, alert=counts["overdue"] > 0),
        DashboardCard("整改中", rectifications, f"{board}?tab=rectifications", "整改期满未完成的次日立案"),
    ]


@register_staff_section
def demotion_section(request, staff) -> StaffSection | None:
    """The person's rectifications (with what each must reach by its deadline) and cases, on the
    staff page the deadline reminders link to.  Shown only when there is something."""
    user = request.user
    if not can_read(user, "rectification") and not can_read(user, "demotion_case"):
        return None
    today = timezone.localdate()
    rectifications = list(
        visible_rectifications(user)
        .filter(staff=staff)
        .select_related("period")
        .prefetch_related("items__target")
        .order_by("-deadline", "-id")
    )
    for r in rectifications:
        r.days_left = (r.deadline - today).days
    cases = list(visible_cases(user).filter(staff=staff).order_by("-opened_on", "-id"))
    if not rectifications and not cases:
        return None
    return StaffSection(
        template_name="demotions/_staff_section.html",
        context={"rectifications": rectifications, "cases": cases, "today": today},
    )
