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
import hashlib
import os
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, Optional, Sequence, Union

from ..errors import InputError, OptionError
from .archives import archive_bytes, archive_file, archive_from_stream, archive_kind, archive_kind_of_file
from .pages import (
    MAX_PAGE_BYTES,
    PAGE_SUFFIXES,
    SKIP_NAMES,
    Page,
    check_regular,
    page_from_bytes,
    read_bounded,
    read_file,
)

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
    if path == "-":
        data = (stdin or sys.stdin.buffer).read(MAX_PAGE_BYTES + 1)
    else:
        data = read_bounded(path, path, what="list")
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


def iter_pages(inputs: Iterable[Union[str, os.PathLike]]) -> Iterator[Union[Page, InputError]]:
    """Every page the inputs name (strings or paths), in order; an InputError in place of each input
    or page that fails.

    The caller decides whether to stop at the first error or keep going. A page named twice
    (the same file, URL or member) is read once.
    """
    state = _State(inputs if isinstance(inputs, Inputs) else Inputs(items=tuple(os.fspath(i) for i in inputs)))
    for item in state.inputs:
        yield from state.flush_list_errors()
        for result in _expand(item, state):
            if isinstance(result, Page):
                if result.iri in state.seen:
                    continue
                state.seen.add(result.iri)
            yield result
    yield from state.flush_list_errors()


def parse_shard(text: str) -> tuple[int, int]:
    """'K/N' (1 <= K <= N) as (K, N); OptionError otherwise."""
    parts = text.split("/")
    if len(parts) == 2 and all(p.strip().isdigit() and p.strip().isascii() for p in parts):
        k, n = int(parts[0]), int(parts[1])
        if 1 <= k <= n <= 1_000_000:
            return k, n
    raise OptionError(f"{text!r} is not K/N with 1 <= K <= N (e.g. 2/8: the second of eight slices)",
                      option="--shard")


def in_shard(key: str, shard: tuple[int, int]) -> bool:
    """Whether the page (or failed input) named ``key`` is in the K-th of N slices: a stable hash of
    its name, so every machine slices the same inputs alike and each page is in exactly one slice."""
    k, n = shard
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % n == k - 1


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
        from urllib.parse import urlsplit
        from urllib.request import url2pathname

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
        yield from archive_file(archive, Path(archive), only=member)
    elif _GLOB_CHARS & set(item):
        matches = _glob(item)
        if isinstance(matches, InputError):
            yield matches
            return
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


#: a pattern matching more paths than this is refused
MAX_GLOB_MATCHES = 200_000


def _glob(pattern: str) -> Union[list[str], InputError]:
    """The paths a pattern matches, sorted. A ``**`` is walked here rather than by the glob module,
    which follows links into loops (three links back to their folder: minutes, memory growing):
    each real folder is entered once, so every file comes once and the walk ends."""
    if "**" not in pattern:
        return sorted(glob.glob(pattern))
    parts = pattern.split(os.sep)
    fixed = next(i for i, part in enumerate(parts) if _GLOB_CHARS & set(part) or part == "**")
    root = os.sep.join(parts[:fixed]) or ("/" if pattern.startswith(os.sep) else ".")
    regex = re.compile(_glob_regex(pattern))
    found: list[str] = []
    visited: set[str] = set()
    for folder, dirs, files in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in visited:
            dirs[:] = []
            continue
        visited.add(real)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in dirs + sorted(f for f in files if not f.startswith(".")):
            path = os.path.join(folder, name)
            if root == "." and not pattern.startswith("."):  # os.walk says ./a/b.txt for the pattern's a/b.txt
                path = path[2:]
            if regex.fullmatch(path):
                found.append(path)
                if len(found) > MAX_GLOB_MATCHES:
                    return InputError(pattern, f"matches more than {MAX_GLOB_MATCHES} paths; not read")
    return sorted(found)


def _glob_regex(pattern: str) -> str:
    """A glob pattern (``*``, ``?``, ``[...]``, ``**``) as a regular expression over whole paths."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[" and "]" in pattern[i + 2:]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1:end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


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
    try:
        check_regular(path, item)
    except InputError as error:
        yield error
        return
    if archive_kind_of_file(path):
        yield from archive_file(item, path)
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
    head = stream.read(512)
    if archive_kind(head):
        yield from archive_from_stream("-", head, stream, iri_base="urn:esco-graph:stdin", retrieved=None)
        return
    data = head + stream.read(MAX_PAGE_BYTES + 1 - len(head))
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
    if archive_kind(fetched.data[:512]):
        yield from archive_bytes(url, fetched.data, iri_base=url, retrieved=fetched.retrieved)
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


__all__ = ["Inputs", "in_shard", "iter_pages", "parse_shard", "read_list", "read_one"]
