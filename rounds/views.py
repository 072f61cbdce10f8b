"""聘任轮次 pages: the rounds of the region, and a round's board — where each institution stands
(people gathered, applications, reviewed, ranked, publicised, approved, signed, vacancies) with what
is overdue.  Reads through rounds.selectors (scoped); the steps themselves are the API's (and the
services')."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from personnel.choices import StaffStatus
from personnel.errors import ApplicationError
from personnel.scoping import visible_institutions, visible_staff
from personnel.views import ScopedMixin
from publicity import services as publicity_services
from publicity.models import Objection, PublicityStatus

from . import services
from .agreements import agreement_pdf, file_response, scan_response
from .choices import WITHDRAWABLE_STATUSES, ApplicationStatus, ListStatus
from .forms import (
    AnswerForm,
    ApplyForm,
    ApproveForm,
    DateForm,
    EndingDecisionForm,
    EvidenceForm,
    ObjectionForm,
    OpenRoundForm,
    ProposeForm,
    QualifyForm,
    ScoreForm,
    SignForm,
)
from .models import Agreement, Application, ApplicationEvidence, AppointmentRound, ProposedList
from .permissions import require_step, role_may
from .selectors import (
    undecided_candidates,
    vacancies,
    visible_agreements,
    visible_applications,
    visible_candidates,
    visible_lists,
    visible_rounds,
)

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
    placed: int = 0
    list_id: int | None = None
    list_status: str = ""
    list_label: str = "未拟定"
    publicity_ends_on: dt.date | None = None
    objections: list = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)


class RoundListView(ScopedMixin, TemplateView):
    template_name = "rounds/round_list.html"
    resource = "round"
    nav_active = NAV

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rounds"] = visible_rounds(self.request.user).select_related("region").order_by("-year")
        if role_may(self.request.user, "open_round"):
            context["open_form"] = OpenRoundForm(initial={"opened_on": timezone.localdate()})
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
            row(v.institution_id).placed += v.placed
    lists = visible_lists(user).filter(round=round_).prefetch_related("publicities__objections")
    for lst in lists:
        r = row(lst.institution_id)
        r.list_id, r.list_status, r.list_label = lst.pk, lst.status, lst.get_status_display()
        running = [p for p in lst.publicities.all() if p.status == PublicityStatus.RUNNING]
        if running:
            r.publicity_ends_on = running[0].ends_on
            r.objections = list(running[0].objections.all())
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
                "can_steer": role_may(user, "propose"),
                "can_object": role_may(user, "lodge_objection"),
                "can_close": role_may(user, "close_round") and round_.status == "open",
                "can_answer": role_may(user, "answer_objection"),
                "undecided": [
                    (c, EndingDecisionForm(prefix=f"c{c.pk}", initial={"decided_on": today}))
                    for c in undecided_candidates(round_).filter(pk__in=visible_candidates(user).values("pk"))
                ]
                if role_may(user, "decide_ending")
                else [],
                "totals": {
                    key: sum(getattr(r, key) for r in rows)
                    for key in ("gathered", "undecided", "applications", "reviewed", "ranked", "approved", "signed")
                },
            }
        )
        return context


# --- The steps, from the pages --------------------------------------------------------------------


class OpenRoundView(ScopedMixin, View):
    """The commission opens the year's round from the list page."""

    resource = "round"
    action = "change"

    def post(self, request, *args, **kwargs):
        form = OpenRoundForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return redirect("rounds:list")
        try:
            round_ = services.open_round(
                region=request.user.institution.region, actor=request.user, **form.cleaned_data
            )
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("rounds:list")
        messages.success(request, f"已启动{round_.name}，纳入{round_.candidates.count()}人。")
        return redirect("rounds:board", pk=round_.pk)


@dataclass
class ApplicationRow:
    application: Application
    agreement: Agreement | None
    step_forms: dict[str, forms.Form]


class ApplicationsView(ScopedMixin, TemplateView):
    """A round's applications the user reaches, with the form of the next step for whoever may take it."""

    template_name = "rounds/applications.html"
    resource = "round_application"
    nav_active = NAV

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        round_ = get_object_or_404(visible_rounds(user), pk=kwargs["pk"])
        apps = (
            visible_applications(user)
            .filter(round=round_)
            .select_related("staff", "institution", "post_grade", "agreement")
            .prefetch_related("evidence")
            .order_by("institution__path", "post_grade_id", "rank", "pk")
        )
        rows = []
        for a in apps:
            step_forms: dict[str, forms.Form] = {}
            if a.status == S.SUBMITTED and role_may(user, "qualify"):
                step_forms["qualify"] = QualifyForm(prefix=f"a{a.pk}")
            if a.status == S.QUALIFIED and role_may(user, "score"):
                step_forms["score"] = ScoreForm(prefix=f"a{a.pk}")
            if a.status in (S.SUBMITTED, S.QUALIFIED) and role_may(user, "upload_evidence"):
                step_forms["evidence"] = EvidenceForm(prefix=f"a{a.pk}")
            if a.status in WITHDRAWABLE_STATUSES and role_may(user, "withdraw"):
                step_forms["withdraw"] = forms.Form()
            agreement = getattr(a, "agreement", None)
            if a.status == S.APPROVED and role_may(user, "generate_agreement") and agreement is None:
                step_forms["generate"] = forms.Form()
            if a.status == S.APPROVED and agreement is not None and role_may(user, "sign_agreement"):
                step_forms["sign"] = SignForm(prefix=f"a{a.pk}", initial={"signed_on": timezone.localdate()})
            rows.append(ApplicationRow(application=a, agreement=agreement, step_forms=step_forms))
        staff_qs = visible_staff(user).filter(status=StaffStatus.ON_DUTY).order_by("institution_id", "employee_no")
        apply_form = None
        if round_.status == "open" and role_may(user, "apply") and staff_qs.exists():
            apply_form = ApplyForm(
                staff_queryset=staff_qs,
                initial={"applied_on": timezone.localdate(), "staff": user.staff_id if user.staff_id else None},
            )
        context.update({"round": round_, "rows": rows, "apply_form": apply_form})
        return context


STEPS = {
    "object",
    "answer",
    "decide",
    "apply",
    "withdraw",
    "close",
    "evidence",
    "qualify",
    "score",
    "generate",
    "sign",
    "propose",
    "start_publicity",
    "end_publicity",
    "approve",
}


class StepView(ScopedMixin, View):
    """POST one step of a round; a refusal comes back as the service's Chinese message."""

    resource = "round"

    def post(self, request, *args, **kwargs):
        user = request.user
        round_ = get_object_or_404(visible_rounds(user), pk=kwargs["pk"])
        step = kwargs["step"]
        if step not in STEPS:
            raise Http404
        back = request.POST.get("next") or reverse("rounds:board", args=[round_.pk])
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("rounds:board", args=[round_.pk])
        try:
            done = getattr(self, f"do_{step}")(request, round_)
        except ApplicationError as error:
            messages.error(request, error.message)
        except _Invalid as invalid:
            _form_errors(request, invalid.form)
        else:
            messages.success(request, done)
        return redirect(back)

    # Applications -------------------------------------------------------------------------------

    def _application(self, request, round_) -> Application:
        return get_object_or_404(
            visible_applications(request.user).filter(round=round_), pk=request.POST.get("application")
        )

    def do_apply(self, request, round_) -> str:
        staff_qs = visible_staff(request.user).filter(status=StaffStatus.ON_DUTY)
        form = _valid(ApplyForm(request.POST, staff_queryset=staff_qs))
        a = services.apply(round=round_, actor=request.user, **form.cleaned_data)
        return f"{a.staff.name}已申报{a.post_grade.name}。"

    def do_evidence(self, request, round_) -> str:
        a = self._application(request, round_)
        form = _valid(EvidenceForm(request.POST, request.FILES, prefix=f"a{a.pk}"))
        evidence = services.add_evidence(application=a, actor=request.user, **form.cleaned_data)
        return f"已上传佐证材料“{evidence.name}”。"

    def do_close(self, request, round_) -> str:
        services.close_round(round=round_, actor=request.user)
        return f"{round_.name}已结束。"

    def do_withdraw(self, request, round_) -> str:
        a = services.withdraw(
            application=self._application(request, round_),
            reason=(request.POST.get("reason") or "")[:200],
            actor=request.user,
        )
        return f"{a.staff.name}的申报已撤回。"

    def do_qualify(self, request, round_) -> str:
        a = self._application(request, round_)
        form = _valid(QualifyForm(request.POST, prefix=f"a{a.pk}"))
        a = services.qualify(
            application=a,
            qualified=form.cleaned_data["decision"] == "pass",
            note=form.cleaned_data["note"],
            actor=request.user,
        )
        return f"{a.staff.name}：{a.get_status_display()}。"

    @transaction.atomic
    def do_score(self, request, round_) -> str:
        a = self._application(request, round_)
        form = _valid(ScoreForm(request.POST, prefix=f"a{a.pk}"))
        services.record_ballots(application=a, ballots=form.ballots(), actor=request.user)
        data = {k: v for k, v in form.cleaned_data.items() if not k.startswith("ballots_")}
        a = services.score(application=a, actor=request.user, **data)
        return f"{a.staff.name}综合得分{a.combined_score}。"

    def do_generate(self, request, round_) -> str:
        agreement = services.generate_agreement(application=self._application(request, round_), actor=request.user)
        return f"已生成聘任协议{agreement.number}。"

    def do_sign(self, request, round_) -> str:
        a = self._application(request, round_)
        form = _valid(SignForm(request.POST, request.FILES, prefix=f"a{a.pk}"))
        agreement = get_object_or_404(visible_agreements(request.user), application=a)
        services.sign_agreement(agreement=agreement, actor=request.user, **form.cleaned_data)
        return f"{a.staff.name}的聘任协议已登记签订，新聘任自{agreement.term_start:%Y-%m-%d}起。"

    def do_decide(self, request, round_) -> str:
        candidate = get_object_or_404(
            visible_candidates(request.user).filter(round=round_), pk=request.POST.get("candidate")
        )
        form = _valid(EndingDecisionForm(request.POST, prefix=f"c{candidate.pk}"))
        decision = services.record_ending_decision(candidate=candidate, actor=request.user, **form.cleaned_data)
        return f"已登记{candidate.staff.name}的期满处理：{decision.get_outcome_display()}。"

    # Lists --------------------------------------------------------------------------------------

    def do_propose(self, request, round_) -> str:
        form = _valid(ProposeForm(request.POST))
        institution = get_object_or_404(visible_institutions(request.user), pk=form.cleaned_data["institution"])
        lst = services.propose(round=round_, institution=institution, on=form.cleaned_data["on"], actor=request.user)
        return f"{institution.name}拟聘任{lst.applications.count()}人。"

    def _list(self, request, round_) -> ProposedList:
        return get_object_or_404(visible_lists(request.user).filter(round=round_), pk=request.POST.get("list"))

    def do_start_publicity(self, request, round_) -> str:
        lst = self._list(request, round_)
        form = _valid(DateForm(request.POST, prefix=f"l{lst.pk}"))
        p = services.start_list_publicity(proposed_list=lst, starts_on=form.cleaned_data["on"], actor=request.user)
        return f"已发起公示，至{p.ends_on:%Y-%m-%d}（{p.working_days}个工作日）。"

    def do_end_publicity(self, request, round_) -> str:
        lst = self._list(request, round_)
        form = _valid(DateForm(request.POST, prefix=f"e{lst.pk}"))
        services.end_list_publicity(proposed_list=lst, on=form.cleaned_data["on"], actor=request.user)
        return "公示已结束。"

    def do_object(self, request, round_) -> str:
        """异议 lodged with the office, through publicity.services (the one publicity mechanism)."""
        require_step(request.user, "lodge_objection")
        lst = self._list(request, round_)
        form = _valid(ObjectionForm(request.POST, prefix=f"o{lst.pk}"))
        publicity = services.running_publicity(lst)
        if publicity is None:
            raise ApplicationError("名单没有进行中的公示，不能登记异议。")
        publicity_services.lodge_objection(publicity=publicity, actor=request.user, **form.cleaned_data)
        return "异议已登记，须核查答复后方可结束公示。"

    def do_answer(self, request, round_) -> str:
        require_step(request.user, "answer_objection")
        lst = self._list(request, round_)
        objection = get_object_or_404(Objection, pk=request.POST.get("objection"), publicity__round_list=lst)
        form = _valid(AnswerForm(request.POST, prefix=f"x{objection.pk}"))
        publicity_services.answer_objection(objection=objection, answer=form.cleaned_data["answer"], actor=request.user)
        return "异议已答复。"

    def do_approve(self, request, round_) -> str:
        lst = self._list(request, round_)
        form = _valid(ApproveForm(request.POST, prefix=f"p{lst.pk}"))
        services.approve_list(
            proposed_list=lst,
            approved_on=form.cleaned_data["on"],
            document=form.cleaned_data["document"],
            actor=request.user,
        )
        return "名单已审批。"


class _Invalid(Exception):
    def __init__(self, form) -> None:
        super().__init__("invalid form")
        self.form = form


def _valid(form):
    if not form.is_valid():
        raise _Invalid(form)
    return form


def _form_errors(request, form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


class AgreementPdfView(ScopedMixin, View):
    """The agreement PDF, for whoever reaches the application (staff: their own)."""

    resource = "agreement"

    def get(self, request, *args, **kwargs):
        agreement = get_object_or_404(
            visible_agreements(request.user).select_related("application__staff"), pk=kwargs["pk"]
        )
        response = HttpResponse(agreement_pdf(agreement), content_type="application/pdf")
        name = f"聘任协议-{agreement.application.staff.name}-{agreement.number}.pdf"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return response


class AgreementScanView(ScopedMixin, View):
    resource = "agreement"

    def get(self, request, *args, **kwargs):
        return scan_response(get_object_or_404(visible_agreements(request.user), pk=kwargs["pk"]))


class EvidenceDownloadView(ScopedMixin, View):
    """A supporting file, for whoever reaches its application."""

    resource = "round_application"

    def get(self, request, *args, **kwargs):
        evidence = get_object_or_404(
            ApplicationEvidence.objects.filter(application__in=visible_applications(request.user).values("pk")),
            pk=kwargs["pk"],
        )
        return file_response(evidence.file, evidence.name)
