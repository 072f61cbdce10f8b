"""Rounds admin: read-only lists scoped like the API; the agreement template is the commission's to
edit and refuses an unknown placeholder."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from rounds import services
from rounds.models import AgreementTemplate

D = dt.date
pytestmark = pytest.mark.django_db


def _staff_client(user, *codenames) -> Client:
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="rounds", codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def test_hr_lists_only_its_institutions_applications(world, round_, quota, grade, commission, hr):
    quota(world.other_hospital, 8, 1)
    services.apply(
        round=round_, staff=world.staff_in_dept, post_grade=grade(8), applied_on=D(2027, 12, 5), actor=commission
    )
    services.apply(
        round=round_, staff=world.staff_other_hospital, post_grade=grade(8), applied_on=D(2027, 12, 5), actor=commission
    )
    page = _staff_client(hr, "view_application").get("/admin/rounds/application/").content.decode()
    assert "王芳" in page and "刘洋" not in page


def test_the_commission_edits_the_agreement_template_and_an_unknown_placeholder_is_refused(world, round_, commission):
    template = AgreementTemplate.objects.get(policy=round_.policy)
    client = _staff_client(commission, "view_agreementtemplate", "change_agreementtemplate")
    path = f"/admin/rounds/agreementtemplate/{template.pk}/change/"
    data = {"policy": template.policy_id, "title": "聘任协议", "body": "{staff_name} 月薪{salary}", "duties": ""}
    response = client.post(path, data)
    assert response.status_code == 200
    assert "未知的占位符：{salary}" in response.content.decode()
    data["body"] = "{staff_name}受聘{post_grade}"
    assert client.post(path, data).status_code == 302
    assert AgreementTemplate.objects.get(pk=template.pk).body == "{staff_name}受聘{post_grade}"


def test_hr_cannot_edit_the_agreement_template(world, round_, hr):
    template = AgreementTemplate.objects.get(policy=round_.policy)
    client = _staff_client(hr, "view_agreementtemplate", "change_agreementtemplate")
    response = client.post(
        f"/admin/rounds/agreementtemplate/{template.pk}/change/",
        {"policy": template.policy_id, "title": "x", "body": "{staff_name}", "duties": ""},
    )
    assert response.status_code == 403
    assert AgreementTemplate.objects.get(pk=template.pk).title != "x"
