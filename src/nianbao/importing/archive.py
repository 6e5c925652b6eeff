"""A county's last-year reports in one .zip: the files inside, each read as one report.

A .docx is a zip too; a zip that holds ``word/document.xml`` is one Word file, any other zip is an
archive of reports. An archive is unpacked in memory within bounds (a published report is well under
5 MB; thirty of them under 100 MB) — a zip bomb is refused before anything is inflated, and each
member is read no further than its declared size (zipfile checks the CRC). Zips inside the zip are not
opened (named, skipped). Names written by Windows' built-in zip are GBK without the UTF-8 flag: read as
such, so 「哈图镇.docx」 is not shown as mojibake.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..text import say
from .document import ImportRefused
from .guard import MAX_RATIO

MAX_ARCHIVE_MEMBERS = 200       # files in one archive (a county has 15–40 organs, a prefecture a few hundred)
MAX_MEMBER_BYTES = 20_000_000   # one report, unpacked (guard.MAX_BYTES)
MAX_ARCHIVE_UNPACKED = 200_000_000
_UTF8_FLAG = 0x800


@dataclass(frozen=True)
class Member:
    name: str               # the file's own name (no folders)
    data: bytes | None      # None: skipped (``reason`` says why)
    reason: str | None = None


def is_archive(data: bytes) -> bool:
    """A zip that is not a Word file."""
    if not data.startswith(b"PK"):
        return False
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, EOFError, ValueError, OSError):
        return False
    return "word/document.xml" not in names


def members(data: bytes) -> list[Member]:
    """The report files of an archive, in name order; ImportRefused when it is broken or a bomb."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, EOFError, ValueError, OSError):
        raise ImportRefused(say("importing.archive_broken")) from None
    files = [i for i in infos if not _hidden(i)]
    if len(files) > MAX_ARCHIVE_MEMBERS:
        raise ImportRefused(say("importing.archive_too_many", count=len(files), limit=MAX_ARCHIVE_MEMBERS))
    if sum(i.file_size for i in files) > MAX_ARCHIVE_UNPACKED or any(
            i.file_size > 1_000_000 and i.file_size > MAX_RATIO * max(i.compress_size, 1) for i in files):
        raise ImportRefused(say("importing.archive_bomb", limit=MAX_ARCHIVE_UNPACKED // 1_000_000))
    found: list[Member] = []
    for info in sorted(files, key=_name):
        name = _name(info)
        if info.file_size > MAX_MEMBER_BYTES:
            found.append(Member(name, None, say("importing.refused_big", limit=MAX_MEMBER_BYTES // 1_000_000)))
            continue
        try:
            body = archive.read(info)
        except (zipfile.BadZipFile, EOFError, ValueError, OSError, NotImplementedError, RuntimeError):
            found.append(Member(name, None, say("importing.archive_damaged")))  # damaged, encrypted
            continue
        if is_archive(body):
            found.append(Member(name, None, say("importing.archive_nested")))
            continue
        found.append(Member(name, body))
    if not found:
        raise ImportRefused(say("importing.archive_empty"))
    return found


def _name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & _UTF8_FLAG:
        try:  # zipfile decoded the raw bytes as cp437; Windows wrote them in GBK
            name = name.encode("cp437").decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return PurePosixPath(name.replace("\\", "/")).name[-200:]


def _hidden(info: zipfile.ZipInfo) -> bool:
    """macOS' resource forks and dot files travel in zips people make; they are no reports."""
    parts = PurePosixPath(info.filename.replace("\\", "/")).parts
    return any(p.startswith(".") or p == "__MACOSX" for p in parts) or parts[-1].lower() in ("thumbs.db", "desktop.ini")
