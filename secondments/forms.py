from __future__ import annotations

from django import forms

from personnel.choices import Category
from personnel.models import Staff

from .choices import AttendanceStatus, SecondmentReason
from .models import Evaluation


class LeaveForm(forms.Form):
    start = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reason = forms.CharField(label="事由", required=False, max_length=200)
    filed_with_commission = forms.BooleanField(label="已向领导小组办公室备案", required=False)


class AttendanceForm(forms.Form):
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    status = forms.ChoiceField(label="出勤", choices=AttendanceStatus.choices)
    note = forms.CharField(label="说明", required=False, max_length=200)


class ConfirmForm(forms.Form):
    start = forms.DateField(label="派驻开始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class EvaluationForm(forms.ModelForm):
    class Meta:
        model = Evaluation
        fields = [
            "patients_seen",
            "surgeries",
            "case_discussions",
            "juniors_mentored",
            "lectures",
            "new_techniques",
            "other_workload",
            "summary",
            "dispatching_opinion",
            "receiving_opinion",
            "commission_opinion",
            "result",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ("other_workload", "summary", "dispatching_opinion", "receiving_opinion", "commission_opinion")
        }


class DemandForm(forms.Form):
    category = forms.ChoiceField(label="专业类别", choices=Category.choices)
    specialty = forms.CharField(label="专业方向", required=False, max_length=64)
    count = forms.IntegerField(label="需求人数", min_value=1, max_value=50)
    is_remote = forms.BooleanField(label="边远地区", required=False)
    remarks = forms.CharField(label="备注", required=False, widget=forms.TextInput)


class OfferForm(forms.Form):
    staff = forms.ModelChoiceField(label="人员", queryset=Staff.objects.none())
    reason = forms.ChoiceField(label="下沉原因", choices=SecondmentReason.choices)
    prefers_remote = forms.BooleanField(label="可赴边远地区", required=False, initial=True)
    remarks = forms.CharField(label="备注", required=False)

    def __init__(self, *args, staff_qs=None, **kwargs):
        super().__init__(*args, **kwargs)
        if staff_qs is not None:
            self.fields["staff"].queryset = staff_qs


class ScoreForm(forms.Form):
    duty = forms.DecimalField(label="履职情况", min_value=0, max_value=100, decimal_places=2)
    conduct = forms.DecimalField(label="工作作风", min_value=0, max_value=100, decimal_places=2)
    attendance = forms.DecimalField(label="出勤情况", min_value=0, max_value=100, decimal_places=2)
    workload = forms.DecimalField(label="工作量", min_value=0, max_value=100, decimal_places=2)
    achievement = forms.DecimalField(label="工作业绩", min_value=0, max_value=100, decimal_places=2)
