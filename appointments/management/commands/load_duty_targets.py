"""manage.py load_duty_targets [--instantiate]: seed 000's duty-target templates for every policy
version that carries their numbers; with --instantiate, targets for every active senior appointment."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from appointments.choices import AppointmentStatus
from appointments.models import SENIOR_TITLE_LEVELS, Appointment
from appointments.services import instantiate_duty_targets, load_duty_target_templates
from personnel.models import PolicyVersion


class Command(BaseCommand):
    help = "载入种子000的高职称必尽任务模板（数量取自政策参数），可选为在聘正副高人员生成任务。"

    def add_arguments(self, parser):
        parser.add_argument("--instantiate", action="store_true", help="为在聘正高、副高人员生成本聘期任务")

    def handle(self, *args, **options):
        for policy in PolicyVersion.objects.select_related("region"):
            count = load_duty_target_templates(policy=policy)
            if count:
                self.stdout.write(f"{policy}：必尽任务模板{count}项。")
        if options["instantiate"]:
            created = 0
            appointments = Appointment.objects.filter(
                status=AppointmentStatus.ACTIVE, post_grade__title_level__in=SENIOR_TITLE_LEVELS
            ).select_related("post_grade", "staff", "institution__region", "policy")
            for appointment in appointments:
                created += len(instantiate_duty_targets(appointment=appointment))
            self.stdout.write(f"已生成必尽任务{created}项。")
