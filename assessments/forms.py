from __future__ import annotations

from django import forms

from .choices import PeriodKind


class PeriodOpenForm(forms.Form):
    kind = forms.ChoiceField(label="考核类型", choices=PeriodKind.choices)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    number = forms.IntegerField(
        label="月份/季度", min_value=0, max_value=12, required=False, help_text="年度考核不填。"
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=200)
