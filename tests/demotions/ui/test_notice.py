"""The publicity notice (公示, seed 000: the list of names and their duty-target completion): one
case's, and every case in publicity within an institution; PDF and xlsx; scoped."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from appointments.models import Appointment
from demotions.choices import CaseState
from personnel.choices import Role
from tests.demotions.factories import DemotionCaseFactory, DutyTargetFactory, TargetProgressEntryFactory
from tests.factories import UserFactory

from .helpers import drive

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine, settings, tmp_path):
    time_machine.move_to(dt.datetime(2026, 11, 25, 2, tzinfo=dt.UTC), tick=False)
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def in_publicity(world, senior):
    target = DutyTargetFactory(
        appointment=senior, code="difficult", name="疑难病例", target_total=Decimal(20), quantity_per_unit=Decimal(20)
    )
    TargetProgressEntryFactory(target=target, month=dt.date(2026, 3, 1), quantity=Decimal(3))
    return drive(DemotionCaseFactory(appointment=senior), CaseState.IN_PUBLICITY, world.users)


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _pdf_text(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("未安装 pdftotext。")
    path = tmp_path / "notice.pdf"
    path.write_bytes(content)
    result = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True)  # noqa: S603, S607
    return result.stdout.decode()


def test_the_notice_lists_the_person_the_grades_the_targets_and_the_period(world, in_publicity, tmp_path):
    response = _client(world.users[Role.COMMISSION_ADMIN]).get(
        reverse("demotions:notice", args=[in_publicity.pk, "pdf"])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(_pdf_text(response.content, tmp_path).split())
    publicity = in_publicity.publicities.get()
    assert "王芳" in text
    assert "疑难病例" in text and "已完成3" in text
    assert "2026年11月25日至2026年12月01日（5个工作日）" in text
    assert "专业技术八级" in text or "八级" in text
    assert "反映" in text  # where to lodge an objection
    assert publicity.ends_on == dt.date(2026, 12, 1)


def test_the_notice_as_xlsx_carries_the_same_lines(world, in_publicity):
    response = _client(world.users[Role.HOSPITAL_HR]).get(reverse("demotions:notice", args=[in_publicity.pk, "xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert "王芳" in values
    assert any(v.startswith("疑难病例：已完成3") for v in values)
    assert any("公示期：2026年11月25日至2026年12月01日" in v for v in values)


def test_there_is_no_notice_before_the_publicity_and_none_out_of_reach(world, senior):
    case = DemotionCaseFactory(appointment=senior)
    admin = _client(world.users[Role.COMMISSION_ADMIN])
    assert admin.get(reverse("demotions:notice", args=[case.pk, "pdf"])).status_code == 404
    other_hr = UserFactory(role=Role.HOSPITAL_HR, institution=world.other_hospital)
    case = drive(case, CaseState.IN_PUBLICITY, world.users)
    assert _client(other_hr).get(reverse("demotions:notice", args=[case.pk, "pdf"])).status_code == 404


def test_the_institution_notice_lists_every_case_in_publicity(world, in_publicity, tmp_path):
    DemotionCaseFactory(
        appointment=Appointment.objects.get(staff=world.staff_branch, status="active"), state=CaseState.DECIDED
    )
    c = _client(world.users[Role.COMMISSION_ADMIN])
    response = c.get(reverse("demotions:notice_list", args=["pdf"]), {"institution": world.hospital.pk})
    assert response.status_code == 200
    text = "".join(_pdf_text(response.content, tmp_path).split())
    assert "王芳" in text
    assert "张伟" not in text  # decided, not yet in publicity
    empty = c.get(reverse("demotions:notice_list", args=["pdf"]), {"institution": world.other_hospital.pk})
    assert empty.status_code == 302
