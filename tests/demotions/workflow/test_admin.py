"""The 能上能下 admin is read-only: every changelist and a case page load, the case page shows its
transition log and only the ballot tally; nothing can be added there; a role sees its scope."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from personnel.choices import Role
from tests.demotions.factories import ConductEventFactory, DemotionCaseFactory


@pytest.fixture
def root_client(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    return client


@pytest.mark.parametrize("model", ["demotioncase", "rectification", "conductevent"])
def test_changelists_load_and_adding_is_refused(root_client, case, model):
    assert root_client.get(reverse(f"admin:demotions_{model}_changelist")).status_code == 200
    assert root_client.get(reverse(f"admin:demotions_{model}_add")).status_code == 403


def test_the_case_page_shows_the_log_and_the_tally_only(root_client, case, flow):
    case = flow.until(case, "decide")
    page = root_client.get(reverse("admin:demotions_demotioncase_change", args=[case.pk])).content.decode()
    assert "办理记录" in page and "review" in page
    assert "上级：3票，平均75.00" in page


def test_hr_sees_only_its_institutions_events(world, actors):
    hr = actors[Role.HOSPITAL_HR]
    hr.is_staff = True
    hr.save()
    hr.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="demotions", codename__startswith="view_")
    )
    ConductEventFactory(staff=world.staff_in_dept, description="本院事件")
    ConductEventFactory(staff=world.staff_other_hospital, description="他院事件")
    client = Client()
    client.force_login(hr)
    page = client.get(reverse("admin:demotions_conductevent_changelist")).content.decode()
    assert "王芳" in page
    assert "刘洋" not in page


def test_hr_cannot_open_another_hospitals_case(world, actors):
    from appointments.models import Appointment

    hr = actors[Role.HOSPITAL_HR]
    hr.is_staff = True
    hr.save()
    hr.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="demotions", codename__startswith="view_")
    )
    foreign = DemotionCaseFactory(appointment=Appointment.objects.get(staff=world.staff_other_hospital))
    client = Client()
    client.force_login(hr)
    response = client.get(reverse("admin:demotions_demotioncase_change", args=[foreign.pk]))
    assert response.status_code in (302, 404)
