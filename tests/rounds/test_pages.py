"""What walking the round pages on the demo showed: the board's title is the round's name; the
people still to settle come a page at a time, narrowed to one institution from its row, with their
application in the round (someone placed needs no ending decision); an overdue publicity says the
objection holds it; the applications page narrows to an institution, tells a proposed person their
list is in publicity, shows the ballots already recorded, and offers staff no second application;
the staff page lists the person's applications, agreement and ending decision."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest
from django.test import Client
from django.urls import reverse

from publicity import services as publicity_services
from rounds import services
from rounds.choices import EndingOutcome
from rounds.models import RoundCandidate
from tests.factories import AppointmentFactory

from .conftest import YEAR

D = dt.date
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def _applicants(html: str) -> set[str]:
    return set(re.findall(r'data-applicant="([^"]+)"', html))


def _undecided_names(html: str) -> list[str]:
    return re.findall(r'data-candidate="([^"]+)"', html)


def test_the_board_title_is_the_round_name_alone(world, round_, commission):
    html = _client(commission).get(reverse("rounds:board", args=[round_.pk])).content.decode()
    assert _title(html).startswith(round_.name)
    assert "<" not in _title(html) and "待落实人员" not in _title(html)


def test_people_to_settle_come_a_page_at_a_time_and_narrow_to_one_institution(world, commission, person):
    for i in range(12):
        AppointmentFactory(staff=person(f"期满{i:02d}"), end=D(2027, 12, 31))
    round_ = services.open_round(region=world.region, year=YEAR, opened_on=D(2027, 12, 1), actor=commission)
    gathered = round_.candidates.count()
    assert gathered == 15  # the 12, and the world's people of the hospital, its branch and the 中医医院
    url = reverse("rounds:board", args=[round_.pk])
    client = _client(commission)
    first = client.get(url, {"page_size": 5})
    assert len(_undecided_names(first.content.decode())) == 5
    assert first.context["undecided_page"].paginator.count == gathered
    third = client.get(url, {"page_size": 5, "page": 3})
    assert len(_undecided_names(third.content.decode())) == gathered - 10
    assert not set(_undecided_names(third.content.decode())) & set(_undecided_names(first.content.decode()))

    branch_only = client.get(url, {"institution": world.branch.pk}).content.decode()
    assert _undecided_names(branch_only) == [world.staff_branch.name]
    assert "显示全部机构" in branch_only
    # An institution not among the board's rows narrows nothing.
    foreign = client.get(url, {"institution": world.foreign_hospital.pk, "page_size": 100})
    assert len(_undecided_names(foreign.content.decode())) == gathered


def test_a_proposed_person_on_the_undecided_list_has_no_ending_decision_form(world, round_, scored, commission):
    scored(round_, world.staff_in_dept, quantified=90)
    services.propose(round=round_, institution=world.hospital, on=D(2027, 12, 10), actor=commission)
    response = _client(commission).get(reverse("rounds:board", args=[round_.pk]))
    (row,) = [(c, f) for c, f in response.context["undecided"] if c.staff_id == world.staff_in_dept.pk]
    assert row[1] is None and row[0].application_label == "拟聘任"
    assert "已在本轮拟聘，无需登记" in response.content.decode()


def test_an_overdue_publicity_says_the_unanswered_objection_holds_it(
    world, round_, scored, commission, hr, time_machine
):
    scored(round_, world.staff_in_dept, quantified=90)
    lst = services.propose(round=round_, institution=world.hospital, on=D(2027, 12, 10), actor=commission)
    publicity = services.start_list_publicity(proposed_list=lst, starts_on=D(2027, 12, 13), actor=commission)
    publicity_services.lodge_objection(
        publicity=publicity, lodged_on=D(2027, 12, 14), lodged_by_name="匿名", content="下沉天数不足", actor=hr
    )
    time_machine.move_to(dt.datetime(2027, 12, 22, 10, tzinfo=SHANGHAI))
    html = _client(commission).get(reverse("rounds:board", args=[round_.pk])).content.decode()
    assert "公示期已于2027-12-17届满，尚有1条异议未答复，答复后方可结束公示" in html


def test_the_applications_page_narrows_to_an_institution_and_shows_the_list_publicity(
    world, round_, scored, commission, person, quota
):
    quota(world.branch, 8, 1)
    scored(round_, world.staff_in_dept, quantified=90)
    scored(round_, world.staff_branch, quantified=80)
    lst = services.propose(round=round_, institution=world.hospital, on=D(2027, 12, 10), actor=commission)
    services.start_list_publicity(proposed_list=lst, starts_on=D(2027, 12, 13), actor=commission)
    url = reverse("rounds:applications", args=[round_.pk])
    client = _client(commission)
    everyone = client.get(url).content.decode()
    assert _applicants(everyone) == {world.staff_in_dept.name, world.staff_branch.name}
    hospital = client.get(url, {"institution": world.hospital.pk}).content.decode()
    assert _applicants(hospital) == {world.staff_in_dept.name}
    assert "名单公示中，至2027-12-17" in hospital
    assert "第1名" in hospital


def test_the_ballots_already_recorded_show_as_a_tally_beside_the_score_form(world, round_, grade, commission):
    a = services.apply(
        round=round_, staff=world.staff_in_dept, post_grade=grade(8), applied_on=D(2027, 12, 5), actor=commission
    )
    services.qualify(application=a, qualified=True, actor=commission)
    services.record_ballots(application=a, ballots=[("peer", 80), ("peer", 90), ("superior", 85)], actor=commission)
    html = _client(commission).get(reverse("rounds:applications", args=[round_.pk])).content.decode()
    assert "已录入民主评议：上级1票，均分85.00；同级2票，均分85.00" in html


def test_staff_who_applied_get_no_second_application_form(world, round_, grade, commission):
    staff_user = world.users["staff"]
    url = reverse("rounds:applications", args=[round_.pk])
    assert _client(staff_user).get(url).context["apply_form"] is not None
    a = services.apply(
        round=round_, staff=world.staff_in_dept, post_grade=grade(8), applied_on=D(2027, 12, 5), actor=staff_user
    )
    assert _client(staff_user).get(url).context["apply_form"] is None
    services.withdraw(application=a, actor=staff_user)
    form = _client(staff_user).get(url).context["apply_form"]
    assert form is not None
    # Only grades with posts in the round's year are offered.
    assert list(form.fields["post_grade"].queryset.values_list("grade", flat=True)) == [8]


def test_the_staff_page_lists_the_application_agreement_and_ending_decision(world, round_, scored, commission, hr):
    a = scored(round_, world.staff_in_dept, quantified=90)
    lst = services.propose(round=round_, institution=world.hospital, on=D(2027, 12, 10), actor=commission)
    services.start_list_publicity(proposed_list=lst, starts_on=D(2027, 12, 13), actor=commission)
    services.end_list_publicity(proposed_list=lst, on=D(2027, 12, 20), actor=commission)
    services.approve_list(proposed_list=lst, approved_on=D(2027, 12, 21), actor=commission)
    a.refresh_from_db()
    agreement = services.generate_agreement(application=a, actor=commission)
    page = _client(world.users["staff"]).get(reverse("personnel:staff_detail", args=[world.staff_in_dept.pk]))
    html = page.content.decode()
    assert "聘任轮次" in html and round_.name in html
    assert reverse("rounds:agreement_pdf", args=[agreement.pk]) in html and "（待签订）" in html

    branch_candidate = RoundCandidate.objects.get(round=round_, staff=world.staff_branch)
    services.record_ending_decision(
        candidate=branch_candidate,
        outcome=EndingOutcome.OTHER,
        note="本人申请转岗",
        decided_on=D(2027, 12, 20),
        actor=commission,
    )
    html = _client(commission).get(reverse("personnel:staff_detail", args=[world.staff_branch.pk])).content.decode()
    assert "期满处理：其他" in html and "本人申请转岗" in html
    # Someone with nothing in any round gets no section.
    html = _client(commission).get(reverse("personnel:staff_detail", args=[world.staff_other_dept.pk])).content.decode()
    assert 'id="rounds"' not in html


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="需要 poppler 的 pdftotext")
def test_a_name_with_the_middle_dot_reads_whole_in_the_agreement_pdf(world, round_, scored, commission, person):
    staff = person("阿尔孜古丽·阿不力孜")
    a = scored(round_, staff, quantified=90)
    lst = services.propose(round=round_, institution=world.hospital, on=D(2027, 12, 10), actor=commission)
    services.start_list_publicity(proposed_list=lst, starts_on=D(2027, 12, 13), actor=commission)
    services.end_list_publicity(proposed_list=lst, on=D(2027, 12, 20), actor=commission)
    services.approve_list(proposed_list=lst, approved_on=D(2027, 12, 21), actor=commission)
    a.refresh_from_db()
    agreement = services.generate_agreement(application=a, actor=commission)
    pdf = _client(commission).get(reverse("rounds:agreement_pdf", args=[agreement.pk]))
    body = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    text = subprocess.run(
        [shutil.which("pdftotext"), "-", "-"], input=body, capture_output=True, check=True
    ).stdout.decode()
    assert "阿尔孜古丽·阿不力孜" in text  # the font's dot reads back as U+00B7, not a missing glyph


def test_a_department_head_reads_the_board_without_links_to_the_applications_they_may_not_read(world, round_):
    head = world.users["department_head"]
    response = _client(head).get(reverse("rounds:board", args=[round_.pk]))
    assert response.status_code == 200
    applications_url = reverse("rounds:applications", args=[round_.pk])
    assert applications_url not in response.content.decode()
    assert _client(head).get(applications_url).status_code == 403
