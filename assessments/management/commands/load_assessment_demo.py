"""manage.py load_assessment_demo: the assessments part of the 策勒县 demo (see assessments/demo.py);
run after load_demo.  Deterministic and idempotent: running it again adds nothing.  `--reset`
removes it (needed before `load_demo --reset`: results and workload protect the people)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from assessments.demo import build_assessment_demo, reset_assessment_demo
from personnel.errors import ApplicationError


class Command(BaseCommand):
    help = "为策勒县演示数据加上考核演示：必尽任务、本月考核期间与月度方案、科室评分（草稿与已提交）、HIS工作量。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=20260101, help="随机种子（默认20260101）")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="删除考核演示数据（成绩、工作量、进度、考核期间、方案）后退出；load_demo --reset 之前须先运行",
        )

    def handle(self, *args, **options) -> None:
        if options["reset"]:
            reset_assessment_demo()
            self.stdout.write("已删除考核演示数据。")
            return
        try:
            result = build_assessment_demo(seed=options["seed"])
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"考核演示数据：必尽任务模板{result.templates}项，新生成必尽任务{result.targets_created}项；"
                f"{result.period}（方案：{result.scheme}）；新录入成绩{result.scored}人（其中已提交{result.submitted}人）；"
                f"新增HIS工作量{result.workload_created}条；新增月度进度{result.progress_created}项。"
            )
        )
        for note in result.notes:
            self.stdout.write(note)
