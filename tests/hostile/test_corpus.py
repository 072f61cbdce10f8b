"""Every hostile file × every upload endpoint (page and API): a clear Chinese error, no row written in
any table, no file left in MEDIA_ROOT.  The corpus is tests/hostile/files/ (rebuilt by make_corpus.py);
each file is refused by uploads.validation before any reader parses it, so memory stays bounded —
a zip bomb is judged by its directory and never inflated (test_memory_stays_bounded)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from personnel.models import RosterImport

from .make_corpus import CORPUS, FILES

pytestmark = pytest.mark.django_db

# What the user is told, per file (any of the fragments).
EXPECTED = {
    "pdf_renamed.xlsx": "扩展名不符|而是PDF文件|不是Excel工作簿",
    "png_renamed.xlsx": "扩展名不符|不是Excel工作簿",
    "exe_renamed.xlsx": "扩展名不符|不是Excel工作簿",
    "exe_renamed.pdf": "扩展名不符|文件类型不支持|不是Excel工作簿",
    "xlsx_renamed.pdf": "扩展名不符|文件类型不支持",
    "empty.xlsx": "空文件|文件是空的|文件为空",
    "empty.pdf": "空文件|文件是空的|文件为空",
    "truncated.xlsx": "已损坏",
    "zip_bomb_ratio.xlsx": "压缩炸弹",
    "zip_bomb_declared.xlsx": "压缩炸弹",
    "xml_bomb_sheet.xlsx": "XML实体",
    "xml_bomb_content_types.xlsx": "XML实体",
    "xxe_sheet.xlsx": "XML实体",
    "giant_dimension.xlsx": "超过单次导入",
    "rows_300k.xlsx": "超过单次导入",
    "macro.xlsm": "宏|扩展名不符|文件类型不支持",
    "macro_inside.xlsx": "宏",
    "zip_slip.xlsx": "异常路径",
    "password.xlsx": "密码",
}
# Evidence is stored, not read as a roster: a long sheet is not a problem there.
ROSTER_ONLY = {"giant_dimension.xlsx", "rows_300k.xlsx"}
COUNTS: dict[str, int] = {}


def table_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.managed}


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FILES / name).read_bytes())


def roster_page(client, world, targets, name):
    return client.post("/roster/", {"file": _upload(name)}, follow=True)


def roster_api(client, world, targets, name):
    return client.post("/api/v1/roster-imports/", {"file": _upload(name), "dry_run": "true"})


def case_evidence_page(client, world, targets, name):
    case = targets["case"]
    return client.post(f"/demotions/{case.pk}/steps/evidence/", {"files": _upload(name), "description": "材料"})


def case_evidence_api(client, world, targets, name):
    case = targets["case"]
    return client.post(f"/api/v1/demotion-cases/{case.pk}/evidence/", {"files": [_upload(name)]})


def round_evidence_page(client, world, targets, name):
    a = targets["application"]
    return client.post(
        f"/rounds/{targets['round'].pk}/step/evidence/",
        {"application": a.pk, f"a{a.pk}-file": _upload(name), f"a{a.pk}-description": "材料"},
        follow=True,
    )


def round_evidence_api(client, world, targets, name):
    a = targets["application"]
    return client.post(f"/api/v1/round-applications/{a.pk}/evidence/", {"file": _upload(name)})


# endpoint → (who uploads, how)
ENDPOINTS = {
    "roster_page": ("hospital_hr", roster_page),
    "roster_api": ("hospital_hr", roster_api),
    "case_evidence_page": ("hospital_hr", case_evidence_page),
    "case_evidence_api": ("hospital_hr", case_evidence_api),
    "round_evidence_page": ("commission_admin", round_evidence_page),
    "round_evidence_api": ("commission_admin", round_evidence_api),
}
# The roster reads what the content is: a workbook named .pdf is read as the workbook it is.
EVIDENCE_ONLY = {"xlsx_renamed.pdf"}
CASES = [
    (f, e)
    for f in sorted(CORPUS)
    for e in ENDPOINTS
    if not (f in ROSTER_ONLY and not e.startswith("roster")) and not (f in EVIDENCE_ONLY and e.startswith("roster"))
]


def test_the_committed_corpus_is_what_the_generator_builds():
    from .make_corpus import build_bytes

    for name, data in build_bytes().items():
        assert (FILES / name).read_bytes() == data, f"{name}: run tests/hostile/make_corpus.py"


@pytest.mark.parametrize(("name", "endpoint"), CASES, ids=[f"{f}-{e}" for f, e in CASES])
def test_a_hostile_file_is_refused_with_a_clear_message_and_nothing_written(client, world, targets, name, endpoint):
    role, post = ENDPOINTS[endpoint]
    client.force_login(world.users[role])
    before = table_counts()
    roster_before = set(RosterImport.objects.values_list("pk", flat=True))
    response = post(client, world, targets, name)
    text = response.content.decode()
    assert response.status_code in (200, 400), (response.status_code, text[:300])
    if endpoint.endswith("_api"):
        assert response.status_code == 400
    assert re.search(EXPECTED[name], text), text[:2000]
    after = table_counts()
    if endpoint.startswith("roster"):
        # The import history keeps the refused upload (who, when, why) — without its content.
        new = RosterImport.objects.exclude(pk__in=roster_before)
        # (A file the form itself refuses, such as an empty one, leaves no record at all.)
        assert [(r.status, bool(r.content)) for r in new] in ([(RosterImport.Status.FAILED, False)], [])
        assert all(re.search(EXPECTED[name], r.message) for r in new)
        after["personnel.RosterImport"] -= len(new)
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert changed == {}
    assert media_files() == []
    COUNTS[endpoint] = COUNTS.get(endpoint, 0) + 1


def test_zz_print_how_many_files_and_endpoints_were_tried():
    total = sum(COUNTS.values())
    print(f"\nhostile corpus: {len(CORPUS)} files × {len(ENDPOINTS)} endpoints → {total} refusals checked: {COUNTS}")
    assert total in (0, len(CASES))  # 0 when this test runs alone
