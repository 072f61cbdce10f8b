"""Forms of the round pages: shapes only (dates, numbers, choices); every rule is the service's."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings

from demotions.choices import BallotGroup
from personnel.models import PostGrade, Staff

from .choices import EndingOutcome

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OpenRoundForm(forms.Form):
    year = forms.IntegerField(label="年度（新聘期所在年度）", min_value=2000, max_value=2100)
    opened_on = forms.DateField(label="启动日期", widget=DATE)


class ApplyForm(forms.Form):
    staff = forms.ModelChoiceField(label="申报人", queryset=Staff.objects.none())
    post_grade = forms.ModelChoiceField(label="申报岗位等级", queryset=PostGrade.objects.all())
    applied_on = forms.DateField(label="申报日期", widget=DATE)
    achievements = forms.CharField(label="业绩与佐证材料说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, staff_queryset, grade_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_queryset
        if grade_queryset is not None:  # the grades with posts in the round's year
            self.fields["post_grade"].queryset = grade_queryset


class QualifyForm(forms.Form):
    decision = forms.ChoiceField(label="审查结论", choices=[("pass", "通过"), ("fail", "不通过")])
    note = forms.CharField(label="审查意见", required=False)


def _scores(text: str) -> list[Decimal]:
    parts = [p for p in text.replace("，", ",").replace(" ", ",").split(",") if p.strip()]
    try:
        return [Decimal(p.strip()) for p in parts]
    except ArithmeticError:
        raise forms.ValidationError("评议得分应为数字，多张票用逗号分隔。") from None


class ScoreForm(forms.Form):
    """综合考核: anonymous ballots per group (scores separated by commas), the quantified and defence
    scores, and the three weights."""

    quantified_score = forms.DecimalField(label="量化考核得分", max_digits=6, decimal_places=2)
    defence_score = forms.DecimalField(label="现场答辩得分", max_digits=6, decimal_places=2)
    quantified_weight = forms.DecimalField(label="量化权重", max_digits=5, decimal_places=4, initial=Decimal("0.70"))
    democratic_weight = forms.DecimalField(label="评议权重", max_digits=5, decimal_places=4, initial=Decimal("0.15"))
    defence_weight = forms.DecimalField(label="答辩权重", max_digits=5, decimal_places=4, initial=Decimal("0.15"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in BallotGroup.choices:
            self.fields[f"ballots_{value}"] = forms.CharField(
                label=f"民主评议：{label}", required=False, help_text="不记名，多张票用逗号分隔"
            )

    def ballots(self) -> list[tuple[str, Decimal]]:
        rows = []
        for value, _ in BallotGroup.choices:
            rows.extend((value, s) for s in _scores(self.cleaned_data.get(f"ballots_{value}") or ""))
        return rows

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.ballots():
            raise forms.ValidationError("请至少录入一张民主评议票。")
        return cleaned


class DateForm(forms.Form):
    on = forms.DateField(label="日期", widget=DATE)


class ApproveForm(forms.Form):
    on = forms.DateField(label="审批日期", widget=DATE)
    document = forms.CharField(label="批复文号", required=False, max_length=64)


class ObjectionForm(forms.Form):
    lodged_on = forms.DateField(label="提出日期", widget=DATE)
    lodged_by_name = forms.CharField(label="异议人", max_length=64, help_text="可填“匿名”")
    content = forms.CharField(label="异议内容")
    contact = forms.CharField(label="联系方式", required=False, max_length=64)


class AnswerForm(forms.Form):
    answer = forms.CharField(label="核查答复")


class ProposeForm(forms.Form):
    institution = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label="拟定日期", widget=DATE)


class EndingDecisionForm(forms.Form):
    outcome = forms.ChoiceField(label="处理结果", choices=[("", "请选择"), *EndingOutcome.choices])
    post_grade = forms.ModelChoiceField(label="低聘岗位等级", queryset=PostGrade.objects.all(), required=False)
    note = forms.CharField(label="说明")
    decided_on = forms.DateField(label="决定日期", widget=DATE)


class EvidenceForm(forms.Form):
    file = forms.FileField(label="佐证材料文件")
    description = forms.CharField(label="材料说明", required=False, max_length=200)


class SignForm(forms.Form):
    signed_on = forms.DateField(label="签订日期", widget=DATE)
    signed_file = forms.FileField(label="签字扫描件（PDF/JPG/PNG）")

    def clean_signed_file(self):
        f = self.cleaned_data["signed_file"]
        if not (f.name or "").lower().endswith((".pdf", ".jpg", ".jpeg", ".png")):
            raise forms.ValidationError("扫描件应为PDF或JPG/PNG图片。")
        limit = settings.UPLOAD_KINDS["signed_agreement"]["max_bytes"]  # the content: uploads.validation
        if f.size > limit:
            raise forms.ValidationError(f"扫描件不能超过{limit // 1024 // 1024}MB。")
        return f
