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

import time
from collections import defaultdict
from pathlib import Path
from typing import Iterable, Iterator, Optional

from ..collector import fewer_collections
from ..errors import VocabularyError
from ..namespaces import (
    ISCO_GROUP,
)
from .concepts import ISCO_KIND, KINDS, OCCUPATION, SKILL_KIND, Concept, normalize_label
from .csvload import Loader
from .files import sources

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
        with fewer_collections():  # hundreds of thousands of small objects and no cycles
            loader = Loader(language)
            for source in sources(paths):
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


__all__ = ["Concept", "KINDS", "Vocabulary", "normalize_label"]
