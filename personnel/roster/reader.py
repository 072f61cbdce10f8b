"""Reading HR's own spreadsheets: refuse what is not a roster with one clear message, find the
header row, and hand on each data row with the sheet's own row number.

The fast path is python-calamine (Rust); it reads the cached value of a formula cell and turns
date-formatted cells into dates.  Everything here works on plain values, so the resource and the
validation do not care which reader produced them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from operator import itemgetter

from django.conf import settings

from .columns import COLUMNS, HEADERS, REQUIRED_HEADERS, canonical_header

HEADER_SEARCH_ROWS = 10


def max_upload_bytes() -> int:
    return getattr(settings, "ROSTER_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)


def max_rows() -> int:
    return getattr(settings, "ROSTER_MAX_ROWS", 200_000)


def max_unzipped_bytes() -> int:
    return getattr(settings, "ROSTER_MAX_UNZIPPED_BYTES", 400 * 1024 * 1024)


class RosterFileError(Exception):
    """The file as a whole is not a roster we can read: one message, nothing imported."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class RosterSheet:
    headers: list[str]  # canonical headers present, in file order
    rows: list[tuple[int, dict]]  # (sheet row number, {header: raw value})
    header_row: int  # sheet row number of the header row
    extra_columns: list[str] = field(default_factory=list)  # ignored columns, as written in the file
    sheet_name: str = ""
    column_index: dict[str, int] = field(default_factory=dict)  # header → 0-based column in the file


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")


def _check_container(data: bytes) -> None:
    if len(data) == 0:
        raise RosterFileError("文件是空的，请选择填好的花名册（.xlsx）。", "empty")
    limit = max_upload_bytes()
    if len(data) > limit:
        raise RosterFileError(
            f"文件大小为{len(data) / 1024 / 1024:.1f}MB，超过{limit // 1024 // 1024}MB的上限，请拆分后分批导入。",
            "too_large",
        )
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTION_STREAM in data:
            raise RosterFileError("文件设置了打开密码，无法读取。请在Excel中取消密码后重新上传。", "encrypted")
        raise RosterFileError("这是旧版Excel（.xls）文件，请在Excel中“另存为”Excel工作簿（.xlsx）后重新上传。", "xls")
    if not data.startswith(b"PK"):
        kind = "PDF文件" if data.startswith(b"%PDF") else "文本或其他格式的文件（例如改了扩展名的CSV）"
        raise RosterFileError(f"这不是Excel工作簿（.xlsx），而是{kind}。请上传.xlsx格式的花名册。", "not_xlsx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise RosterFileError("文件已损坏或不是Excel工作簿（.xlsx），无法打开。", "not_xlsx") from error
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise RosterFileError("这不是Excel工作簿（.xlsx），请上传.xlsx格式的花名册。", "not_xlsx")
    # A zip bomb: tiny on disk, enormous once unpacked.  Judge by the declared sizes before
    # anything is unpacked.
    unpacked = sum(info.file_size for info in infos)
    packed = max(sum(info.compress_size for info in infos), 1)
    if unpacked > max_unzipped_bytes() or (unpacked > 50 * 1024 * 1024 and unpacked / packed > 200):
        raise RosterFileError("文件解压后异常巨大（疑似压缩炸弹），已拒绝读取。", "zip_bomb")
    # Macros, encryption, entity declarations, odd member names, a sheet longer than the row limit
    # (counted while streaming its XML): the checks every upload goes through (uploads.validation).
    from uploads.validation import UploadRejected, inspect_office_zip

    try:
        inspect_office_zip(io.BytesIO(data), max_rows=max_rows())
    except UploadRejected as error:
        raise RosterFileError(error.message, error.code) from error


def _read_values(data: bytes) -> tuple[str, list[list]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise RosterFileError("工作簿中没有工作表。", "empty")
        sheet = workbook.get_sheet_by_index(0)
        if sheet.height > max_rows() + HEADER_SEARCH_ROWS + 1:
            raise RosterFileError(
                f"文件有{sheet.height}行，超过单次导入{max_rows()}行的上限，请拆分后分批导入。", "too_many_rows"
            )
        return sheet.name, sheet.to_python(skip_empty_area=False)
    except RosterFileError:
        raise
    except Exception as error:  # calamine raises its own types for every malformed part
        raise RosterFileError("文件已损坏或不是Excel工作簿（.xlsx），无法读取。", "not_xlsx") from error


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def find_header_row(values: list[list]) -> tuple[int, dict[int, str], list[str]]:
    """The row (0-based) among the first ten that names the most roster columns."""
    best = (-1, {}, [])
    for index, row in enumerate(values[:HEADER_SEARCH_ROWS]):
        mapping: dict[int, str] = {}
        extras: list[str] = []
        for col, cell in enumerate(row):
            if _is_blank(cell):
                continue
            header = canonical_header(cell)
            if header and header not in mapping.values():
                mapping[col] = header
            else:
                extras.append(str(cell).strip())
        if len(mapping) > len(best[1]):
            best = (index, mapping, extras)
    index, mapping, extras = best
    present = set(mapping.values())
    missing = [h for h in REQUIRED_HEADERS if h not in present]
    if index < 0 or len(mapping) < 3 or missing:
        missing = missing or list(REQUIRED_HEADERS)
        raise RosterFileError(
            f"在前{HEADER_SEARCH_ROWS}行中没有找到花名册的表头行，缺少列：{'、'.join(missing)}。"
            f"请使用模板的表头（{'、'.join(HEADERS)}）。",
            "no_header",
        )
    return index, mapping, extras


def read_roster(data: bytes) -> RosterSheet:
    """Check and read an uploaded roster; raise RosterFileError for a file that is not one."""
    _check_container(data)
    sheet_name, values = _read_values(data)
    if not any(any(not _is_blank(c) for c in row) for row in values[: HEADER_SEARCH_ROWS + 1]):
        raise RosterFileError("文件中没有任何内容，请填写花名册后再上传。", "empty")
    header_index, mapping, extras = find_header_row(values)
    rows: list[tuple[int, dict]] = []
    cols = list(mapping)  # at least three (find_header_row), so itemgetter returns a tuple
    names = [mapping[col] for col in cols]
    cells_of = itemgetter(*cols)
    width = max(cols) + 1
    for offset, row in enumerate(values[header_index + 1 :], start=header_index + 2):
        cells = cells_of(row) if len(row) >= width else tuple(row[c] if c < len(row) else None for c in cols)
        for value in cells:
            if not _is_blank(value):
                break
        else:
            continue  # blank rows, trailing or between blocks
        rows.append((offset, dict(zip(names, cells, strict=True))))
    if not rows:
        raise RosterFileError("表头行下面没有人员数据，请填写后再上传。", "empty")
    if len(rows) > max_rows():
        raise RosterFileError(
            f"文件有{len(rows)}行人员数据，超过单次导入{max_rows()}行的上限，请拆分后分批导入。", "too_many_rows"
        )
    order = {h: i for i, h in enumerate(HEADERS)}
    headers = sorted(set(mapping.values()), key=order.__getitem__)
    return RosterSheet(
        headers=headers,
        rows=rows,
        header_row=header_index + 1,
        extra_columns=extras,
        sheet_name=sheet_name,
        column_index={h: c for c, h in mapping.items()},
    )


# ---------------------------------------------------------------- cell values

_SPACES = re.compile(r"\s+")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def clean_text(value) -> str:
    """Full-width letters, digits and spaces become half-width; runs of space collapse."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if "  " in text or "\t" in text or "\n" in text or "\r" in text:
        text = _SPACES.sub(" ", text)
    text = text.strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        text = text[1:]  # our own export's formula escape, read back
    return text


def clean_code(value) -> str:
    """Codes and numbers typed as text or stored as numbers (工号, 手机号): no spaces, no '.0'."""
    return clean_text(value).replace(" ", "")


_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$", re.IGNORECASE)


class IdNumberAsNumber(ValueError):
    pass


def clean_id_number(value) -> str:
    """身份证号 as text.  A number means Excel has already dropped the last digits: never guess."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        shown = f"{value:.5E}" if value >= 1e15 else str(value)
        raise IdNumberAsNumber(
            f"身份证号被Excel存成了数字（显示为{shown}），后几位已经丢失，无法识别。"
            "请把该列设置为“文本”格式，重新录入完整的18位身份证号。"
        )
    text = clean_code(value).upper()
    if _SCIENTIFIC.match(text):
        raise IdNumberAsNumber(
            f"身份证号显示为科学计数法（{text}），后几位已经丢失，无法识别。"
            "请把该列设置为“文本”格式，重新录入完整的18位身份证号。"
        )
    return text


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})(\d{2})$"),
)
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value) -> dt.date | None:
    """Excel dates, and text as HR types it: 2019-07-01, 2019/7/1, 2019.07, 2019年7月, 20190701.
    A month without a day means the first of the month."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float | int) and not isinstance(value, bool):
        if 1 <= value < 80000:  # an Excel serial day number in a cell not formatted as a date
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        value = str(int(value)) if float(value).is_integer() else str(value)
    text = clean_text(value).replace(" ", "")
    if not text:
        return None
    if re.fullmatch(r"\d{4}\.\d{1,2}", text):
        year, month = text.split(".")
        return _date_or_error(int(year), int(month), 1, text)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            parts = [int(p) for p in match.groups()]
            if len(parts) == 2:
                parts.append(1)
            return _date_or_error(*parts, text)
    # "2019-07-01 00:00:00" and other ISO forms
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        raise ValueError(f"日期“{text}”无法识别，请写成2019-07-01、2019/7/1、2019.07或2019年7月。") from None


def _date_or_error(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"日期“{text}”不存在，请核对年月日。") from None


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


__all__ = [
    "COLUMNS",
    "RosterFileError",
    "RosterSheet",
    "clean_code",
    "clean_id_number",
    "clean_text",
    "parse_date",
    "read_roster",
]
