"""The 柔性引才 admin: every changelist loads, and a role sees only its scope there (read-only)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from personnel.choices import Role
from talent.models import Contract
from tests.talent.conftest import make_contract

MODELS = ["expert", "team", "contract", "visit", "budget", "reviewscheme", "annualreview", "terminationitem"]


@pytest.fixture
def contracts(talent_world):
    return make_contract(talent_world.hospital), make_contract(talent_world.foreign_hospital)


def _client(user) -> Client:
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="talent", codename__startswith="view_")
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_superuser_changelist_loads(contracts, model, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x")
    admin_client = Client()
    admin_client.force_login(root)
    assert admin_client.get(reverse(f"admin:talent_{model}_changelist")).status_code == 200


def test_hr_sees_only_its_contracts_and_may_not_change_them(talent_world, contracts):
    own, foreign = contracts
    client = _client(talent_world.users[Role.HOSPITAL_HR])
    response = client.get(reverse("admin:talent_contract_changelist"))
    assert response.status_code == 200
    assert {c.pk for c in response.context["cl"].result_list} == {own.pk}
    assert client.get(reverse("admin:talent_contract_change", args=[foreign.pk])).status_code in (302, 404)
    assert (
        client.post(reverse("admin:talent_contract_change", args=[own.pk]), {"status": "terminated"}).status_code == 403
    )
    assert Contract.objects.get(pk=own.pk).status == "active"
