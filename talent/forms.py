"""Forms of the 柔性引才 pages.  Choices of institutions, experts, teams and contracts come from the
scoping functions; the rules are checked by the services and their refusals shown on the form."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from personnel.forms import label_blank_choices
from personnel.models import Department, Institution
from personnel.scoping import visible_departments, visible_institutions

from .choices import ContractMode, Platform, VisitKind
from .models import Expert, Team
from .rules import METRICS
from .selectors import visible_experts, visible_teams

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 2})


class ExpertForm(forms.ModelForm):
    class Meta:
        model = Expert
        fields = [
            "institution",
            "name",
            "home_employer",
            "title",
            "title_level",
            "degree",
            "tier",
            "tier_evidence",
            "senior_title_since",
            "specialty",
            "phone",
        ]
        widgets = {"tier_evidence": TEXT, "senior_title_since": DATE}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = visible_institutions(user)
        label_blank_choices(self, "请选择")


class TeamForm(forms.Form):
    institution = forms.ModelChoiceField(label="登记单位", queryset=Institution.objects.none())
    name = forms.CharField(label="团队名称", max_length=100)
    leader = forms.ModelChoiceField(label="领衔人", queryset=Expert.objects.none())
    core_members = forms.ModelMultipleChoiceField(
        label="核心成员", queryset=Expert.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        experts = visible_experts(user).order_by("name")
        self.fields["institution"].queryset = visible_institutions(user)
        self.fields["leader"].queryset = experts
        self.fields["core_members"].queryset = experts
        self.fields["core_members"].label_from_instance = lambda e: (
            f"{e.name}（{e.title}，{e.get_title_level_display()}，{e.get_degree_display()}）"
        )
        label_blank_choices(self, "请选择")


class ContractForm(forms.Form):
    institution = forms.ModelChoiceField(label="用人单位", queryset=Institution.objects.none())
    department = forms.ModelChoiceField(label="引进科室", queryset=Department.objects.none(), required=False)
    expert = forms.ModelChoiceField(label="引进专家", queryset=Expert.objects.none(), required=False)
    team = forms.ModelChoiceField(label="或引进团队", queryset=Team.objects.none(), required=False)
    mode = forms.ChoiceField(label="引进方式", choices=ContractMode.choices)
    platform = forms.ChoiceField(
        label="共建平台（平台共建时填写）", choices=[("", "—"), *Platform.choices], required=False
    )
    start = forms.DateField(label="起始日期", widget=DATE)
    end = forms.DateField(
        label="终止日期", widget=DATE, help_text="合同期须在政策规定的期限内（鄂托克旗：6个月至3年）。"
    )
    days_per_month = forms.DecimalField(
        label="约定每月到岗天数", min_value=Decimal("0.5"), max_digits=4, decimal_places=1
    )
    funding = forms.DecimalField(label="支持资金（元）", min_value=0, max_digits=12, decimal_places=2)
    annual_stipend = forms.DecimalField(label="年度津贴（元）", min_value=0, max_digits=12, decimal_places=2, initial=0)
    clinic_target = forms.CharField(label="诊疗目标（坐诊、查房、会诊、手术）", widget=TEXT, required=False)
    teaching_target = forms.CharField(label="人才培养目标", widget=TEXT, required=False)
    discipline_target = forms.CharField(label="学科建设目标", widget=TEXT, required=False)
    breach_terms = forms.CharField(label="违约责任", widget=TEXT, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = visible_institutions(user)
        self.fields["department"].queryset = visible_departments(user).select_related("institution")
        self.fields["expert"].queryset = visible_experts(user).order_by("name")
        self.fields["team"].queryset = visible_teams(user)
        label_blank_choices(self, "请选择")


class VisitForm(forms.Form):
    visit_date = forms.DateField(label="到岗日期", widget=DATE)
    days = forms.DecimalField(label="工作天数", min_value=Decimal("0.5"), max_digits=4, decimal_places=1, initial=1)
    kind = forms.ChoiceField(label="工作内容", choices=VisitKind.choices)
    patients = forms.IntegerField(label="诊疗人次", min_value=0, initial=0)
    note = forms.CharField(label="备注", max_length=200, required=False)


class RenewalForm(forms.Form):
    start = forms.DateField(label="续签起始日期", widget=DATE)
    end = forms.DateField(label="续签终止日期", widget=DATE)
    funding = forms.DecimalField(label="支持资金（元）", min_value=0, max_digits=12, decimal_places=2)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label="拨付金额（元）", min_value=Decimal("0.01"), max_digits=12, decimal_places=2)


class DateForm(forms.Form):
    on = forms.DateField(label="日期", widget=DATE)


class ReallocationForm(forms.Form):
    source = forms.ModelChoiceField(label="调出单位", queryset=Institution.objects.none())
    target = forms.ModelChoiceField(label="调入单位", queryset=Institution.objects.none())
    amount = forms.DecimalField(label="调整金额（元）", min_value=Decimal("0.01"), max_digits=12, decimal_places=2)

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = institutions
        self.fields["target"].queryset = institutions
        label_blank_choices(self, "请选择")


def percent_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(label=f"{label}（%）", min_value=0, max_value=100, max_digits=5, decimal_places=2)


class ReviewForm(forms.Form):
    """The figures behind the computed items, one field per reviewer-scored item of the scheme,
    and the veto facts.  Satisfaction is entered in per cent."""

    year = forms.IntegerField(label="考核年度", min_value=2000, max_value=2100)
    visits_previous = forms.IntegerField(label="上年科室诊疗人次", min_value=0)
    visits_current = forms.IntegerField(label="本年科室诊疗人次", min_value=0)
    revenue_previous = forms.DecimalField(label="上年科室总收入（元）", min_value=0, max_digits=12, decimal_places=2)
    revenue_current = forms.DecimalField(label="本年科室总收入（元）", min_value=0, max_digits=12, decimal_places=2)
    new_techniques = forms.IntegerField(label=METRICS["new_techniques"], min_value=0)
    papers_guided = forms.IntegerField(label=METRICS["papers_guided"], min_value=0)
    staff_satisfaction = percent_field("医务人员满意度")
    patient_satisfaction = percent_field("患者满意度")
    major_violation = forms.BooleanField(label="有重大违纪行为", required=False)
    major_accident = forms.BooleanField(label="发生重大安全事故", required=False)
    evidence = forms.CharField(label="佐证材料说明", widget=TEXT, required=False)

    def __init__(self, *args, scheme_items: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.manual_items = [item for item in scheme_items if item["kind"] == "manual"]
        for item in self.manual_items:
            label = f"{item['label']}（{item['max']}分）"
            if item.get("choices"):
                choices = [(c, f"{c}分") for c in item["choices"]]
                field = forms.TypedChoiceField(label=label, choices=choices, coerce=int, widget=forms.RadioSelect)
            else:
                field = forms.IntegerField(label=label, min_value=0, max_value=item["max"])
            field.help_text = item.get("standard", "")
            self.fields[f"manual_{item['code']}"] = field

    def manual_fields(self):
        return [self[f"manual_{item['code']}"] for item in self.manual_items]

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        manual = {item["code"]: data.pop(f"manual_{item['code']}") for item in self.manual_items}
        data["staff_satisfaction"] = data["staff_satisfaction"] / 100
        data["patient_satisfaction"] = data["patient_satisfaction"] / 100
        return data | {"manual_scores": manual}
