"""The annual ranking page (three parties score, the commission grades within the 15% quota and
sees the places left) and the subsidy ledger page with its export."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from personnel.choices import Role
from secondments import services
from secondments.models import AnnualAssessment
from tests.factories import StaffFactory, UserFactory

D = dt.date
pytestmark = pytest.mark.django_db
FULL = {"duty": 18, "conduct": 18, "attendance": 18, "workload": 18, "achievement": 18}


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def ranked(sworld):
    township_hr = UserFactory(username="township", role=Role.HOSPITAL_HR, institution=sworld.township)
    stints = []
    for _ in range(7):
        staff = StaffFactory(institution=sworld.hospital)
        stints.append(
            services.create_secondment(
                staff=staff, receiving_unit=sworld.township, start=D(2026, 1, 1), reason="voluntary"
            )
        )
    return sworld, township_hr, stints


def test_each_party_scores_as_itself(ranked):
    w, township_hr, stints = ranked
    url = reverse("secondments:score", args=[stints[0].pk, 2026])
    for user in (township_hr, w.users["commission_admin"], w.users["hospital_hr"]):
        assert _client(user).post(url, FULL).status_code == 302
    assessment = AnnualAssessment.objects.get(secondment=stints[0], year=2026)
    assert {s.party for s in assessment.scores.all()} == {"receiving", "commission", "dispatching"}
    assert assessment.total == Decimal("90.00")


def test_a_unit_not_party_to_the_stint_cannot_score(ranked):
    w, _, stints = ranked
    other = UserFactory(username="other", role=Role.HOSPITAL_HR, institution=w.other_hospital)
    assert _client(other).post(reverse("secondments:score", args=[stints[0].pk, 2026]), FULL).status_code == 404


def test_ranking_shows_places_left_and_refuses_the_eighth_excellent(ranked):
    w, _, stints = ranked
    for s in stints:
        for party in ("receiving", "commission", "dispatching"):
            services.score_assessment(secondment=s, year=2026, party=party, scores=FULL)
    admin = _client(w.users["commission_admin"])
    url = reverse("secondments:assessments") + "?year=2026"
    page = admin.get(url)
    assert page.context["quota"] == {"people": 7, "places": 1, "used": 0, "left": 1}
    first, second = AnnualAssessment.objects.order_by("id")[:2]
    admin.post(url, {"year": 2026, "assessment": first.pk, "grade": "excellent"})
    admin.post(url, {"year": 2026, "assessment": second.pk, "grade": "excellent"})
    second.refresh_from_db()
    assert second.grade == ""
    page = admin.get(url)
    assert page.context["quota"]["left"] == 0
    assert "名额1个已用完" in page.content.decode()


def test_hospital_hr_cannot_grade(ranked):
    w, _, stints = ranked
    for party in ("receiving", "commission", "dispatching"):
        services.score_assessment(secondment=stints[0], year=2026, party=party, scores=FULL)
    a = AnnualAssessment.objects.get()
    response = _client(w.users["hospital_hr"]).post(
        reverse("secondments:assessments"), {"assessment": a.pk, "grade": "excellent"}
    )
    assert response.status_code == 403


def test_ledger_page_and_export_for_a_stint_across_the_year(sworld):
    stint = services.create_secondment(
        staff=sworld.staff_in_dept, receiving_unit=sworld.township, start=D(2025, 9, 1), reason="voluntary"
    )
    services.recompute_secondment(secondment=stint, today=D(2026, 9, 1))
    admin = _client(sworld.users["commission_admin"])
    page = admin.get(reverse("secondments:ledger") + "?year=2026")
    assert page.context["total_subsidy"] == Decimal(8000)
    page_2025 = admin.get(reverse("secondments:ledger") + "?year=2025")
    assert page_2025.context["total_subsidy"] == Decimal(4000)
    export = admin.get(reverse("secondments:ledger") + "?year=2026&format=xlsx")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert str(rows[-1][0]).startswith("导出人：")  # the export watermark's visible line, below a blank row
    rows = rows[:-2]
    assert rows[0][0] == "接收单位"
    assert len(rows) == 1 + 8
    assert rows[1][:4] == ("策勒乡卫生院", "2026-01", 1, 1000)
    # Another hospital's HR sees nothing of it.
    other = UserFactory(username="other", role=Role.HOSPITAL_HR, institution=sworld.other_hospital)
    assert _client(other).get(reverse("secondments:ledger") + "?year=2026").context["rows"] == []
