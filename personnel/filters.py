"""Filter sets shared by the staff list page and the API (one definition, two front ends)."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q

from .choices import Category, StaffStatus, TitleLevel
from .models import Department, Institution, Staff, Title
from .validators import normalize_id_number


class StaffFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="filter_search", help_text="姓名、工号或身份证号")
    institution = django_filters.ModelChoiceFilter(label="单位", queryset=Institution.objects.none())
    department = django_filters.ModelChoiceFilter(label="科室", queryset=Department.objects.none())
    category = django_filters.ChoiceFilter(label="专业类别", choices=Category.choices)
    title_level = django_filters.ChoiceFilter(label="职称级别", choices=TitleLevel.choices, method="filter_title_level")
    status = django_filters.ChoiceFilter(label="人员状态", choices=StaffStatus.choices)

    class Meta:
        model = Staff
        fields = ["q", "institution", "department", "category", "title_level", "status"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices come from what the caller may see: a foreign institution is not even offered.
        from .scoping import visible_departments, visible_institutions

        if user is None and self.request is not None:
            user = self.request.user
        self.user = user
        if user is not None:
            self.filters["institution"].queryset = visible_institutions(user)
            self.filters["department"].queryset = visible_departments(user).select_related("institution")

    def filter_search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        id_like = normalize_id_number(value)
        if len(id_like) >= 6 and id_like[:-1].isdigit():
            from .scoping import can_view_full_id

            if self.user is not None and can_view_full_id(self.user):
                return queryset.filter(Q(id_number__startswith=id_like) | Q(employee_no=value))
            # Without the permission only the complete number finds a person: a prefix search
            # would let one read a masked number digit by digit.
            return queryset.filter(Q(id_number=id_like) | Q(employee_no=value))
        return queryset.filter(Q(name__contains=value) | Q(employee_no__startswith=value))

    def filter_title_level(self, queryset, name, value):
        """Current title level: the person holds a title of this level and none more senior."""
        if not value:
            return queryset
        from .choices import TITLE_LEVEL_RANK

        rank = TITLE_LEVEL_RANK[TitleLevel(value)]
        higher = [lvl for lvl, r in TITLE_LEVEL_RANK.items() if r > rank]
        has_level = Title.objects.filter(staff=OuterRef("pk"), level=value)
        has_higher = Title.objects.filter(staff=OuterRef("pk"), level__in=higher)
        return queryset.filter(Exists(has_level)).exclude(Exists(has_higher))
