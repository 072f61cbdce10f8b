"""manage.py load_round_demo: the 聘任轮次 part of the 策勒县 demo, run after load_demo,
load_duty_targets --instantiate, load_assessment_demo and load_demotion_demo.

The demo's appointments all run from 1 January of the demo year for the policy's term (two years),
so the round that re-appoints them is the one whose new terms start the year after they end: the
commission sets that year's post quotas (the same numbers as the last year's) and opens the round,
which gathers every ending term.  Then, through rounds.services as the roles that take each step:

- 策勒县人民医院 (where the demo's HR and staff users work): applications qualified, one refused,
  scored (anonymous ballots, comprehensive score) and ranked (three of one grade), the proposed list in publicity with an objection still
  to answer (its last working day passed, so the board shows it overdue), and an ending decision;
- a branch: its list publicised and approved, the agreements generated and waiting to be signed;
- a township centre: an application waiting for its qualification review (with a supporting file)
  and a qualified one with its ballots, waiting for the score.

Deterministic and idempotent: a round that already holds its people is left alone; one emptied by
`load_demo --reset` is rebuilt.  `--reset` removes the round and everything in it, then exits."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from appointments.choices import AppointmentKind, AppointmentStatus
from appointments.models import Appointment
from demotions.choices import BallotGroup
from notifications.models import Notification
from personnel.choices import InstitutionKind, StaffStatus
from personnel.errors import ApplicationError
from personnel.models import Institution, PostGrade, PostQuota, Region, User
from personnel.services import set_quota
from publicity import services as publicity_services
from publicity.models import Publicity
from rounds import services
from rounds.choices import ApplicationStatus, EndingOutcome
from rounds.models import (
    Agreement,
    Application,
    ApplicationEvidence,
    AppointmentRound,
    ProposedList,
    RoundCandidate,
)

REGION_CODE = "653225"  # 策勒县, as personnel.demo builds it
BALLOT_GROUPS = (
    BallotGroup.SUPERIOR,
    BallotGroup.PEER,
    BallotGroup.PEER,
    BallotGroup.SUBORDINATE,
    BallotGroup.PATIENT_REP,
)


@dataclass
class DemoResult:
    round: AppointmentRound | None = None
    quotas: int = 0
    applications: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _pdf(name: str, line: str) -> SimpleUploadedFile:
    """A one-page PDF, as an office would scan it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont("STSong-Light", 16)
    page.drawString(72, 760, line)
    page.setFont("STSong-Light", 11)
    page.drawString(72, 730, "（演示材料）")
    page.save()
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def demo_round_year(region: Region) -> int | None:
    """The year whose new terms follow the demo's: the year after its appointments end."""
    last_end = Appointment.objects.filter(
        institution__region=region, status=AppointmentStatus.ACTIVE, kind=AppointmentKind.NORMAL
    ).aggregate(end=Max("end"))["end"]
    return None if last_end is None else last_end.year + 1


def remove_round(round_: AppointmentRound) -> None:
    """Everything in the round, dependents first (applications and agreements are PROTECTed)."""
    applications = Application.objects.filter(round=round_)
    for evidence in ApplicationEvidence.objects.filter(application__in=applications):
        evidence.file.delete(save=False)
    Agreement.objects.filter(application__in=applications).delete()
    applications.delete()
    lists = ProposedList.objects.filter(round=round_)
    Publicity.objects.filter(round_list__in=lists).delete()
    lists.delete()
    Notification.objects.filter(key__startswith=f"round:{round_.pk}:").delete()
    round_.delete()  # candidates and ending decisions cascade


class Command(BaseCommand):
    help = (
        "为策勒县演示数据加上聘任轮次演示：下一年度岗位数、启动聘任轮次，以及处于资格审查、综合考核、"
        "排名、公示（有待答复的异议）、审批待签约等环节的申报和一条期满未续聘处理。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="删除聘任轮次演示数据（轮次及其申报、名单、公示、协议）后退出"
        )

    def handle(self, *args, **options) -> None:
        region = Region.objects.filter(code=REGION_CODE).first()
        users = {u.username: u for u in User.objects.filter(username__in=["admin", "hr", "staff"])}
        year = demo_round_year(region) if region is not None else None
        if region is None or len(users) < 3 or users["staff"].staff_id is None or year is None:
            raise CommandError(
                "未找到策勒县演示数据，请先运行 manage.py load_demo、load_duty_targets --instantiate、"
                "load_assessment_demo 和 load_demotion_demo。"
            )
        existing = AppointmentRound.objects.filter(region=region, year=year).first()
        if options["reset"]:
            if existing is None:
                self.stdout.write("没有聘任轮次演示数据，无需删除。")
                return
            name = existing.name
            with transaction.atomic():
                remove_round(existing)
            self.stdout.write(self.style.SUCCESS(f"已删除聘任轮次演示数据（{name}）。"))
            return
        if existing is not None:
            if existing.candidates.exists():
                self.stdout.write(f"聘任轮次演示数据已存在（{existing.name}），未重复导入；如需重建请先加 --reset。")
                return
            # Left empty by load_demo --reset (its people went with the demo): rebuild it.
            with transaction.atomic():
                remove_round(existing)
        try:
            with transaction.atomic():
                result = build(region=region, year=year, admin=users["admin"], hr=users["hr"], staff=users["staff"])
        except ApplicationError as error:
            raise CommandError(error.message) from error
        round_ = result.round
        statuses = "，".join(f"{ApplicationStatus(s).label}{n}份" for s, n in result.applications.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"聘任轮次演示数据：{round_.name}（聘期{round_.ends_by:%Y-%m-%d}前届满的{round_.candidates.count()}人，"
                f"新聘期自{round_.term_start:%Y-%m-%d}起）；新核定{year}年岗位数{result.quotas}条；申报：{statuses}。"
            )
        )
        for note in result.notes:
            self.stdout.write(note)


class _Driver:
    """Takes applications through the steps, as the roles that take them."""

    def __init__(self, *, round_: AppointmentRound, admin: User, today: dt.date) -> None:
        self.round = round_
        self.admin = admin
        self.today = today
        policy = round_.policy
        self.quantified_weight = max(Decimal(str(policy.quantified_score_min_weight)), Decimal("0.70"))
        self.defence_weight = min(Decimal("0.10"), Decimal(1) - self.quantified_weight)
        self.democratic_weight = Decimal(1) - self.quantified_weight - self.defence_weight

    def apply(self, appointment: Appointment, *, grade: PostGrade, actor: User, achievements: str) -> Application:
        return services.apply(
            round=self.round,
            staff=appointment.staff,
            post_grade=grade,
            applied_on=self.round.opened_on + dt.timedelta(days=3),
            achievements=achievements,
            actor=actor,
        )

    def qualify(self, application: Application, *, actor: User) -> Application:
        return services.qualify(application=application, qualified=True, note="材料齐全，资格符合。", actor=actor)

    def ballots(self, application: Application, *, base: int) -> None:
        services.record_ballots(
            application=application,
            ballots=[(group, base - 3 * (i % 3)) for i, group in enumerate(BALLOT_GROUPS)],
            actor=self.admin,
        )

    def score(self, application: Application, *, quantified: int, defence: int) -> Application:
        return services.score(
            application=application,
            quantified_score=Decimal(quantified),
            defence_score=Decimal(defence),
            quantified_weight=self.quantified_weight,
            democratic_weight=self.democratic_weight,
            defence_weight=self.defence_weight,
            actor=self.admin,
        )

    def scored(
        self, appointment: Appointment, *, grade: PostGrade, actor: User, checker: User, points: int, achievements: str
    ) -> Application:
        application = self.apply(appointment, grade=grade, actor=actor, achievements=achievements)
        application = self.qualify(application, actor=checker)
        self.ballots(application, base=points)
        return self.score(application, quantified=points, defence=points - 2)


ACHIEVEMENTS = [
    "本聘期主持县级重点专科建设，开展新技术2项；带教青年医师2名；每周下沉乡镇卫生院1天。",
    "本聘期完成疑难病例诊治26例，县级会诊每月4次以上；牵头科室业务学习12次。",
    "本聘期参与县级科研项目1项，发表论文1篇；指导基层骨干1名，开展培训12次。",
    "本聘期完成病历质控每月60份以上，开展教学查房10次；无医疗差错。",
    "本聘期牵头病例讨论9次，开展技能培训8次；科室纠纷同比下降。",
]


def _ending_appointments(institution: Institution, round_: AppointmentRound):
    return (
        Appointment.objects.filter(
            institution=institution,
            status=AppointmentStatus.ACTIVE,
            kind=AppointmentKind.NORMAL,
            end__lte=round_.ends_by,
            staff__status=StaffStatus.ON_DUTY,
        )
        .select_related("staff", "post_grade")
        .order_by("staff__employee_no", "pk")
    )


def _titled_for(appointment: Appointment, grade: PostGrade) -> bool:
    title = appointment.staff.current_title
    return title is not None and title.level == grade.title_level


def _set_quotas(region: Region, *, year: int, actor: User) -> int:
    """The new year's post quotas: the same numbers as the year before (the commission's step)."""
    done = 0
    last = PostQuota.objects.filter(institution__region=region, year=year - 1).select_related(
        "institution", "post_grade"
    )
    have = set(PostQuota.objects.filter(institution__region=region, year=year).values_list("institution", "post_grade"))
    for quota in last.order_by("institution_id", "post_grade_id"):
        if (quota.institution_id, quota.post_grade_id) in have:
            continue
        set_quota(institution=quota.institution, year=year, post_grade=quota.post_grade, count=quota.count, actor=actor)
        done += 1
    return done


def build(*, region: Region, year: int, admin: User, hr: User, staff: User) -> DemoResult:
    today = timezone.localdate()
    result = DemoResult()
    result.quotas = _set_quotas(region, year=year, actor=admin)
    ends_by = dt.date(year - 1, 12, 31)
    round_ = services.open_round(
        region=region,
        year=year,
        opened_on=today - dt.timedelta(days=30),
        ends_by=ends_by,
        term_start=dt.date(year, 1, 1),
        actor=admin,
    )
    result.round = round_
    drive = _Driver(round_=round_, admin=admin, today=today)
    head = hr.institution
    _head_hospital(drive, head=head, hr=hr, staff=staff, result=result)
    branch = (
        Institution.objects.filter(region=region, kind=InstitutionKind.BRANCH, parent=head).order_by("code").first()
    )
    if branch is not None:
        _branch(drive, branch=branch)
    township = Institution.objects.filter(region=region, kind=InstitutionKind.TOWNSHIP_CENTRE).order_by("code").first()
    if township is not None:
        _township(drive, township=township)
    counts: dict[str, int] = {}
    for status in Application.objects.filter(round=round_).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    result.applications = dict(sorted(counts.items(), key=lambda kv: ApplicationStatus.values.index(kv[0])))
    return result


def _head_hospital(drive: _Driver, *, head: Institution, hr: User, staff: User, result: DemoResult) -> None:
    """The list in publicity (an objection to answer), a cut-off, a refusal and an ending decision."""
    round_ = drive.round
    ending = list(_ending_appointments(head, round_))
    own = next((a for a in ending if a.staff_id == staff.staff_id), None)
    taken: set[int] = {staff.staff_id}
    # Three people of one grade (the most senior grade with three titled holders) to be ranked.
    by_grade: dict[int, list[Appointment]] = {}
    for a in ending:
        if a.staff_id not in taken and _titled_for(a, a.post_grade):
            by_grade.setdefault(a.post_grade.grade, []).append(a)
    contest = next(
        ((people[0].post_grade, people[:3]) for _, people in sorted(by_grade.items()) if len(people) >= 3), None
    )
    applications: list[Application] = []
    if own is not None:
        applications.append(
            drive.scored(own, grade=own.post_grade, actor=staff, checker=hr, points=90, achievements=ACHIEVEMENTS[0])
        )
    else:
        result.notes.append("演示职工用户本轮没有届满的聘任，未为其申报。")
    if contest is not None:
        grade, people = contest
        for i, appointment in enumerate(people):
            taken.add(appointment.staff_id)
            applications.append(
                drive.scored(
                    appointment,
                    grade=grade,
                    actor=hr,
                    checker=hr,
                    points=88 - 4 * i,
                    achievements=ACHIEVEMENTS[(i + 1) % len(ACHIEVEMENTS)],
                )
            )
    # A refused qualification: the materials are incomplete.
    refused = next((a for a in ending if a.staff_id not in taken), None)
    if refused is not None:
        taken.add(refused.staff_id)
        application = drive.apply(refused, grade=refused.post_grade, actor=hr, achievements="")
        services.qualify(
            application=application,
            qualified=False,
            note="未提交本聘期业绩佐证材料，也未填写业绩说明；请补齐后在下一轮申报。",
            actor=hr,
        )
    if not applications:
        return
    proposed_on = drive.today - dt.timedelta(days=20)
    proposed_list = services.propose(round=round_, institution=head, on=proposed_on, actor=drive.admin)
    # Started long enough ago that its last working day has passed: the unanswered objection holds it.
    publicity = services.start_list_publicity(
        proposed_list=proposed_list, starts_on=proposed_on + dt.timedelta(days=1), actor=drive.admin
    )
    member = services.list_members(proposed_list).last()
    publicity_services.lodge_objection(
        publicity=publicity,
        lodged_on=publicity.starts_on,
        lodged_by_name="匿名",
        content=f"反映{member.staff.name}本聘期下沉乡镇天数不足，与公示的任务完成情况不符，请核实。",
        actor=hr,
    )
    # 期满未续聘: someone gathered who did not apply, one grade lower.
    lowest = PostGrade.objects.aggregate(n=Max("grade"))["n"]
    lower = next((a for a in ending if a.staff_id not in taken and a.post_grade.grade < lowest), None)
    if lower is not None:
        candidate = RoundCandidate.objects.get(round=round_, staff=lower.staff)
        services.record_ending_decision(
            candidate=candidate,
            outcome=EndingOutcome.LOWER_POST,
            post_grade=PostGrade.objects.get(grade=lower.post_grade.grade + 1),
            note="本人未申报；年度考核基本合格，经单位研究低聘一级。",
            decided_on=drive.today - dt.timedelta(days=10),
            actor=hr,
        )


def _branch(drive: _Driver, *, branch: Institution) -> None:
    """A list publicised without objection and approved; agreements generated, waiting to be signed."""
    people = list(_ending_appointments(branch, drive.round)[:2])
    if not people:
        return
    for i, appointment in enumerate(people):
        drive.scored(
            appointment,
            grade=appointment.post_grade,
            actor=drive.admin,
            checker=drive.admin,
            points=86 - 3 * i,
            achievements=ACHIEVEMENTS[(i + 3) % len(ACHIEVEMENTS)],
        )
    proposed_on = drive.today - dt.timedelta(days=28)
    proposed_list = services.propose(round=drive.round, institution=branch, on=proposed_on, actor=drive.admin)
    publicity = services.start_list_publicity(
        proposed_list=proposed_list, starts_on=proposed_on + dt.timedelta(days=1), actor=drive.admin
    )
    services.end_list_publicity(
        proposed_list=proposed_list, on=publicity.ends_on + dt.timedelta(days=1), actor=drive.admin
    )
    services.approve_list(
        proposed_list=proposed_list,
        approved_on=publicity.ends_on + dt.timedelta(days=2),
        document=f"策卫健发〔{drive.round.year - 1}〕演示号",
        note="同意按公示名单聘任。",
        actor=drive.admin,
    )
    for application in services.list_members(proposed_list):
        services.generate_agreement(application=application, actor=drive.admin)


def _township(drive: _Driver, *, township: Institution) -> None:
    """One application waiting for its qualification review, one qualified waiting for its score."""
    people = list(_ending_appointments(township, drive.round)[:2])
    if people:
        first = drive.apply(people[0], grade=people[0].post_grade, actor=drive.admin, achievements=ACHIEVEMENTS[3])
        services.add_evidence(
            application=first,
            file=_pdf("本聘期业绩佐证.pdf", f"{people[0].staff.name} 本聘期业绩佐证"),
            description="下沉服务登记表、病历质控记录",
            actor=drive.admin,
        )
    if len(people) > 1:
        second = drive.apply(people[1], grade=people[1].post_grade, actor=drive.admin, achievements=ACHIEVEMENTS[4])
        second = drive.qualify(second, actor=drive.admin)
        drive.ballots(second, base=84)
