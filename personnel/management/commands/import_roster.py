"""manage.py import_roster FILE [--dry-run] [--json] [--user NAME]

Exit 0 when the file imported (or would, with --dry-run), 1 when any row has an error."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError

from personnel.models import User
from personnel.roster.services import (
    INTERRUPTED_MESSAGE,
    create_import_record,
    interrupted,
    report_from_record,
    run_import_record,
)


class Command(BaseCommand):
    help = "导入花名册（.xlsx）：按身份证号新增或更新人员；任何一行有错则全部不写入。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="花名册文件（.xlsx）")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--json", action="store_true", help="以JSON输出报告")
        parser.add_argument("--user", help="以该用户的身份导入（受其管理范围限制，并记入变更记录）；不填则为系统导入")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        actor = None
        if options["user"]:
            actor = User.objects.select_related("institution").filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"没有用户“{options['user']}”。")
        try:
            record = create_import_record(
                file_name=path.name, data=path.read_bytes(), actor=actor, source="command", dry_run=options["dry_run"]
            )
        except (OperationalError, InterfaceError) as error:  # the database went away before the import began
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise CommandError(f"{INTERRUPTED_MESSAGE}（{first}）") from error
        try:
            run_import_record(record=record, dry_run=options["dry_run"])
        except (OperationalError, InterfaceError) as error:  # the database went away mid-import
            raise CommandError(interrupted(record, error)) from error
        report = report_from_record(record)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            self._print(report, path)
        if report.errors:
            sys.exit(1)

    def _print(self, report, path) -> None:
        verb = "校验" if report.dry_run else "导入"
        if report.file_error:
            self.stderr.write(f"{path.name}：{report.file_error}")
            return
        self.stdout.write(
            f"{path.name}：共{report.total_rows}行，新增{report.new}，更新{report.updated}，未变{report.unchanged}，"
            f"错误{len(report.errors)}。"
        )
        if report.extra_columns:
            self.stdout.write(f"已忽略的列：{'、'.join(report.extra_columns)}")
        for error in report.errors:
            self.stdout.write(f"  第{error['row']}行 {error['column']}：{error['message']}")
        self.stdout.write(f"{verb}{'未通过，未写入任何数据' if report.errors else '成功'}。")
