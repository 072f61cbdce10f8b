from __future__ import annotations

from django import forms

from .choices import AttendanceStatus
from .models import Evaluation


class LeaveForm(forms.Form):
    start = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="事由", required=False, max_length=200)
    filed_with_commission = forms.BooleanField(label="已向领导小组办公室备案", required=False)


class AttendanceForm(forms.Form):
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label="出勤", choices=AttendanceStatus.choices)
    note = forms.CharField(label="说明", required=False, max_length=200)


class ConfirmForm(forms.Form):
    start = forms.DateField(label="派驻开始日期", widget=forms.DateInput(attrs={"type": "date"}))


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
