"""ChoiceLabelField: the label of a choices field, read without DRF's per-call signature check
(the speed-up of the API lists, bench/optimizations.md), gives what get_<field>_display gives."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from personnel.api.fields import ChoiceLabelField
from personnel.api.serializers import StaffSerializer
from personnel.models import Department, Staff
from tests.factories import StaffFactory, TitleFactory


class _LabelSerializer(serializers.Serializer):
    status_display = ChoiceLabelField(source="get_status_display")


class _HeadLabelSerializer(serializers.Serializer):
    head_status_display = ChoiceLabelField(source="head.get_status_display", allow_null=True)


@pytest.mark.django_db
def test_choice_label_is_the_models_display_value(world):
    person = StaffFactory(institution=world.hospital)
    data = _LabelSerializer(person).data
    assert data["status_display"] == person.get_status_display()
    assert data["status_display"] != person.status  # the Chinese label, not the stored code


@pytest.mark.django_db
def test_choice_label_through_an_empty_relation_is_null(world):
    department = Department(institution=world.hospital, name="无主任科室", code="NONE", head=None)
    data = _HeadLabelSerializer(department).data
    assert data["head_status_display"] is None


@pytest.mark.django_db
def test_staff_rows_carry_labels_and_current_title_as_before(world):
    person = StaffFactory(institution=world.hospital)
    TitleFactory(staff=person, level="junior", name="医师")
    senior = TitleFactory(staff=person, level="intermediate", name="主治医师")
    staff = Staff.objects.prefetch_related("titles").get(pk=person.pk)
    data = StaffSerializer(staff, context={"full_id": True}).data
    assert data["gender_display"] == staff.get_gender_display()
    assert data["category_display"] == staff.get_category_display()
    assert data["current_title"] == {
        "id": senior.pk,
        "name": "主治医师",
        "level": "intermediate",
        "level_display": senior.get_level_display(),
        "obtained_on": senior.obtained_on.isoformat(),
    }
