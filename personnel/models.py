from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from rest_framework_api_key.models import AbstractAPIKey
from simple_history.models import HistoricalRecords

from .choices import (
    TITLE_LEVEL_RANK,
    Category,
    Degree,
    Education,
    EmploymentType,
    Gender,
    InstitutionKind,
    Role,
    StaffStatus,
    TitleLevel,
)
from .policy import clean_policy_data, read_policy_value
from .validators import normalize_id_number, normalize_phone, parse_id_number, validate_id_number, validate_phone


class Region(models.Model):
    """A county or district: the unit that writes its own policy."""

    name = models.CharField("名称", max_length=64)
    code = models.CharField("行政区划代码", max_length=12, unique=True)

    class Meta:
        verbose_name = verbose_name_plural = "地区"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Institution(models.Model):
    name = models.CharField("名称", max_length=100)
    code = models.CharField("机构代码", max_length=32, unique=True)
    kind = models.CharField("类型", max_length=32, choices=InstitutionKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级机构", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    region = models.ForeignKey(Region, verbose_name="地区", on_delete=models.PROTECT, related_name="institutions")
    is_remote = models.BooleanField("边远地区", default=False)
    # Seed 004: the grassroots indicators count health workers per 10,000 residents a township serves.
    population = models.PositiveIntegerField(
        "服务人口", null=True, blank=True, help_text="乡镇卫生院、社区卫生服务中心填写。"
    )
    # Materialised path of primary keys ("/1/4/17/") so a subtree is one indexed prefix match.
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")

    class Meta:
        verbose_name = verbose_name_plural = "机构"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        old_path = self.path
        super().save(*args, **kwargs)
        parent_path = self.parent.path if self.parent_id else "/"
        new_path = f"{parent_path}{self.pk}/"
        if new_path != old_path:
            Institution.objects.filter(pk=self.pk).update(path=new_path)
            self.path = new_path
            if old_path:
                # Move the subtree along with the node, in one statement per descendant level.
                for child in Institution.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                    Institution.objects.filter(pk=child.pk).update(path=new_path + child.path[len(old_path) :])

    def clean(self) -> None:
        if self.parent_id:
            if self.pk and (self.parent_id == self.pk or f"/{self.pk}/" in (self.parent.path or "")):
                raise ValidationError({"parent": "上级机构不能是本机构或其下级机构。"})
            if self.parent.region_id != self.region_id:
                raise ValidationError({"parent": "上级机构须属于同一地区。"})

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)


class Department(models.Model):
    institution = models.ForeignKey(
        Institution, verbose_name="所属机构", on_delete=models.PROTECT, related_name="departments"
    )
    name = models.CharField("科室名称", max_length=64)
    code = models.CharField("科室代码", max_length=32)
    head = models.ForeignKey(
        "Staff", verbose_name="科室主任", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "科室"
        ordering = ["institution_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="department_code_unique_in_institution"),
            models.UniqueConstraint(fields=["institution", "name"], name="department_name_unique_in_institution"),
        ]

    def __str__(self) -> str:
        return f"{self.institution.name}·{self.name}" if self.institution_id else self.name

    def clean(self) -> None:
        if self.head_id and self.head.institution_id != self.institution_id:
            raise ValidationError({"head": "科室主任须为本机构人员。"})


class Staff(models.Model):
    employee_no = models.CharField("工号", max_length=32)
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号", max_length=18, unique=True, validators=[validate_id_number])
    gender = models.CharField("性别", max_length=8, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    ethnicity = models.CharField("民族", max_length=16, default="汉族")
    phone = models.CharField("手机号", max_length=11, blank=True, validators=[validate_phone])
    education = models.CharField("学历", max_length=16, choices=Education.choices, blank=True)
    degree = models.CharField("学位", max_length=16, choices=Degree.choices, blank=True)
    major = models.CharField("所学专业", max_length=64, blank=True)
    category = models.CharField("专业类别", max_length=16, choices=Category.choices)
    employment_type = models.CharField("人员类型", max_length=16, choices=EmploymentType.choices)
    status = models.CharField("人员状态", max_length=16, choices=StaffStatus.choices, default=StaffStatus.ON_DUTY)
    institution = models.ForeignKey(Institution, verbose_name="单位", on_delete=models.PROTECT, related_name="staff")
    department = models.ForeignKey(
        Department, verbose_name="科室", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    first_employment_date = models.DateField("参加工作时间", null=True, blank=True)
    # Seed 004 §一: 遴选的基层卫生骨干人才 (the backbone-talent ratio counts them).  A database default
    # too, so the set-based writers that COPY rows without naming the column (benches) still work.
    is_backbone = models.BooleanField("基层骨干人才", default=False, db_default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(verbose_name="人员变更记录", excluded_fields=["updated_at", "created_at"])

    class Meta:
        verbose_name = verbose_name_plural = "人员"
        ordering = ["institution_id", "employee_no"]
        permissions = [("view_full_id_number", "查看完整身份证号")]
        constraints = [
            models.UniqueConstraint(fields=["institution", "employee_no"], name="employee_no_unique_in_institution"),
        ]
        indexes = [
            models.Index(fields=["institution", "department"], name="staff_institution_department"),
            models.Index(fields=["name"], name="staff_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.employee_no}）"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.id_number = normalize_id_number(self.id_number)
        if self.phone:
            self.phone = normalize_phone(self.phone)
        try:
            facts = parse_id_number(self.id_number)
        except ValidationError:
            facts = None  # the field validator reports it
        if facts:
            gender = Gender.MALE if facts.is_male else Gender.FEMALE
            if not self.gender:
                self.gender = gender
            elif self.gender != gender:
                errors["gender"] = f"性别与身份证号不符（身份证号显示为{gender.label}）。"
            if not self.birth_date:
                self.birth_date = facts.birth_date
            elif self.birth_date != facts.birth_date:
                errors["birth_date"] = f"出生日期与身份证号不符（身份证号显示为{facts.birth_date:%Y-%m-%d}）。"
        if self.department_id and self.institution_id and self.department.institution_id != self.institution_id:
            errors["department"] = "科室不属于所选单位。"
        if self.first_employment_date and self.birth_date and self.first_employment_date <= self.birth_date:
            errors["first_employment_date"] = "参加工作时间不能早于出生日期。"
        if errors:
            raise ValidationError(errors)

    @property
    def current_title(self) -> Title | None:
        """The most senior title held, latest first; derived from the title history."""
        titles = list(self.titles.all())  # uses a prefetch when there is one
        if not titles:
            return None
        return max(titles, key=lambda t: (TITLE_LEVEL_RANK[t.level], t.obtained_on))


class Title(models.Model):
    """One professional title a person holds (职称), with when it was obtained."""

    staff = models.ForeignKey(Staff, verbose_name="人员", on_delete=models.CASCADE, related_name="titles")
    name = models.CharField("职称", max_length=32)
    level = models.CharField("职称级别", max_length=20, choices=TitleLevel.choices)
    series = models.CharField("系列", max_length=16, choices=Category.choices)
    obtained_on = models.DateField("取得时间")
    certificate_no = models.CharField("证书编号", max_length=64, blank=True)

    history = HistoricalRecords(verbose_name="职称变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "职称"
        ordering = ["staff_id", "-obtained_on"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "name"], name="title_once_per_staff"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_level_display()}）"

    def clean(self) -> None:
        if self.staff_id and self.obtained_on and self.obtained_on <= self.staff.birth_date:
            raise ValidationError({"obtained_on": "职称取得时间不能早于出生日期。"})


class PostGrade(models.Model):
    """专业技术岗位等级 1–13, each within one title level (正高 1–4 … 初级 11–13)."""

    grade = models.PositiveSmallIntegerField("岗位等级", primary_key=True)
    name = models.CharField("名称", max_length=32)
    title_level = models.CharField("对应职称级别", max_length=20, choices=TitleLevel.choices)

    class Meta:
        verbose_name = verbose_name_plural = "岗位等级"
        ordering = ["grade"]

    def __str__(self) -> str:
        return self.name


class PostQuota(models.Model):
    """岗位结构比例: how many posts of a grade an institution may fill in a year."""

    institution = models.ForeignKey(Institution, verbose_name="机构", on_delete=models.CASCADE, related_name="quotas")
    year = models.PositiveSmallIntegerField("年度")
    post_grade = models.ForeignKey(PostGrade, verbose_name="岗位等级", on_delete=models.PROTECT)
    count = models.PositiveIntegerField("核定岗位数")

    history = HistoricalRecords(verbose_name="岗位结构变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "岗位结构比例"
        ordering = ["institution_id", "-year", "post_grade_id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "year", "post_grade"], name="quota_unique_per_grade_year"),
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.year} {self.post_grade}：{self.count}"


class PolicyVersion(models.Model):
    """A region's policy numbers from a date on.  Edits make a new version; none is overwritten."""

    region = models.ForeignKey(Region, verbose_name="地区", on_delete=models.PROTECT, related_name="policies")
    name = models.CharField("政策名称", max_length=200)
    effective_from = models.DateField("生效日期")
    data = models.JSONField("政策参数", default=dict)
    note = models.TextField("修订说明", blank=True)
    created_by = models.ForeignKey(
        "User", verbose_name="创建人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "政策版本"
        ordering = ["region_id", "-effective_from", "-id"]
        get_latest_by = "effective_from"

    def __str__(self) -> str:
        return f"{self.region}·{self.name}（{self.effective_from:%Y-%m-%d}起）"

    def __getattr__(self, name: str):
        # Only reached when normal lookup fails: policy.<name> reads a declared policy number.
        if name.startswith("_") or name in {"data"}:
            raise AttributeError(name)
        return read_policy_value(self.__dict__.get("data") or {}, name)

    def clean(self) -> None:
        self.data = clean_policy_data(self.data)


class User(AbstractUser):
    role = models.CharField("角色", max_length=32, choices=Role.choices, blank=True)
    institution = models.ForeignKey(
        Institution, verbose_name="所属机构", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    department = models.ForeignKey(
        Department, verbose_name="所在科室", null=True, blank=True, on_delete=models.SET_NULL, related_name="users"
    )
    staff = models.OneToOneField(
        Staff, verbose_name="对应人员", null=True, blank=True, on_delete=models.SET_NULL, related_name="user"
    )

    # When the password was last set (set_password): the start of its expiry (PASSWORD_EXPIRY_DAYS).
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                condition=Q(role="") | Q(institution__isnull=False), name="role_requires_institution"
            ),
        ]

    def set_password(self, raw_password: str | None) -> None:
        # The hash being replaced goes into the password history (accounts.validators) on save.
        self.previous_password = self.password
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def clean(self) -> None:
        super().clean()
        if self.role and not self.institution_id:
            raise ValidationError({"institution": "有角色的用户须指定所属机构。"})
        if self.role == Role.DEPARTMENT_HEAD and not self.department_id:
            raise ValidationError({"department": "科室主任须指定科室。"})
        if self.role == Role.STAFF and not self.staff_id:
            raise ValidationError({"staff": "职工用户须关联人员档案。"})


class InstitutionAPIKey(AbstractAPIKey):
    """A HIS client's key: stored hashed, revocable, bound to one institution and its subtree."""

    institution = models.ForeignKey(
        Institution, verbose_name="所属机构", on_delete=models.CASCADE, related_name="api_keys"
    )
    # Requests per minute; empty means the default (API_KEY_RATE_LIMIT).
    rate_limit = models.PositiveIntegerField(
        "每分钟请求上限", null=True, blank=True, help_text="留空则使用系统默认值。"
    )
    created_by = models.ForeignKey(
        "User", verbose_name="签发人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set by a rotation: the key that replaces this one (this one then expires after a grace period).
    replaced_by = models.OneToOneField(
        "self", verbose_name="轮换后的密钥", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = verbose_name_plural = "接口密钥"


class RosterImport(models.Model):
    """One upload of a roster (花名册): who, when, which file, how it went.  The file itself is
    kept until it is imported, so the confirm step and a background worker read the same bytes."""

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        CHECKING = "checking", "校验中"
        CHECKED = "checked", "待确认"
        INVALID = "invalid", "有错误"
        RUNNING = "running", "导入中"
        DONE = "done", "已导入"
        FAILED = "failed", "导入失败"

    created_by = models.ForeignKey(
        User, verbose_name="导入人", null=True, blank=True, on_delete=models.SET_NULL, related_name="roster_imports"
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name="导入人所属机构",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="roster_imports",
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    file_name = models.CharField("文件名", max_length=255)
    content = models.BinaryField("文件内容", null=True, blank=True, editable=False)
    source = models.CharField("来源", max_length=16, default="web")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    dry_run = models.BooleanField("仅校验", default=False)
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    progress = models.PositiveIntegerField("已处理行数", default=0)
    new_count = models.PositiveIntegerField("新增", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    unchanged_count = models.PositiveIntegerField("未变", default=0)
    error_count = models.PositiveIntegerField("错误数", default=0)
    errors = models.JSONField("错误明细", default=list, blank=True)
    extra_columns = models.JSONField("忽略的列", default=list, blank=True)
    message = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "花名册导入记录"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"
