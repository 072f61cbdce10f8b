"""Serializers for the personnel registry.  They check shape and scope (every writable foreign
key is limited to what the caller may see); the rules live in models' clean() and services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import services
from ..models import Department, Institution, PostGrade, PostQuota, Staff, Title
from ..scoping import visible_departments, visible_institutions, visible_staff
from ..validators import mask_id_number, mask_phone
from .fields import ChoiceLabelField
from .mixins import ScopedPrimaryKeyRelatedField, mark_actor, save_with_full_clean


def _actor(serializer: serializers.Serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def _all_post_grades(user):
    return PostGrade.objects.all()


class InstitutionSerializer(serializers.ModelSerializer):
    # Null only on the top-level institution (the commission), which is read, never created: the
    # schema says the field may be null, validate_parent refuses null for everything else.
    parent = ScopedPrimaryKeyRelatedField(
        scope=visible_institutions, model=Institution, label="上级机构", allow_null=True, required=True
    )
    parent_name = serializers.CharField(
        source="parent.name", read_only=True, default=None, allow_null=True, label="上级机构名称"
    )
    region_name = serializers.CharField(source="region.name", read_only=True, label="地区")
    kind_display = ChoiceLabelField(source="get_kind_display", label="类型名称")

    class Meta:
        model = Institution
        fields = [
            "id",
            "name",
            "code",
            "kind",
            "kind_display",
            "parent",
            "parent_name",
            "region",
            "region_name",
            "is_remote",
            "depth",
        ]
        read_only_fields = ["region", "depth"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance if isinstance(self.instance, Institution) else None
        if instance is not None and instance.parent_id is None:
            # A top-level institution (the commission) keeps having no parent.
            self.fields["parent"].required = False
            self.fields["parent"].allow_null = True

    def validate_parent(self, parent):
        if parent is None and not (isinstance(self.instance, Institution) and self.instance.parent_id is None):
            raise serializers.ValidationError("请选择上级机构。")
        return parent

    def _save(self, institution: Institution) -> Institution:
        if institution.parent_id:
            # An institution lives in its parent's region: nobody picks a region they do not manage.
            institution.region = institution.parent.region
        mark_actor(institution, _actor(self))
        return save_with_full_clean(institution, actor=_actor(self), exclude=["path"])

    def create(self, validated_data) -> Institution:
        return self._save(Institution(**validated_data))

    def update(self, instance: Institution, validated_data) -> Institution:
        for field, value in validated_data.items():
            setattr(instance, field, value)
        return self._save(instance)


class DepartmentSerializer(serializers.ModelSerializer):
    institution = ScopedPrimaryKeyRelatedField(scope=visible_institutions, model=Institution, label="所属机构")
    institution_name = serializers.CharField(source="institution.name", read_only=True, label="所属机构名称")
    head = ScopedPrimaryKeyRelatedField(
        scope=visible_staff, model=Staff, label="科室主任", required=False, allow_null=True
    )
    head_name = serializers.CharField(
        source="head.name", read_only=True, default=None, allow_null=True, label="科室主任姓名"
    )

    class Meta:
        model = Department
        fields = ["id", "institution", "institution_name", "name", "code", "head", "head_name"]

    def to_representation(self, department: Department) -> dict:
        data = super().to_representation(department)
        if department.head_id is not None and department.head_id not in self._visible_heads():
            # Who sees a person is personnel.scoping's: a staff member reads their department, not
            # its head's record (found by the API fuzz run's scope check, tests/fuzz).
            data["head"] = data["head_name"] = None
        return data

    def _visible_heads(self) -> set[int]:
        """The department heads the reader may see: one query per response (kept on the root)."""
        root = self.root
        heads = getattr(root, "_visible_head_ids", None)
        if heads is None:
            request = self.context.get("request")
            user = getattr(request, "user", None)
            in_reach = visible_departments(user).values("head_id")
            heads = set(visible_staff(user).filter(pk__in=in_reach).values_list("pk", flat=True))
            root._visible_head_ids = heads
        return heads

    def _save(self, department: Department) -> Department:
        mark_actor(department, _actor(self))
        return save_with_full_clean(department, actor=_actor(self))

    def create(self, validated_data) -> Department:
        return self._save(Department(**validated_data))

    def update(self, instance: Department, validated_data) -> Department:
        for field, value in validated_data.items():
            setattr(instance, field, value)
        return self._save(instance)


class CurrentTitleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True, label="职称")
    level = serializers.CharField(read_only=True, label="职称级别")
    level_display = ChoiceLabelField(source="get_level_display", label="职称级别名称")
    obtained_on = serializers.DateField(read_only=True, label="取得时间")


class StaffSerializer(serializers.ModelSerializer):
    """One person.  The 身份证号 is masked unless the caller may see it in full; gender and
    birth date may be left out and are then read from the 身份证号 (Staff.clean)."""

    institution = ScopedPrimaryKeyRelatedField(scope=visible_institutions, model=Institution, label="单位")
    institution_name = serializers.CharField(source="institution.name", read_only=True, label="单位名称")
    department = ScopedPrimaryKeyRelatedField(
        scope=visible_departments, model=Department, label="科室", required=False, allow_null=True
    )
    department_name = serializers.CharField(
        source="department.name", read_only=True, default=None, allow_null=True, label="科室名称"
    )
    current_title = serializers.SerializerMethodField(label="现职称")
    gender_display = ChoiceLabelField(source="get_gender_display", label="性别名称")
    category_display = ChoiceLabelField(source="get_category_display", label="专业类别名称")
    status_display = ChoiceLabelField(source="get_status_display", label="人员状态名称")

    class Meta:
        model = Staff
        fields = [
            "id",
            "employee_no",
            "name",
            "id_number",
            "gender",
            "gender_display",
            "birth_date",
            "ethnicity",
            "phone",
            "education",
            "degree",
            "major",
            "category",
            "category_display",
            "employment_type",
            "status",
            "status_display",
            "institution",
            "institution_name",
            "department",
            "department_name",
            "first_employment_date",
            "current_title",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        extra_kwargs = {
            "gender": {"required": False, "help_text": "不填则按身份证号推算。"},
            "birth_date": {"required": False, "help_text": "不填则按身份证号推算。"},
            "id_number": {"help_text": "18位身份证号（GB 11643）；无查看权限时返回脱敏号码。"},
            "phone": {"help_text": "11位手机号；无查看权限时返回脱敏号码（138****5678），原样回传表示不修改。"},
        }

    @extend_schema_field(CurrentTitleSerializer(allow_null=True))
    def get_current_title(self, staff: Staff):
        # CurrentTitleSerializer's shape, built directly: a serializer instance per row (its fields
        # deep-copied each time) cost more than the rest of the row on a 500-row page.
        title = staff.current_title
        if title is None:
            return None
        return {
            "id": title.pk,
            "name": title.name,
            "level": title.level,
            "level_display": title.get_level_display(),
            "obtained_on": title.obtained_on.isoformat() if title.obtained_on else None,
        }

    def to_internal_value(self, data):
        # A client that reads a record and writes it back sends the masked number it was given:
        # that means "unchanged", not a new (invalid) 身份证号.
        if isinstance(self.instance, Staff) and hasattr(data, "get"):
            sent = data.get("id_number")
            if sent and sent != self.instance.id_number and sent == mask_id_number(self.instance.id_number):
                data = {key: value for key, value in data.items() if key != "id_number"}
                data["id_number"] = self.instance.id_number
            sent = data.get("phone")
            if sent and sent != self.instance.phone and sent == mask_phone(self.instance.phone):
                data = {key: value for key, value in data.items() if key != "phone"}
                data["phone"] = self.instance.phone
        return super().to_internal_value(data)

    def to_representation(self, instance: Staff) -> dict:
        data = super().to_representation(instance)
        if not self.context.get("full_id"):
            data["id_number"] = mask_id_number(data["id_number"])
            data["phone"] = mask_phone(data["phone"])
        return data

    def _save(self, staff: Staff) -> Staff:
        actor = _actor(self)
        mark_actor(staff, actor)
        return services.save_staff(staff=staff, actor=actor)

    def create(self, validated_data) -> Staff:
        return self._save(Staff(**validated_data))

    def update(self, instance: Staff, validated_data) -> Staff:
        if "id_number" in validated_data:
            # A new 身份证号 re-derives what it encodes unless the caller states it too.
            if "gender" not in validated_data:
                instance.gender = ""
            if "birth_date" not in validated_data:
                instance.birth_date = None
        for field, value in validated_data.items():
            setattr(instance, field, value)
        return self._save(instance)


class TitleSerializer(serializers.ModelSerializer):
    staff = ScopedPrimaryKeyRelatedField(scope=visible_staff, model=Staff, label="人员")
    staff_name = serializers.CharField(source="staff.name", read_only=True, label="姓名")
    level_display = ChoiceLabelField(source="get_level_display", label="职称级别名称")

    class Meta:
        model = Title
        fields = [
            "id",
            "staff",
            "staff_name",
            "name",
            "level",
            "level_display",
            "series",
            "obtained_on",
            "certificate_no",
        ]

    def _save(self, title: Title) -> Title:
        actor = _actor(self)
        mark_actor(title, actor)
        return services.save_title(title=title, actor=actor)

    def create(self, validated_data) -> Title:
        return self._save(Title(**validated_data))

    def update(self, instance: Title, validated_data) -> Title:
        for field, value in validated_data.items():
            setattr(instance, field, value)
        return self._save(instance)


class PostQuotaSerializer(serializers.ModelSerializer):
    """岗位结构比例.  Set through personnel.services.set_quota (which refuses a count below the
    posts already filled); once created only the count changes."""

    institution = ScopedPrimaryKeyRelatedField(scope=visible_institutions, model=Institution, label="机构")
    institution_name = serializers.CharField(source="institution.name", read_only=True, label="机构名称")
    post_grade = ScopedPrimaryKeyRelatedField(scope=_all_post_grades, model=PostGrade, label="岗位等级")
    post_grade_name = serializers.CharField(source="post_grade.name", read_only=True, label="岗位等级名称")

    class Meta:
        model = PostQuota
        fields = ["id", "institution", "institution_name", "year", "post_grade", "post_grade_name", "count"]
        # set_quota is an upsert on (institution, year, post_grade): no unique-together check here.
        validators: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(self.instance, PostQuota):
            for name in ("institution", "year", "post_grade"):
                self.fields[name].read_only = True

    def validate_year(self, value: int) -> int:
        if not 2000 <= value <= 2100:
            raise serializers.ValidationError("年度应在2000至2100之间。")
        return value

    def create(self, validated_data) -> PostQuota:
        return services.set_quota(**validated_data, actor=_actor(self))

    def update(self, instance: PostQuota, validated_data) -> PostQuota:
        return services.set_quota(
            institution=instance.institution,
            year=instance.year,
            post_grade=instance.post_grade,
            count=validated_data.get("count", instance.count),
            actor=_actor(self),
        )
