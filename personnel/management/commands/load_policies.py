"""Load the seeded regions and their policy versions (fixtures/policies.json), idempotently."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from personnel.errors import ApplicationError
from personnel.models import PolicyVersion, Region
from personnel.services import create_policy_version

DEFAULT_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "policies.json"


@transaction.atomic
def load_policies(path: Path = DEFAULT_FIXTURE) -> tuple[int, int]:
    """Create each fixture region (by code) and each policy version a region does not have yet
    (same name and effective date).  Returns (regions created, versions created)."""
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    regions_created = versions_created = 0
    for entry in document["regions"]:
        region, created = Region.objects.get_or_create(code=entry["code"], defaults={"name": entry["name"]})
        regions_created += created
        for spec in entry["policies"]:
            effective_from = dt.date.fromisoformat(spec["effective_from"])
            if PolicyVersion.objects.filter(region=region, name=spec["name"], effective_from=effective_from).exists():
                continue
            create_policy_version(
                region=region,
                name=spec["name"],
                effective_from=effective_from,
                data=spec["data"],
                note=spec.get("note", ""),
            )
            versions_created += 1
    return regions_created, versions_created


class Command(BaseCommand):
    help = "导入种子政策参数（地区及其政策版本）；已存在的同名同日版本不重复导入。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--file", default=str(DEFAULT_FIXTURE), help="政策参数文件（JSON）")

    def handle(self, *args, **options) -> None:
        try:
            regions, versions = load_policies(Path(options["file"]))
        except ApplicationError as error:
            raise CommandError(f"政策参数有误：{error.message} {error.extra}") from error
        except FileNotFoundError as error:
            raise CommandError(f"找不到政策参数文件：{options['file']}") from error
        self.stdout.write(f"政策参数已导入：新建地区{regions}个，新建政策版本{versions}个。")
