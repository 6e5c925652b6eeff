"""What a file must be before any parser sees it: not too big, of a form we read, a zip that unpacks small.

Bounds (a published report is a few hundred KB at most; these leave room for pictures):
  MAX_BYTES          20 MB  any input file
  MAX_UNPACKED       64 MB  the declared unpacked size of all members of a .docx (zipfile never unpacks a
                            member past its declared size: a lying header fails its CRC instead)
  MAX_MEMBERS      2,000    members of a .docx
  MAX_RATIO          200    declared unpacked / packed size of one member bigger than 1 MB
  MAX_PDF_PAGES      100
"""

from __future__ import annotations

import io
import zipfile

from ..text import say
from .document import ImportRefused

MAX_BYTES = 20_000_000
MAX_UNPACKED = 64_000_000
MAX_MEMBERS = 2_000
MAX_RATIO = 200
MAX_PDF_PAGES = 100


def sniff(data: bytes, filename: str) -> str:
    """The form of a file: "docx", "pdf", "html", "json" or "text"; refuses what we cannot read."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(say("importing.refused_big", limit=MAX_BYTES // 1_000_000))
    if not data.strip():
        raise ImportRefused(say("importing.refused_empty"))
    name = filename.lower()
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data.startswith(b"PK"):
        return "docx"
    if data.startswith(b"%PDF") or name.endswith(".pdf"):
        return "pdf"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(say("importing.refused_doc"))
    if name.endswith(".docx"):
        return "docx"  # not a zip: check_zip says so
    if name.endswith(".json") or head.startswith(b"{"):
        return "json"
    lowered = head.lower()
    if name.endswith((".html", ".htm", ".shtml", ".xhtml")) or lowered.startswith((b"<!doctype", b"<html", b"<?xml")) \
            or b"<table" in data[:200_000].lower():
        return "html"
    if b"\x00" in data[:4096]:
        raise ImportRefused(say("importing.refused_binary"))
    return "text"


def check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, OSError):
        raise ImportRefused(say("importing.refused_zip")) from None
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED or any(
            m.file_size > 1_000_000 and m.file_size > MAX_RATIO * max(m.compress_size, 1) for m in members):
        raise ImportRefused(say("importing.refused_bomb", limit=MAX_UNPACKED // 1_000_000))
    if "word/document.xml" not in {m.filename for m in members}:
        raise ImportRefused(say("importing.refused_not_word"))
    try:  # a truncated file: the central directory may survive while the document part does not
        archive.testzip()
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, NotImplementedError):
        raise ImportRefused(say("importing.refused_zip")) from None


def decode(data: bytes) -> str:
    """Text in UTF-8 (with or without BOM), UTF-16 with a BOM, or GB18030 (GBK files from Windows)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused(say("importing.refused_encoding"))
