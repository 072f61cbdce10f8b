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
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from demotions.choices import BallotGroup
from personnel.choices import Role, StaffStatus
from personnel.errors import ApplicationError
from personnel.models import PostGrade, PostQuota
from personnel.scoping import can_read, role_of, visible_institutions, visible_staff
from personnel.views import ScopedMixin, StaffSection, paginate, register_staff_section
from personnel.watermark import Watermark
from publicity import services as publicity_services
from publicity.models import Objection, Publicity, PublicityStatus

from . import services
from .agreements import agreement_pdf, file_response, scan_response
from .choices import PLACED_STATUSES, WITHDRAWABLE_STATUSES, ApplicationStatus, ListStatus
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
    completion_summary,
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
    path: str = ""
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
    names = {pk: (name, path) for pk, name, path in reach.values_list("pk", "name", "path")}

    def row(pk: int) -> BoardRow:
        if pk not in rows:
            name, path = names.get(pk, ("", ""))
            rows[pk] = BoardRow(institution_id=pk, institution_name=name, path=path)
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
                waiting = sum(1 for o in r.objections if not o.is_answered)
                r.overdue.append(
                    f"公示期已于{running[0].ends_on:%Y-%m-%d}届满，"
                    + (f"尚有{waiting}条异议未答复，答复后方可结束公示" if waiting else "尚未结束公示")
                )
    for r in rows.values():
        if today >= round_.term_start:
            if r.undecided:
                r.overdue.append(f"新聘期已开始，{r.undecided}人既未签约也未登记期满处理")
            if r.approved_unsigned:
                r.overdue.append(f"新聘期已开始，{r.approved_unsigned}人已审批未签约")
        if r.list_status == ListStatus.PUBLICISED:
            r.list_label = "公示结束，待审批"
    # Overdue first, then as the community is built (head hospital, its branches, the townships…).
    return sorted(rows.values(), key=lambda r: (not r.overdue, r.path, r.institution_name))


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
                "can_read_applications": can_read(user, "round_application"),
                "can_object": role_may(user, "lodge_objection"),
                "can_close": role_may(user, "close_round") and round_.status == "open",
                "can_answer": role_may(user, "answer_objection"),
                **self.undecided_context(user, round_, rows, today=today),
                "totals": {
                    key: sum(getattr(r, key) for r in rows)
                    for key in ("gathered", "undecided", "applications", "reviewed", "ranked", "approved", "signed")
                },
            }
        )
        return context

    def undecided_context(self, user, round_: AppointmentRound, rows: list[BoardRow], *, today: dt.date) -> dict:
        """The people still to settle, a page at a time (a round gathers every ending term of the
        region: hundreds), narrowed to one institution from its board row."""
        if not role_may(user, "decide_ending"):
            return {"undecided": [], "undecided_page": None}
        institution = _institution_filter(self.request, rows)
        candidates = undecided_candidates(round_).filter(pk__in=visible_candidates(user).values("pk"))
        if institution is not None:
            candidates = candidates.filter(institution_id=institution.institution_id)
        # Their application in the round, if any: someone proposed or approved needs no ending decision.
        latest = (
            Application.objects.filter(round=round_, staff=OuterRef("staff"))
            .exclude(status=S.WITHDRAWN)
            .order_by("-pk")
            .values("status")[:1]
        )
        candidates = candidates.annotate(application_status=Subquery(latest))
        page = paginate(self.request, candidates.order_by("institution__path", "appointment__post_grade_id", "pk"))
        labels = dict(S.choices)
        for c in page:
            c.application_label = labels.get(c.application_status, "")
            c.placed = c.application_status in PLACED_STATUSES
        return {
            "undecided": [
                (c, None if c.placed else EndingDecisionForm(prefix=f"c{c.pk}", initial={"decided_on": today}))
                for c in page
            ],
            "undecided_page": page,
            "undecided_institution": institution,
        }


def _institution_filter(request, rows) -> BoardRow | None:
    """?institution=<id>, only among the institutions the user's rows show (anything else: all)."""
    wanted = request.GET.get("institution", "")
    return next((r for r in rows if str(r.institution_id) == wanted), None)


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
    completion: str = ""
    ballots: list[str] = field(default_factory=list)
    publicity_ends_on: dt.date | None = None


def _ballot_lines(application: Application) -> list[str]:
    """The ballots recorded so far, per group (count and mean, never a single ballot), from the
    prefetched rows."""
    by_group: dict[str, list] = {}
    for b in application.ballots.all():
        by_group.setdefault(b.group, []).append(b.score)
    labels = dict(BallotGroup.choices)
    return [
        f"{labels[g]}{len(scores)}票，均分{sum(scores) / len(scores):.2f}"
        for g, scores in sorted(by_group.items(), key=lambda kv: list(labels).index(kv[0]))
    ]


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
            .select_related("staff", "institution", "post_grade", "agreement", "proposed_list")
            .prefetch_related("evidence", "ballots")
            .order_by("institution__path", "post_grade_id", "rank", "pk")
        )
        institution = None
        wanted = self.request.GET.get("institution", "")
        if wanted.isdigit():
            institution = visible_institutions(user).filter(pk=int(wanted)).first()
            if institution is not None:
                apps = apps.filter(institution=institution)
        publicity_ends = dict(
            Publicity.objects.filter(
                round_list__round=round_, round_list__status=ListStatus.IN_PUBLICITY, status=PublicityStatus.RUNNING
            ).values_list("round_list", "ends_on")
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
            rows.append(
                ApplicationRow(
                    application=a,
                    agreement=agreement,
                    step_forms=step_forms,
                    completion=completion_summary(a.target_completion) if a.target_completion else "",
                    ballots=_ballot_lines(a) if a.status == S.QUALIFIED else [],
                    publicity_ends_on=publicity_ends.get(a.proposed_list_id) if a.status == S.PROPOSED else None,
                )
            )
        staff_qs = visible_staff(user).filter(status=StaffStatus.ON_DUTY).order_by("institution_id", "employee_no")
        if role_of(user) == Role.STAFF:
            # One live application per round: once applied, the form would only be refused.
            held = Application.objects.filter(round=round_, staff=OuterRef("pk")).exclude(
                status__in=[S.WITHDRAWN, S.REJECTED]
            )
            staff_qs = staff_qs.exclude(Exists(held))
        apply_form = None
        if round_.status == "open" and role_may(user, "apply") and staff_qs.exists():
            apply_form = ApplyForm(
                staff_queryset=staff_qs,
                grade_queryset=PostGrade.objects.filter(
                    pk__in=PostQuota.objects.filter(
                        institution__region=round_.region_id, year=round_.year, count__gt=0
                    ).values("post_grade")
                ),
                initial={"applied_on": timezone.localdate(), "staff": user.staff_id if user.staff_id else None},
            )
        context.update({"round": round_, "rows": rows, "apply_form": apply_form, "institution": institution})
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
        response = HttpResponse(
            agreement_pdf(agreement, mark=Watermark.for_user(request.user)), content_type="application/pdf"
        )
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


# --- The staff page ------------------------------------------------------------------------------


@register_staff_section
def round_section(request, staff) -> StaffSection | None:
    """The person in the rounds: each application (grade, status, score and rank, the round's pages,
    the agreement and the new appointment), and a term the round gathered with its ending decision
    or still to settle.  Shown only when there is something."""
    user = request.user
    if not can_read(user, "round_application"):
        return None
    applications = list(
        visible_applications(user)
        .filter(staff=staff)
        .select_related("round", "institution", "post_grade", "agreement__new_appointment")
        .order_by("-round__year", "-id")
    )
    candidacies = list(
        visible_candidates(user)
        .filter(staff=staff)
        .select_related("round", "appointment__post_grade", "ending_decision__post_grade")
        .order_by("-round__year", "-id")
    )
    applied_rounds = {a.round_id for a in applications if a.status not in (S.WITHDRAWN, S.REJECTED)}
    candidacies = [c for c in candidacies if hasattr(c, "ending_decision") or c.round_id not in applied_rounds]
    if not applications and not candidacies:
        return None
    return StaffSection(
        template_name="rounds/_staff_section.html",
        context={"applications": applications, "candidacies": candidacies},
    )
