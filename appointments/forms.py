"""Page forms for appointments: shape only; the quota and one-active-appointment rules are the
service's (`appointments.services.create_appointment`)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q

from personnel.forms import DateInput
from personnel.models import Institution, PostGrade
from personnel.scoping import visible_institutions

from .choices import AppointmentKind, AppointmentStatus
from .models import Appointment


class AppointmentForm(forms.Form):
    post_grade = forms.ModelChoiceField(label="岗位等级", queryset=PostGrade.objects.all(), empty_label="请选择")
    start = forms.DateField(label="聘任开始", widget=DateInput())
    end = forms.DateField(
        label="聘任结束", required=False, widget=DateInput(), help_text="可不填：按政策规定的聘期自动计算。"
    )
    kind = forms.ChoiceField(label="聘任类型", choices=AppointmentKind.choices, initial=AppointmentKind.NORMAL)
    agreement_text = forms.CharField(label="聘任协议", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", "聘任结束日期须晚于开始日期。")
        return cleaned


class AppointmentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="姓名或工号", method="filter_search")
    institution = django_filters.ModelChoiceFilter(label="聘任单位", queryset=Institution.objects.none())
    status = django_filters.ChoiceFilter(label="状态", choices=AppointmentStatus.choices)
    kind = django_filters.ChoiceFilter(label="聘任类型", choices=AppointmentKind.choices)
    post_grade = django_filters.ModelChoiceFilter(label="岗位等级", queryset=PostGrade.objects.all())

    class Meta:
        model = Appointment
        fields = ["q", "institution", "status", "kind", "post_grade"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["institution"].queryset = visible_institutions(user)

    def filter_search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(staff__name__contains=value) | Q(staff__employee_no__startswith=value))
