"""The dashboard is one click away from every page, for every signed-in role."""

import pytest
from django.urls import reverse

from personnel.choices import Role


@pytest.mark.parametrize("role", [Role.COMMISSION_ADMIN, Role.HOSPITAL_HR, Role.DEPARTMENT_HEAD, Role.STAFF])
def test_the_side_navigation_links_the_dashboard(client, world, role):
    client.force_login(world.users[role])

    page = client.get(reverse("home")).content.decode()

    assert f'href="{reverse("dashboard:index")}"' in page


def test_the_dashboard_marks_its_navigation_entry_active(client, world):
    client.force_login(world.users[Role.COMMISSION_ADMIN])

    page = client.get(reverse("dashboard:index")).content.decode()

    assert f'href="{reverse("dashboard:index")}" aria-current="page"' in page
