"""Where vocabulary files come from (files, folders, zips, gzip) and what kind of ESCO CSV each is, by its header."""
from __future__ import annotations

import gzip
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable, Iterable, Iterator, Optional

from ..errors import VocabularyError
from ..terms import SYNTAXES

# --------------------------------------------------------------------------------------------
# Sources: files, folders and zips
# --------------------------------------------------------------------------------------------

#: the RDF dumps a vocabulary folder may hold, by extension (pyoxigraph formats)
RDF_FORMATS = {ext: syntax.oxigraph for syntax in SYNTAXES if syntax.oxigraph for ext in syntax.extensions}
CSV_EXTENSIONS = {".csv"}


class Gunzip(gzip.GzipFile):
    """A gzip stream that closes the stream it reads when it is closed."""

    def __init__(self, raw: BinaryIO):
        super().__init__(fileobj=raw, mode="rb")
        self._raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


@dataclass
class Source:
    name: str  # what messages call it: a path, or 'archive.zip!member'
    open: Callable[[], BinaryIO]
    explicit: bool  # named by the user (judged by content), not found in a folder or zip


def _is_hidden(parts: Iterable[str]) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in parts)


def _zip_sources(path: Path, name: str) -> Iterator[Source]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise VocabularyError(f"{name}: cannot be read as a zip file ({exc})") from None
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir() or _is_hidden(PurePosixPath(info.filename).parts):
                continue
            yield Source(
                name=f"{name}!{info.filename}",
                open=lambda info=info: archive.open(info),
                explicit=False,
            )


def sources(paths: Iterable[str | Path]) -> Iterator[Source]:
    for given in paths:
        path = Path(given)
        name = str(given)
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*")
                if p.is_file() and not _is_hidden(p.relative_to(path).parts)
            )
            for file in files:
                if file.suffix.lower() == ".zip":
                    yield from _zip_sources(file, str(file))
                else:
                    yield Source(name=str(file), open=lambda f=file: open(f, "rb"), explicit=False)
        elif path.is_file():
            if zipfile.is_zipfile(path):
                yield from _zip_sources(path, name)
            else:
                yield Source(name=name, open=lambda p=path: open(p, "rb"), explicit=True)
        elif path.exists():
            raise VocabularyError(f"{name}: neither a file nor a folder")
        else:
            raise VocabularyError(f"{name}: no such file or folder")


# --------------------------------------------------------------------------------------------
# CSV kinds, recognised by their header
# --------------------------------------------------------------------------------------------

# ESCO CSV files this module knows but does not index: (required columns, what they are).
_KNOWN_UNUSED = (
    ({"occupationuri", "skilluri"}, "ESCO occupation-skill relations"),
    ({"originalskilluri", "relatedskilluri"}, "ESCO skill-skill relations"),
    ({"conceptschemeuri"}, "ESCO concept schemes"),
    ({"data header", "property"}, "the ESCO CSV dictionary"),
    ({"concepturi", "greenshare"}, "ESCO occupations' green share"),
)

COLLECTION_NAMES = (
    ("digcomp", "digcomp"),
    ("digital", "digital"),
    ("green", "green"),
    ("transversal", "transversal"),
    ("language", "language"),
    ("research", "research"),
)


def classify_csv(columns: list[str]) -> tuple[Optional[str], str]:
    """(kind, description) of an ESCO CSV from its lower-cased header; kind None: not indexed."""
    have = set(columns)
    for required, what in _KNOWN_UNUSED:
        if required <= have:
            return None, what
    if "level 0 uri" in have:
        return "hierarchy", "the ESCO skills hierarchy"
    if {"concepturi", "broaderuri"} <= have:
        return "broader", "ESCO broader relations"
    if {"concepturi", "preferredlabel", "iscogroup"} <= have:
        return "occupations", "ESCO occupations"
    if {"concepturi", "preferredlabel", "skilltype"} <= have:
        if "broaderconcepturi" in have or "broaderconceptpt" in have:
            return "collection", "an ESCO skill collection"
        return "skills", "ESCO skills"
    if {"concepturi", "preferredlabel", "code"} <= have:
        return "groups", "ESCO ISCO groups or skill groups"
    if {"concepturi", "preferredlabel", "broaderconcepturi"} <= have:
        return None, "an ESCO occupation collection"
    if "concepturi" in have:
        return None, "an ESCO CSV file of a kind not indexed"
    return "", ""


class Row:
    """Column access by (lower-cased) name on the plain lists csv.reader gives."""

    __slots__ = ("index",)

    def __init__(self, header: list[str]):
        self.index = {name: i for i, name in enumerate(header)}

    def getter(self, name: str) -> Callable[[list[str]], str]:
        i = self.index.get(name)
        if i is None:
            return lambda row: ""
        return lambda row: row[i] if i < len(row) else ""
