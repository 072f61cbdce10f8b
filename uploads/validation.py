"""Every uploaded file is judged by its content, never by its name: the magic bytes say what it is,
an Office file (a zip) is opened only to read its directory and the first bytes of its XML parts,
and it is refused — with one clear Chinese message, before anything is stored — when it is:

- empty, too large for its kind (settings.UPLOAD_KINDS), or of a type the kind does not take;
- named with an extension its content contradicts (an .xlsx renamed .pdf);
- a zip bomb: members declaring more than UPLOAD_MAX_UNZIPPED_BYTES in all, or inflating more than
  UPLOAD_MAX_ZIP_RATIO times — judged from the zip directory, nothing is inflated;
- an XML bomb: a DOCTYPE or ENTITY declaration in any XML part (billion laughs, external entities);
- macro-enabled (vbaProject.bin, a macroEnabled content type), password-protected (an OLE container
  holding EncryptionInfo), an old binary .xls/.doc, a zip with absolute or ../ member names;
- for a roster, a sheet with more rows than ROSTER_MAX_ROWS, counted while streaming the sheet's XML
  (or read from its declared dimension) before any spreadsheet reader builds it in memory.

The name a file is stored under is never the uploader's: `storage_name` makes a random one with the
extension of the detected type; the uploader's name is kept, cleaned, only for display.
"""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass

from django.conf import settings

MB = 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TYPE_LABELS = {
    "pdf": "PDF",
    "jpg": "JPG图片",
    "png": "PNG图片",
    "docx": "Word文档（.docx）",
    "xlsx": "Excel工作簿（.xlsx）",
}
EXTENSIONS = {"pdf": ("pdf",), "jpg": ("jpg", "jpeg"), "png": ("png",), "docx": ("docx",), "xlsx": ("xlsx",)}
XML_PEEK_BYTES = 64 * 1024
DANGEROUS_XML = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
ROW = re.compile(rb"<row[\s/>]")
DIMENSION = re.compile(rb'<dimension\s+ref="[A-Z]{1,3}\d+(?::[A-Z]{1,3}(\d+))?"')
MAX_DISPLAY_NAME = 120


class UploadRejected(ValueError):
    """The file is refused as a whole: `message` is for the user (Chinese), `code` for programs."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class CheckedFile:
    kind: str  # the upload kind (settings.UPLOAD_KINDS key)
    type: str  # detected: pdf, jpg, png, docx, xlsx
    display_name: str  # the uploader's name, cleaned, for display only
    size: int


def kind_settings(kind: str) -> dict:
    return settings.UPLOAD_KINDS[kind]


def display_name(name: str | None, default: str = "文件") -> str:
    """The uploader's file name, safe to show and store as text: the last path component only, no
    control characters (NUL included), at most MAX_DISPLAY_NAME characters, keeping the extension."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = text.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".")
    if not text:
        return default
    if len(text) > MAX_DISPLAY_NAME:
        stem, dot, ext = text.rpartition(".")
        ext = ext[:10] if dot else ""
        text = text[: MAX_DISPLAY_NAME - len(ext) - 1] + ("." + ext if ext else "")
    return text


def storage_name(checked: CheckedFile) -> str:
    """A fresh random name with the detected type's extension: nothing of the uploader's name reaches
    the file system."""
    return f"{uuid.uuid4().hex}.{checked.type}"


def _size_of(file) -> int:
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, os.SEEK_END)
        size = file.tell()
    return int(size)


def _mb(n: int) -> str:
    return f"{n / MB:.0f}MB" if n % MB == 0 else f"{n / MB:.1f}MB"


def _sniff(head: bytes) -> str:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.startswith(b"MZ"):
        return "exe"
    return "unknown"


def _ole_problem(file) -> UploadRejected:
    file.seek(0)
    data = file.read(4 * MB)  # the directory of a small OLE file is near its start; bounded read
    if "EncryptionInfo".encode("utf-16-le") in data:
        return UploadRejected("文件设置了打开密码，无法检查其内容。请取消密码后重新上传。", "encrypted")
    return UploadRejected("这是旧版Office文件（.xls/.doc），请在Office中“另存为”.xlsx或.docx后重新上传。", "old_office")


def inspect_office_zip(file, *, max_rows: int | None = None) -> str:
    """What an Office zip is ('xlsx' or 'docx'), refusing bombs, macros, encryption, traversal and
    entity declarations; with max_rows, also a first sheet longer than that.  Reads the directory,
    the first XML_PEEK_BYTES of each XML part and, for max_rows, streams the first sheet."""
    file.seek(0)
    try:
        archive = zipfile.ZipFile(file)
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise UploadRejected("文件已损坏（不完整的压缩包），无法打开。", "corrupt") from error
    if len(infos) > settings.UPLOAD_MAX_ZIP_MEMBERS:
        raise UploadRejected("文件内部结构异常（部件过多），已拒绝。", "zip_members")
    names = {info.filename for info in infos}
    for info in infos:
        name = info.filename
        if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") or ":" in name or "\x00" in name:
            raise UploadRejected("文件内部含有异常路径，已拒绝。", "zip_traversal")
        if info.flag_bits & 0x1:
            raise UploadRejected("文件设置了密码，无法检查其内容。请取消密码后重新上传。", "encrypted")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > settings.UPLOAD_MAX_UNZIPPED_BYTES or any(
        info.file_size > 10 * MB and info.file_size > settings.UPLOAD_MAX_ZIP_RATIO * max(info.compress_size, 1)
        for info in infos
    ):
        raise UploadRejected("文件解压后异常巨大（疑似压缩炸弹），已拒绝读取。", "zip_bomb")
    if "xl/workbook.xml" in names:
        kind = "xlsx"
    elif "word/document.xml" in names:
        kind = "docx"
    else:
        raise UploadRejected("这不是Excel工作簿或Word文档（压缩包内容不符）。", "not_office")
    lowered = {n.lower() for n in names}
    if any(n.endswith("vbaproject.bin") or n.endswith(".bin") and "vba" in n for n in lowered):
        raise UploadRejected("文件含有宏（VBA），为安全起见不予接收。请另存为不含宏的.xlsx/.docx后上传。", "macro")
    for info in infos:
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        with archive.open(info) as part:
            head = part.read(XML_PEEK_BYTES)
        if info.filename == "[Content_Types].xml" and b"macroenabled" in head.lower():
            raise UploadRejected(
                "文件含有宏（启用宏的工作簿），为安全起见不予接收。请另存为不含宏的.xlsx/.docx后上传。", "macro"
            )
        if DANGEROUS_XML.search(head) or DANGEROUS_XML.search(head.replace(b"\x00", b"")):
            raise UploadRejected("文件内部含有XML实体声明（可能是XML炸弹或外部实体），已拒绝读取。", "xml_entities")
    if kind == "xlsx" and max_rows is not None:
        _check_rows(archive, names, max_rows)
    return kind


def _first_sheet(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    sheets = sorted(
        (n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
        key=lambda n: int(re.findall(r"\d+", n)[0]),
    )
    return sheets[0] if sheets else None


def _check_rows(archive: zipfile.ZipFile, names: set[str], max_rows: int) -> None:
    """Refuse a sheet with more than max_rows (+ a few header rows): by its declared dimension, then
    by counting <row elements while streaming (memory stays at one chunk)."""
    sheet = _first_sheet(archive, names)
    if sheet is None:
        return
    limit = max_rows + 11
    too_many = UploadRejected(f"工作表超过单次导入{max_rows}行的上限，请拆分后分批导入。", "too_many_rows")
    with archive.open(sheet) as part:
        rows = 0
        carry = b""
        first = True
        while chunk := part.read(1 * MB):
            data = carry + chunk
            if first:
                first = False
                match = DIMENSION.search(data[:XML_PEEK_BYTES])
                if match and match.group(1) and int(match.group(1)) > limit:
                    raise too_many
            rows += len(ROW.findall(data))
            if rows > limit:
                raise too_many
            carry = data[-5:]
            rows -= len(ROW.findall(carry))  # counted again with the next chunk


def check_upload(file, kind: str, *, name: str | None = None) -> CheckedFile:
    """Check an uploaded file (a Django UploadedFile or any binary file object) for `kind`; return
    what it is, or raise UploadRejected.  The file is left at position 0."""
    limits = kind_settings(kind)
    shown = display_name(name if name is not None else getattr(file, "name", ""))
    try:
        size = _size_of(file)
        if size == 0:
            raise UploadRejected(f"“{shown}”是空文件。", "empty")
        if size > limits["max_bytes"]:
            raise UploadRejected(
                f"“{shown}”大小为{size / MB:.1f}MB，超过{_mb(limits['max_bytes'])}的上限，请压缩或拆分后上传。",
                "too_large",
            )
        file.seek(0)
        sniffed = _sniff(file.read(16))
        if sniffed == "ole":
            raise _ole_problem(file)
        if sniffed == "zip":
            rows = getattr(settings, "ROSTER_MAX_ROWS", None) if kind == "roster" else None
            sniffed = inspect_office_zip(file, max_rows=rows)
        allowed = limits["types"]
        wanted = "、".join(TYPE_LABELS[t] for t in allowed)
        what = {"exe": "可执行程序", "unknown": "无法识别的格式"}.get(sniffed, TYPE_LABELS.get(sniffed, sniffed))
        ext = shown.rsplit(".", 1)[-1].lower() if "." in shown else ""
        named = next((t for t in allowed if ext in EXTENSIONS[t]), None)
        if sniffed in allowed and ext in EXTENSIONS[sniffed]:
            pass
        elif named is not None:
            raise UploadRejected(
                f"“{shown}”的内容与扩展名不符（内容是{what}，不是有效的{TYPE_LABELS[named]}），请确认文件后重新上传。",
                "extension_mismatch",
            )
        else:
            raise UploadRejected(f"“{shown}”的文件类型不支持（内容是{what}），请上传{wanted}。", "wrong_type")
    finally:
        file.seek(0)
    return CheckedFile(kind=kind, type=sniffed, display_name=shown, size=size)
