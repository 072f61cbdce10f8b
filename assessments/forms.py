from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator

from personnel.choices import Role
from personnel.models import Region

from .choices import Grade, PeriodKind, SchemeKind
from .models import Scheme


class PeriodOpenForm(forms.Form):
    kind = forms.ChoiceField(label="考核类型", choices=PeriodKind.choices)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    number = forms.IntegerField(
        label="月份/季度", min_value=0, max_value=12, required=False, help_text="年度考核不填。"
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=200)


# --- Scoring schemes (考核方案) -------------------------------------------------------------------

SCORER_ROLES = [
    (Role.DEPARTMENT_HEAD.value, Role.DEPARTMENT_HEAD.label),
    (Role.HOSPITAL_HR.value, Role.HOSPITAL_HR.label),
    (Role.COMMISSION_ADMIN.value, Role.COMMISSION_ADMIN.label),
]
ITEM_CODE = RegexValidator(
    r"^[A-Za-z][A-Za-z0-9_]*$", "项目代码只能用英文字母、数字和下划线，且以字母开头（如 workload）。"
)
SCHEME_CODE = RegexValidator(
    r"^[A-Za-z][A-Za-z0-9_-]*$", "方案代码只能用英文字母、数字、下划线和短横线，且以字母开头（如 monthly-dept）。"
)


def _required(label: str) -> dict:
    return {"required": f"请填写{label}。"}


# Text boxes rather than <input type=number>: a browser silently blanks what a number box cannot
# parse, so the row would say "请填写" instead of what is wrong with what was typed.
DECIMAL_INPUT = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
INTEGER_INPUT = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})


class SchemeItemForm(forms.Form):
    """One row of the items table: a blank row is ignored; a ticked 删除 row is dropped."""

    code = forms.CharField(
        label="项目代码", max_length=32, validators=[ITEM_CODE], error_messages=_required("项目代码")
    )
    name = forms.CharField(label="考核项目", max_length=64, error_messages=_required("项目名称"))
    max_points = forms.DecimalField(
        label="满分",
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=DECIMAL_INPUT,
        error_messages={
            **_required("满分"),
            "invalid": "满分应为数字。",
            "min_value": "满分须大于0。",
            "max_digits": "满分最多4位整数、2位小数。",
            "max_decimal_places": "满分最多保留2位小数。",
            "max_whole_digits": "满分最多4位整数。",
        },
    )
    weight = forms.DecimalField(
        label="权重",
        max_digits=5,
        decimal_places=4,
        min_value=Decimal(0),
        initial=Decimal(1),
        widget=DECIMAL_INPUT,
        error_messages={
            **_required("权重"),
            "invalid": "权重应为数字（如1或0.7）。",
            "min_value": "权重不能为负数。",
            "max_digits": "权重最多1位整数、4位小数。",
            "max_decimal_places": "权重最多保留4位小数。",
            "max_whole_digits": "权重最多1位整数。",
        },
    )
    scorer_role = forms.ChoiceField(
        label="评分人",
        choices=SCORER_ROLES,
        initial=Role.DEPARTMENT_HEAD.value,
        error_messages={**_required("评分人"), "invalid_choice": "评分人应为科室主任、医院人事或卫健委管理员。"},
    )
    order = forms.IntegerField(
        label="排序",
        min_value=0,
        max_value=999,
        required=False,
        widget=INTEGER_INPUT,
        error_messages={"invalid": "排序应为整数。", "min_value": "排序不能为负数。", "max_value": "排序不能超过999。"},
    )


class SchemeBandForm(forms.Form):
    grade = forms.ChoiceField(
        label="等次",
        choices=[("", "—")] + list(Grade.choices),
        error_messages={**_required("等次"), "invalid_choice": "等次应为优秀、合格、基本合格或不合格。"},
    )
    min_points = forms.DecimalField(
        label="最低分（含）",
        max_digits=6,
        decimal_places=2,
        min_value=Decimal(0),
        widget=DECIMAL_INPUT,
        error_messages={
            **_required("最低分"),
            "invalid": "最低分应为数字。",
            "min_value": "最低分不能为负数。",
            "max_digits": "最低分最多4位整数、2位小数。",
            "max_decimal_places": "最低分最多保留2位小数。",
            "max_whole_digits": "最低分最多4位整数。",
        },
    )


class _RowsFormSet(forms.BaseFormSet):
    """Rows of a scheme being written afresh (a revision never edits stored rows): a row left blank
    is ignored, a row ticked 删除 is dropped, every other row is checked, and a duplicate is
    reported on the row that repeats (第N行).  Bind it with `form_kwargs={"empty_permitted": True}`
    and no `initial`, so that prefilled rows posted back count as filled in."""

    unique_field = ""
    unique_label = ""
    empty_message = ""

    def _used(self, form: forms.Form) -> bool:
        return form.has_changed() and not self._should_delete_form(form)

    def kept(self) -> list[forms.Form]:
        return [f for f in self.forms if self._used(f) and f.is_valid()]

    def clean(self) -> None:
        if any(f.errors for f in self.forms if not self._should_delete_form(f)):
            return
        seen: dict[object, int] = {}
        for row, form in enumerate(self.forms, start=1):
            if not self._used(form):
                continue
            value = form.cleaned_data.get(self.unique_field)
            if value in seen:
                choices = getattr(form.fields[self.unique_field], "choices", None)
                label = dict(choices).get(value, value) if choices else value
                form.add_error(self.unique_field, f"{self.unique_label}“{label}”与第{seen[value]}行重复。")
            else:
                seen[value] = row
        if not seen:
            raise forms.ValidationError(self.empty_message)


class ItemFormSet(_RowsFormSet):
    unique_field = "code"
    unique_label = "项目代码"
    empty_message = "至少需要一个考核项目。"

    def specs(self) -> list[dict]:
        """The kept rows in their order, as create_scheme_version takes them."""
        rows = [(f.cleaned_data.get("order"), index, f.cleaned_data) for index, f in enumerate(self.kept())]
        rows.sort(key=lambda r: (r[0] if r[0] is not None else 999, r[1]))
        return [{k: data[k] for k in ("code", "name", "max_points", "weight", "scorer_role")} for _, _, data in rows]


class BandFormSet(_RowsFormSet):
    unique_field = "grade"
    unique_label = "等次"
    empty_message = "至少需要一个等次。"

    def specs(self) -> list[dict]:
        return [{"grade": f.cleaned_data["grade"], "min_points": f.cleaned_data["min_points"]} for f in self.kept()]


SchemeItemFormSet = forms.formset_factory(
    SchemeItemForm, formset=ItemFormSet, extra=1, can_delete=True, max_num=40, validate_max=True
)
SchemeBandFormSet = forms.formset_factory(
    SchemeBandForm, formset=BandFormSet, extra=1, can_delete=True, max_num=len(Grade.choices), validate_max=True
)


class SchemeRevisionForm(forms.Form):
    """What a revision adds to its rows: from when it applies and why."""

    effective_from = forms.DateField(
        label="生效日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={**_required("生效日期"), "invalid": "生效日期格式应为 2026-07-01。"},
        help_text="该日期起开始的考核期间按新版本评分；已评分的结果仍按原版本。",
    )
    note = forms.CharField(
        label="修订说明",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=_required("修订说明"),
        help_text="修订了什么、依据什么（记入方案版本）。",
    )

    def __init__(self, *args, not_before: dt.date | None = None, not_before_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.not_before = not_before
        self.not_before_label = not_before_label

    def clean_effective_from(self) -> dt.date:
        value = self.cleaned_data["effective_from"]
        if self.not_before and value < self.not_before:
            # An earlier date than the newest version's would never be in force after it.
            raise forms.ValidationError(
                f"生效日期不能早于{self.not_before_label}的生效日期（{self.not_before:%Y-%m-%d}）。"
            )
        return value


class SchemeCreateForm(SchemeRevisionForm):
    code = forms.CharField(
        label="方案代码", max_length=48, validators=[SCHEME_CODE], error_messages=_required("方案代码")
    )
    name = forms.CharField(label="方案名称", max_length=100, error_messages=_required("方案名称"))
    kind = forms.ChoiceField(
        label="适用考核", choices=SchemeKind.choices, error_messages={"invalid_choice": "请选择适用考核。"}
    )
    region = forms.ModelChoiceField(
        label="地区",
        queryset=Region.objects.none(),
        required=False,
        help_text="超级管理员须选择地区；卫健委管理员为本地区。",
    )
    field_order = ["region", "code", "name", "kind", "effective_from", "note"]

    def __init__(self, *args, region: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_region = region
        self.fields["note"].required = False
        self.fields["note"].label = "说明"
        self.fields["note"].help_text = "方案依据、适用范围等（可不填）。"
        if region is None:
            self.fields["region"].queryset = Region.objects.order_by("code")
            self.fields["region"].required = True
            self.fields["region"].error_messages["required"] = "请选择地区。"
        else:
            del self.fields["region"]

    def clean(self):
        data = super().clean()
        region = self.fixed_region or data.get("region")
        code = data.get("code")
        if region is not None and code and Scheme.objects.filter(region=region, code=code).exists():
            self.add_error("code", f"方案代码“{code}”已存在；如需修改请在该方案页面“修订”。")
        data["region"] = region
        return data
