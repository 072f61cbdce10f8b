"""Page forms of the 能上能下 pages.  They check the shape of the input (a date, a number, a file);
every rule of a step is checked once, by `demotions.services`, whose ApplicationError the views put
on the form (`personnel.forms.apply_application_error`)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings

from personnel.forms import DateInput, label_blank_choices
from personnel.models import PostGrade
from personnel.scoping import visible_institutions, visible_staff

from .choices import BallotGroup, CaseKind, EventKind, Trigger

TEXTAREA = {"rows": 3}
MAX_EVIDENCE_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); each checked like a FileField."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if not files:
            if self.required:
                raise forms.ValidationError("请选择至少一个文件。")
            return []
        if len(files) > MAX_EVIDENCE_FILES:
            raise forms.ValidationError(f"一次最多上传{MAX_EVIDENCE_FILES}个文件。")
        cleaned = [super(MultipleFileField, self).clean(f, initial) for f in files]
        limit = settings.UPLOAD_KINDS["evidence"]["max_bytes"]  # the content is checked by uploads.validation
        too_big = [f.name for f in cleaned if f.size > limit]
        if too_big:
            raise forms.ValidationError(f"单个文件不能超过{limit // 1024 // 1024}MB：{'、'.join(too_big)}。")
        return cleaned


# --- The board ------------------------------------------------------------------------------------


class BoardFilterForm(forms.Form):
    q = forms.CharField(label="姓名", required=False, widget=forms.TextInput(attrs={"placeholder": "按姓名查找"}))
    institution = forms.ModelChoiceField(label="单位", queryset=None, required=False)
    trigger = forms.ChoiceField(label="触发情形", choices=[("", "全部"), *Trigger.choices], required=False)
    kind = forms.ChoiceField(label="类型", choices=[("", "全部"), *CaseKind.choices], required=False)
    closed = forms.BooleanField(label="含已执行/已终止", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = visible_institutions(user).order_by("path")
        label_blank_choices(self, "全部")


# --- Steps of a case ------------------------------------------------------------------------------


class EvidenceForm(forms.Form):
    files = MultipleFileField(label="材料文件", help_text="可多选；PDF、JPG、PNG、DOCX、XLSX，单个不超过20MB。")
    description = forms.CharField(label="说明", max_length=200, required=False)


class ProposeForm(forms.Form):
    reasons = forms.CharField(
        label="提议理由", widget=forms.Textarea(attrs=TEXTAREA), help_text="党支部提议高职低聘的事实与依据。"
    )
    files = MultipleFileField(
        label="证明材料",
        required=False,
        help_text="可多选（PDF、JPG、PNG、DOCX、XLSX），随提议存档；高职低聘须至少一份。",
    )


class ReviewForm(forms.Form):
    passed = forms.TypedChoiceField(
        label="审查结论",
        choices=[("yes", "材料真实、合规，审查通过"), ("no", "审查不通过（终止案件）")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    opinion = forms.CharField(label="审查意见", widget=forms.Textarea(attrs=TEXTAREA))


SCORE_SPLIT = re.compile(r"[\s,，;；、]+")


class BallotsForm(forms.Form):
    """民主测评: the scores of each group as a list of numbers — no names, so none can be shown."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for group in BallotGroup:
            self.fields[group.value] = forms.CharField(
                label=f"{group.label}（得分）",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "placeholder": "如：85 90 78"}),
                help_text="每张票一个0–100的分数，用空格或逗号分隔。",
            )

    def clean(self):
        cleaned = super().clean()
        ballots: dict[str, list[Decimal]] = {}
        for group in BallotGroup:
            text = (cleaned.get(group.value) or "").strip()
            if not text:
                continue
            scores = []
            for token in SCORE_SPLIT.split(text):
                if not token:
                    continue
                try:
                    scores.append(Decimal(token))
                except InvalidOperation:
                    self.add_error(group.value, f"“{token}”不是分数，请只填0–100的数字。")
                    break
            ballots[group.value] = scores
        if not ballots and not self.errors:
            raise forms.ValidationError("请至少录入一个测评组的票。")
        cleaned["ballots"] = ballots
        return cleaned


class AssessForm(forms.Form):
    quantified_score = forms.DecimalField(label="量化考核得分", min_value=0, max_value=100, decimal_places=2)
    defence_score = forms.DecimalField(label="现场答辩得分", min_value=0, max_value=100, decimal_places=2)
    quantified_weight = forms.DecimalField(
        label="量化考核权重", min_value=0, max_value=1, decimal_places=4, help_text="如0.7；不得低于政策规定。"
    )
    democratic_weight = forms.DecimalField(label="民主测评权重", min_value=0, max_value=1, decimal_places=4)
    defence_weight = forms.DecimalField(label="现场答辩权重", min_value=0, max_value=1, decimal_places=4)


class DecideForm(forms.Form):
    meeting_date = forms.DateField(label="会议日期", widget=DateInput())
    demote = forms.TypedChoiceField(
        label="会议决定",
        choices=[("yes", "同意高职低聘"), ("no", "不予高职低聘（终止案件）")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    decided_grade = forms.ModelChoiceField(
        label="拟聘岗位等级", queryset=PostGrade.objects.all(), required=False, help_text="同意高职低聘时必选。"
    )
    decision = forms.CharField(label="决定内容", widget=forms.Textarea(attrs=TEXTAREA))
    minutes = forms.CharField(label="会议纪要", widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label_blank_choices(self, "请选择")


class StartPublicityForm(forms.Form):
    starts_on = forms.DateField(label="公示开始日期", widget=DateInput())


class ObjectionForm(forms.Form):
    lodged_on = forms.DateField(label="提出日期", widget=DateInput())
    lodged_by_name = forms.CharField(label="异议人", max_length=64, help_text="可填“匿名”。")
    contact = forms.CharField(label="联系方式", max_length=64, required=False)
    content = forms.CharField(label="异议内容", widget=forms.Textarea(attrs=TEXTAREA))


class AnswerForm(forms.Form):
    objection = forms.IntegerField(widget=forms.HiddenInput)
    answer = forms.CharField(label="核查答复", widget=forms.Textarea(attrs={"rows": 2}))


class EndPublicityForm(forms.Form):
    on = forms.DateField(label="结束日期", widget=DateInput(), required=False, help_text="留空为今天。")


class ApproveForm(forms.Form):
    document = forms.CharField(label="批复文号", max_length=64)
    note = forms.CharField(label="审批意见", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ExecuteForm(forms.Form):
    on = forms.DateField(label="执行日期", widget=DateInput(), help_text="原聘任于前一日结束，新聘任自该日起。")


class DismissForm(forms.Form):
    reason = forms.CharField(label="终止理由", widget=forms.Textarea(attrs={"rows": 2}))


class RestorationForm(forms.Form):
    reasons = forms.CharField(
        label="提议理由", widget=forms.Textarea(attrs=TEXTAREA), help_text="低聘后考核合格、完成低聘岗位任务的情况。"
    )


# --- Conduct events -------------------------------------------------------------------------------


class EventForm(forms.Form):
    staff = forms.ModelChoiceField(label="人员", queryset=None)
    kind = forms.ChoiceField(label="事件类型", choices=EventKind.choices)
    date = forms.DateField(label="发生日期", widget=DateInput())
    accident_level = forms.TypedChoiceField(
        label="医疗事故等级",
        choices=[("", "（非医疗事故）"), ("1", "一级"), ("2", "二级"), ("3", "三级"), ("4", "四级")],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="仅医疗事故填写；一级最重。",
    )
    description = forms.CharField(label="情况说明", widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = (
            visible_staff(user).select_related("institution", "department").order_by("institution__path", "name")
        )
        self.fields["staff"].label_from_instance = lambda s: (
            f"{s.name}（{s.institution.name}{'·' + s.department.name if s.department_id else ''}，{s.employee_no}）"
        )
        self.fields["staff"].empty_label = "请选择（可输入姓名的首字查找）"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == EventKind.ACCIDENT and cleaned.get("accident_level") is None:
            self.add_error("accident_level", "医疗事故须选择事故等级。")
        return cleaned
