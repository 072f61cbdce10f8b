"""The notifications page: one's own notifications only, unread first; mark one or all read (never
someone else's); the unread badge in the top bar, counted with one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notify
from personnel.choices import Role

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def inbox(world):
    hr, staff = world.users[Role.HOSPITAL_HR], world.users[Role.STAFF]
    notify(recipients=[hr], key="old", kind="rectification", title="整改期限还有30天", url="/demotions/")
    notify(recipients=[hr], key="new", kind="case_step", title="案件待提议", body="王芳的案件待党支部提议。")
    notify(recipients=[staff], key="mine", kind="rectification", title="您的整改期限还有7天")
    Notification.objects.filter(recipient=hr, key="old").update(read_at="2026-11-01T00:00:00Z")
    return hr, staff


def test_the_page_lists_only_ones_own_notifications_unread_first(inbox):
    hr, _ = inbox
    response = _client(hr).get(reverse("notifications:list"))
    assert response.status_code == 200
    assert [n.key for n in response.context["notifications"]] == ["new", "old"]
    assert "您的整改期限还有7天" not in response.content.decode()


def test_marking_one_read_ignores_someone_elses_id(inbox):
    hr, staff = inbox
    new = Notification.objects.get(recipient=hr, key="new")
    theirs = Notification.objects.get(recipient=staff)
    response = _client(hr).post(reverse("notifications:mark_read"), {"ids": [new.pk, theirs.pk]})
    assert response.status_code == 302
    new.refresh_from_db()
    theirs.refresh_from_db()
    assert new.read_at is not None
    assert theirs.read_at is None


def test_marking_all_read(inbox):
    _, staff = inbox
    _client(staff).post(reverse("notifications:mark_read"))
    assert not Notification.objects.filter(recipient=staff, read_at__isnull=True).exists()


def test_opening_a_notification_marks_it_read_and_follows_only_a_local_link(inbox, world):
    hr, _ = inbox
    old = Notification.objects.get(recipient=hr, key="old")
    Notification.objects.filter(pk=old.pk).update(read_at=None)
    response = _client(hr).post(reverse("notifications:open", args=[old.pk]))
    assert response.status_code == 302 and response["Location"] == "/demotions/"
    old.refresh_from_db()
    assert old.read_at is not None
    notify(recipients=[hr], key="evil", kind="x", title="外部链接", url="https://example.com/")
    evil = Notification.objects.get(recipient=hr, key="evil")
    response = _client(hr).post(reverse("notifications:open", args=[evil.pk]))
    assert response["Location"] == reverse("notifications:list")
    # Someone else's notification is a 404.
    other = Notification.objects.get(recipient=world.users[Role.STAFF])
    assert _client(hr).post(reverse("notifications:open", args=[other.pk])).status_code == 404


def _count_queries(c, url) -> tuple[list[str], str, object]:
    with CaptureQueriesContext(connection) as queries:
        response = c.get(url)
    counting = [q["sql"] for q in queries.captured_queries if "notifications_notification" in q["sql"]]
    return counting, response.content.decode(), response


def test_the_unread_badge_costs_one_query_and_pages_then_reuse_the_figure(inbox):
    hr, staff = inbox
    c = _client(hr)
    # No figure yet: the page itself does not count; the bell fetches the count once.
    counting, html, _ = _count_queries(c, reverse("home"))
    assert counting == []
    assert f'data-unread-src="{reverse("notifications:unread")}"' in html
    counting, _, response = _count_queries(c, reverse("notifications:unread"))
    assert len(counting) == 1 and response.json() == {"unread": 1}
    # Now every page shows it without a query.
    counting, html, _ = _count_queries(c, reverse("home"))
    assert counting == []
    assert 'data-testid="unread-count">1<' in html and "data-unread-src" not in html
    # Marking read through the page refreshes it at once.
    c.post(reverse("notifications:mark_read"))
    c.get(reverse("notifications:unread"))
    html = c.get(reverse("home")).content.decode()
    assert 'data-testid="unread-count" hidden></span>' in html


def test_a_new_notification_shows_once_the_figure_expires(inbox, settings):
    from django.core.cache import cache

    hr, _ = inbox
    c = _client(hr)
    assert c.get(reverse("notifications:unread")).json() == {"unread": 1}
    notify(recipients=[hr], key="later", kind="case_step", title="案件待审查")
    assert 'data-testid="unread-count">1<' in c.get(reverse("home")).content.decode()  # cached figure
    cache.delete(f"notifications:unread:{hr.pk}")  # as if NOTIFICATIONS_BADGE_SECONDS had passed
    assert c.get(reverse("notifications:unread")).json() == {"unread": 2}


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
