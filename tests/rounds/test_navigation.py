"""The rounds pages are reachable from the side navigation of every role that may read a round."""

import pytest
from django.urls import reverse

from personnel.choices import Role


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (Role.COMMISSION_ADMIN, True),
        (Role.HOSPITAL_HR, True),
        (Role.DEPARTMENT_HEAD, True),
        (Role.STAFF, True),
    ],
)
def test_the_side_navigation_links_the_round_list_for_roles_that_read_rounds(client, world, role, shown):
    client.force_login(world.users[role])

    page = client.get(reverse("home")).content.decode()

    assert (f'href="{reverse("rounds:list")}"' in page) is shown


def test_the_round_list_marks_its_navigation_entry_active(client, world):
    client.force_login(world.users[Role.COMMISSION_ADMIN])

    page = client.get(reverse("rounds:list")).content.decode()

    assert f'href="{reverse("rounds:list")}" class="active" aria-current="page"' in page


def test_an_account_without_a_role_gets_no_round_link(client, world):
    from personnel.models import User

    user = User.objects.create_user(username="no-role", password="pass-Word-123", institution=world.hospital)
    client.force_login(user)

    page = client.get(reverse("home")).content.decode()

    assert reverse("rounds:list") not in page
