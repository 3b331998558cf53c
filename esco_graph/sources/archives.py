"""Zip and tar archives of pages, read in place: members in name order, no path traversal, links and devices skipped, zip bombs refused, bounded in pages and bytes."""
from __future__ import annotations

import io
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Iterator, Optional, Union
from urllib.parse import quote

from ..errors import InputError
from ..files import scratch_error
from ..text import iso_utc
from .pages import (
    MAX_PAGE_BYTES,
    PAGE_SUFFIXES,
    SKIP_NAMES,
    Page,
    page_from_bytes,
)

MAX_ARCHIVE_PAGES = 100_000  # pages in one archive
MAX_ARCHIVE_BYTES = 4 * 1024 * 1024 * 1024  # bytes of pages read from one archive, all together
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz")
def archive_kind(head: bytes) -> Optional[str]:
    """'zip' or 'tar' from a file's first bytes (compressed tars: gzip, bzip2, xz)."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")):
        return "tar"  # a compressed file; whether it holds a tar is found out when read
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return None


def archive_kind_of_file(path: Path) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError:
        return None
    kind = archive_kind(head)
    if kind == "tar" and not head.startswith(b"PK") and not (len(head) >= 262 and head[257:262] == b"ustar"):
        # a compressed file: an archive only when named as one (a gzipped page is not a tar)
        return kind if path.name.lower().endswith(ARCHIVE_SUFFIXES) else None
    return kind


def _jar(iri_base: str, member: str) -> str:
    return f"jar:{iri_base}!/{quote(member, safe='/')}"


def _unsafe(name: str) -> Optional[str]:
    """Why a member name is not a safe relative path, or None."""
    if "\x00" in name:
        return "a NUL character in its name"
    normal = name.replace("\\", "/")
    if normal.startswith("/") or (len(normal) > 1 and normal[1] == ":"):
        return "an absolute path"
    if ".." in PurePosixPath(normal).parts:
        return "'..' in its path"
    return None


def _wanted(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not parts or any(p.startswith(".") or p == "__MACOSX" for p in parts):
        return False
    return parts[-1] not in SKIP_NAMES and PurePosixPath(parts[-1]).suffix.lower() in PAGE_SUFFIXES


def archive_file(item: str, path: Path, only: Optional[str] = None) -> Iterator[Union[Page, InputError]]:
    try:
        iri_base = path.resolve().as_uri()
        handle = open(path, "rb")
    except OSError as exc:
        yield InputError(item, exc.strerror or str(exc))
        return
    with handle:
        yield from _archive_stream(item, handle, iri_base=iri_base, retrieved=None, only=only)


def archive_bytes(item: str, data: bytes, *, iri_base: str, retrieved: Optional[str]) -> Iterator[Union[Page, InputError]]:
    yield from _archive_stream(item, io.BytesIO(data), iri_base=iri_base, retrieved=retrieved)


def archive_from_stream(item: str, head: bytes, rest: "io.BufferedIOBase", *, iri_base: str,
                        retrieved: Optional[str]) -> Iterator[Union[Page, InputError]]:
    """An archive arriving on a stream (stdin): spooled whole to a private temporary file, as a zip is
    read from its end; so a 73 MB zip piped in reads as the same file given by path does."""
    with tempfile.TemporaryFile(prefix="esco-graph-stdin-") as spool:
        try:
            spool.write(head)
            shutil.copyfileobj(rest, spool, 1 << 20)
            spool.flush()
        except OSError as exc:
            raise scratch_error(item, exc) from None
        spool.seek(0)
        yield from _archive_stream(item, spool, iri_base=iri_base, retrieved=retrieved)


def _archive_stream(item, handle, *, iri_base, retrieved, only=None) -> Iterator[Union[Page, InputError]]:
    kind = archive_kind(handle.read(512))
    handle.seek(0)
    if kind == "zip":
        reader = _zip_members(item, handle, iri_base, retrieved, only)
    elif kind == "tar":
        reader = _tar_members(item, handle, iri_base, retrieved, only)
    else:
        yield InputError(item, "not a zip or tar archive")
        return
    found = said = False
    budget = _Budget(item)
    for result in reader:
        said = True
        if isinstance(result, Page):
            found = True
            problem = budget.take(len(result.text))
            if problem:
                yield problem
                return
        yield result
    if only is not None and not found and not said:
        yield InputError(f"{item}!{only}", "no such page in the archive")
    elif not said:
        yield InputError(item, "the archive holds no pages (.txt or .html files)")


class _Budget:
    def __init__(self, item: str):
        self.item, self.pages, self.bytes = item, 0, 0

    def take(self, size: int) -> Optional[InputError]:
        self.pages += 1
        self.bytes += size
        if self.pages > MAX_ARCHIVE_PAGES:
            return InputError(self.item, f"more than {MAX_ARCHIVE_PAGES} pages in one archive; the rest is not read")
        if self.bytes > MAX_ARCHIVE_BYTES:
            return InputError(self.item, f"more than {MAX_ARCHIVE_BYTES} bytes of pages in one archive; the rest is not read")
        return None


def _too_big(location: str, size: int) -> InputError:
    return InputError(location, f"{size} bytes is larger than any occupation page ({MAX_PAGE_BYTES} at most); not inflated")


def _zip_members(item, handle, iri_base, retrieved, only) -> Iterator[Union[Page, InputError]]:
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        yield InputError(item, f"a damaged zip archive ({exc})")
        return
    with archive:
        infos = sorted((i for i in archive.infolist() if not i.is_dir()), key=lambda i: i.filename)
        for info in infos:
            name = info.filename
            if only is not None and name != only:
                continue
            location = f"{item}!{name}"
            why = _unsafe(name)
            if why:  # reported before any other filter: '..' would pass for a hidden name
                yield InputError(location, f"unsafe member name ({why}); not read")
                continue
            if only is None and not _wanted(name):
                continue
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                yield InputError(location, "a symbolic link, not a page; not followed")
                continue
            if info.flag_bits & 0x1:
                yield InputError(location, "an encrypted member; not read")
                continue
            if info.file_size > MAX_PAGE_BYTES:
                yield _too_big(location, info.file_size)
                continue
            try:
                with archive.open(info) as member:
                    data = member.read(MAX_PAGE_BYTES + 1)  # bounded: a lying header inflates no further
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
                yield InputError(location, f"cannot be read from the archive ({exc})")
                continue
            if len(data) > MAX_PAGE_BYTES:
                yield _too_big(location, len(data))
                continue
            when = retrieved or _zip_time(info)
            try:
                yield page_from_bytes(data, location, iri=_jar(iri_base, name), retrieved=when)
            except InputError as error:
                yield error


def _zip_time(info: zipfile.ZipInfo) -> Optional[str]:
    """The member's modification time: the UTC 'UT' extra field when there, else the DOS time (read as UTC)."""
    extra = info.extra
    i = 0
    while i + 4 <= len(extra):
        tag = int.from_bytes(extra[i : i + 2], "little")
        size = int.from_bytes(extra[i + 2 : i + 4], "little")
        body = extra[i + 4 : i + 4 + size]
        if tag == 0x5455 and len(body) >= 5 and body[0] & 1:
            return iso_utc(int.from_bytes(body[1:5], "little", signed=True))
        i += 4 + size
    try:
        return datetime(*info.date_time, tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None


def _tar_members(item, handle, iri_base, retrieved, only) -> Iterator[Union[Page, InputError]]:
    """One pass over the tar (streamed), page members into a private temporary folder, then sorted."""
    try:
        archive = tarfile.open(fileobj=handle, mode="r|*")
    except (tarfile.TarError, OSError, EOFError) as exc:
        yield InputError(item, f"not a readable tar archive ({exc})")
        return
    with tempfile.TemporaryDirectory(prefix="esco-graph-archive-") as folder, archive:
        saved: list[tuple[str, str, Optional[str]]] = []  # (member name, temp file, retrieved)
        problems: list[tuple[str, InputError]] = []
        total = 0
        try:
            for info in archive:
                name = info.name
                if only is not None and name != only:
                    continue
                location = f"{item}!{name}"
                why = _unsafe(name)
                if why:  # reported before any other filter: '..' would pass for a hidden name
                    problems.append((name, InputError(location, f"unsafe member name ({why}); not read")))
                    continue
                if only is None and (info.isdir() or not _wanted(name)):
                    continue
                if info.issym() or info.islnk():
                    problems.append((name, InputError(location, "a link, not a page; not followed")))
                    continue
                if not info.isfile():
                    problems.append((name, InputError(location, "not a regular file; not read")))
                    continue
                if info.size > MAX_PAGE_BYTES:
                    problems.append((name, _too_big(location, info.size)))
                    continue
                total += info.size
                if total > MAX_ARCHIVE_BYTES or len(saved) >= MAX_ARCHIVE_PAGES:
                    problems.append((name, InputError(item, "too many pages or bytes in one archive; the rest is not read")))
                    break
                member = archive.extractfile(info)
                if member is None:
                    continue
                target = os.path.join(folder, f"{len(saved):07d}")  # never the member's own name
                with member:
                    data = member.read(MAX_PAGE_BYTES + 1)
                try:
                    with open(target, "wb") as out:
                        out.write(data)
                except OSError as exc:  # the temporary folder, not the archive: a full disk is exit 4
                    raise scratch_error(item, exc) from None
                saved.append((name, target, retrieved or (iso_utc(info.mtime) if info.mtime else None)))
        except (tarfile.TarError, OSError, EOFError, zipfile.BadZipFile) as exc:
            problems.append(("", InputError(item, f"a damaged archive ({exc})")))
        entries: list[tuple[str, object]] = [(name, error) for name, error in problems]
        entries += [(name, (target, when)) for name, target, when in saved]
        for name, entry in sorted(entries, key=lambda pair: pair[0]):
            if isinstance(entry, InputError):
                yield entry
                continue
            target, when = entry
            location = f"{item}!{name}"
            try:
                with open(target, "rb") as stream:
                    data = stream.read()
                yield page_from_bytes(data, location, iri=_jar(iri_base, name), retrieved=when)
            except InputError as error:
                yield error
            finally:
                os.unlink(target)
