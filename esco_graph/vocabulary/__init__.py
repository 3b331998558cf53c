"""The official ESCO vocabulary, loaded from what a user downloads from ESCO, and indexed.

Inputs (any mix, given as files, folders holding them, or zips holding them):

* the official ESCO CSV files: ``skills_en.csv``, ``occupations_en.csv``, ``ISCOGroups_en.csv``,
  ``broaderRelationsOccPillar_en.csv`` and the skill collections (``digitalSkillsCollection_en.csv``,
  ``transversalSkillsCollection_en.csv``, ...). Each CSV is recognised by its HEADER, whatever
  its file name. Other ESCO CSV files (skill groups, the skills hierarchy, relation tables, ...)
  are skipped with a note in ``stats["files_skipped"]``; a file of no known kind (a picture, an
  unrelated CSV) raises :class:`~esco_graph.errors.VocabularyError` naming the file and the reason.
* ESCO RDF dumps (Turtle, N-Triples; also N-Quads, TriG, RDF/XML), parsed by pyoxigraph as a
  stream: only the few facts indexed here are kept, in the configured language.

Facts about one IRI seen in several files merge: the main files (``skills_en``, ``occupations_en``,
``ISCOGroups_en``, RDF) win over the collections, which fill what the main files lack (reuse
level, skill type, description) and add flags (``digital`` from the digital collection).

The indexes answer by preferred or alternative label, case- and whitespace-insensitively (see
:func:`normalize_label`); a preferred label beats an alternative one. Labels that two concepts
share are resolved deterministically (preferred first, then the lowest IRI) and counted in
``stats["labels"]``; :meth:`Vocabulary.ambiguous_labels` lists them.

The digital, green, research and DigComp collections share one header; a collection file is
told apart by its name when the name says which (``*digital*``, ``*green*``, ...), else taken as
the digital one (with a note in ``stats["notes"]``). The official ``skills_en.csv`` also marks
digital skills itself, in its ``inScheme`` column. ESCO's CSV files come one language per
download (``skills_de.csv``); ``language`` picks the labels of RDF dumps.

Speed: the whole ESCO v1.2.0 CSV download (about 17,000 concepts) loads in about half a second
with the ``csv`` module (no pandas); RDF streams at a few hundred thousand triples a second.
"""
from __future__ import annotations

import csv
import gc
import gzip
import io
import re
import time
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable, Iterable, Iterator, Optional

import pyoxigraph

from ..errors import VocabularyError
from ..terms import SYNTAXES
from ..text import label_key
from ..model import KNOWLEDGE, REUSE_LEVELS, SKILL
from ..namespaces import (
    DIGITAL_SCHEME,
    ISCO_GROUP,
    ISCO_SCHEME,
    OCCUPATION_SCHEME,
    REUSE_LEVEL,
    SKILL_SCHEME,
    SKILL_TYPE,
)

OCCUPATION = "occupation"
SKILL_KIND = "skill"
ISCO_KIND = "isco-group"
KINDS = (OCCUPATION, SKILL_KIND, ISCO_KIND)

# Label normalisation is shared with the rest of the project (text.label_key).
normalize_label = label_key


def _clean(text: Optional[str]) -> str:
    """A label or text as stored: stripped of surrounding white space and invisible characters."""
    if not text:
        return ""
    text = text.strip()
    if text and not text.isascii():
        text = text.strip(" \t\r\n\u00a0\u200b\u200c\u200d\u2060\ufeff")
    return text


# --------------------------------------------------------------------------------------------
# The record of one concept
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Concept:
    """One ESCO concept as the vocabulary knows it."""

    iri: str
    kind: str  # 'occupation' | 'skill' | 'isco-group'
    label: str  # preferred label
    alt_labels: tuple[str, ...] = ()
    code: Optional[str] = None  # ESCO code '3114.1.5' for occupations, ISCO code '3114' for groups
    isco_code: Optional[str] = None  # occupations: their ISCO unit group code
    skill_type: Optional[str] = None  # 'knowledge' | 'skill' (the CSV's 'skill/competence' -> 'skill')
    reuse_level: Optional[str] = None  # 'transversal'|'cross-sector'|'sector-specific'|'occupation-specific'
    description: Optional[str] = None
    digital: bool = False
    broader: tuple[str, ...] = ()  # IRIs of broader concepts (parent occupation / ISCO group)

    @property
    def labels(self) -> tuple[str, ...]:
        """The preferred label, then the alternative ones."""
        return (self.label,) + self.alt_labels


# Source ranks: a fact from a main file beats one from a collection; equal ranks: first wins.
_MAIN = 2
_COLLECTION = 1


class _Draft:
    """The facts gathered so far about one IRI (mutable, while loading)."""

    __slots__ = (
        "iri", "kind", "prefs", "alts", "code", "isco_code", "skill_type", "type_rank",
        "reuse_level", "reuse_rank", "description", "desc_rank", "digital", "broader",
    )

    def __init__(self, iri: str, kind: str):
        self.iri = iri
        self.kind = kind
        # preferred-label candidates: (rank, label, the skill type the same row gives)
        self.prefs: list[tuple[int, str, Optional[str]]] = []
        self.alts: dict[str, str] = {}  # normalized -> label, in order of arrival
        self.code: Optional[str] = None
        self.isco_code: Optional[str] = None
        self.skill_type: Optional[str] = None
        self.type_rank = 0
        self.reuse_level: Optional[str] = None
        self.reuse_rank = 0
        self.description: Optional[str] = None
        self.desc_rank = 0
        self.digital = False
        self.broader: list[str] = []

    def add_pref(self, label: str, rank: int, skill_type: Optional[str] = None) -> None:
        label = _clean(label)
        if label:
            self.prefs.append((rank, label, skill_type))

    def add_alt(self, label: str) -> None:
        label = _clean(label)
        if label:
            self.alts.setdefault(normalize_label(label), label)

    def set_skill_type(self, value: Optional[str], rank: int) -> None:
        if value and rank > self.type_rank:
            self.skill_type, self.type_rank = value, rank

    def set_reuse_level(self, value: Optional[str], rank: int) -> None:
        if value and rank > self.reuse_rank:
            self.reuse_level, self.reuse_rank = value, rank

    def set_description(self, value: Optional[str], rank: int) -> None:
        value = _clean(value)
        if value and rank > self.desc_rank:
            self.description, self.desc_rank = value, rank

    def choose_label(self) -> tuple[str, Optional[str]]:
        """(preferred label, note about a conflict or None): the best-ranked source wins.

        When the best-ranked sources disagree (the same IRI twice in skills_en with two labels),
        the label a lower-ranked source (a collection) confirms wins, else the first one; the
        others become alternative labels.
        """
        if not self.prefs:
            return "", None
        best = max(rank for rank, _, _ in self.prefs)
        top: dict[str, tuple[str, Optional[str]]] = {}
        for rank, label, stype in self.prefs:
            if rank == best:
                top.setdefault(normalize_label(label), (label, stype))
        lower = {normalize_label(label) for rank, label, _ in self.prefs if rank < best}
        keys = list(top)
        key = next((k for k in keys if k in lower), keys[0])
        label, stype = top[key]
        if stype and best >= self.type_rank:
            self.skill_type, self.type_rank = stype, best
        for _, other, _ in self.prefs:
            if normalize_label(other) != key:
                self.add_alt(other)
        note = None
        if len(top) > 1:
            others = ", ".join(repr(top[k][0]) for k in keys if k != key)
            note = f"{self.iri} has several preferred labels: kept {label!r}, {others} as alternative"
        return label, note

    def freeze(self, label: str) -> tuple[Concept, tuple[str, tuple[str, ...]]]:
        """The concept, and the lookup keys of its preferred and alternative labels."""
        key = normalize_label(label)
        alt_keys = tuple(norm for norm in self.alts if norm != key)
        alts = tuple(self.alts[norm] for norm in alt_keys)
        return Concept(
            iri=self.iri,
            kind=self.kind,
            label=label,
            alt_labels=alts,
            code=self.code or None,
            isco_code=self.isco_code or None,
            skill_type=self.skill_type,
            reuse_level=self.reuse_level,
            description=self.description,
            digital=self.digital,
            broader=tuple(dict.fromkeys(self.broader)),
        ), (key, alt_keys)


def _skill_type(value: Optional[str]) -> Optional[str]:
    """'knowledge' | 'skill' from the CSV's 'knowledge' / 'skill/competence' or a skill-type IRI."""
    if not value:
        return None
    value = value.strip().lower()
    if value.startswith(SKILL_TYPE):
        value = value[len(SKILL_TYPE):]
    if value.startswith("knowledge"):
        return KNOWLEDGE
    if value.startswith("skill") or value.startswith("competence"):
        return SKILL
    return None


def _reuse_level(value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    value = value.strip().lower()
    if value.startswith(REUSE_LEVEL):
        value = value[len(REUSE_LEVEL):]
    value = re.sub(r"[\s_]+", "-", value)
    return value if value in REUSE_LEVELS else None


def _split_labels(value: Optional[str]) -> list[str]:
    """ESCO alt labels: newline-separated in the main files, ' | '-separated in the collections."""
    if not value:
        return []
    return [part for part in (_clean(p) for p in re.split(r"[\r\n|]+", value)) if part]


def _isco_code_of(iri: str) -> Optional[str]:
    if iri.startswith(ISCO_GROUP):
        code = iri[len(ISCO_GROUP):]
        return code if code.isdigit() else None
    return None


# --------------------------------------------------------------------------------------------
# Sources: files, folders and zips
# --------------------------------------------------------------------------------------------

#: the RDF dumps a vocabulary folder may hold, by extension (pyoxigraph formats)
_RDF_FORMATS = {ext: syntax.oxigraph for syntax in SYNTAXES if syntax.oxigraph for ext in syntax.extensions}
_CSV_EXTENSIONS = {".csv"}


class _Gunzip(gzip.GzipFile):
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
class _Source:
    name: str  # what messages call it: a path, or 'archive.zip!member'
    open: Callable[[], BinaryIO]
    explicit: bool  # named by the user (judged by content), not found in a folder or zip


def _is_hidden(parts: Iterable[str]) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in parts)


def _zip_sources(path: Path, name: str) -> Iterator[_Source]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise VocabularyError(f"{name}: cannot be read as a zip file ({exc})") from None
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir() or _is_hidden(PurePosixPath(info.filename).parts):
                continue
            yield _Source(
                name=f"{name}!{info.filename}",
                open=lambda info=info: archive.open(info),
                explicit=False,
            )


def _sources(paths: Iterable[str | Path]) -> Iterator[_Source]:
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
                    yield _Source(name=str(file), open=lambda f=file: open(f, "rb"), explicit=False)
        elif path.is_file():
            if zipfile.is_zipfile(path):
                yield from _zip_sources(path, name)
            else:
                yield _Source(name=name, open=lambda p=path: open(p, "rb"), explicit=True)
        elif path.exists():
            raise VocabularyError(f"{name}: neither a file nor a folder")
        else:
            raise VocabularyError(f"{name}: no such file or folder")


# --------------------------------------------------------------------------------------------
# CSV kinds, recognised by their header
# --------------------------------------------------------------------------------------------

# ESCO CSV files this module knows but does not index: (required columns, what they are).
_KNOWN_UNUSED = (
    ({"level 0 uri"}, "the ESCO skills hierarchy"),
    ({"occupationuri", "skilluri"}, "ESCO occupation-skill relations"),
    ({"originalskilluri", "relatedskilluri"}, "ESCO skill-skill relations"),
    ({"conceptschemeuri"}, "ESCO concept schemes"),
    ({"data header", "property"}, "the ESCO CSV dictionary"),
    ({"concepturi", "greenshare"}, "ESCO occupations' green share"),
)

_COLLECTION_NAMES = (
    ("digcomp", "digcomp"),
    ("digital", "digital"),
    ("green", "green"),
    ("transversal", "transversal"),
    ("language", "language"),
    ("research", "research"),
)


def _classify_csv(columns: list[str]) -> tuple[Optional[str], str]:
    """(kind, description) of an ESCO CSV from its lower-cased header; kind None: not indexed."""
    have = set(columns)
    for required, what in _KNOWN_UNUSED:
        if required <= have:
            return None, what
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


class _Row:
    """Column access by (lower-cased) name on the plain lists csv.reader gives."""

    __slots__ = ("index",)

    def __init__(self, header: list[str]):
        self.index = {name: i for i, name in enumerate(header)}

    def getter(self, name: str) -> Callable[[list[str]], str]:
        i = self.index.get(name)
        if i is None:
            return lambda row: ""
        return lambda row: row[i] if i < len(row) else ""


# --------------------------------------------------------------------------------------------
# The vocabulary
# --------------------------------------------------------------------------------------------


class Vocabulary:
    """ESCO occupations, skills and ISCO groups, indexed by IRI, code and label."""

    def __init__(self, concepts: Iterable[Concept] = (), *, stats: Optional[dict] = None,
                 _keys: Optional[dict[str, tuple[str, tuple[str, ...]]]] = None):
        self._by_iri: dict[str, Concept] = {}
        for concept in concepts:
            self._by_iri[concept.iri] = concept
        self.stats: dict = dict(stats or {})
        self._index(_keys or {})

    # ---- construction --------------------------------------------------------------------

    @classmethod
    def from_concepts(cls, concepts: Iterable[Concept]) -> "Vocabulary":
        """A vocabulary of the given concepts (handy in tests of code that uses one)."""
        return cls(concepts)

    @classmethod
    def load(cls, paths: Iterable[str | Path], *, language: str = "en") -> "Vocabulary":
        """Read ESCO CSV files and RDF dumps (files, folders or zips holding them)."""
        if isinstance(paths, (str, Path)):
            paths = [paths]
        paths = list(paths)
        started = time.perf_counter()
        # tens of thousands of small objects and no cycles: the cyclic GC would only slow this
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            loader = _Loader(language)
            for source in _sources(paths):
                loader.read(source)
            if not loader.files_read:
                names = ", ".join(str(p) for p in paths) or "(no path given)"
                raise VocabularyError(f"{names}: no ESCO vocabulary file found")
            concepts, keys = loader.finish()
            vocabulary = cls(concepts, _keys=keys, stats={
                "files_read": loader.files_read,
                "files_skipped": loader.files_skipped,
                "notes": loader.notes,
                "language": language,
            })
        finally:
            if gc_was_enabled:
                gc.enable()
        vocabulary.stats["load_seconds"] = round(time.perf_counter() - started, 3)
        return vocabulary

    def _index(self, keys: dict[str, tuple[str, tuple[str, ...]]]) -> None:
        concepts = sorted(self._by_iri.values(), key=lambda c: c.iri)
        self._by_kind: dict[str, list[Concept]] = {kind: [] for kind in KINDS}
        self._occ_codes: dict[str, Concept] = {}
        self._isco_codes: dict[str, Concept] = {}
        pref: dict[str, dict[str, list[str]]] = {kind: defaultdict(list) for kind in KINDS}
        alt: dict[str, dict[str, list[str]]] = {kind: defaultdict(list) for kind in KINDS}
        for concept in concepts:
            self._by_kind.setdefault(concept.kind, []).append(concept)
            if concept.code:
                codes = self._occ_codes if concept.kind == OCCUPATION else self._isco_codes
                if concept.kind in (OCCUPATION, ISCO_KIND):
                    codes.setdefault(concept.code, concept)
            if concept.kind not in pref:
                continue
            known = keys.get(concept.iri)
            if known is None:
                known = (normalize_label(concept.label),
                         tuple(dict.fromkeys(normalize_label(a) for a in concept.alt_labels)))
            pref_key, alt_keys = known
            pref[concept.kind][pref_key].append(concept.iri)
            for key in alt_keys:
                if key != pref_key:
                    alt[concept.kind][key].append(concept.iri)
        self._labels: dict[str, dict[str, str]] = {}
        self._candidates: dict[str, dict[str, tuple[str, ...]]] = {}
        label_stats: dict[str, dict[str, int]] = {}
        for kind in KINDS:
            candidates: dict[str, tuple[str, ...]] = {}
            counts = {"preferred_shared": 0, "alternative_shared": 0, "alternative_shadowed": 0}
            prefs_of, alts_of = pref[kind], alt[kind]
            # the first IRI (lowest) of each label; a preferred label beats an alternative one
            index = {key: iris[0] for key, iris in alts_of.items()}
            index.update((key, iris[0]) for key, iris in prefs_of.items())
            for key, iris in prefs_of.items():
                others = alts_of.get(key)
                if len(iris) > 1 or others:
                    rest = [iri for iri in others or () if iri not in iris]
                    if len(iris) > 1 or rest:
                        candidates[key] = tuple(iris) + tuple(rest)
                        counts["preferred_shared" if len(iris) > 1 else "alternative_shadowed"] += 1
            for key, iris in alts_of.items():
                if len(iris) > 1 and key not in prefs_of:
                    candidates[key] = tuple(iris)
                    counts["alternative_shared"] += 1
            self._labels[kind] = index
            self._candidates[kind] = candidates
            label_stats[kind] = counts
        self.stats["counts"] = {kind: len(self._by_kind.get(kind, [])) for kind in KINDS}
        self.stats["digital_skills"] = sum(c.digital for c in self._by_kind.get(SKILL_KIND, []))
        self.stats["labels"] = label_stats

    # ---- lookups -------------------------------------------------------------------------

    def by_iri(self, iri: str) -> Optional[Concept]:
        return self._by_iri.get(iri)

    def skill(self, label: str) -> Optional[Concept]:
        """The skill with this preferred or alternative label (preferred beats alternative)."""
        return self._by_label(SKILL_KIND, label)

    def occupation_by_label(self, label: str) -> Optional[Concept]:
        """The occupation with this preferred or alternative label (preferred beats alternative)."""
        return self._by_label(OCCUPATION, label)

    def occupation_by_code(self, code: str) -> Optional[Concept]:
        """The occupation with this ESCO code ('3114.1.5')."""
        return self._occ_codes.get(code.strip()) if code else None

    def isco_group(self, code: str) -> Optional[Concept]:
        """The ISCO group with this code ('3114'; 'C3114' and the group's IRI work too)."""
        if not code:
            return None
        code = code.strip()
        if code.startswith(ISCO_GROUP):
            code = code[len(ISCO_GROUP):]
        elif code[:1] in "cC":
            code = code[1:]
        return self._isco_codes.get(code)

    def parent_occupation(self, code: str) -> Optional[Concept]:
        """'3114.1.5' -> the occupation with code '3114.1', if any ('3114.1' -> None: ISCO)."""
        if not code or "." not in code.strip():
            return None
        return self._occ_codes.get(code.strip().rsplit(".", 1)[0])

    def skills_by_label(self, label: str) -> tuple[Concept, ...]:
        """Every skill this label names: the chosen one first, then the other candidates."""
        return self._all_by_label(SKILL_KIND, label)

    def occupations_by_label(self, label: str) -> tuple[Concept, ...]:
        """Every occupation this label names: the chosen one first, then the other candidates."""
        return self._all_by_label(OCCUPATION, label)

    def ambiguous_labels(self, kind: str = SKILL_KIND) -> dict[str, tuple[str, ...]]:
        """Normalized labels that name several concepts of a kind -> their IRIs, chosen first."""
        return dict(self._candidates.get(kind, {}))

    def skill_labels(self) -> Iterator[tuple[str, Optional[str]]]:
        """(label, skill_type) for every preferred and alternative skill label (for the splitter)."""
        seen: set[tuple[str, Optional[str]]] = set()
        for concept in self._by_kind.get(SKILL_KIND, []):
            for label in concept.labels:
                item = (label, concept.skill_type)
                if item not in seen:
                    seen.add(item)
                    yield item

    def concepts(self, kind: Optional[str] = None) -> Iterator[Concept]:
        """All concepts (of one kind), in IRI order."""
        if kind is not None:
            yield from self._by_kind.get(kind, [])
        else:
            for k in KINDS:
                yield from self._by_kind.get(k, [])

    def occupations(self) -> Iterator[Concept]:
        return self.concepts(OCCUPATION)

    def skills(self) -> Iterator[Concept]:
        return self.concepts(SKILL_KIND)

    def isco_groups(self) -> Iterator[Concept]:
        return self.concepts(ISCO_KIND)

    def __len__(self) -> int:
        return len(self._by_iri)

    def __contains__(self, iri: object) -> bool:
        return iri in self._by_iri

    def __iter__(self) -> Iterator[Concept]:
        return self.concepts()

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {k}" for k, n in self.stats.get("counts", {}).items())
        return f"<Vocabulary: {counts}>"

    def _by_label(self, kind: str, label: str) -> Optional[Concept]:
        if not label:
            return None
        iri = self._labels[kind].get(normalize_label(label))
        return self._by_iri[iri] if iri is not None else None

    def _all_by_label(self, kind: str, label: str) -> tuple[Concept, ...]:
        if not label:
            return ()
        key = normalize_label(label)
        iris = self._candidates[kind].get(key)
        if iris is None:
            iri = self._labels[kind].get(key)
            iris = (iri,) if iri is not None else ()
        return tuple(self._by_iri[iri] for iri in iris)


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


class _Loader:
    def __init__(self, language: str):
        self.language = (language or "en").strip().lower()
        self.drafts: dict[str, _Draft] = {}
        self.broader: dict[str, list[str]] = defaultdict(list)  # from broader-relation files
        self.files_read: list[dict] = []
        self.files_skipped: list[dict] = []
        self.notes: list[str] = []

    # ---- dispatch --------------------------------------------------------------------------

    def read(self, source: _Source) -> None:
        name = source.name
        lower = name.lower()
        opener = source.open
        if lower.endswith(".gz"):
            lower = lower[:-3]
            opener = lambda raw=source.open: _Gunzip(raw())  # noqa: E731
        elif lower.endswith(".zip"):  # a zip inside a zip
            self._skip(name, "a zip inside a zip (unzip it first)")
            return
        suffix = PurePosixPath(lower.replace("!", "/")).suffix
        if suffix in _RDF_FORMATS:
            self._read_rdf(name, opener, _RDF_FORMATS[suffix])
            return
        if not source.explicit and suffix not in _CSV_EXTENSIONS:
            self._skip(name, "not a CSV or RDF file")
            return
        try:
            with opener() as stream:
                head = stream.read(65536)
        except (OSError, EOFError, zipfile.BadZipFile, gzip.BadGzipFile) as exc:
            raise VocabularyError(f"{name}: cannot be read ({exc})") from None
        if b"\x00" in head or head.startswith(b"\x89PNG"):
            raise VocabularyError(f"{name}: a binary file, not an ESCO CSV or RDF file")
        text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
        first = next(
            (line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")),
            "",
        )
        low = first.lower()
        if low.startswith(("@prefix", "@base", "prefix ", "base ")) or first.startswith(("<http", "_:")):
            self._read_rdf(name, opener, pyoxigraph.RdfFormat.TURTLE)  # N-Triples is Turtle too
            return
        if low.startswith("<?xml") or "<rdf:rdf" in text[:4000].lower():
            self._read_rdf(name, opener, pyoxigraph.RdfFormat.RDF_XML)
            return
        if not first:
            raise VocabularyError(f"{name}: empty, not an ESCO CSV or RDF file")
        try:
            header = next(csv.reader(io.StringIO(text)))
        except (csv.Error, StopIteration):
            header = []
        columns = [c.strip().lstrip("\ufeff").lower() for c in header]
        kind, what = _classify_csv(columns)
        if kind == "":
            shown = ", ".join(header[:6]) + (", ..." if len(header) > 6 else "")
            raise VocabularyError(
                f"{name}: not an ESCO vocabulary file: its header ({shown}) matches no ESCO CSV "
                "file, and it is not Turtle or N-Triples"
            )
        if kind is None:
            self._skip(name, f"{what}: not indexed")
            return
        self._read_csv(name, opener, kind, what)

    def _skip(self, name: str, reason: str) -> None:
        self.files_skipped.append({"file": name, "reason": reason})

    # ---- CSV -------------------------------------------------------------------------------

    def _read_csv(self, name: str, opener, kind: str, what: str) -> None:
        limit = csv.field_size_limit()
        if limit < 2**31 - 1:
            csv.field_size_limit(2**31 - 1)
        try:
            with opener() as raw:
                stream = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                reader = csv.reader(stream)
                header = [c.strip().lower() for c in next(reader)]
                handler = getattr(self, f"_csv_{kind}")
                records = handler(name, header, reader, _Row(header))
        except UnicodeDecodeError as exc:
            raise VocabularyError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except csv.Error as exc:
            raise VocabularyError(f"{name}: malformed CSV ({exc})") from None
        except (OSError, EOFError, zipfile.BadZipFile) as exc:
            raise VocabularyError(f"{name}: cannot be read ({exc})") from None
        if isinstance(records, tuple):
            records, what = records
        if records is None:
            return
        self.files_read.append({"file": name, "kind": what, "records": records})

    def _draft(self, iri: str, kind: str, name: str) -> Optional[_Draft]:
        draft = self.drafts.get(iri)
        if draft is None:
            draft = self.drafts[iri] = _Draft(iri, kind)
        elif draft.kind != kind:
            self.notes.append(f"{name}: {iri} is a {kind} here but a {draft.kind} elsewhere; kept the first")
            return None
        return draft

    @staticmethod
    def _obsolete(status: str) -> bool:
        return status.strip().lower() in ("obsolete", "deprecated")

    def _csv_occupations(self, name, header, reader, row: _Row):
        uri, label, alts = row.getter("concepturi"), row.getter("preferredlabel"), row.getter("altlabels")
        isco, code, desc, status = row.getter("iscogroup"), row.getter("code"), row.getter("description"), row.getter("status")
        n = 0
        for r in reader:
            iri = uri(r).strip()
            if not iri or self._obsolete(status(r)):
                continue
            d = self._draft(iri, OCCUPATION, name)
            if d is None:
                continue
            d.add_pref(label(r), _MAIN)
            for alt in _split_labels(alts(r)):
                d.add_alt(alt)
            d.code = d.code or code(r).strip() or None
            isco_code = isco(r).strip()
            if isco_code.startswith(ISCO_GROUP):
                isco_code = isco_code[len(ISCO_GROUP):]
            d.isco_code = d.isco_code or isco_code or None
            d.set_description(desc(r), _MAIN)
            n += 1
        return n

    def _csv_skills(self, name, header, reader, row: _Row):
        return self._read_skill_rows(name, reader, row, _MAIN, digital=False)

    def _csv_collection(self, name, header, reader, row: _Row):
        base = PurePosixPath(name.replace("!", "/")).name.lower()
        collection = next((c for key, c in _COLLECTION_NAMES if key in base), None)
        how = "by its file name"
        if collection is None:
            # digital, green, research and DigComp share one column order, transversal and
            # language another: without a name to go by, take the first for the digital one.
            lab, typ = row.index.get("preferredlabel", 0), row.index.get("skilltype", 0)
            collection = "digital" if lab < typ else "transversal"
            how = "by its column order (name it '*digital*' or '*green*', ... to be explicit)"
            self.notes.append(f"{name}: taken as the {collection} skill collection {how}")
        n = self._read_skill_rows(name, reader, row, _COLLECTION, digital=collection == "digital")
        return n, f"the ESCO {collection} skill collection"

    def _read_skill_rows(self, name, reader, row: _Row, rank: int, digital: bool):
        uri, label, alts = row.getter("concepturi"), row.getter("preferredlabel"), row.getter("altlabels")
        stype, reuse, desc = row.getter("skilltype"), row.getter("reuselevel"), row.getter("description")
        status, schemes = row.getter("status"), row.getter("inscheme")
        n = 0
        for r in reader:
            iri = uri(r).strip()
            if not iri or self._obsolete(status(r)):
                continue
            d = self._draft(iri, SKILL_KIND, name)
            if d is None:
                continue
            skill_type = _skill_type(stype(r))
            d.add_pref(label(r), rank, skill_type)
            for alt in _split_labels(alts(r)):
                d.add_alt(alt)
            d.set_skill_type(skill_type, rank)
            d.set_reuse_level(_reuse_level(reuse(r)), rank)
            d.set_description(desc(r), rank)
            if digital or DIGITAL_SCHEME in schemes(r):
                d.digital = True
            n += 1
        return n

    def _csv_groups(self, name, header, reader, row: _Row):
        uri, label, alts = row.getter("concepturi"), row.getter("preferredlabel"), row.getter("altlabels")
        ctype, code, desc, status = row.getter("concepttype"), row.getter("code"), row.getter("description"), row.getter("status")
        n = other = 0
        for r in reader:
            iri = uri(r).strip()
            if not iri or self._obsolete(status(r)):
                continue
            t = ctype(r).strip().lower()
            if t != "iscogroup" and not (not t and iri.startswith(ISCO_GROUP)):
                other += 1
                continue
            d = self._draft(iri, ISCO_KIND, name)
            if d is None:
                continue
            d.add_pref(label(r), _MAIN)
            for alt in _split_labels(alts(r)):
                d.add_alt(alt)
            d.code = d.code or code(r).strip() or _isco_code_of(iri)
            d.set_description(desc(r), _MAIN)
            n += 1
        if not n:
            self._skip(name, "ESCO skill groups: not indexed" if other else "no ISCO group in it")
            return None
        return n, "ESCO ISCO groups"

    def _csv_broader(self, name, header, reader, row: _Row):
        uri, ctype, broader = row.getter("concepturi"), row.getter("concepttype"), row.getter("broaderuri")
        n = 0
        for r in reader:
            if ctype(r).strip().lower() not in ("occupation", "iscogroup"):
                continue
            iri, parent = uri(r).strip(), broader(r).strip()
            if iri and parent:
                self.broader[iri].append(parent)
                n += 1
        if not n:
            self._skip(name, "ESCO skill-pillar broader relations: not indexed")
            return None
        return n, "ESCO occupation-pillar broader relations"

    # ---- RDF -------------------------------------------------------------------------------

    def _read_rdf(self, name: str, opener, fmt) -> None:
        reader = _RdfReader(self.language)
        try:
            with opener() as stream:
                try:
                    quads = pyoxigraph.parse(input=stream, format=fmt, lenient=True)
                except TypeError:  # pyoxigraph before 'lenient'
                    quads = pyoxigraph.parse(input=stream, format=fmt)
                reader.consume(quads)
        except SyntaxError as exc:
            raise VocabularyError(f"{name}: not valid {fmt.name} ({exc})") from None
        except (OSError, EOFError, zipfile.BadZipFile, gzip.BadGzipFile, ValueError) as exc:
            raise VocabularyError(f"{name}: cannot be read as RDF ({exc})") from None
        n = reader.emit(self, name)
        if not n:
            self._skip(name, f"RDF with no ESCO occupation, skill or ISCO group labelled in '{self.language}'")
            return
        self.files_read.append({"file": name, "kind": "ESCO RDF", "records": n})

    # ---- finish ----------------------------------------------------------------------------

    def finish(self) -> tuple[list[Concept], dict[str, tuple[str, tuple[str, ...]]]]:
        drafts = self.drafts
        for iri, parents in self.broader.items():
            d = drafts.get(iri)
            if d is not None and d.kind in (OCCUPATION, ISCO_KIND):
                d.broader.extend(parents)
        occ_by_code = {d.code: d for d in drafts.values() if d.kind == OCCUPATION and d.code}
        concepts = []
        keys: dict[str, tuple[str, tuple[str, ...]]] = {}
        unlabelled = 0
        for iri in sorted(drafts):
            d = drafts[iri]
            label, note = d.choose_label()
            if not label:
                unlabelled += 1
                continue
            if note:
                self.notes.append(note)
            if d.kind == OCCUPATION:
                if not d.isco_code:
                    d.isco_code = next((_isco_code_of(b) for b in d.broader if _isco_code_of(b)), None)
                if not d.isco_code and d.code and "." in d.code:
                    d.isco_code = d.code.split(".", 1)[0]
                if not d.broader:
                    parent = None
                    if d.code and "." in d.code:
                        parent = occ_by_code.get(d.code.rsplit(".", 1)[0])
                    if parent is not None:
                        d.broader.append(parent.iri)
                    elif d.isco_code:
                        d.broader.append(ISCO_GROUP + d.isco_code)
            elif d.kind == ISCO_KIND:
                if not d.code:
                    d.code = _isco_code_of(iri)
                if not d.broader and d.code and len(d.code) > 1:
                    d.broader.append(ISCO_GROUP + d.code[:-1])
            concept, keys[iri] = d.freeze(label)
            concepts.append(concept)
        if unlabelled:
            self.notes.append(f"{unlabelled} concepts without a preferred label were left out")
        return concepts, keys


_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_ESCO = "http://data.europa.eu/esco/model#"
_DCT = "http://purl.org/dc/terms/"
_ISO_THES = "http://purl.org/iso25964/skos-thes#"
_OWL = "http://www.w3.org/2002/07/owl#"
_SKILLS_HIERARCHY = "http://data.europa.eu/esco/concept-scheme/skills-hierarchy"
_MEMBER_SKILLS = "http://data.europa.eu/esco/concept-scheme/member-skills"

_P_TYPE = _RDF + "type"
_P_PREF = _SKOS + "prefLabel"
_P_ALT = _SKOS + "altLabel"
_P_NOTATION = _SKOS + "notation"
_P_BROADER = _SKOS + "broader"
_P_SCHEME = _SKOS + "inScheme"
_P_SKILL_TYPE = _ESCO + "skillType"
_P_REUSE = _ESCO + "skillReuseLevel"
_P_ISCO = _ESCO + "memberOfISCOGroup"
_P_DESCRIPTION = _DCT + "description"
_P_NODE_LITERAL = _ESCO + "nodeLiteral"
_P_LANGUAGE = _ESCO + "language"
_P_STATUS = _ISO_THES + "status"
_P_DEPRECATED = _OWL + "deprecated"

_T_OCCUPATION = _ESCO + "Occupation"
_T_SKILL = _ESCO + "Skill"
_T_ISCO = _ESCO + "ISCOGroup"
_T_SKILL_GROUP = _ESCO + "SkillGroup"
_TYPES = {_T_OCCUPATION, _T_SKILL, _T_ISCO, _T_SKILL_GROUP}

# Predicates the RDF reader keeps, in dispatch order: the first four carry language-tagged
# literals (checked against the language before anything else is done).
_PREDICATE_ORDER = (
    _P_PREF, _P_ALT, _P_NODE_LITERAL, _P_DESCRIPTION,
    _P_LANGUAGE, _P_TYPE, _P_NOTATION, _P_SCHEME, _P_BROADER, _P_SKILL_TYPE, _P_REUSE, _P_ISCO,
    _P_STATUS, _P_DEPRECATED,
)
(_C_PREF, _C_ALT, _C_NODE_LITERAL, _C_DESCRIPTION, _C_LANGUAGE, _C_TYPE, _C_NOTATION, _C_SCHEME,
 _C_BROADER, _C_SKILL_TYPE, _C_REUSE, _C_ISCO, _C_STATUS, _C_DEPRECATED) = range(len(_PREDICATE_ORDER))


class _RdfSubject:
    __slots__ = ("types", "prefs", "alts", "notations", "broader", "schemes", "skill_type",
                 "reuse", "isco", "desc_nodes", "desc_literals", "obsolete")

    def __init__(self):
        self.types: set[str] = set()
        self.prefs: list[tuple[int, str]] = []
        self.alts: list[str] = []
        self.notations: list[tuple[bool, str]] = []
        self.broader: list[str] = []
        self.schemes: set[str] = set()
        self.skill_type: Optional[str] = None
        self.reuse: Optional[str] = None
        self.isco: list[str] = []
        self.desc_nodes: list[str] = []
        self.desc_literals: list[tuple[int, str]] = []
        self.obsolete = False


class _RdfReader:
    """Streams an RDF parse, keeping only the facts indexed, in one language."""

    def __init__(self, language: str):
        self.language = language
        self.subjects: dict[str, _RdfSubject] = {}
        self.texts: dict[str, str] = {}  # node literal -> its text, in the language
        self._accepted: set[str] = set()  # nodes whose esco:language is the language
        self._rejected: set[str] = set()  # nodes of the current subject in another language
        self._pending: dict[str, str] = {}  # node texts whose language is not known yet

    def _rank(self, tag: Optional[str]) -> int:
        if not tag:
            return 1
        tag = tag.lower()
        if tag == self.language:
            return 3
        if tag.startswith(self.language + "-"):
            return 2
        return 0

    def consume(self, quads) -> None:
        """Keep the facts indexed from an iterator of pyoxigraph triples or quads.

        The hot path: most triples of an ESCO dump (SKOS-XL label nodes, association objects,
        the 27 other languages) are dropped after one dictionary lookup or one tag comparison.
        """
        import pyoxigraph

        NamedNode, BlankNode, Literal = pyoxigraph.NamedNode, pyoxigraph.BlankNode, pyoxigraph.Literal
        codes = {NamedNode(iri): code for code, iri in enumerate(_PREDICATE_ORDER)}
        language, dash = self.language, self.language + "-"
        subjects = self.subjects
        last_subject = None

        for quad in quads:
            code = codes.get(quad.predicate)
            if code is None:
                continue
            o = quad.object
            tag = None
            if code <= _C_DESCRIPTION:  # labels and descriptions: drop other languages at once
                if type(o) is Literal:
                    tag = o.language
                    if tag is not None and tag != language and not tag.startswith(dash):
                        tag = tag.lower()
                        if tag != language and not tag.startswith(dash):
                            continue
                elif code != _C_DESCRIPTION:
                    continue
            s_term = quad.subject
            s = s_term.value
            if type(s_term) is BlankNode:
                s = "_:" + s
            if s != last_subject:
                self._rejected.clear()
                last_subject = s
            if code == _C_NODE_LITERAL:
                if type(o) is Literal:
                    self._node_text(s, o.value, tag)
                continue
            if code == _C_LANGUAGE:
                if type(o) is Literal:
                    self._node_language(s, o.value)
                continue
            if code == _C_TYPE:
                value = o.value
                if value in _TYPES:
                    subject = subjects.get(s)
                    if subject is None:
                        subject = subjects[s] = _RdfSubject()
                    subject.types.add(value)
                continue
            subject = subjects.get(s)
            if subject is None:
                subject = subjects[s] = _RdfSubject()
            if code == _C_PREF:
                subject.prefs.append((3 if tag == language else 2 if tag else 1, o.value))
            elif code == _C_ALT:
                subject.alts.append(o.value)
            elif code == _C_DESCRIPTION:
                if type(o) is Literal:
                    subject.desc_literals.append((3 if tag == language else 2 if tag else 1, o.value))
                else:
                    subject.desc_nodes.append(o.value if type(o) is NamedNode else "_:" + o.value)
            elif code == _C_NOTATION:
                if type(o) is Literal:
                    plain = o.language is not None or o.datatype.value.endswith("#string")
                    subject.notations.append((plain, o.value))
            elif code == _C_SCHEME:
                subject.schemes.add(o.value)
            elif code == _C_BROADER:
                if type(o) is NamedNode:
                    subject.broader.append(o.value)
            elif code == _C_SKILL_TYPE:
                subject.skill_type = subject.skill_type or o.value
            elif code == _C_REUSE:
                subject.reuse = subject.reuse or o.value
            elif code == _C_ISCO:
                subject.isco.append(o.value)
            elif code == _C_STATUS:
                if type(o) is Literal and o.value.strip().lower() in ("obsolete", "deprecated"):
                    subject.obsolete = True
            elif code == _C_DEPRECATED:
                if type(o) is Literal and o.value.strip().lower() in ("true", "1"):
                    subject.obsolete = True

    def _node_text(self, node: str, text: str, tag: Optional[str]) -> None:
        if tag:  # a language-tagged text, already checked against the language
            self.texts.setdefault(node, text)
        elif node in self._accepted:
            self.texts.setdefault(node, text)
        elif node not in self._rejected:
            self._pending[node] = text

    def _node_language(self, node: str, language: str) -> None:
        if self._rank(language.strip()) >= 2:
            self._accepted.add(node)
            text = self._pending.pop(node, None)
            if text is not None:
                self.texts.setdefault(node, text)
        else:
            self._rejected.add(node)
            self._pending.pop(node, None)

    def _kind(self, iri: str, subject: _RdfSubject) -> Optional[str]:
        types = subject.types
        if _T_OCCUPATION in types:
            return OCCUPATION
        if _T_SKILL in types:
            if _T_SKILL_GROUP in types:
                return None
            if _SKILLS_HIERARCHY in subject.schemes and _MEMBER_SKILLS not in subject.schemes \
                    and subject.skill_type is None:
                return None
            return SKILL_KIND
        if _T_ISCO in types or ISCO_SCHEME in subject.schemes or (
            iri.startswith(ISCO_GROUP) and _isco_code_of(iri) and subject.prefs
        ):
            return ISCO_KIND
        if subject.skill_type is not None and SKILL_SCHEME in subject.schemes:
            return SKILL_KIND
        if OCCUPATION_SCHEME in subject.schemes and subject.notations and not iri.startswith(ISCO_GROUP):
            return OCCUPATION
        return None

    def emit(self, loader: _Loader, name: str) -> int:
        n = 0
        for iri, subject in self.subjects.items():
            if subject.obsolete or not subject.prefs or iri.startswith("_:"):
                continue
            kind = self._kind(iri, subject)
            if kind is None:
                continue
            d = loader._draft(iri, kind, name)
            if d is None:
                continue
            # a graph has no order: sort, so that any serialization gives the same concept
            by_label = lambda label: (normalize_label(label), label)  # noqa: E731
            best = max(rank for rank, _ in subject.prefs)
            prefs = sorted((label for rank, label in subject.prefs if rank == best), key=by_label)
            d.add_pref(prefs[0], _MAIN)
            others = [label for rank, label in subject.prefs if rank != best]
            for label in prefs[1:] + sorted(subject.alts + others, key=by_label):
                d.add_alt(label)
            notations = sorted(subject.notations, key=lambda item: (not item[0], item[1]))
            code = notations[0][1].strip() if notations else None
            if kind == OCCUPATION:
                d.code = d.code or code
                for group in sorted(subject.isco):
                    d.isco_code = d.isco_code or _isco_code_of(group)
                d.broader.extend(b for b in sorted(set(subject.broader)) if b not in d.broader)
            elif kind == ISCO_KIND:
                d.code = d.code or code or _isco_code_of(iri)
                d.broader.extend(b for b in sorted(set(subject.broader)) if b not in d.broader)
            else:
                d.set_skill_type(_skill_type(subject.skill_type), _MAIN)
                d.set_reuse_level(_reuse_level(subject.reuse), _MAIN)
                if DIGITAL_SCHEME in subject.schemes:
                    d.digital = True
            description = next((self.texts[node] for node in sorted(subject.desc_nodes) if node in self.texts), None)
            if description is None and subject.desc_literals:
                description = sorted(subject.desc_literals, key=lambda item: (-item[0], item[1]))[0][1]
            d.set_description(description, _MAIN)
            n += 1
        return n


__all__ = ["Concept", "KINDS", "Vocabulary", "normalize_label"]
