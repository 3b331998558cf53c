"""Loading the vocabulary: every source read, CSV rows merged into concept drafts."""
from __future__ import annotations

import csv
import gzip
import io
import zipfile
from collections import defaultdict
from pathlib import PurePosixPath
from typing import Optional

import pyoxigraph

from ..errors import VocabularyError
from ..model import skill_type_of
from ..namespaces import (
    DIGITAL_SCHEME,
    ISCO_GROUP,
)
from .concepts import (
    COLLECTION,
    ISCO_KIND,
    MAIN,
    OCCUPATION,
    SKILL_GROUP,
    SKILL_KIND,
    Concept,
    Draft,
    isco_code_of,
    reuse_level,
    split_labels,
)
from .files import (
    COLLECTION_NAMES,
    CSV_EXTENSIONS,
    RDF_FORMATS,
    Gunzip,
    Row,
    Source,
    classify_csv,
)
from .rdfload import RdfReader

#: a CSV field longer than this is refused (issue 14: a 612 KB zip inflating to one field of
#: hundreds of MB took 4 GB); ESCO v1.2.0's longest field holds 3,853 characters
MAX_CSV_FIELD_CHARS = 1_000_000


def _too_long(name: str, what: str) -> VocabularyError:
    return VocabularyError(f"{name}: a {what} of more than {MAX_CSV_FIELD_CHARS} characters (ESCO's longest "
                           "holds under 4,000): not a vocabulary file; not read")


def _bounded_lines(stream, name: str):
    """The stream's lines, each read with a bound: the csv module reads a whole line before it checks
    a field's length, so a 600 MB line with no line end was held whole (1.3 GB) before being refused."""
    while True:
        line = stream.readline(MAX_CSV_FIELD_CHARS + 1)
        if not line:
            return
        if len(line) > MAX_CSV_FIELD_CHARS:
            raise _too_long(name, "line")
        yield line


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


class Loader:
    def __init__(self, language: str):
        self.language = (language or "en").strip().lower()
        self.drafts: dict[str, Draft] = {}
        self.broader: dict[str, list[str]] = defaultdict(list)  # from broader-relation files
        self.files_read: list[dict] = []
        self.files_skipped: list[dict] = []
        self.notes: list[str] = []

    # ---- dispatch --------------------------------------------------------------------------

    def read(self, source: Source) -> None:
        name = source.name
        lower = name.lower()
        opener = source.open
        if lower.endswith(".gz"):
            lower = lower[:-3]
            opener = lambda raw=source.open: Gunzip(raw())  # noqa: E731
        elif lower.endswith(".zip"):  # a zip inside a zip
            self._skip(name, "a zip inside a zip (unzip it first)")
            return
        suffix = PurePosixPath(lower.replace("!", "/")).suffix
        if suffix in RDF_FORMATS:
            self._read_rdf(name, opener, RDF_FORMATS[suffix])
            return
        if not source.explicit and suffix not in CSV_EXTENSIONS:
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
        kind, what = classify_csv(columns)
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
        limit = csv.field_size_limit(MAX_CSV_FIELD_CHARS)  # the csv module's limit is process-wide: restored below
        try:
            with opener() as raw:
                stream = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                reader = csv.reader(_bounded_lines(stream, name))
                header = [c.strip().lower() for c in next(reader)]
                handler = getattr(self, f"_csv_{kind}")
                records = handler(name, header, reader, Row(header))
        except UnicodeDecodeError as exc:
            raise VocabularyError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise _too_long(name, "field") from None
            raise VocabularyError(f"{name}: malformed CSV ({exc})") from None
        except (OSError, EOFError, zipfile.BadZipFile) as exc:
            raise VocabularyError(f"{name}: cannot be read ({exc})") from None
        finally:
            csv.field_size_limit(limit)
        if isinstance(records, tuple):
            records, what = records
        if records is None:
            return
        self.files_read.append({"file": name, "kind": what, "records": records})

    def _draft(self, iri: str, kind: str, name: str) -> Optional[Draft]:
        draft = self.drafts.get(iri)
        if draft is None:
            draft = self.drafts[iri] = Draft(iri, kind)
        elif draft.kind != kind:
            self.notes.append(f"{name}: {iri} is a {kind} here but a {draft.kind} elsewhere; kept the first")
            return None
        return draft

    @staticmethod
    def _obsolete(status: str) -> bool:
        return status.strip().lower() in ("obsolete", "deprecated")

    def _csv_occupations(self, name, header, reader, row: Row):
        uri, label, alts = row.getter("concepturi"), row.getter("preferredlabel"), row.getter("altlabels")
        isco, code, desc, status = row.getter("iscogroup"), row.getter("code"), row.getter("description"), row.getter("status")
        more = self._more_getters(row)
        n = 0
        for r in reader:
            iri = uri(r).strip()
            if not iri or self._obsolete(status(r)):
                continue
            d = self._draft(iri, OCCUPATION, name)
            if d is None:
                continue
            d.add_more(**{key: get(r) for key, get in more})
            d.add_pref(label(r), MAIN)
            for alt in split_labels(alts(r)):
                d.add_alt(alt)
            d.code = d.code or code(r).strip() or None
            isco_code = isco(r).strip()
            if isco_code.startswith(ISCO_GROUP):
                isco_code = isco_code[len(ISCO_GROUP):]
            d.isco_code = d.isco_code or isco_code or None
            d.set_description(desc(r), MAIN)
            n += 1
        return n

    def _csv_skills(self, name, header, reader, row: Row):
        return self._read_skill_rows(name, reader, row, MAIN, digital=False)

    def _csv_collection(self, name, header, reader, row: Row):
        base = PurePosixPath(name.replace("!", "/")).name.lower()
        collection = next((c for key, c in COLLECTION_NAMES if key in base), None)
        how = "by its file name"
        if collection is None:
            # digital, green, research and DigComp share one column order, transversal and
            # language another: without a name to go by, take the first for the digital one.
            lab, typ = row.index.get("preferredlabel", 0), row.index.get("skilltype", 0)
            collection = "digital" if lab < typ else "transversal"
            how = "by its column order (name it '*digital*' or '*green*', ... to be explicit)"
            self.notes.append(f"{name}: taken as the {collection} skill collection {how}")
        n = self._read_skill_rows(name, reader, row, COLLECTION, digital=collection == "digital")
        return n, f"the ESCO {collection} skill collection"

    def _read_skill_rows(self, name, reader, row: Row, rank: int, digital: bool):
        uri, label, alts = row.getter("concepturi"), row.getter("preferredlabel"), row.getter("altlabels")
        stype, reuse, desc = row.getter("skilltype"), row.getter("reuselevel"), row.getter("description")
        status, schemes = row.getter("status"), row.getter("inscheme")
        more = self._more_getters(row)
        n = 0
        for r in reader:
            iri = uri(r).strip()
            if not iri or self._obsolete(status(r)):
                continue
            d = self._draft(iri, SKILL_KIND, name)
            if d is None:
                continue
            d.add_more(**{key: get(r) for key, get in more})
            skill_type = skill_type_of(stype(r))
            d.add_pref(label(r), rank, skill_type)
            for alt in split_labels(alts(r)):
                d.add_alt(alt)
            d.setskill_type_of(skill_type, rank)
            d.set_reuse_level(reuse_level(reuse(r)), rank)
            d.set_description(desc(r), rank)
            if digital or DIGITAL_SCHEME in schemes(r):
                d.digital = True
            n += 1
        return n

    @staticmethod
    def _more_getters(row: Row) -> list[tuple[str, object]]:
        """Getters of the columns Draft.add_more takes (absent columns give '')."""
        return [(key, row.getter(column)) for key, column in (
            ("hidden", "hiddenlabels"), ("status", "status"), ("modified", "modifieddate"), ("schemes", "inscheme"),
            ("scope_note", "scopenote"), ("definition", "definition"), ("regulated_note", "regulatedprofessionnote"),
            ("broader", "broaderconcepturi"),
        )]

    def _csv_groups(self, name, header, reader, row: Row):
        uri, label, alts = row.getter("concepturi"), row.getter("preferredlabel"), row.getter("altlabels")
        ctype, code, desc, status = row.getter("concepttype"), row.getter("code"), row.getter("description"), row.getter("status")
        more = self._more_getters(row)
        n = {ISCO_KIND: 0, SKILL_GROUP: 0}
        for r in reader:
            iri = uri(r).strip()
            if not iri or self._obsolete(status(r)):
                continue
            t = ctype(r).strip().lower()
            kind = ISCO_KIND if t == "iscogroup" or (not t and iri.startswith(ISCO_GROUP)) else SKILL_GROUP
            d = self._draft(iri, kind, name)
            if d is None:
                continue
            d.add_pref(label(r), MAIN)
            for alt in split_labels(alts(r)):
                d.add_alt(alt)
            d.add_more(**{key: get(r) for key, get in more})
            d.code = d.code or code(r).strip() or (isco_code_of(iri) if kind == ISCO_KIND else None)
            d.set_description(desc(r), MAIN)
            n[kind] += 1
        if not any(n.values()):
            self._skip(name, "no ISCO group or skill group in it")
            return None
        what = "ESCO ISCO groups" if n[ISCO_KIND] >= n[SKILL_GROUP] else "ESCO skill groups"
        return sum(n.values()), what

    def _csv_hierarchy(self, name, header, reader, row: Row):
        """skillsHierarchy_en.csv: each row a path of skill groups (levels 0-3), each level narrower
        than the one before; the row's description and scope note are its deepest level's."""
        levels = [(row.getter(f"level {i} uri"), row.getter(f"level {i} preferred term"), row.getter(f"level {i} code"))
                  for i in range(4)]
        desc, scope = row.getter("description"), row.getter("scope note")
        n = 0
        for r in reader:
            parent = None
            deepest = None
            for uri, label, code in levels:
                iri = uri(r).strip()
                if not iri:
                    break
                d = self._draft(iri, SKILL_GROUP, name)
                if d is None:
                    break
                d.add_pref(label(r), COLLECTION)
                d.code = d.code or code(r).strip() or None
                if parent is not None and parent not in d.broader:
                    d.broader.append(parent)
                parent, deepest = iri, d
            if deepest is not None:
                deepest.set_description(desc(r), COLLECTION)
                deepest.add_more(scope_note=scope(r))
                n += 1
        return n, "the ESCO skills hierarchy"

    def _csv_broader(self, name, header, reader, row: Row):
        uri, ctype, broader = row.getter("concepturi"), row.getter("concepttype"), row.getter("broaderuri")
        n = {"occupation": 0, "skill": 0}
        for r in reader:
            pillar = "occupation" if ctype(r).strip().lower() in ("occupation", "iscogroup") else "skill"
            iri, parent = uri(r).strip(), broader(r).strip()
            if iri and parent:
                self.broader[iri].append(parent)
                n[pillar] += 1
        if not any(n.values()):
            self._skip(name, "no broader relation in it")
            return None
        pillar = "occupation" if n["occupation"] >= n["skill"] else "skill"
        return sum(n.values()), f"ESCO {pillar}-pillar broader relations"

    # ---- RDF -------------------------------------------------------------------------------

    def _read_rdf(self, name: str, opener, fmt) -> None:
        reader = RdfReader(self.language)
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
            if d is not None:
                d.broader.extend(p for p in parents if p not in d.broader)
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
                    d.isco_code = next((isco_code_of(b) for b in d.broader if isco_code_of(b)), None)
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
                    d.code = isco_code_of(iri)
                if not d.broader and d.code and len(d.code) > 1:
                    d.broader.append(ISCO_GROUP + d.code[:-1])
            concept, keys[iri] = d.freeze(label)
            concepts.append(concept)
        if unlabelled:
            self.notes.append(f"{unlabelled} concepts without a preferred label were left out")
        return concepts, keys
