"""Every write of 柔性引才 that involves a rule of seed 002.  Views, API, admin and the beat task
call these; none re-implements them.  Refusals are ApplicationError with a Chinese message."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from personnel.errors import ApplicationError
from personnel.models import Department, Institution, PolicyVersion, Region
from personnel.services import policy_for

from . import rules
from .choices import (
    COMMITTING_STATUSES,
    ContractStatus,
    ExpertTier,
    ReviewResult,
    TerminationReason,
    TerminationStatus,
    VisitKind,
)
from .models import AnnualReview, Budget, Contract, Expert, ReviewScheme, Team, TerminationItem, Visit


def _full_clean(obj, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error) from error


def _mark(obj, actor) -> None:
    if getattr(actor, "pk", None):
        obj._history_user = actor
    elif getattr(actor, "key_name", ""):
        obj._history_user = None
        obj._change_reason = f"接口客户端：{actor.key_name}"


def _policy(institution: Institution, on: dt.date) -> PolicyVersion:
    return policy_for(institution.region, on)


def _read(policy: PolicyVersion, name: str):
    try:
        return getattr(policy, name)
    except KeyError as error:
        raise ApplicationError(str(error.args[0])) from error


# --- Experts and teams -------------------------------------------------------------------------


@transaction.atomic
def save_expert(*, expert: Expert, on: dt.date | None = None, actor=None) -> Expert:
    """Seed 002 §三: an expert of the tertiary-senior tier has held a senior title ≥5 years (policy)."""
    _full_clean(expert)
    if expert.tier == ExpertTier.TERTIARY_SENIOR:
        on = on or timezone.localdate()
        problem = rules.senior_title_years_problem(
            expert.senior_title_since,
            on,
            min_years=_read(_policy(expert.institution, on), "expert_senior_title_min_years"),
        )
        if problem:
            raise ApplicationError(problem, {"senior_title_since": [problem]})
    _mark(expert, actor)
    expert.save()
    return expert


def team_problems(*, core_members: list[Expert], policy: PolicyVersion) -> list[str]:
    return rules.team_composition_problems(
        [rules.Member(e.title_level, e.degree) for e in core_members],
        min_core_members=_read(policy, "team_min_core_members"),
        master_ratio=_read(policy, "team_master_ratio"),
    )


@transaction.atomic
def create_team(
    *, institution: Institution, name: str, leader: Expert, core_members: list[Expert], on: dt.date, actor=None
) -> Team:
    """Seed 002 §三: a team is 1 leader + ≥3 core members, mostly 副高+, ≥60% master's or higher.
    A team breaking any of these is refused with the rules it breaks."""
    members = [e for e in core_members if e.pk != leader.pk]
    if len(members) != len(core_members):
        raise ApplicationError("领衔人不能同时作为核心成员。", {"core_members": ["领衔人不能同时作为核心成员。"]})
    problems = team_problems(core_members=members, policy=_policy(institution, on))
    if problems:
        raise ApplicationError("团队组成不符合要求：" + "".join(problems), {"core_members": problems})
    team = Team(institution=institution, name=name, leader=leader)
    _full_clean(team)
    _mark(team, actor)
    team.save()
    team.core_members.set(members)
    return team


# --- Budget ------------------------------------------------------------------------------------


def ensure_budget(*, institution: Institution, year: int) -> Budget:
    """The year's fund of a hospital, created at the policy's per-hospital amount (seed 002 §五)."""
    budget = Budget.objects.filter(institution=institution, year=year).first()
    if budget is not None:
        return budget
    base = _read(_policy(institution, dt.date(year, 1, 1)), "hospital_budget")
    budget, _ = Budget.objects.get_or_create(institution=institution, year=year, defaults={"base": base})
    return budget


def committed_amount(*, institution: Institution, year: int, exclude: Contract | None = None) -> Decimal:
    qs = Contract.objects.filter(institution=institution, start__year=year, status__in=COMMITTING_STATUSES)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    row = qs.aggregate(funding=Sum("funding"), released=Sum("released"))
    return (row["funding"] or Decimal(0)) - (row["released"] or Decimal(0))


@transaction.atomic
def reallocate_budget(
    *, source: Institution, target: Institution, year: int, amount: Decimal, on: dt.date, actor=None
) -> tuple[Budget, Budget]:
    """Seed 002 §五 / 附件: funds move between hospitals, each staying within ±20% of its base;
    a hospital cannot give away what its signed contracts have committed."""
    if amount <= 0:
        raise ApplicationError("调整金额须大于0。", {"amount": ["调整金额须大于0。"]})
    if source.pk == target.pk:
        raise ApplicationError("调出和调入单位不能相同。", {"target": ["调出和调入单位不能相同。"]})
    ensure_budget(institution=source, year=year)
    ensure_budget(institution=target, year=year)
    budgets = {
        b.institution_id: b
        for b in Budget.objects.select_for_update().filter(institution__in=[source, target], year=year)
    }
    limit = _read(_policy(source, on), "budget_reallocation_limit")
    giver, taker = budgets[source.pk], budgets[target.pk]
    for budget, change, field in ((giver, -amount, "source"), (taker, amount, "target")):
        problem = rules.check_budget_adjustment(base=budget.base, adjustment=budget.adjustment + change, limit=limit)
        if problem:
            name = budget.institution.name
            raise ApplicationError(f"{name}：{problem}", {field: [problem]})
    committed = committed_amount(institution=source, year=year)
    if giver.allocated - amount < committed:
        message = f"{source.name}已签合同占用{committed}元，调出后经费将不足。"
        raise ApplicationError(message, {"amount": [message]})
    giver.adjustment -= amount
    taker.adjustment += amount
    for budget in (giver, taker):
        _mark(budget, actor)
        budget.save()
    return giver, taker


# --- Contracts ---------------------------------------------------------------------------------


def _next_code(institution: Institution, year: int) -> str:
    prefix = f"RC{year}-{institution.code}-"
    count = Contract.objects.filter(code__startswith=prefix).count()
    return f"{prefix}{count + 1:03d}"


@transaction.atomic
def create_contract(
    *,
    institution: Institution,
    mode: str,
    start: dt.date,
    end: dt.date,
    days_per_month: Decimal,
    funding: Decimal,
    expert: Expert | None = None,
    team: Team | None = None,
    department: Department | None = None,
    platform: str = "",
    clinic_target: str = "",
    teaching_target: str = "",
    discipline_target: str = "",
    annual_stipend: Decimal = Decimal(0),
    breach_terms: str = "",
    partner_institutions: list[Institution] | None = None,
    renewal_of: Contract | None = None,
    actor=None,
) -> Contract:
    """A draft contract.  Seed 002 §二(一): term 6 months – 3 years; §三: a team must meet the
    composition rules; §五: the funding must fit in what is left of the hospital's fund."""
    policy = _policy(institution, start)
    problem = rules.check_contract_term(
        start, end, min_months=_read(policy, "contract_min_months"), max_months=_read(policy, "contract_max_months")
    )
    if problem:
        raise ApplicationError(problem, {"end": [problem]})
    if team is not None:
        problems = team_problems(core_members=list(team.core_members.all()), policy=policy)
        if problems:
            raise ApplicationError("团队组成不符合要求：" + "".join(problems), {"team": problems})
    contract = Contract(
        code=_next_code(institution, start.year),
        institution=institution,
        department=department,
        expert=expert,
        team=team,
        mode=mode,
        platform=platform,
        start=start,
        end=end,
        days_per_month=days_per_month,
        funding=funding,
        annual_stipend=annual_stipend,
        clinic_target=clinic_target,
        teaching_target=teaching_target,
        discipline_target=discipline_target,
        breach_terms=breach_terms,
        renewal_of=renewal_of,
        policy_version=policy,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _full_clean(contract, exclude=["created_by", "policy_version"])
    _check_funding_fits(contract)
    _mark(contract, actor)
    contract.save()
    if partner_institutions:
        contract.partner_institutions.set(partner_institutions)
    return contract


def _check_funding_fits(contract: Contract) -> None:
    budget = ensure_budget(institution=contract.institution, year=contract.start.year)
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    left = budget.allocated - committed_amount(
        institution=contract.institution, year=contract.start.year, exclude=contract
    )
    if contract.funding > left:
        message = (
            f"支持资金{contract.funding}元超过{contract.institution.name}{contract.start.year}年剩余经费{left}元。"
        )
        raise ApplicationError(message, {"funding": [message]})


@transaction.atomic
def sign_contract(*, contract: Contract, signed_on: dt.date, actor=None) -> Contract:
    """Draft → active: the funding is committed against the fund (checked again under a lock)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status != ContractStatus.DRAFT:
        raise ApplicationError(f"合同当前为“{contract.get_status_display()}”，不能签订。")
    _check_funding_fits(contract)
    contract.status = ContractStatus.ACTIVE
    contract.signed_on = signed_on
    _mark(contract, actor)
    contract.save()
    return contract


@transaction.atomic
def record_payment(*, contract: Contract, amount: Decimal, actor=None) -> Contract:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status not in COMMITTING_STATUSES:
        raise ApplicationError("合同签订后才能拨付资金。")
    if amount <= 0 or contract.paid + amount > contract.committed:
        message = f"拨付后累计{contract.paid + amount}元，超过合同占用经费{contract.committed}元。"
        raise ApplicationError(message, {"amount": [message]})
    contract.paid += amount
    _mark(contract, actor)
    contract.save()
    return contract


@transaction.atomic
def terminate_contract(*, contract: Contract, ended_on: dt.date, actor=None) -> Contract:
    """Ending a contract releases the funding it committed but has not paid (seed 002 §六(三))."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status not in (ContractStatus.ACTIVE, ContractStatus.SUSPENDED):
        raise ApplicationError(f"合同当前为“{contract.get_status_display()}”，不能解除。")
    contract.status = ContractStatus.TERMINATED
    contract.ended_on = ended_on
    contract.released = contract.funding - contract.paid
    _mark(contract, actor)
    contract.save()
    TerminationItem.objects.filter(contract=contract, status=TerminationStatus.OPEN).update(
        status=TerminationStatus.FILED, filed_on=ended_on
    )
    return contract


@transaction.atomic
def renew_contract(*, contract: Contract, start: dt.date, end: dt.date, funding: Decimal, actor=None) -> Contract:
    """A renewal is a new draft contract; seed 002 §六(一): only after a 合格 review
    (评价等级与…下一年度是否执行引进挂钩)."""
    latest = contract.reviews.order_by("-year").first()
    if latest is None or not latest.may_renew:
        raise ApplicationError("最近一次年度考核合格后才能续签。")
    if hasattr(contract, "renewal"):
        raise ApplicationError("该合同已续签。")
    return create_contract(
        institution=contract.institution,
        department=contract.department,
        expert=contract.expert,
        team=contract.team,
        mode=contract.mode,
        platform=contract.platform,
        start=start,
        end=end,
        days_per_month=contract.days_per_month,
        funding=funding,
        annual_stipend=contract.annual_stipend,
        clinic_target=contract.clinic_target,
        teaching_target=contract.teaching_target,
        discipline_target=contract.discipline_target,
        breach_terms=contract.breach_terms,
        renewal_of=contract,
        actor=actor,
    )


# --- Visits and attendance ---------------------------------------------------------------------


@transaction.atomic
def record_visit(
    *,
    contract: Contract,
    visit_date: dt.date,
    days: Decimal,
    kind: str = VisitKind.CLINIC,
    patients: int = 0,
    note: str = "",
    actor=None,
) -> Visit:
    if contract.status not in (ContractStatus.ACTIVE, ContractStatus.SUSPENDED):
        raise ApplicationError("只能为履行中的合同记录到岗。")
    if Visit.objects.filter(contract=contract, visit_date=visit_date, kind=kind).exists():
        message = f"{visit_date:%Y-%m-%d}已有同类到岗记录。"
        raise ApplicationError(message, {"visit_date": [message]})
    visit = Visit(
        contract=contract,
        visit_date=visit_date,
        days=days,
        kind=kind,
        patients=patients,
        note=note,
        recorded_by=actor.get_username() if actor is not None else "",
    )
    _full_clean(visit)
    _mark(visit, actor)
    visit.save()
    return visit


def attendance(contract: Contract, *, start: dt.date | None = None, on: dt.date) -> dict:
    """Worked days against the contracted days from `start` (default: the contract's) through `on`."""
    since = max(start or contract.start, contract.start)
    until = min(on, contract.end)
    worked = contract.visits.filter(visit_date__gte=since, visit_date__lte=until).aggregate(d=Sum("days"))["d"]
    worked = worked or Decimal(0)
    contracted = rules.contracted_days(start=since, end=contract.end, days_per_month=contract.days_per_month, on=until)
    return {"worked": worked, "contracted": contracted, "rate": rules.attendance_rate(worked, contracted)}


# --- Annual review -----------------------------------------------------------------------------


def review_scheme_for(*, region: Region, on: dt.date) -> ReviewScheme:
    """The scoring table in force; the first time, seed 002's table is stored with the policy's
    numbers for the ranges the seed leaves open."""
    scheme = (
        ReviewScheme.objects.filter(region=region, effective_from__lte=on).order_by("-effective_from", "-id").first()
    )
    if scheme is not None:
        return scheme
    policy = policy_for(region, on)
    scheme = ReviewScheme(
        region=region,
        name="柔性引进人才使用考核标准（年度）",
        effective_from=policy.effective_from,
        items=rules.seed_002_scheme_items(
            gap_visits_growth_points=_read(policy, "review_gap_visits_growth_points"),
            gap_revenue_growth_points=_read(policy, "review_gap_revenue_growth_points"),
            gap_attendance_points=_read(policy, "review_gap_attendance_points"),
        ),
    )
    _full_clean(scheme)
    scheme.save()
    return scheme


@transaction.atomic
def run_annual_review(
    *,
    contract: Contract,
    year: int,
    visits_previous: int,
    visits_current: int,
    revenue_previous: Decimal,
    revenue_current: Decimal,
    new_techniques: int,
    papers_guided: int,
    staff_satisfaction: Decimal,
    patient_satisfaction: Decimal,
    manual_scores: dict[str, int],
    major_violation: bool = False,
    major_accident: bool = False,
    evidence: str = "",
    on: dt.date | None = None,
    actor=None,
) -> AnnualReview:
    """Seed 002 附件 (annual 100-point table) and §六(一): items computed from data, the others
    scored by the reviewer, vetoes override the total; 合格 sets the stipend and allows renewal;
    不合格 opens a termination item (§六(三)4)."""
    if contract.status == ContractStatus.DRAFT:
        raise ApplicationError("合同签订后才能考核。")
    if AnnualReview.objects.filter(contract=contract, year=year).exists():
        raise ApplicationError(f"{year}年度已考核。", {"year": [f"{year}年度已考核。"]})
    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if contract.end < year_start or contract.start > year_end:
        raise ApplicationError(f"合同期不含{year}年度。", {"year": [f"合同期不含{year}年度。"]})
    on = on or year_end
    region = contract.institution.region
    policy = policy_for(region, min(on, year_end))
    scheme = review_scheme_for(region=region, on=min(on, year_end))
    rate = attendance(contract, start=year_start, on=year_end)["rate"]
    metrics = {
        "visits_growth": rules.growth(visits_previous, visits_current),
        "revenue_growth": rules.growth(revenue_previous, revenue_current),
        "attendance": rate,
        "new_techniques": new_techniques,
        "papers_guided": papers_guided,
        "staff_satisfaction": staff_satisfaction,
    }
    try:
        scores = rules.score_items(scheme.items, metrics=metrics, manual=manual_scores)
    except ValueError as error:
        raise ApplicationError(str(error), {"manual_scores": [str(error)]}) from error
    vetoes = rules.veto_reasons(
        staff_satisfaction=staff_satisfaction,
        patient_satisfaction=patient_satisfaction,
        major_violation=major_violation,
        major_accident=major_accident,
        staff_floor=_read(policy, "veto_staff_satisfaction"),
        patient_floor=_read(policy, "veto_patient_satisfaction"),
    )
    outcome = rules.review_outcome(scores, vetoes=vetoes, pass_score=_read(policy, "review_pass_score"))
    review = AnnualReview(
        contract=contract,
        year=year,
        scheme=scheme,
        policy_version=policy,
        visits_previous=visits_previous,
        visits_current=visits_current,
        revenue_previous=revenue_previous,
        revenue_current=revenue_current,
        attendance=rate,
        new_techniques=new_techniques,
        papers_guided=papers_guided,
        staff_satisfaction=staff_satisfaction,
        patient_satisfaction=patient_satisfaction,
        major_violation=major_violation,
        major_accident=major_accident,
        manual_scores={k: int(v) for k, v in manual_scores.items()},
        evidence=evidence,
        item_scores=[s.as_dict() for s in outcome.items],
        subtotal=outcome.subtotal,
        vetoes=outcome.vetoes,
        total=outcome.total,
        result=ReviewResult.PASS if outcome.passed else ReviewResult.FAIL,
        stipend=contract.annual_stipend if outcome.passed else Decimal(0),
        may_renew=outcome.passed,
        reviewed_by=actor if getattr(actor, "pk", None) else None,
    )
    _full_clean(review, exclude=["reviewed_by"])
    _mark(review, actor)
    review.save()
    if not outcome.passed:
        open_termination_item(
            contract=contract,
            reason=TerminationReason.FAILED_REVIEW,
            learned_on=on,
            detail=f"{year}年度考核不合格（{outcome.total}分）"
            + ("；一票否决：" + "、".join(vetoes) if vetoes else ""),
        )
    return review


# --- Termination watch -------------------------------------------------------------------------


def open_termination_item(
    *, contract: Contract, reason: str, learned_on: dt.date, detail: str = ""
) -> tuple[TerminationItem, bool]:
    """Seed 002 §六(三): the employer must file a written request within 3 months of learning of
    a ground.  One open item per contract and ground."""
    existing = TerminationItem.objects.filter(contract=contract, reason=reason, status=TerminationStatus.OPEN).first()
    if existing is not None:
        return existing, False
    months = _read(_policy(contract.institution, learned_on), "termination_filing_months")
    item = TerminationItem.objects.create(
        contract=contract,
        reason=reason,
        detail=detail,
        learned_on=learned_on,
        deadline=rules.filing_deadline(learned_on, months=months),
    )
    return item, True


@transaction.atomic
def file_termination_request(*, item: TerminationItem, filed_on: dt.date, actor=None) -> TerminationItem:
    if item.status != TerminationStatus.OPEN:
        raise ApplicationError("该终止事项已处理。")
    item.status = TerminationStatus.FILED
    item.filed_on = filed_on
    item.overdue = rules.filing_overdue(item.deadline, filed_on)
    _mark(item, actor)
    item.save()
    return item


@transaction.atomic
def watch_terminations(*, today: dt.date) -> dict[str, int]:
    """The daily sweep: active contracts whose attendance is below the policy minimum (70%) get a
    termination item; open items past their 3-month deadline are marked overdue, those within
    the reminder window are reminded (once a day).  Returns counts."""
    opened = reminded = overdue = 0
    contracts = Contract.objects.filter(status=ContractStatus.ACTIVE, start__lte=today).select_related(
        "institution__region"
    )
    for contract in contracts:
        policy = _policy(contract.institution, today)
        figures = attendance(contract, on=today)
        if rules.attendance_below_minimum(figures["rate"], minimum=_read(policy, "min_work_time_ratio")):
            detail = f"截至{today:%Y-%m-%d}到岗{figures['worked']}天，约定{figures['contracted']}天（{rules.percent(figures['rate'])}）"
            _, created = open_termination_item(
                contract=contract, reason=TerminationReason.LOW_ATTENDANCE, learned_on=today, detail=detail
            )
            opened += created
    for item in TerminationItem.objects.filter(status=TerminationStatus.OPEN).select_related("contract__institution"):
        if rules.filing_overdue(item.deadline, today):
            if not item.overdue:
                item.overdue = True
                item.save(update_fields=["overdue"])
            overdue += 1
            continue
        days_before = _read(_policy(item.contract.institution, today), "termination_reminder_days")
        if rules.reminder_due(item.deadline, today, days_before=days_before) and item.last_reminded_on != today:
            item.last_reminded_on = today
            item.save(update_fields=["last_reminded_on"])
            notify_termination_deadline(item)
            reminded += 1
    return {"opened": opened, "reminded": reminded, "overdue": overdue}


def termination_users(item: TerminationItem):
    """HR of the employing institution and the region's commission admins (active accounts)."""
    from personnel.choices import Role
    from personnel.models import User

    institution = item.contract.institution
    return User.objects.filter(is_active=True).filter(
        Q(role=Role.HOSPITAL_HR, institution_id=institution.pk)
        | Q(role=Role.COMMISSION_ADMIN, institution__region_id=institution.region_id)
    )


def termination_recipients(item: TerminationItem) -> list[str]:
    """HR of the employing institution and the region's commission admins, who have an e-mail address."""
    return sorted(set(termination_users(item).exclude(email="").values_list("email", flat=True)))


def notify_termination_deadline(item: TerminationItem) -> int:
    """Seed 002: the employing unit must file the termination request within 3 months of learning
    of the cause — remind those who must file it before the deadline passes.  The in-app
    notification is stored once per item and deadline (the e-mail below is the daily reminder)."""
    from django.urls import reverse

    from notifications.services import notify

    notify(
        recipients=list(termination_users(item)),
        key=f"talent:termination:{item.pk}:{item.deadline:%Y%m%d}",
        kind="talent_termination",
        title=f"【柔性引才】{item.contract}解约申请须于{item.deadline:%Y-%m-%d}前提出",
        body=f"存在解约情形（{item.get_reason_display()}），用人单位须在{item.deadline:%Y-%m-%d}前向卫健委提出解约申请。",
        url=reverse("talent:contract_detail", args=[item.contract_id]),
        email=False,  # mailed below, every reminder day
    )
    recipients = termination_recipients(item)
    if not recipients:
        return 0
    return send_mail(
        subject=f"【柔性引才】{item.contract}解约申请须于{item.deadline:%Y-%m-%d}前提出",
        message=(
            f"合同{item.contract}存在解约情形（{item.get_reason_display()}），"
            f"用人单位须在{item.deadline:%Y-%m-%d}前向卫健委提出解约申请。"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
