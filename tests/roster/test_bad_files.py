"""Files that are not a roster get one clear message, and nothing is written."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from personnel.choices import Role
from personnel.models import Staff
from personnel.roster.reader import max_rows, max_upload_bytes
from personnel.roster.services import import_roster
from tests.roster.helpers import build_xlsx, db_snapshot, roster_row

pytestmark = pytest.mark.django_db


def _csv() -> bytes:
    return "工号,姓名,身份证号\nE1,张三,653225198805060011\n".encode("gbk")


def _xls() -> bytes:
    # The compound-file container every .xls uses (magic number, then a "Workbook" stream name).
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 1024


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _encrypted() -> bytes:
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(build_xlsx([roster_row()]))).encrypt("secret", out)
    return out.getvalue()


def _empty_workbook() -> bytes:
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


def _header_only() -> bytes:
    return build_xlsx([])


def _docx_like_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    """A valid roster plus one member that unpacks to 60 MB of zeros from a few dozen KB."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(build_xlsx([roster_row()]))) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/media/padding.bin", b"\0" * (60 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_csv, "不是Excel工作簿（.xlsx），而是文本或其他格式的文件（例如改了扩展名的CSV）"),
        (_xls, "旧版Excel（.xls）"),
        (_pdf, "而是PDF文件"),
        (_encrypted, "设置了打开密码"),
        (lambda: b"", "文件是空的"),
        (_empty_workbook, "文件中没有任何内容"),
        (_header_only, "表头行下面没有人员数据"),
        (_docx_like_zip, "这不是Excel工作簿（.xlsx）"),
        (_zip_bomb, "压缩炸弹"),
    ],
    ids=[
        "renamed-csv",
        "xls",
        "pdf",
        "password",
        "zero-bytes",
        "empty-workbook",
        "header-only",
        "other-zip",
        "zip-bomb",
    ],
)
def test_a_file_that_is_not_a_roster_gets_one_message_and_nothing_is_written(world, make, message):
    before = db_snapshot()
    report = import_roster(file=make(), actor=world.users[Role.HOSPITAL_HR])
    assert message in report.file_error
    assert report.errors == [{"row": None, "column": "", "message": report.file_error}]
    assert (report.new, report.updated, report.unchanged) == (0, 0, 0)
    assert db_snapshot() == before


def test_a_file_larger_than_20_mb_is_refused_before_it_is_read(world, settings):
    assert max_upload_bytes() == 20 * 1024 * 1024
    data = build_xlsx([roster_row()])
    settings.ROSTER_MAX_UPLOAD_BYTES = len(data) - 1
    before = db_snapshot()
    report = import_roster(file=data, actor=world.users[Role.HOSPITAL_HR])
    assert re.search(r"超过\d+MB的上限", report.file_error)
    assert db_snapshot() == before


def test_a_file_of_more_than_200000_rows_is_refused(world, settings):
    assert max_rows() == 200_000
    settings.ROSTER_MAX_ROWS = 3
    before = db_snapshot()
    report = import_roster(file=build_xlsx([roster_row() for _ in range(4)]), actor=world.users[Role.HOSPITAL_HR])
    assert "超过单次导入3行的上限" in report.file_error
    assert db_snapshot() == before


def test_formula_cells_are_read_by_their_cached_value(world):
    """Excel saves a formula with its last result; the import takes the result."""
    row = roster_row(姓名="公式")
    data = build_xlsx([row])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                # 所学专业 (column N) of row 2 becomes =CONCATENATE("临床","医学") with its cached text.
                content = re.sub(
                    rb'<c r="N2"[^>]*>.*?</c>',
                    '<c r="N2" t="str"><f>CONCATENATE("临床","医学")</f><v>临床医学(公式)</v></c>'.encode(),
                    content,
                )
            target.writestr(item, content)
    report = import_roster(file=buffer.getvalue(), actor=world.users[Role.HOSPITAL_HR])
    assert report.errors == []
    assert Staff.objects.get(id_number=row["身份证号"]).major == "临床医学(公式)"
