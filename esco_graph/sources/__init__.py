"""Inputs as users have them: files, folders, globs, '-', URLs, zip/tar archives, lists of them.

`iter_pages(inputs)` turns what the user named into pages, in a stable order, each with its
provenance (esco_graph.sources.pages.Page: location, IRI, retrieval time, sha256):

| input | pages | location / IRI |
|---|---|---|
| `page.html`, `page.txt` | the file | the path / `file:///abs/page.html` |
| `pages/` | every .txt/.html file below, sorted | each path / its file: URI |
| `'pages/*.html'` | the matching files (expanded here, sorted; `**` recurses) | as files |
| `-` | standard input (a page, or a zip/tar of pages) | `-` / `urn:esco-graph:stdin` |
| `https://host/page` | fetched (esco_graph.sources.urls: polite, cached) | the URL / the URL |
| `crawl.zip`, `crawl.tar.gz` | every page member, sorted by name | `crawl.zip!pages/a.html` / `jar:file:///abs/crawl.zip!/pages/a.html` |
| `crawl.zip!pages/a.html` | that member only | as above |
| `--from-list FILE` | each line a path or URL (`#` comments and blank lines skipped) | as each |

Archives are read in place: zip members straight from the archive, tar members streamed once
into numbered files of a private temporary folder (names never come from the archive, so no
member can be written anywhere else) that is removed afterwards. Members larger than a page can
be are refused without being inflated past that size (zip bombs), and so are archives with too
many pages or too many bytes in all; links, devices and unsafe names (absolute, `..`) are
reported, never followed.
"""
from __future__ import annotations

import glob
import io
import os
import stat
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Iterable, Iterator, Optional, Sequence, Union
from urllib.parse import quote

from ..errors import InputError
from .pages import _PAGE_SUFFIXES as PAGE_SUFFIXES
from .pages import _SKIP_NAMES as SKIP_NAMES
from .pages import MAX_PAGE_BYTES, Page, iso_utc, page_from_bytes, read_file

MAX_ARCHIVE_PAGES = 100_000  # pages in one archive
MAX_ARCHIVE_BYTES = 4 * 1024 * 1024 * 1024  # bytes of pages read from one archive, all together
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz")
_GLOB_CHARS = set("*?[")
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class Inputs:
    """What the user named, and how URLs among them are fetched.

    Iterating gives the inputs as named (positional ones, then the entries of each list file,
    read when iterated so a missing list is an input error like any other).
    """

    items: Sequence[str] = ()
    from_lists: Sequence[str] = ()
    fetcher: Optional[object] = None  # esco_graph.sources.urls.Fetcher; a default one on first use
    stdin: Optional[BinaryIO] = None  # for tests; sys.stdin.buffer otherwise
    errors: list = field(default_factory=list, repr=False)

    def __iter__(self) -> Iterator[str]:
        yield from self.items
        for path in self.from_lists:
            try:
                yield from read_list(path, self.stdin)
            except InputError as error:
                self.errors.append(error)

    def __len__(self) -> int:
        return len(self.items) + len(self.from_lists)

    def get_fetcher(self):
        if self.fetcher is None:
            from .urls import Fetcher

            self.fetcher = Fetcher()
        return self.fetcher


def read_list(path: str, stdin: Optional[BinaryIO] = None) -> list[str]:
    """The inputs a list file names: one path or URL a line; '#' comments and blank lines skipped."""
    try:
        if path == "-":
            data = (stdin or sys.stdin.buffer).read(MAX_PAGE_BYTES + 1)
        else:
            with open(path, "rb") as handle:
                data = handle.read(MAX_PAGE_BYTES + 1)
    except FileNotFoundError:
        raise InputError(path, "no such list file") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not a list of inputs") from None
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None
    if len(data) > MAX_PAGE_BYTES:
        raise InputError(path, "the list is larger than any list of inputs should be")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(path, "the list is not UTF-8 text") from None
    entries = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            entries.append(line)
    if not entries:
        raise InputError(path, "the list names no inputs")
    return entries


def iter_pages(inputs: Iterable[str]) -> Iterator[Union[Page, InputError]]:
    """Every page the inputs name, in order; an InputError in place of each input or page that fails.

    The caller decides whether to stop at the first error or keep going. A page named twice
    (the same file, URL or member) is read once.
    """
    state = _State(inputs if isinstance(inputs, Inputs) else Inputs(items=tuple(inputs)))
    for item in state.inputs:
        yield from state.flush_list_errors()
        for result in _expand(item, state):
            if isinstance(result, Page):
                if result.iri in state.seen:
                    continue
                state.seen.add(result.iri)
            yield result
    yield from state.flush_list_errors()


def read_one(location: str, inputs: Optional[Inputs] = None) -> Page:
    """The one page a location names (a file, URL, archive member or '-'); InputError otherwise."""
    pages = []
    for result in iter_pages(inputs if inputs is not None else [location]):
        if isinstance(result, InputError):
            raise result
        pages.append(result)
        if len(pages) > 1:
            raise InputError(location, "names several pages; name one (e.g. archive.zip!member)")
    if not pages:
        raise InputError(location, "names no page")
    return pages[0]


# --- expansion -----------------------------------------------------------------------------------


class _State:
    def __init__(self, inputs: Inputs):
        self.inputs = inputs
        self.seen: set[str] = set()
        self.stdin_used = False

    def flush_list_errors(self) -> Iterator[InputError]:
        while self.inputs.errors:
            yield self.inputs.errors.pop(0)


def _expand(item: str, state: _State) -> Iterator[Union[Page, InputError]]:
    if item == "-":
        yield from _stdin(state)
        return
    from .urls import is_url

    if is_url(item):
        yield from _url(item, state)
        return
    if "://" in item.split("!", 1)[0] and not item.lower().startswith("file:"):
        scheme = item.split("://", 1)[0]
        yield InputError(item, f"{scheme}: URLs are not read (only http, https and file)")
        return
    if item.lower().startswith("file:"):
        from urllib.request import url2pathname
        from urllib.parse import urlsplit

        parts = urlsplit(item)
        if parts.netloc not in ("", "localhost"):
            yield InputError(item, "a file: URL of another host")
            return
        item = url2pathname(parts.path)
    path = Path(item)
    if path.is_dir():
        yield from _folder(item, path)
    elif path.exists():
        yield from _file(item, path)
    elif "!" in item and _member_spec(item) is not None:
        archive, member = _member_spec(item)
        yield from _archive_file(archive, Path(archive), only=member)
    elif _GLOB_CHARS & set(item):
        matches = sorted(glob.glob(item, recursive=True))
        if not matches:
            yield InputError(item, "no file matches the pattern")
            return
        for match in matches:
            match_path = Path(match)
            if match_path.is_dir():
                yield from _folder(match, match_path)
            elif match_path.is_file():
                yield from _file(match, match_path)
    else:
        yield InputError(item, "no such file or folder")


def _member_spec(item: str) -> Optional[tuple[str, str]]:
    """('crawl.zip', 'pages/a.html') for 'crawl.zip!pages/a.html' when crawl.zip is a file."""
    archive, _, member = item.partition("!")
    while True:
        if member and Path(archive).is_file():
            return archive, member
        head, sep, tail = member.partition("!")
        if not sep:
            return None
        archive, member = f"{archive}!{head}", tail


def _folder(item: str, path: Path) -> Iterator[Union[Page, InputError]]:
    found = False
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or name in SKIP_NAMES or Path(name).suffix.lower() not in PAGE_SUFFIXES:
                continue
            found = True
            yield from _read_file(str(Path(root, name)))
    if not found:
        yield InputError(item, "the folder holds no pages (.txt or .html files)")


def _file(item: str, path: Path) -> Iterator[Union[Page, InputError]]:
    if _archive_kind_of_file(path):
        yield from _archive_file(item, path)
    else:
        yield from _read_file(item)


def _read_file(location: str) -> Iterator[Union[Page, InputError]]:
    try:
        yield read_file(location)
    except InputError as error:
        yield error


def _stdin(state: _State) -> Iterator[Union[Page, InputError]]:
    if state.stdin_used:
        yield InputError("-", "standard input is named twice")
        return
    state.stdin_used = True
    stream = state.inputs.stdin or sys.stdin.buffer
    data = stream.read(MAX_PAGE_BYTES + 1)
    if _archive_kind(data[:512]):
        yield from _archive_bytes("-", data, iri_base="urn:esco-graph:stdin", retrieved=None)
        return
    try:
        yield page_from_bytes(data, "-", iri="urn:esco-graph:stdin", retrieved=None)
    except InputError as error:
        yield error


def _url(url: str, state: _State) -> Iterator[Union[Page, InputError]]:
    try:
        fetched = state.inputs.get_fetcher().fetch(url)
    except InputError as error:
        yield error
        return
    if _archive_kind(fetched.data[:512]):
        yield from _archive_bytes(url, fetched.data, iri_base=url, retrieved=fetched.retrieved)
        return
    try:
        page = page_from_bytes(fetched.data, url, iri=url, retrieved=fetched.retrieved)
    except InputError as error:
        yield error
        return
    content_type = (fetched.content_type or "").split(";")[0].strip().lower()
    if content_type in _HTML_TYPES and page.media_type != "text/html" and "<" in page.text:
        page = replace(page, media_type="text/html")
    yield page


# --- archives ------------------------------------------------------------------------------------


def _archive_kind(head: bytes) -> Optional[str]:
    """'zip' or 'tar' from a file's first bytes (compressed tars: gzip, bzip2, xz)."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")):
        return "tar"  # a compressed file; whether it holds a tar is found out when read
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return None


def _archive_kind_of_file(path: Path) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError:
        return None
    kind = _archive_kind(head)
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


def _archive_file(item: str, path: Path, only: Optional[str] = None) -> Iterator[Union[Page, InputError]]:
    try:
        iri_base = path.resolve().as_uri()
        handle = open(path, "rb")
    except OSError as exc:
        yield InputError(item, exc.strerror or str(exc))
        return
    with handle:
        yield from _archive_stream(item, handle, iri_base=iri_base, retrieved=None, only=only)


def _archive_bytes(item: str, data: bytes, *, iri_base: str, retrieved: Optional[str]) -> Iterator[Union[Page, InputError]]:
    yield from _archive_stream(item, io.BytesIO(data), iri_base=iri_base, retrieved=retrieved)


def _archive_stream(item, handle, *, iri_base, retrieved, only=None) -> Iterator[Union[Page, InputError]]:
    kind = _archive_kind(handle.read(512))
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
            if only is None and not _wanted(name):
                continue
            location = f"{item}!{name}"
            why = _unsafe(name)
            if why:
                yield InputError(location, f"unsafe member name ({why}); not read")
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
                if only is None and (info.isdir() or not _wanted(name)):
                    continue
                location = f"{item}!{name}"
                why = _unsafe(name)
                if why:
                    problems.append((name, InputError(location, f"unsafe member name ({why}); not read")))
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
                with member, open(target, "wb") as out:
                    out.write(member.read(MAX_PAGE_BYTES + 1))
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


__all__ = ["Inputs", "iter_pages", "read_list", "read_one"]
