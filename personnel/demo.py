"""A deterministic demo medical community modelled on seed 000's county, 策勒县 (code 653225).

`build_demo(staff_count=1500, seed=20260101)` writes one health commission, the community head
hospital with two branch campuses, eight township health centres (three flagged 边远), twenty
village clinics, departments, staff with valid ID numbers and title histories, post quotas for
this year and next, active appointments that respect those quotas (plus a few 特设岗位), one
user per role and an API key for the head hospital.

Everything random comes from one random.Random(seed) drawn in a fixed order, so the same seed
gives the same people.  Rows are written with bulk_create_with_history, so the audit trail
exists for them as for any other write.  Appointments are bulk-written rather than made one by
one through create_appointment; the quota rule is applied here while choosing the grades, and
the tests check the result with count_filled_posts.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.db.models.deletion import get_candidate_relations_to_delete
from django.test.utils import override_settings
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from .choices import Category, Degree, Education, EmploymentType, Gender, InstitutionKind, Role, StaffStatus, TitleLevel
from .models import Department, Institution, InstitutionAPIKey, PostGrade, PostQuota, Region, Staff, Title, User
from .services import policy_for
from .validators import compose_id_number

REGION_CODE = "653225"
AREA_CODE = "653225"
CODE_PREFIX = "CL-"
COMMISSION_CODE = "CL-WJW"
HEAD_HOSPITAL_CODE = "CL-RMYY"
# People's ages and title dates are reckoned from this year, not from today, so the same seed
# gives the same ID numbers whenever it runs.
ANCHOR_YEAR = 2026
CHANGE_REASON = "演示数据"

PASSWORDS = {
    "root": "Demo-2026!root",
    "admin": "Demo-2026!admin",
    "hr": "Demo-2026!hr",
    "head": "Demo-2026!head",
    "staff": "Demo-2026!staff",
}

# --- the community ---------------------------------------------------------------------------

BRANCHES = [
    ("CL-ZYY", "策勒县中医医院院区"),
    ("CL-FYBJY", "策勒县妇幼保健院院区"),
]
# (town, remote): the mountain townships south of the oasis are flagged 边远.
TOWNSHIPS = [
    ("策勒镇", False),
    ("固拉哈玛镇", False),
    ("达玛沟乡", False),
    ("恰哈乡", True),
    ("乌鲁克萨依乡", True),
    ("奴尔乡", True),
    ("博斯坦乡", False),
    ("策勒乡", False),
]
VILLAGE_NAMES = [
    "阿热勒村",
    "托万村",
    "喀拉墩村",
    "巴格其村",
    "亚博依村",
    "阿克其格村",
    "英巴格村",
    "萨依巴格村",
    "兰干村",
    "库木巴格村",
    "阔什艾日克村",
    "塔木村",
    "吉格代村",
    "苏盖提村",
    "恰瓦克村",
    "艾格勒村",
    "喀什塔什村",
    "托格日尕孜村",
    "阿亚格村",
    "玉吉米勒克村",
]

C, T, N, P, H, D, M = (
    Category.CLINICAL,
    Category.MEDICAL_TECH,
    Category.NURSING,
    Category.PHARMACY,
    Category.PUBLIC_HEALTH,
    Category.DENTAL,
    Category.TCM,
)

# Department (code, name, relative size, category mix).
HOSPITAL_DEPARTMENTS = [
    ("NK", "内科", 14, [(C, 6), (N, 4)]),
    ("WK", "外科", 12, [(C, 6), (N, 4)]),
    ("FCK", "妇产科", 8, [(C, 5), (N, 5)]),
    ("EK", "儿科", 7, [(C, 5), (N, 5)]),
    ("JZK", "急诊科", 7, [(C, 5), (N, 5)]),
    ("MZK", "麻醉科", 4, [(C, 8), (N, 2)]),
    ("JYK", "检验科", 5, [(T, 1)]),
    ("YXK", "影像科", 5, [(T, 8), (C, 2)]),
    ("YJK", "药剂科", 4, [(P, 1)]),
    ("HLB", "护理部", 12, [(N, 1)]),
    ("GGWSK", "公共卫生科", 4, [(H, 1)]),
    ("KQK", "口腔科", 3, [(D, 7), (N, 3)]),
    ("ZYK", "中医科", 3, [(M, 8), (N, 2)]),
]
TCM_BRANCH_DEPARTMENTS = [
    ("ZYNK", "中医内科", 6, [(M, 7), (N, 3)]),
    ("ZJTN", "针灸推拿科", 4, [(M, 1)]),
    ("NK", "内科", 4, [(C, 6), (N, 4)]),
    ("JYK", "检验科", 2, [(T, 1)]),
    ("YJK", "药剂科", 2, [(P, 1)]),
    ("HLB", "护理部", 4, [(N, 1)]),
]
MCH_BRANCH_DEPARTMENTS = [
    ("FCK", "妇产科", 7, [(C, 5), (N, 5)]),
    ("EK", "儿科", 6, [(C, 5), (N, 5)]),
    ("BJK", "妇幼保健科", 4, [(H, 1)]),
    ("JYK", "检验科", 2, [(T, 1)]),
    ("YJK", "药剂科", 2, [(P, 1)]),
    ("HLB", "护理部", 4, [(N, 1)]),
]
TOWNSHIP_DEPARTMENTS = [
    ("QKYL", "全科医疗科", 6, [(C, 7), (M, 1), (D, 1)]),
    ("GGWSK", "公共卫生科", 4, [(H, 1)]),
    ("HLB", "护理部", 4, [(N, 1)]),
    ("YF", "药房", 1, [(P, 1)]),
    ("JYK", "检验科", 1, [(T, 1)]),
]

# Share of the staff each kind of institution employs.
STAFF_SHARES = {"head": 0.44, "branch": 0.12, "township": 0.27, "village": 0.05}

# Title tier mix by institution kind: senior, associate, intermediate, junior 师, junior 士, none.
TIER_MIX = {
    "head": [5, 17, 34, 30, 8, 6],
    "branch": [3, 14, 34, 34, 9, 6],
    "township": [0.5, 6, 30, 38, 17, 8.5],
    "village": [0, 0, 5, 25, 35, 35],
}
TIERS = ["senior", "associate", "intermediate", "junior_shi", "junior_shi2"]
TIER_LEVEL = {
    "senior": TitleLevel.SENIOR,
    "associate": TitleLevel.ASSOCIATE_SENIOR,
    "intermediate": TitleLevel.INTERMEDIATE,
    "junior_shi": TitleLevel.JUNIOR,
    "junior_shi2": TitleLevel.JUNIOR,
}
# Post grades each tier may be appointed to (highest first) and the share of each grade's posts.
TIER_GRADES = {
    "senior": [(3, 0.3), (4, 0.7)],
    "associate": [(5, 0.2), (6, 0.35), (7, 0.45)],
    "intermediate": [(8, 0.25), (9, 0.35), (10, 0.4)],
    "junior_shi": [(11, 0.4), (12, 0.6)],
    "junior_shi2": [(13, 1.0)],
}
# Quotas leave about one post in ten open.
QUOTA_HEADROOM = 1.12

# Title names by category, from 正高 to 士.
TITLE_NAMES = {
    C: ["主任医师", "副主任医师", "主治医师", "医师", "医士"],
    H: ["主任医师", "副主任医师", "主管医师", "医师", "医士"],
    D: ["主任医师", "副主任医师", "主治医师", "医师", "医士"],
    M: ["主任中医师", "副主任中医师", "主治中医师", "中医师", "中医士"],
    N: ["主任护师", "副主任护师", "主管护师", "护师", "护士"],
    P: ["主任药师", "副主任药师", "主管药师", "药师", "药士"],
    T: ["主任技师", "副主任技师", "主管技师", "技师", "技士"],
}
MAJORS = {
    C: ["临床医学", "临床医学", "麻醉学", "医学影像学"],
    H: ["预防医学", "公共卫生管理"],
    D: ["口腔医学"],
    M: ["中医学", "针灸推拿学", "维吾尔医学"],
    N: ["护理学", "助产"],
    P: ["药学", "中药学", "临床药学"],
    T: ["医学检验技术", "医学影像技术", "康复治疗技术"],
}
# Ages at which each tier is typically reached, and the ranges people of that tier are in.
TIER_AGE = {
    "senior": (44, 59),
    "associate": (36, 58),
    "intermediate": (29, 55),
    "junior_shi": (23, 45),
    "junior_shi2": (20, 40),
    None: (19, 50),
}

# --- names -----------------------------------------------------------------------------------

UYGHUR_MALE = [
    "艾合买提",
    "买买提",
    "阿不都热合曼",
    "吐尔逊",
    "艾力",
    "阿卜杜拉",
    "努尔买买提",
    "热合曼",
    "阿布来提",
    "艾克拜尔",
    "亚森",
    "麦麦提敏",
    "阿迪力",
    "玉苏甫",
    "肉孜",
    "塔依尔",
    "卡哈尔",
    "艾尼瓦尔",
    "库尔班",
    "吾买尔",
    "阿里木",
    "喀迪尔",
    "买合木提",
    "图尔荪",
    "阿不都克里木",
    "托合提",
    "艾散",
    "依明",
    "斯拉木",
    "阿布都外力",
    "帕尔哈提",
    "吾斯曼",
    "努尔艾力",
    "阿不力孜",
    "伊敏江",
    "买吐送",
]
UYGHUR_FEMALE = [
    "古丽尼沙",
    "阿依古丽",
    "热依拉",
    "帕提古丽",
    "迪丽努尔",
    "努尔古丽",
    "阿米娜",
    "布买热木",
    "祖丽皮亚",
    "玛依拉",
    "热孜万古丽",
    "再努尔",
    "阿瓦古丽",
    "米热古丽",
    "古丽巴哈尔",
    "佐热古丽",
    "排孜拉",
    "海丽其古丽",
    "阿依努尔",
    "努尔比亚",
    "茹仙古丽",
    "阿孜古丽",
    "古再丽努尔",
    "麦尔哈巴",
    "吐尼沙汗",
    "热娜古丽",
    "美合日妮萨",
    "阿尔孜古丽",
    "孜巴古丽",
    "依巴代提",
]
HAN_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
HAN_MALE = [
    "伟",
    "强",
    "磊",
    "军",
    "勇",
    "杰",
    "涛",
    "明",
    "超",
    "刚",
    "平",
    "辉",
    "建国",
    "志强",
    "海军",
    "晓东",
    "文斌",
    "建华",
    "国庆",
    "永刚",
    "俊杰",
    "浩然",
    "子豪",
    "宇航",
    "振华",
    "立新",
    "红军",
    "卫东",
    "鹏",
    "斌",
]
HAN_FEMALE = [
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "艳",
    "娟",
    "霞",
    "秀英",
    "玉兰",
    "桂英",
    "晓燕",
    "雪梅",
    "红梅",
    "丽娟",
    "海燕",
    "春华",
    "欣怡",
    "雨婷",
    "婷婷",
    "佳慧",
    "雅琴",
    "凤英",
    "慧",
    "萍",
    "琳",
    "倩",
    "颖",
    "梦瑶",
    "思雨",
]
HUI_SURNAMES = "马杨海丁白哈穆"
PHONE_PREFIXES = ["138", "139", "135", "150", "151", "152", "158", "159", "180", "181", "189", "199", "177", "183"]


@dataclass
class Person:
    """One generated person before it becomes rows."""

    staff: Staff
    tier: str | None
    titles: list[Title] = field(default_factory=list)
    special_post: bool = False


@dataclass
class DemoResult:
    institutions: int
    departments: int
    staff: int
    titles: int
    quotas: int
    appointments: int
    special_posts: int
    users: dict[str, str]
    api_key: str
    head_hospital: Institution = field(repr=False)


def demo_exists() -> bool:
    return Institution.objects.filter(code=COMMISSION_CODE).exists()


def demo_usernames() -> list[str]:
    return list(PASSWORDS)


def _delete_with_history(queryset, reason: str) -> None:
    """Delete rows of a history-tracked model, recording each deletion in one bulk insert.

    simple_history would otherwise write one record per row from its post_delete signal; for
    the demo's thousands of rows that is most of the reset's time."""
    history_model = queryset.model.history.model
    now = timezone.now()
    history_model.objects.bulk_create(
        [
            history_model(
                history_date=now,
                history_type="-",
                history_change_reason=reason,
                **{f.attname: getattr(obj, f.attname) for f in history_model.tracked_fields},
            )
            for obj in queryset.iterator(chunk_size=2000)
        ],
        batch_size=1000,
    )
    with override_settings(SIMPLE_HISTORY_ENABLED=False):  # the records above stand in for the signal's
        queryset.delete()


# Models the reset below deletes itself, in its own order (everything else that points at the demo
# is found by `_delete_dependents`).
_RESET_OWN = {
    ("personnel", "institution"),
    ("personnel", "department"),
    ("personnel", "staff"),
    ("personnel", "title"),
    ("personnel", "postquota"),
    ("personnel", "user"),
    ("personnel", "institutionapikey"),
    ("appointments", "appointment"),
}
# Deleting a row leaves these alone (Django nulls them or the database does nothing).
_LEAVE = (models.SET_NULL, models.DO_NOTHING, models.SET_DEFAULT)


def _is_history_tracked(model) -> bool:
    return getattr(model._meta, "simple_history_manager_attribute", None) is not None


def _delete_rows(model, pks: list, reason: str) -> None:
    queryset = model._base_manager.filter(pk__in=pks)
    if _is_history_tracked(model):
        _delete_with_history(queryset, reason)
    else:
        queryset.delete()


def _delete_dependents(model, pks: list, reason: str, *, doomed: dict | None = None) -> None:
    """Delete every row of a higher app that points at the given rows, dependents first.

    The demo's people are referred to by apps above personnel (results, workload, duty targets,
    secondments, talent contracts, conduct events, rectifications, demotion cases and their
    publicity…), often with PROTECT.  Rather than import those apps, walk the reverse relations
    Django's deletion collector walks (one-to-many and one-to-one, hidden ones too) and the generic
    relations a model declares (a case's 公示), so an app added later is covered without a change here.
    `doomed` holds the rows already scheduled, so a cycle ends."""
    doomed = {} if doomed is None else doomed
    # Django's own list of what a delete must look at (hidden "+" relations included).
    for relation in get_candidate_relations_to_delete(model._meta):
        child = relation.related_model
        if (child._meta.app_label, child._meta.model_name) in _RESET_OWN:
            continue
        if relation.on_delete in _LEAVE:
            continue
        scheduled = doomed.setdefault(child, set())
        child_pks = [
            pk
            for pk in child._base_manager.filter(**{f"{relation.field.name}__in": pks})
            .values_list("pk", flat=True)
            .iterator(chunk_size=5000)
            if pk not in scheduled
        ]
        if not child_pks:
            continue
        scheduled.update(child_pks)
        _delete_dependents(child, child_pks, reason, doomed=doomed)
        _delete_rows(child, child_pks, reason)
    for generic in model._meta.private_fields:
        if isinstance(generic, GenericRelation):
            related = generic.related_model
            content_type = ContentType.objects.get_for_model(model)
            related_pks = list(
                related._base_manager.filter(
                    **{generic.content_type_field_name: content_type, f"{generic.object_id_field_name}__in": pks}
                ).values_list("pk", flat=True)
            )
            if related_pks:
                doomed.setdefault(related, set()).update(related_pks)
                _delete_dependents(related, related_pks, reason, doomed=doomed)
                _delete_rows(related, related_pks, reason)
    # A set whose rows point at each other (a restoration case and the case it restores).
    for fk in model._meta.concrete_fields:
        if fk.is_relation and fk.related_model is model and fk.null and fk.remote_field.on_delete not in _LEAVE:
            model._base_manager.filter(pk__in=pks, **{f"{fk.name}__isnull": False}).update(**{fk.name: None})


@transaction.atomic
def reset_demo() -> dict[str, int]:
    """Remove what build_demo wrote (the region and its policy versions stay), together with what
    the other apps' demos and any use of the demo added on top of it: whatever points at the
    demo's institutions, departments, people, users or appointments (see `_delete_dependents`).
    Region-wide settings (assessment periods and schemes, policy versions) stay.  Deletions are
    recorded in the history like any other change.  Returns how many rows of each other model
    went with the demo (by verbose name)."""
    from appointments.models import Appointment  # demo data spans both apps; only this module joins them

    institutions = Institution.objects.filter(code__startswith=CODE_PREFIX, region__code=REGION_CODE)
    staff = Staff.objects.filter(institution__in=institutions)
    reason = "演示数据重置"
    users = User.objects.filter(Q(username__in=demo_usernames()) | Q(institution__in=institutions))
    appointments = Appointment.objects.filter(Q(staff__in=staff) | Q(institution__in=institutions))
    doomed: dict = {}
    for queryset in (
        appointments,
        staff,
        users,
        Department.objects.filter(institution__in=institutions),
        institutions,
    ):
        _delete_dependents(queryset.model, list(queryset.values_list("pk", flat=True)), reason, doomed=doomed)
    users.delete()
    InstitutionAPIKey.objects.filter(institution__in=institutions).delete()
    _delete_with_history(appointments, reason)
    Department.objects.filter(institution__in=institutions).update(head=None)
    _delete_with_history(Title.objects.filter(staff__in=staff), reason)
    _delete_with_history(staff, reason)
    _delete_with_history(PostQuota.objects.filter(institution__in=institutions), reason)
    Department.objects.filter(institution__in=institutions).delete()
    # Children before parents: Institution.parent is PROTECT.
    for institution in sorted(institutions, key=lambda i: i.path.count("/"), reverse=True):
        institution.delete()
    return {
        str(model._meta.verbose_name_plural): len(pks)
        for model, pks in doomed.items()
        if pks and not model._meta.auto_created  # M2M through rows are not worth a line
    }


class DemoBuilder:
    def __init__(self, *, staff_count: int, seed: int) -> None:
        if staff_count < 50:
            raise ValueError("演示人员数至少为50。")
        self.staff_count = staff_count
        self.rng = random.Random(seed)  # noqa: S311 - demo data, reproducible on purpose
        self.used_ids: set[str] = set()
        self.today = timezone.localdate()
        # Appointments start with this year's appointment round; the seed-000 policy applies
        # from 2026-01-01, so never before it.
        self.year = max(self.today.year, ANCHOR_YEAR)

    # --- institutions ------------------------------------------------------------------------

    def build_institutions(self, region: Region) -> None:
        def make(code, name, kind, parent, remote=False) -> Institution:
            institution = Institution(code=code, name=name, kind=kind, parent=parent, region=region, is_remote=remote)
            institution.save()
            return institution

        self.commission = make(COMMISSION_CODE, "策勒县卫生健康委员会", InstitutionKind.COMMISSION, None)
        self.head = make(HEAD_HOSPITAL_CODE, "策勒县人民医院", InstitutionKind.HEAD_HOSPITAL, self.commission)
        self.branches = [make(code, name, InstitutionKind.BRANCH, self.head) for code, name in BRANCHES]
        # 紧密型医共体: the township centres are members of the community, run by the head hospital.
        self.townships = [
            make(f"CL-WSY{i:02d}", f"{town}卫生院", InstitutionKind.TOWNSHIP_CENTRE, self.head, remote)
            for i, (town, remote) in enumerate(TOWNSHIPS, start=1)
        ]
        self.villages = []
        for i, village in enumerate(VILLAGE_NAMES):
            township = self.townships[i % len(self.townships)]
            town = TOWNSHIPS[i % len(TOWNSHIPS)][0]
            self.villages.append(
                make(
                    f"CL-CWS{i + 1:02d}",
                    f"{town}{village}卫生室",
                    InstitutionKind.VILLAGE_CLINIC,
                    township,
                    township.is_remote,
                )
            )

    def build_departments(self) -> None:
        plan: list[tuple[Institution, list]] = [(self.head, HOSPITAL_DEPARTMENTS)]
        plan += [(self.branches[0], TCM_BRANCH_DEPARTMENTS), (self.branches[1], MCH_BRANCH_DEPARTMENTS)]
        plan += [(t, TOWNSHIP_DEPARTMENTS) for t in self.townships]
        departments = [
            Department(institution=institution, code=code, name=name)
            for institution, specs in plan
            for code, name, _size, _mix in specs
        ]
        Department.objects.bulk_create(departments)
        by_key = {
            (d.institution_id, d.code): d
            for d in Department.objects.filter(institution__in=[i for i, _ in plan]).select_related("institution")
        }
        # (department, weight, category mix) per institution, in declaration order.
        self.department_plan: dict[int, list[tuple[Department, int, list]]] = {
            institution.pk: [(by_key[(institution.pk, code)], size, mix) for code, _name, size, mix in specs]
            for institution, specs in plan
        }
        self.departments = list(by_key.values())

    # --- people ------------------------------------------------------------------------------

    def _weighted(self, options: Sequence[tuple[object, float]]):
        values = [v for v, _ in options]
        weights = [w for _, w in options]
        return self.rng.choices(values, weights=weights, k=1)[0]

    def _name(self, is_male: bool) -> tuple[str, str]:
        roll = self.rng.random()
        if roll < 0.72:
            given = self.rng.choice(UYGHUR_MALE if is_male else UYGHUR_FEMALE)
            father = self.rng.choice([n for n in UYGHUR_MALE if n != given])
            return f"{given}·{father}", "维吾尔族"
        if roll < 0.97:
            return self.rng.choice(HAN_SURNAMES) + self.rng.choice(HAN_MALE if is_male else HAN_FEMALE), "汉族"
        return self.rng.choice(HUI_SURNAMES) + self.rng.choice(HAN_MALE if is_male else HAN_FEMALE), "回族"

    def _date_in_year(self, year: int) -> dt.date:
        return dt.date(year, 1, 1) + dt.timedelta(days=self.rng.randrange(365))

    def _id_number(self, birth_date: dt.date, is_male: bool) -> str:
        while True:
            number = compose_id_number(
                area_code=AREA_CODE, birth_date=birth_date, sequence=self.rng.randrange(500), is_male=is_male
            )
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def _education(self, tier: str | None, kind: str) -> tuple[str, str]:
        if kind == "village":
            options = [(Education.SECONDARY, 7), (Education.COLLEGE, 3)]
        elif tier in ("senior", "associate"):
            options = [(Education.MASTER, 2), (Education.BACHELOR, 7), (Education.COLLEGE, 1)]
        elif tier == "intermediate":
            options = [(Education.MASTER, 0.5), (Education.BACHELOR, 6), (Education.COLLEGE, 3.5)]
        else:
            options = [(Education.BACHELOR, 4), (Education.COLLEGE, 5), (Education.SECONDARY, 1)]
        education = self._weighted(options)
        degree = {Education.MASTER: Degree.MASTER, Education.BACHELOR: Degree.BACHELOR}.get(education, Degree.NONE)
        return education, degree

    def _titles(self, staff: Staff, tier: str | None, category: str) -> list[Title]:
        """The title ladder up to the person's tier, each rung a few years after the last."""
        if tier is None:
            return []
        names = TITLE_NAMES[category]
        if tier == "junior_shi2":
            ladder = [4]
        else:
            top = TIERS.index(tier)
            ladder = list(range(3, top - 1, -1))  # 师 → 主治 → 副主任 → 主任
        anchor = dt.date(ANCHOR_YEAR, 6, 30)
        year = staff.birth_date.year + self.rng.randint(23, 25)
        titles = []
        for step, rung in enumerate(ladder):
            if step:
                year += self.rng.randint(5, 7)
            obtained = min(self._date_in_year(year), anchor - dt.timedelta(days=30 * (len(ladder) - step)))
            obtained = max(obtained, staff.birth_date + dt.timedelta(days=365 * 19))
            titles.append(
                Title(
                    name=names[rung],
                    level=TIER_LEVEL[TIERS[rung]] if rung < 4 else TitleLevel.JUNIOR,
                    series=category,
                    obtained_on=obtained,
                    certificate_no=f"{obtained.year}{AREA_CODE}{self.rng.randrange(10**6):06d}",
                )
            )
        return titles

    def _person(self, *, institution: Institution, kind: str, department, mix, number: int) -> Person:
        rng = self.rng
        category = self._weighted(mix) if mix else C
        tier = self._weighted(list(zip([*TIERS, None], TIER_MIX[kind], strict=True)))
        female_share = 0.9 if category == N else 0.45
        is_male = rng.random() >= female_share
        low, high = TIER_AGE[tier]
        age = rng.randint(low, high)
        birth_date = dt.date(ANCHOR_YEAR - age, 1, 1) + dt.timedelta(days=rng.randrange(365))
        name, ethnicity = self._name(is_male)
        education, degree = self._education(tier, kind)
        first_job = birth_date + dt.timedelta(days=365 * rng.randint(20, 24) + rng.randrange(200))
        first_job = min(first_job, dt.date(ANCHOR_YEAR, 7, 1))
        status = self._weighted([(StaffStatus.ON_DUTY, 97), (StaffStatus.OFF_DUTY, 2), (StaffStatus.RETIRED, 1)])
        employment = self._weighted(
            [(EmploymentType.ESTABLISHED, 72), (EmploymentType.FILED, 10), (EmploymentType.CONTRACT, 18)]
        )
        staff = Staff(
            employee_no=f"CL{number:05d}",
            name=name,
            id_number=self._id_number(birth_date, is_male),
            gender=Gender.MALE if is_male else Gender.FEMALE,
            birth_date=birth_date,
            ethnicity=ethnicity,
            phone=rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}",
            education=education,
            degree=degree,
            major=rng.choice(MAJORS[category]),
            category=category,
            employment_type=employment,
            status=status,
            institution=institution,
            department=department,
            first_employment_date=first_job,
        )
        return Person(staff=staff, tier=tier, titles=self._titles(staff, tier, category))

    def _split(self, total: int, weights: Sequence[float]) -> list[int]:
        """Largest-remainder split of `total` by weights (deterministic)."""
        whole = sum(weights)
        raw = [total * w / whole for w in weights]
        counts = [math.floor(r) for r in raw]
        order = sorted(range(len(raw)), key=lambda i: (counts[i] - raw[i], i))
        for i in order[: total - sum(counts)]:
            counts[i] += 1
        return counts

    def build_people(self) -> list[Person]:
        groups = [("head", [self.head]), ("branch", self.branches)]
        groups += [("township", self.townships), ("village", self.villages)]
        # Every village clinic gets at least one person; the rest is split by share.
        villages = max(len(self.villages), round(self.staff_count * STAFF_SHARES["village"]))
        per_kind = self._split(self.staff_count - villages, [STAFF_SHARES[kind] for kind, _ in groups[:-1]])
        per_kind.append(villages)
        people: list[Person] = []
        for (kind, institutions), kind_total in zip(groups, per_kind, strict=True):
            sizes = [1.0 + 0.3 * self.rng.random() for _ in institutions]
            counts = self._split(kind_total, sizes)
            if kind == "village":
                counts = [1 + c for c in self._split(kind_total - len(institutions), sizes)]
            for institution, count in zip(institutions, counts, strict=True):
                plan = self.department_plan.get(institution.pk, [])
                for _ in range(count):
                    if plan:
                        department, _size, mix = self._weighted([(p, p[1]) for p in plan])
                    else:
                        department, mix = None, [(C, 1)]
                    people.append(
                        self._person(
                            institution=institution,
                            kind=kind,
                            department=department,
                            mix=mix,
                            number=len(people) + 1,
                        )
                    )
        self._promote_special_posts(people)
        return people

    def _promote_special_posts(self, people: list[Person]) -> None:
        """Seed 001 §四(四)3: long-serving staff at remote township centres may be appointed one
        title grade up on a 特设岗位.  A few intermediate-title clinicians get the associate title
        and such a post."""
        remote = {t.pk for t in self.townships if t.is_remote}
        candidates = [
            p
            for p in people
            if p.staff.institution.pk in remote
            and p.tier == "intermediate"
            and p.titles[-1].obtained_on <= dt.date(ANCHOR_YEAR - 6, 12, 31)
            and p.staff.status == StaffStatus.ON_DUTY
            and p.staff.category in (C, H)
        ]
        chosen: dict[int, Person] = {}
        for person in candidates:  # the first candidate of each remote centre
            chosen.setdefault(person.staff.institution.pk, person)
        for person in list(chosen.values())[:3]:
            names = TITLE_NAMES[person.staff.category]
            obtained = dt.date(ANCHOR_YEAR - 1, 12, 1)
            person.titles.append(
                Title(
                    name=names[1],
                    level=TitleLevel.ASSOCIATE_SENIOR,
                    series=person.staff.category,
                    obtained_on=obtained,
                    certificate_no=f"{obtained.year}{AREA_CODE}{self.rng.randrange(10**6):06d}",
                )
            )
            person.tier = "associate"
            person.special_post = True

    # --- posts -------------------------------------------------------------------------------

    def build_posts(self, people: list[Person]) -> tuple[list[PostQuota], list[tuple[Person, int]]]:
        """Quotas per institution and grade, then appointments: most senior first, each to the
        highest grade of their tier with a free post; a few stay 待聘 (not yet appointed)."""
        appointed: list[tuple[Person, int]] = []
        quotas: list[PostQuota] = []
        by_institution: dict[int, list[Person]] = {}
        for person in people:
            by_institution.setdefault(person.staff.institution.pk, []).append(person)
        institutions = [self.head, *self.branches, *self.townships, *self.villages]
        for institution in institutions:
            members = [
                p for p in by_institution.get(institution.pk, []) if p.staff.status == StaffStatus.ON_DUTY and p.tier
            ]
            counts = dict.fromkeys(range(1, 14), 0)
            for tier in TIERS:
                holders = [p for p in members if p.tier == tier and not p.special_post]
                posts = round(len(holders) * QUOTA_HEADROOM)
                shares = [share for _grade, share in TIER_GRADES[tier]]
                for (grade, _share), count in zip(TIER_GRADES[tier], self._split(posts, shares), strict=True):
                    counts[grade] = count
                free = {grade: counts[grade] for grade, _ in TIER_GRADES[tier]}
                holders.sort(key=lambda p: (p.titles[-1].obtained_on, p.staff.employee_no))
                for person in holders:
                    if self.rng.random() < 0.03:
                        continue  # 待聘: e.g. the title came after this year's appointment round
                    grade = next((g for g, _ in TIER_GRADES[tier] if free[g] > 0), None)
                    if grade is not None:
                        free[grade] -= 1
                        appointed.append((person, grade))
            special_grade = TIER_GRADES["associate"][-1][0]
            appointed.extend((person, special_grade) for person in members if person.special_post)
            for year in (self.year, self.year + 1):
                quotas.extend(
                    PostQuota(institution=institution, year=year, post_grade_id=grade, count=count)
                    for grade, count in counts.items()
                )
        return quotas, appointed

    # --- accounts ----------------------------------------------------------------------------

    def build_users(self, people: list[Person], appointed_pks: set[int]) -> dict[str, str]:
        internal_medicine = next(d for d, _w, _m in self.department_plan[self.head.pk] if d.code == "NK")
        head_staff = internal_medicine.head
        colleagues = [p.staff for p in people if p.staff.institution.pk == self.head.pk and p.staff.pk in appointed_pks]
        member = next(
            (s for s in colleagues if s.department_id == internal_medicine.pk and s.pk != head_staff.pk),
            colleagues[0],
        )
        specs = {
            "root": {"is_staff": True, "is_superuser": True, "last_name": "系统管理员"},
            "admin": {
                "role": Role.COMMISSION_ADMIN,
                "institution": self.commission,
                "is_staff": True,
                "last_name": "卫健委管理员",
            },
            "hr": {"role": Role.HOSPITAL_HR, "institution": self.head, "last_name": "人事科"},
            "head": {
                "role": Role.DEPARTMENT_HEAD,
                "institution": self.head,
                "department": internal_medicine,
                "staff": head_staff,
                "last_name": head_staff.name,
            },
            "staff": {"role": Role.STAFF, "institution": self.head, "staff": member, "last_name": member.name},
        }
        users = {}
        for username, attributes in specs.items():
            # An account of that name left from elsewhere is taken over rather than duplicated.
            user = User.objects.filter(username=username).first() or User(username=username)
            for attribute, value in attributes.items():
                setattr(user, attribute, value)
            user.is_active = True
            user.set_password(PASSWORDS[username])
            user.full_clean()
            user.save()
            users[username] = user
        admin = users["admin"]
        # The commission admin works in the admin site: model permissions on both apps (no
        # deletes) and the right to see full ID numbers.
        admin.user_permissions.set(
            Permission.objects.filter(content_type__app_label__in=["personnel", "appointments"]).exclude(
                codename__startswith="delete_"
            )
        )
        return {username: PASSWORDS[username] for username in users}

    # --- all together ------------------------------------------------------------------------

    @transaction.atomic
    def build(self, region: Region) -> DemoResult:
        from appointments.choices import AppointmentKind, AppointmentStatus
        from appointments.models import Appointment
        from appointments.services import default_term_end

        self.build_institutions(region)
        self.build_departments()
        people = self.build_people()

        staff_rows = bulk_create_with_history(
            [p.staff for p in people], Staff, batch_size=500, default_change_reason=CHANGE_REASON
        )
        for person, saved in zip(people, staff_rows, strict=True):
            person.staff = saved
        titles = []
        for person in people:
            for title in person.titles:
                title.staff = person.staff
                titles.append(title)
        bulk_create_with_history(titles, Title, batch_size=1000, default_change_reason=CHANGE_REASON)

        # Department heads: the most senior clinician (else the most senior person) of each.
        rank = {tier: i for i, tier in enumerate(TIERS)}
        members: dict[int, list[Person]] = {}
        for person in people:
            if person.staff.department_id and person.tier and person.staff.status == StaffStatus.ON_DUTY:
                members.setdefault(person.staff.department_id, []).append(person)
        for department in self.departments:
            candidates = members.get(department.pk, [])
            if candidates:
                best = min(
                    candidates,
                    key=lambda p: (p.staff.category == N, rank[p.tier], p.titles[-1].obtained_on, p.staff.pk),
                )
                department.head = best.staff
        Department.objects.bulk_update(self.departments, ["head"])

        quotas, appointed = self.build_posts(people)
        bulk_create_with_history(quotas, PostQuota, batch_size=1000, default_change_reason=CHANGE_REASON)
        start = dt.date(self.year, 1, 1)
        policy = policy_for(region, start)
        end = default_term_end(start=start, term_years=policy.appointment_term_years)
        grades = {g.grade: g for g in PostGrade.objects.all()}
        appointments = [
            Appointment(
                staff=person.staff,
                institution=person.staff.institution,
                post_grade=grades[grade],
                start=start,
                end=end,
                kind=AppointmentKind.SPECIAL if person.special_post else AppointmentKind.NORMAL,
                status=AppointmentStatus.ACTIVE,
                policy=policy,
                agreement_text=f"{person.staff.institution.name}与{person.staff.name}签订聘任协议，"
                f"聘任为{grades[grade].name}，聘期{policy.appointment_term_years}年。",
            )
            for person, grade in appointed
        ]
        bulk_create_with_history(appointments, Appointment, batch_size=1000, default_change_reason=CHANGE_REASON)

        users = self.build_users(people, {p.staff.pk for p, _ in appointed})
        _, key = InstitutionAPIKey.objects.create_key(name="策勒县人民医院 HIS", institution=self.head)
        return DemoResult(
            institutions=2 + len(self.branches) + len(self.townships) + len(self.villages),
            departments=len(self.departments),
            staff=len(people),
            titles=len(titles),
            quotas=len(quotas),
            appointments=len(appointments),
            special_posts=sum(1 for p, _ in appointed if p.special_post),
            users=users,
            api_key=key,
            head_hospital=self.head,
        )


def build_demo(*, staff_count: int = 1500, seed: int = 20260101) -> DemoResult:
    region = Region.objects.get(code=REGION_CODE)
    return DemoBuilder(staff_count=staff_count, seed=seed).build(region)
