"""python manage.py run_sweep [--as-of YYYY-MM-DD] [--staff 身份证号] — the nightly 能上能下 rule
sweep, run synchronously (the same service the Celery task calls), printing what it did."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from demotions.sweep import in_scope_staff_ids, run_sweep
from personnel.models import Staff


class Command(BaseCommand):
    help = "按指定日期核查能上能下规则（整改、高职低聘立案），逐行输出新开和关闭的事项。"

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="核查日期，格式 YYYY-MM-DD；默认今天（北京时间）。")
        parser.add_argument("--staff", dest="id_number", help="只核查这一个人（身份证号）。")
        parser.add_argument("--chunk-size", dest="chunk_size", type=int, default=5000, help="每批人数。")

    def handle(self, *args, as_of=None, id_number=None, chunk_size=5000, **options):
        if as_of:
            try:
                day = dt.date.fromisoformat(as_of.strip())
            except ValueError:
                raise CommandError(f"核查日期“{as_of}”格式不正确，应为 YYYY-MM-DD，例如 2026-07-01。") from None
        else:
            day = timezone.localdate()
        staff_ids = None
        if id_number is not None:
            number = id_number.strip().upper()
            staff = Staff.objects.filter(id_number=number).only("pk", "name").first()
            if staff is None:
                raise CommandError(f"没有身份证号为“{number}”的人员，请核对身份证号后重试。")
            staff_ids = [staff.pk]
            if not in_scope_staff_ids(staff_ids):
                self.stdout.write(f"{staff.name}没有在聘的正高、副高岗位，不在能上能下规则核查范围内。")
        if chunk_size < 1:
            raise CommandError("每批人数应为正整数。")
        result = run_sweep(as_of=day, staff_ids=staff_ids, chunk_size=chunk_size)
        for line in result.lines():
            self.stdout.write(line)
        for warning in result.warnings:
            self.stderr.write(f"注意：{warning}")
        self.stdout.write(result.summary())
