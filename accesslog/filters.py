import django_filters
from django import forms
from django.db.models import Q

from .choices import AccessKind
from .models import AccessLog


class AccessLogFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError("起始日期不能晚于截止日期。")
        return cleaned


class AccessLogFilterSet(django_filters.FilterSet):
    user = django_filters.CharFilter(label="查看人账号", method="filter_user")
    person = django_filters.CharFilter(label="被查看人（姓名或工号）", method="filter_person")
    since = django_filters.DateFilter(
        label="起始日期", field_name="at", lookup_expr="date__gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        label="截止日期", field_name="at", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = django_filters.ChoiceFilter(label="方式", choices=AccessKind.choices, empty_label="全部")

    class Meta:
        model = AccessLog
        form = AccessLogFilterForm
        fields = ["user", "person", "since", "until", "kind"]

    def filter_user(self, queryset, name, value):
        return queryset.filter(username=value.strip())

    def filter_person(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(staff_name=value) | Q(staff__employee_no=value))
