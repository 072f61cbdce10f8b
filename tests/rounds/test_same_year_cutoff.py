"""A round whose cut-off falls in the same year as its new terms (terms ending 2028-06-30, new ones
from 2028-07-01): the expired appointments are not held posts for the vacancies, and the quota check
of the signing must not count them either — they are ended (期满, on their own end date) before the
new appointment is made, and their holders stay listed for a decision."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from appointments.choices import AppointmentStatus
from appointments.models import Appointment
from rounds import services
from rounds.choices import ApplicationStatus
from rounds.models import Application
from rounds.selectors import undecided_candidates, vacancy_for
from tests.factories import AppointmentFactory

from .conftest import YEAR

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def midyear(world, commission, person, quota, grade):
    """Two grade-8 posts in 2028: 期满甲 holds one until 2028-06-30 (gathered), 在聘丙 one until 2029."""
    quota(world.hospital, 8, 2)
    expiring = AppointmentFactory(staff=person("期满甲"), start=D(2026, 7, 1), end=D(2028, 6, 30))
    running = AppointmentFactory(staff=person("在聘丙"), start=D(2028, 1, 1), end=D(2029, 12, 31))
    round_ = services.open_round(
        region=world.region,
        year=YEAR,
        opened_on=D(2028, 5, 10),
        ends_by=D(2028, 6, 30),
        term_start=D(2028, 7, 1),
        actor=commission,
    )
    return round_, expiring, running


def _approved_newcomer(round_, world, person, scored, commission):
    a = scored(round_, person("新人乙"), quantified=90)
    services.propose(round=round_, institution=world.hospital, on=D(2028, 5, 20), actor=commission)
    lst = round_.lists.get(institution=world.hospital)
    services.start_list_publicity(proposed_list=lst, starts_on=D(2028, 5, 22), actor=commission)
    services.end_list_publicity(proposed_list=lst, on=D(2028, 6, 5), actor=commission)
    services.approve_list(proposed_list=lst, approved_on=D(2028, 6, 6), actor=commission)
    return Application.objects.get(pk=a.pk)


def test_a_newcomer_signs_into_a_post_whose_term_expires_before_the_new_term_in_the_same_year(
    world, midyear, person, scored, commission
):
    round_, expiring, running = midyear
    # The vacancies leave the expiring term out: one of the two posts is free for the new term.
    v = vacancy_for(round_, institution_id=world.hospital.pk, post_grade_id=8)
    assert (v.quota, v.held) == (2, 1)
    application = _approved_newcomer(round_, world, person, scored, commission)
    assert application.status == ApplicationStatus.APPROVED
    agreement = services.generate_agreement(application=application, actor=commission)

    signed = services.sign_agreement(
        agreement=agreement,
        signed_on=D(2028, 6, 20),
        signed_file=SimpleUploadedFile("signed.pdf", b"%PDF-1.4 scan", content_type="application/pdf"),
        actor=commission,
    )

    new = signed.new_appointment
    assert (new.status, new.start, new.post_grade_id) == (AppointmentStatus.ACTIVE, D(2028, 7, 1), 8)
    expiring.refresh_from_db()
    assert (expiring.status, expiring.end) == (AppointmentStatus.ENDED, D(2028, 6, 30))  # 期满 on its own date
    running.refresh_from_db()
    assert running.status == AppointmentStatus.ACTIVE  # a term running past the new start is not touched
    # Nobody silently falls out: the expired holder still waits for a decision in the round.
    assert list(undecided_candidates(round_).filter(staff=expiring.staff)) != []
    # And the quota still binds: both 2028 posts are now taken (在聘丙 and the newcomer).
    assert (
        Appointment.objects.filter(status=AppointmentStatus.ACTIVE, post_grade_id=8, end__gt=D(2028, 6, 30))
        .filter(institution=world.hospital)
        .count()
        == 2
    )


def test_the_expired_holder_may_still_apply_with_their_ended_term_as_the_current_one(
    world, midyear, person, scored, commission, grade
):
    round_, expiring, _running = midyear
    application = _approved_newcomer(round_, world, person, scored, commission)
    agreement = services.generate_agreement(application=application, actor=commission)
    services.sign_agreement(
        agreement=agreement,
        signed_on=D(2028, 6, 20),
        signed_file=SimpleUploadedFile("signed.pdf", b"%PDF-1.4 scan", content_type="application/pdf"),
        actor=commission,
    )
    late = services.apply(
        round=round_, staff=expiring.staff, post_grade=grade(8), applied_on=D(2028, 6, 21), actor=commission
    )
    assert late.current_appointment_id == expiring.pk
