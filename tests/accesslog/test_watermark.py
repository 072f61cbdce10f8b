"""Every export carries the exporting user (name + account), institution and time: .xlsx in the
header/footer of every sheet, the workbook properties and a visible line; PDF as a diagonal mark
and a footer line on every page (read back with pypdf)."""

from __future__ import annotations

import io

import openpyxl
import pypdf
import pytest
from django.urls import reverse

from personnel.choices import Role
from tests.rounds.conftest import commission, grade, quota, round_, scored  # noqa: F401  (fixtures)
from tests.rounds.test_api import _agreement_for

ADMIN = Role.COMMISSION_ADMIN

pytestmark = pytest.mark.django_db


def assert_xlsx_watermarked(content: bytes, username: str, institution: str) -> None:
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert username in book.properties.creator
    assert username in book.properties.description and institution in book.properties.description
    for sheet in book.worksheets:
        assert f"（{username}）" in sheet.oddHeader.right.text, sheet.title
        assert institution in sheet.oddFooter.center.text, sheet.title
    values = [str(c) for s in book.worksheets for row in s.iter_rows(values_only=True) for c in row if c]
    assert any(v.startswith("导出人：") and f"（{username}）" in v for v in values)


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages]


def assert_pdf_watermarked(content: bytes, username: str, institution: str) -> None:
    pages = pdf_pages(content)
    assert pages
    for text in pages:
        assert f"（{username}）" in text and institution in text and "不得外传" in text


def test_roster_export_is_watermarked(world, client):
    client.force_login(world.users[Role.HOSPITAL_HR])
    response = client.get(reverse("roster:export"))
    assert_xlsx_watermarked(response.content, "hr", world.hospital.name)


def test_access_log_export_is_watermarked(world, client):
    client.force_login(world.users[ADMIN])
    response = client.get(reverse("accesslog:export"))
    assert_xlsx_watermarked(response.content, "admin", world.commission.name)


@pytest.mark.parametrize("kind", ["monthly", "annual"])
def test_dashboard_reports_are_watermarked(world, client, kind):
    client.force_login(world.users[ADMIN])
    xlsx = client.get(reverse("dashboard:report", args=[kind, "xlsx"]))
    assert xlsx.status_code == 200
    assert_xlsx_watermarked(xlsx.content, "admin", world.commission.name)
    pdf = client.get(reverse("dashboard:report", args=[kind, "pdf"]))
    assert pdf.status_code == 200
    assert_pdf_watermarked(pdf.content, "admin", world.commission.name)


def test_round_agreement_pdf_is_watermarked_page_and_api(world, client, round_, scored):  # noqa: F811
    agreement = _agreement_for(scored(round_, world.staff_in_dept, quantified=90))
    client.force_login(world.users["staff"])
    page = client.get(reverse("rounds:agreement_pdf", args=[agreement.pk]))
    assert page.status_code == 200
    assert_pdf_watermarked(page.content, "staff", world.hospital.name)
    api = client.get(f"/api/v1/agreements/{agreement.pk}/pdf/")
    assert api.status_code == 200
    assert_pdf_watermarked(api.content, "staff", world.hospital.name)


def test_the_mark_is_on_every_page_of_a_long_pdf():
    import datetime as dt

    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from personnel.watermark import Watermark, pdf_canvasmaker

    mark = Watermark(name="张三", username="zs", institution="策勒县人民医院", at=dt.datetime(2026, 11, 25, 9, 30))
    out = io.BytesIO()
    style = getSampleStyleSheet()["Normal"]
    SimpleDocTemplate(out).build([Paragraph(f"line {i}", style) for i in range(300)], canvasmaker=pdf_canvasmaker(mark))
    pages = pdf_pages(out.getvalue())
    assert len(pages) > 3
    assert all("导出人：张三（zs） · 策勒县人民医院 · 2026-11-25 09:30" in text for text in pages)
    assert pypdf.PdfReader(io.BytesIO(out.getvalue())).metadata.author == "张三（zs）"


def test_secondment_ledger_is_watermarked(world, client):
    client.force_login(world.users[ADMIN])
    response = client.get(reverse("secondments:ledger"), {"format": "xlsx"})
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        assert_xlsx_watermarked(response.content, "admin", world.commission.name)
    else:
        pytest.fail(f"no ledger export at this URL: {response.status_code}")


def test_demotion_notices_are_watermarked(world, client, time_machine, settings, tmp_path):
    import datetime as dt

    from demotions.choices import CaseState
    from tests.demotions.conftest import senior as senior_fixture
    from tests.demotions.factories import DemotionCaseFactory
    from tests.demotions.ui.helpers import drive

    time_machine.move_to(dt.datetime(2026, 11, 25, 2, tzinfo=dt.UTC), tick=False)
    settings.MEDIA_ROOT = tmp_path
    senior = senior_fixture.__wrapped__(world)  # the demotions suite's 副高 appointment of 王芳
    case = drive(DemotionCaseFactory(appointment=senior), CaseState.IN_PUBLICITY, world.users)
    client.force_login(world.users[ADMIN])
    pdf = client.get(reverse("demotions:notice", args=[case.pk, "pdf"]))
    assert pdf.status_code == 200
    assert_pdf_watermarked(pdf.content, "admin", world.commission.name)
    xlsx = client.get(reverse("demotions:notice_list", args=["xlsx"]), {"institution": world.hospital.pk})
    assert xlsx.status_code == 200
    assert_xlsx_watermarked(xlsx.content, "admin", world.commission.name)
