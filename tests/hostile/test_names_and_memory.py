"""Hostile file names never reach the file system, and hostile files are refused in bounded memory.

- Path traversal, absolute paths, backslashes, NUL bytes and 300-character names: the file is stored
  under a random name (32 hex digits + the detected extension) inside MEDIA_ROOT; the uploader's name
  is kept, cleaned, only for display.
- The zip bomb (200 MB inflated), the 300,001-row sheet and the XML bomb are refused by the whole
  roster import path while Python allocates at most a few MB (tracemalloc peak): nothing is inflated."""

from __future__ import annotations

import re
import tracemalloc
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from demotions import services as demotions
from personnel.roster.services import import_roster
from rounds import services as rounds
from uploads.validation import MAX_DISPLAY_NAME, display_name

from .make_corpus import FILES, PDF

pytestmark = pytest.mark.django_db

HOSTILE_NAMES = [
    "../../etc/passwd.pdf",
    "/etc/passwd.pdf",
    "..\\..\\Windows\\System32\\evil.pdf",
    "a\x00b.pdf",
    "证明" * 150 + ".pdf",
    "C:\\boot.pdf",
    "\u202egpj.pdf",  # right-to-left override
]
RANDOM_NAME = re.compile(r"[0-9a-f]{32}\.pdf")


def _check_stored(file_field, shown: str) -> None:
    path = Path(file_field.path).resolve()
    assert path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert RANDOM_NAME.fullmatch(path.name), path.name
    assert path.read_bytes() == PDF
    assert "/" not in shown and "\\" not in shown and "\x00" not in shown and not shown.startswith(".")
    assert len(shown) <= MAX_DISPLAY_NAME and shown.endswith(".pdf")


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_a_hostile_name_is_stored_under_a_random_name_inside_media_root(world, targets, name):
    hr = world.users["hospital_hr"]
    (evidence,) = demotions.add_evidence(case=targets["case"], actor=hr, files=[SimpleUploadedFile(name, PDF)])
    _check_stored(evidence.file, evidence.name)
    round_evidence = rounds.add_evidence(
        application=targets["application"], file=SimpleUploadedFile(name, PDF), actor=world.users["commission_admin"]
    )
    _check_stored(round_evidence.file, round_evidence.name)


def test_a_hostile_name_over_http_is_stored_under_a_random_name(client, world, targets):
    client.force_login(world.users["hospital_hr"])
    upload = SimpleUploadedFile("x.pdf", PDF)
    upload.name = "../../../../etc/cron.d/evil.pdf"  # as the browser sends it
    response = client.post(f"/api/v1/demotion-cases/{targets['case'].pk}/evidence/", {"files": [upload]})
    assert response.status_code in (200, 201), response.content.decode()[:300]
    evidence = targets["case"].evidence.get()
    _check_stored(evidence.file, evidence.name)


def test_display_names_keep_only_the_last_component_without_control_characters():
    assert display_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert display_name("C:\\x\\y.pdf") == "y.pdf"
    assert display_name("a\x00b\x1f.pdf") == "ab.pdf"
    assert display_name("..") == "文件" and display_name(None, "材料") == "材料"
    long = display_name("长" * 300 + ".xlsx")
    assert len(long) == MAX_DISPLAY_NAME and long.endswith(".xlsx")


@pytest.mark.parametrize(
    "name", ["zip_bomb_ratio.xlsx", "rows_300k.xlsx", "xml_bomb_sheet.xlsx", "zip_bomb_declared.xlsx"]
)
def test_a_bomb_is_refused_by_the_roster_import_in_bounded_memory(world, name):
    data = (FILES / name).read_bytes()
    tracemalloc.start()
    try:
        report = import_roster(file=data, actor=world.users["hospital_hr"], dry_run=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.file_error
    print(f"\n{name}: {len(data):,} bytes on disk, refused with a Python peak of {peak / 1024 / 1024:.1f} MB")
    assert peak < 16 * 1024 * 1024 + 4 * len(data)
