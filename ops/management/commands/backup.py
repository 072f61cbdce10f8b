"""manage.py backup --output FILE: the database and the uploaded files in one tar (ops.backup)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "备份：数据库（PostgreSQL 用 pg_dump，SQLite 用在线备份）与上传的文件，写入一个 tar 文件。"

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="备份文件路径（如 backup-2026-11-25.tar.gz）")

    def handle(self, *args, **options):
        output = Path(options["output"])
        try:
            manifest = create_backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"已备份到 {output}：{manifest['engine']} 数据库 {len(manifest['tables'])} 张表共 {rows} 行，"
            f"上传文件 {manifest['media_files']} 个。"
        )
