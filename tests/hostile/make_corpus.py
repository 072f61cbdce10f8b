"""Build the hostile-file corpus in tests/hostile/files/ deterministically (same bytes every run):
`python tests/hostile/make_corpus.py`.  Every file is small on disk; what each one attacks is in
CORPUS below (name → why), which tests/hostile/test_corpus.py reads.

Zip entries carry a fixed date and are written in a fixed order, zlib at a fixed level, and the
password-protected workbook is encrypted with a seeded random source, so the bytes do not change."""

from __future__ import annotations

import io
import random
import struct
import sys
import zipfile
from pathlib import Path

FILES = Path(__file__).resolve().parent / "files"
DATE = (2026, 1, 1, 0, 0, 0)

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="{main}"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
HEADERS = ["身份证号", "姓名", "性别", "单位", "科室", "人员类别"]


def _cell(ref: str, value: str) -> str:
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def sheet_xml(rows: list[list[str]], *, dimension: str | None = None, prolog: str = "") -> str:
    cols = "ABCDEFGHIJ"
    body = "".join(
        f'<row r="{i}">' + "".join(_cell(f"{cols[j]}{i}", v) for j, v in enumerate(row)) + "</row>"
        for i, row in enumerate(rows, start=1)
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{prolog}'
        f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dim}'
        f"<sheetData>{body}</sheetData></worksheet>"
    )


def _zip(parts: list[tuple[str, bytes | str]], *, level: int = 6) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data.encode() if isinstance(data, str) else data, compresslevel=level)
    return buffer.getvalue()


def xlsx(sheet: str | bytes, *, content_types: str | None = None, extra: list[tuple[str, bytes | str]] = ()) -> bytes:
    return _zip(
        [
            ("[Content_Types].xml", content_types or CONTENT_TYPES.format(main=XLSX_MAIN)),
            ("_rels/.rels", RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/worksheets/sheet1.xml", sheet),
            *extra,
        ]
    )


def valid_xlsx() -> bytes:
    """A well-formed workbook (a roster header and one row): what the hostile files are made from."""
    return xlsx(
        sheet_xml([HEADERS, ["110101199001011237", "测试", "男", "策勒县人民医院", "内科", "卫生专业技术人员"]])
    )


def valid_docx() -> bytes:
    return _zip(
        [
            (
                "[Content_Types].xml",
                '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                'content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.wordprocessingml.document.main+xml"/></Types>',
            ),
            ("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="urn:w"><w:body/></w:document>'),
        ]
    )


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0dIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"

LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>\n"
)
XXE = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def _declared_size(data: bytes, member: str, size: int) -> bytes:
    """Rewrite the uncompressed size the zip declares for `member` (local header and central directory)."""
    out = bytearray(data)
    name = member.encode()
    pos = 0
    while (pos := out.find(b"PK\x03\x04", pos)) != -1:
        n, m = struct.unpack_from("<HH", out, pos + 26)
        if bytes(out[pos + 30 : pos + 30 + n]) == name:
            struct.pack_into("<I", out, pos + 22, size)
        pos += 4
    pos = 0
    while (pos := out.find(b"PK\x01\x02", pos)) != -1:
        n = struct.unpack_from("<H", out, pos + 28)[0]
        if bytes(out[pos + 46 : pos + 46 + n]) == name:
            struct.pack_into("<I", out, pos + 24, size)
        pos += 4
    return bytes(out)


def _encrypted_xlsx() -> bytes:
    import msoffcrypto.format.ooxml as ooxml
    import msoffcrypto.method.container.ecma376_encrypted as container
    import msoffcrypto.method.ecma376_agile as agile

    seeded = random.Random(10)
    original, clock = agile._random_buffer, container.datetime
    agile._random_buffer = lambda n: bytes(seeded.getrandbits(8) for _ in range(n))  # same salts every build

    class FixedClock(clock):
        @classmethod
        def now(cls, tz=None):
            return clock(2026, 1, 1)

    container.datetime = FixedClock  # the OLE directory's timestamps
    try:
        out = io.BytesIO()
        ooxml.OOXMLFile(io.BytesIO(valid_xlsx())).encrypt("pass-Word-123", out)
        return out.getvalue()
    finally:
        agile._random_buffer, container.datetime = original, clock


def _truncated() -> bytes:
    data = valid_xlsx()
    return data[: len(data) // 2]


def _ratio_bomb() -> bytes:
    # 200 MB of blanks inside the sheet: about 200 KB on disk, 1,000× when inflated.
    blank = b" " * (200 * 1024 * 1024)
    head = sheet_xml([HEADERS]).encode()
    sheet = head.replace(b"<sheetData>", b"<sheetData>" + blank)
    return _zip(
        [
            ("[Content_Types].xml", CONTENT_TYPES.format(main=XLSX_MAIN)),
            ("_rels/.rels", RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/worksheets/sheet1.xml", sheet),
        ],
        level=9,
    )


def _many_rows(n: int) -> bytes:
    row = b"<row><c><v>1</v></c></row>"  # 7.8 MB in all: under the zip-bomb ratio rule, over the row limit
    head = sheet_xml([HEADERS]).encode()
    return xlsx(head.replace(b"</sheetData>", row * n + b"</sheetData>"))


FORMULAS = ['=HYPERLINK("http://evil.example/","点击")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1,1)"]


def _formula_roster() -> bytes:
    rows = [HEADERS]
    for i, formula in enumerate(FORMULAS):
        rows.append([f"11010119900101{1000 + i}", formula, "男", "策勒县人民医院", "内科", "卫生专业技术人员"])
    return xlsx(sheet_xml(rows))


# name → (bytes builder, what it attacks)
CORPUS = {
    "pdf_renamed.xlsx": (lambda: PDF, "a PDF named .xlsx"),
    "png_renamed.xlsx": (lambda: PNG, "a PNG named .xlsx"),
    "exe_renamed.xlsx": (lambda: EXE, "a Windows program named .xlsx"),
    "exe_renamed.pdf": (lambda: EXE, "a Windows program named .pdf"),
    "xlsx_renamed.pdf": (valid_xlsx, "a workbook named .pdf"),
    "empty.xlsx": (lambda: b"", "an empty file"),
    "empty.pdf": (lambda: b"", "an empty file"),
    "truncated.xlsx": (_truncated, "half a workbook (a truncated zip)"),
    "zip_bomb_ratio.xlsx": (_ratio_bomb, "a sheet inflating 1,000× (200 MB)"),
    "zip_bomb_declared.xlsx": (
        lambda: _declared_size(valid_xlsx(), "xl/worksheets/sheet1.xml", 0xFFFFFFF0),
        "a sheet declaring 4 GB",
    ),
    "xml_bomb_sheet.xlsx": (lambda: xlsx(sheet_xml([HEADERS], prolog=LAUGHS)), "billion laughs in the sheet XML"),
    "xml_bomb_content_types.xlsx": (
        lambda: xlsx(
            sheet_xml([HEADERS]), content_types=LAUGHS.join(CONTENT_TYPES.format(main=XLSX_MAIN).split("\n", 1))
        ),
        "billion laughs in [Content_Types].xml",
    ),
    "xxe_sheet.xlsx": (lambda: xlsx(sheet_xml([HEADERS], prolog=XXE)), "an external entity (file:///etc/passwd)"),
    "giant_dimension.xlsx": (
        lambda: xlsx(sheet_xml([HEADERS], dimension="A1:XFD1048576")),
        "a sheet declaring A1:XFD1048576",
    ),
    "rows_300k.xlsx": (lambda: _many_rows(300_001), "300,001 rows"),
    "macro.xlsm": (
        lambda: xlsx(
            sheet_xml([HEADERS]),
            content_types=CONTENT_TYPES.format(main=XLSM_MAIN),
            extra=[("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1vba")],
        ),
        "a macro-enabled workbook (.xlsm)",
    ),
    "macro_inside.xlsx": (
        lambda: xlsx(sheet_xml([HEADERS]), extra=[("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1vba")]),
        "vbaProject.bin inside an .xlsx",
    ),
    "zip_slip.xlsx": (
        lambda: xlsx(sheet_xml([HEADERS]), extra=[("../../evil.sh", b"#!/bin/sh\n")]),
        "a member named ../../evil.sh",
    ),
    "password.xlsx": (_encrypted_xlsx, "a password-protected workbook"),
}
# Roster-only: a well-formed roster whose cells start with formula characters.
FORMULA_ROSTER = ("formula_injection.xlsx", _formula_roster)


def build_bytes() -> dict[str, bytes]:
    return {name: builder() for name, (builder, _) in {**CORPUS, FORMULA_ROSTER[0]: (FORMULA_ROSTER[1], "")}.items()}


def build() -> dict[str, int]:
    FILES.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for name, data in build_bytes().items():
        (FILES / name).write_bytes(data)
        sizes[name] = len(data)
    return sizes


if __name__ == "__main__":
    for name, size in build().items():
        print(f"{size:>10,}  {name}")
    sys.exit(0)
