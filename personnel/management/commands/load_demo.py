"""Build the deterministic 策勒县 demo community (see personnel/demo.py)."""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from personnel.demo import PASSWORDS, build_demo, demo_exists, reset_demo

ROLE_LABELS = {
    "root": "超级管理员",
    "admin": "卫健委管理员（可进入管理后台）",
    "hr": "医院人事（策勒县人民医院）",
    "head": "科室主任（策勒县人民医院·内科）",
    "staff": "职工",
}


class Command(BaseCommand):
    help = "生成策勒县演示数据（医共体、人员、职称、岗位结构比例、聘任、演示用户）；同一随机种子结果相同。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--staff", type=int, default=1500, help="人员数（默认1500）")
        parser.add_argument("--seed", type=int, default=20260101, help="随机种子（默认20260101）")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="先删除已有演示数据再重建（连同指向演示人员、机构、用户和聘任的考核、工作量、必尽任务、"
            "下沉、引才、整改、高职低聘等数据）",
        )

    def handle(self, *args, **options) -> None:
        if options["staff"] < 50:
            raise CommandError("--staff 至少为50。")
        started = time.monotonic()
        call_command("load_policies", stdout=self.stdout)
        if demo_exists():
            if not options["reset"]:
                self.stdout.write(
                    "演示数据已存在，未重复导入；如需重建请加 --reset。演示用户："
                    + "，".join(f"{name} / {password}" for name, password in PASSWORDS.items())
                )
                return
            removed = reset_demo()
            also = "，".join(f"{name}{count}条" for name, count in removed.items())
            self.stdout.write("已删除原有演示数据" + (f"（连同{also}）。" if also else "。"))
        result = build_demo(staff_count=options["staff"], seed=options["seed"])
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已生成（{elapsed:.1f}秒）：机构{result.institutions}个，科室{result.departments}个，"
                f"人员{result.staff}人，职称{result.titles}条，岗位结构比例{result.quotas}条，"
                f"在聘{result.appointments}人（其中特设岗位{result.special_posts}人）。"
            )
        )
        self.stdout.write("演示用户（用户名 / 密码）：")
        for username, password in result.users.items():
            self.stdout.write(f"  {username:<6} {password:<18} {ROLE_LABELS[username]}")
        self.stdout.write(f"策勒县人民医院 HIS 接口密钥（仅显示这一次）：{result.api_key}")
