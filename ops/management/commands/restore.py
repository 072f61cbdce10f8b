"""manage.py restore --input FILE [--noinput]: put a backup (manage.py backup) back into the
configured database and MEDIA_ROOT, then check every table's row count (ops.backup)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, read_manifest, restore_backup


class Command(BaseCommand):
    help = "恢复：用备份文件替换当前数据库的全部数据和上传的文件，并逐表核对行数。"

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="manage.py backup 生成的备份文件")
        parser.add_argument("--noinput", "--no-input", action="store_true", help="不询问，直接恢复")

    def handle(self, *args, **options):
        path = Path(options["input"])
        if not path.is_file():
            raise CommandError(f"找不到备份文件：{path}")
        try:
            manifest = read_manifest(path)
            name = settings.DATABASES["default"]["NAME"]
            if not options["noinput"]:
                answer = input(
                    f"将用 {path.name}（{manifest['created_at']}）替换数据库 {name} 的全部数据，输入 yes 继续："
                )
                if answer.strip().lower() != "yes":
                    raise CommandError("已取消，数据库未改动。")
            result = restore_backup(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"已从 {path} 恢复：{len(result.tables)} 张表共 {sum(result.tables.values())} 行，行数与备份一致；"
            f"上传文件 {result.media_files} 个。"
        )
