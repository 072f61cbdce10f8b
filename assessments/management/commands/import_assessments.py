"""manage.py import_assessments FILE [--dry-run] [--json] [--user NAME] [--draft]

Exit 0 when the file imported (or would, with --dry-run), 1 when any row has an error."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.importer import import_assessments
from personnel.models import User


class Command(BaseCommand):
    help = (
        "导入考核结果（.xlsx）：身份证号、姓名、考核类型、考核期间、各考核项目或得分、等次；任何一行有错则全部不写入。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="考核结果文件（.xlsx）")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--json", action="store_true", help="以JSON输出报告")
        parser.add_argument("--user", help="以该用户的身份导入（受其角色和管理范围限制）；不填则为系统导入")
        parser.add_argument("--draft", action="store_true", help="导入为草稿（默认导入为已提交）")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        actor = None
        if options["user"]:
            actor = User.objects.select_related("institution").filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"没有用户“{options['user']}”。")
        report = import_assessments(
            data=path.read_bytes(), actor=actor, dry_run=options["dry_run"], submit=not options["draft"]
        )
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        elif report.file_error:
            self.stderr.write(f"{path.name}：{report.file_error}")
        else:
            self.stdout.write(
                f"{path.name}：共{report.total_rows}行，新增{report.new}，更新{report.updated}，未变{report.unchanged}，"
                f"错误{len(report.errors)}。"
            )
            for error in report.errors:
                self.stdout.write(f"  第{error['row']}行 {error['column']}：{error['message']}")
            verb = "校验" if report.dry_run else "导入"
            self.stdout.write(f"{verb}{'未通过，未写入任何数据' if report.errors else '成功'}。")
        if report.errors or report.file_error:
            sys.exit(1)
