"""What changed between two crawls: ``esco-graph diff OLD NEW``.

Each side is a graph file (any format ``load`` reads) or a store; the facts compared are asked
of it with SPARQL, so a file, the embedded store and a SPARQL server are compared alike. Per
occupation (matched by IRI): the skills added and removed (essential and optional apart), the
relations that moved between essential and optional, and the preferred label, description, ESCO
code and ISCO group that changed; occupations that appeared or vanished.

The changes are also a changeset a store can apply: :meth:`Changes.sparql_update` (``DELETE DATA``
then ``INSERT DATA`` of the compared facts), or RDF in the Talis changeset vocabulary
(``cs:ChangeSet`` with ``cs:removal`` / ``cs:addition`` statements), which is what RDF tools
that track changes to a resource's description read.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from ..errors import InputError, OptionError
from ..store import EmbeddedStore, Store

ESSENTIAL, OPTIONAL = "essential", "optional"
_RELATIONS = {
    ESSENTIAL: ("http://data.europa.eu/esco/model#relatedEssentialSkill", "http://data.europa.eu/esco/model#isEssentialSkillFor"),
    OPTIONAL: ("http://data.europa.eu/esco/model#relatedOptionalSkill", "http://data.europa.eu/esco/model#isOptionalSkillFor"),
}
_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
_NOTATION = "http://www.w3.org/2004/02/skos/core#notation"
_ISCO = "http://data.europa.eu/esco/model#memberOfISCOGroup"
_NODE_LITERAL = "http://data.europa.eu/esco/model#nodeLiteral"
FIELDS = ("label", "description", "code", "isco_group")

_OCCUPATIONS = """PREFIX esco: <http://data.europa.eu/esco/model#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?o ?label ?code ?group ?node ?description WHERE {
  ?o a esco:Occupation .
  OPTIONAL { ?o skos:prefLabel ?label FILTER (LANGMATCHES(LANG(?label), ?lang)) }
  OPTIONAL { ?o skos:notation ?code FILTER (DATATYPE(?code) = <http://www.w3.org/2001/XMLSchema#string>) }
  OPTIONAL { ?o esco:memberOfISCOGroup ?group }
  OPTIONAL { ?o dct:description ?node . ?node esco:nodeLiteral ?description }
}"""
_LINKS = """PREFIX esco: <http://data.europa.eu/esco/model#>
SELECT ?o ?relation ?s WHERE {
  VALUES (?p ?relation) { (esco:relatedEssentialSkill "essential") (esco:relatedOptionalSkill "optional") }
  ?o a esco:Occupation ; ?p ?s }"""
_SKILL_LABELS = """PREFIX esco: <http://data.europa.eu/esco/model#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?label WHERE { ?s a esco:Skill ; skos:prefLabel ?label FILTER (LANGMATCHES(LANG(?label), ?lang)) }"""


@dataclass
class Side:
    """What one side says of each occupation: facts, links, and the skills' labels."""

    occupations: dict[str, dict] = field(default_factory=dict)  # IRI -> {field: value}
    links: dict[str, dict[str, str]] = field(default_factory=dict)  # occupation IRI -> {skill IRI: relation}
    skill_labels: dict[str, str] = field(default_factory=dict)
    nodes: dict[str, str] = field(default_factory=dict)  # occupation IRI -> its description's NodeLiteral IRI
    language: str = "en"


@dataclass
class OccupationChange:
    iri: str
    label: str
    status: str  # 'added' | 'removed' | 'changed'
    added: dict[str, list[str]] = field(default_factory=lambda: {ESSENTIAL: [], OPTIONAL: []})  # skill IRIs
    removed: dict[str, list[str]] = field(default_factory=lambda: {ESSENTIAL: [], OPTIONAL: []})
    moved: list[tuple[str, str, str]] = field(default_factory=list)  # (skill IRI, from, to)
    fields: dict[str, tuple[Optional[str], Optional[str]]] = field(default_factory=dict)  # field -> (old, new)


@dataclass
class Changes:
    """The differences between two graphs, occupation by occupation (IRI order)."""

    occupations: list[OccupationChange]
    old: Side
    new: Side

    def __bool__(self) -> bool:
        return bool(self.occupations)

    def skill_label(self, iri: str) -> str:
        return self.new.skill_labels.get(iri) or self.old.skill_labels.get(iri) or iri

    def counts(self) -> dict[str, int]:
        out = {"occupations added": 0, "occupations removed": 0, "occupations changed": 0,
               "skills added": 0, "skills removed": 0, "relations moved": 0, "fields changed": 0}
        for change in self.occupations:
            out[f"occupations {change.status}"] += 1
            out["skills added"] += sum(len(v) for v in change.added.values())
            out["skills removed"] += sum(len(v) for v in change.removed.values())
            out["relations moved"] += len(change.moved)
            out["fields changed"] += len(change.fields)
        return out

    # ---- as text, JSON, CSV --------------------------------------------------------------------

    def to_text(self) -> str:
        if not self:
            return "no change\n"
        lines = []
        for change in self.occupations:
            sign = {"added": "+", "removed": "-", "changed": "~"}[change.status]
            lines.append(f"{sign} {change.label} <{change.iri}> ({change.status})")
            for name, (old, new) in change.fields.items():
                lines.append(f"    {name}: {_short(old)!s} -> {_short(new)!s}")
            for relation in (ESSENTIAL, OPTIONAL):
                for iri in change.added[relation]:
                    lines.append(f"    + {relation} skill: {self.skill_label(iri)}")
                for iri in change.removed[relation]:
                    lines.append(f"    - {relation} skill: {self.skill_label(iri)}")
            for iri, before, after in change.moved:
                lines.append(f"    ~ {self.skill_label(iri)}: {before} -> {after}")
        summary = ", ".join(f"{n} {what.replace('s ', ' ', 1) if n == 1 else what}"
                            for what, n in self.counts().items() if n)
        return "\n".join(lines) + f"\n{summary}\n"

    def rows(self) -> list[dict]:
        """One row per change: occupation, change, relation or field, skill, old, new."""
        out = []
        for c in self.occupations:
            base = {"occupation": c.iri, "occupation_label": c.label}
            if c.status != "changed":
                out.append({**base, "change": f"occupation {c.status}", "what": "", "skill": "", "skill_label": "",
                            "old": "", "new": ""})
            for name, (old, new) in c.fields.items():
                out.append({**base, "change": "field changed", "what": name, "skill": "", "skill_label": "",
                            "old": old or "", "new": new or ""})
            for kind, table in (("skill added", c.added), ("skill removed", c.removed)):
                for relation in (ESSENTIAL, OPTIONAL):
                    for iri in table[relation]:
                        out.append({**base, "change": kind, "what": relation, "skill": iri,
                                    "skill_label": self.skill_label(iri), "old": "", "new": ""})
            for iri, before, after in c.moved:
                out.append({**base, "change": "relation moved", "what": "", "skill": iri,
                            "skill_label": self.skill_label(iri), "old": before, "new": after})
        return out

    def to_json(self) -> str:
        return json.dumps({"counts": self.counts(), "occupations": [asdict(c) for c in self.occupations]},
                          indent=1, ensure_ascii=False) + "\n"

    def to_csv(self) -> str:
        buffer = io.StringIO()
        columns = ["occupation", "occupation_label", "change", "what", "skill", "skill_label", "old", "new"]
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows())
        return buffer.getvalue()

    # ---- as a changeset --------------------------------------------------------------------------

    def triples(self) -> tuple[list[tuple], list[tuple]]:
        """(removed, added) fact triples, as N-Triples terms: what turns OLD's facts into NEW's."""
        removed, added = [], []
        for c in self.occupations:
            o = f"<{c.iri}>"
            for table, out in ((c.removed, removed), (c.added, added)):
                for relation in (ESSENTIAL, OPTIONAL):
                    forward, backward = _RELATIONS[relation]
                    for iri in table[relation]:
                        out += [(o, f"<{forward}>", f"<{iri}>"), (f"<{iri}>", f"<{backward}>", o)]
            for iri, before, after in c.moved:
                for relation, out in ((before, removed), (after, added)):
                    forward, backward = _RELATIONS[relation]
                    out += [(o, f"<{forward}>", f"<{iri}>"), (f"<{iri}>", f"<{backward}>", o)]
            for name, (old, new) in c.fields.items():
                for value, side, out in ((old, self.old, removed), (new, self.new, added)):
                    if value is not None:
                        out.append(self._fact(c.iri, name, value, side))
        return removed, added

    def _fact(self, iri: str, name: str, value: str, side: Side) -> tuple:
        o = f"<{iri}>"
        if name == "label":
            return o, f"<{_PREF_LABEL}>", _literal(value, language=side.language)
        if name == "code":
            return o, f"<{_NOTATION}>", _literal(value)
        if name == "isco_group":
            return o, f"<{_ISCO}>", f"<{value}>"
        return f"<{side.nodes[iri]}>", f"<{_NODE_LITERAL}>", _literal(value)  # description

    def sparql_update(self) -> str:
        """DELETE DATA of what only OLD says, then INSERT DATA of what only NEW says."""
        removed, added = self.triples()
        parts = []
        if removed:
            parts.append("DELETE DATA {\n" + "".join(f"  {s} {p} {o} .\n" for s, p, o in removed) + "}")
        if added:
            parts.append("INSERT DATA {\n" + "".join(f"  {s} {p} {o} .\n" for s, p, o in added) + "}")
        return " ;\n".join(parts) + ("\n" if parts else "")

    def changeset_ntriples(self, created: str) -> str:
        """The changes in the Talis changeset vocabulary: one cs:ChangeSet per occupation."""
        cs = "http://purl.org/vocab/changeset/schema#"
        rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        removed, added = self.triples()
        by_subject: dict[str, list] = {}
        for kind, triples in (("removal", removed), ("addition", added)):
            for triple in triples:
                subject = triple[0] if not triple[0].startswith("<http://data.europa.eu/esco/skill/") else triple[2]
                by_subject.setdefault(subject, []).append((kind, triple))
        lines = []
        for subject, entries in sorted(by_subject.items()):
            change = f"<urn:esco-graph:changeset:{_digest(subject + created)}>"
            lines += [f"{change} <{rdf}type> <{cs}ChangeSet> .",
                      f"{change} <{cs}subjectOfChange> {subject} .",
                      f"{change} <{cs}createdDate> {_literal(created)} .",
                      f"{change} <{cs}creatorName> \"esco-graph diff\" ."]
            for kind, (s, p, o) in entries:
                statement = f"<urn:esco-graph:statement:{_digest(kind + s + p + o)}>"
                lines += [f"{change} <{cs}{kind}> {statement} .",
                          f"{statement} <{rdf}type> <{rdf}Statement> .",
                          f"{statement} <{rdf}subject> {s} .", f"{statement} <{rdf}predicate> {p} .",
                          f"{statement} <{rdf}object> {o} ."]
        return "".join(line + "\n" for line in sorted(lines))  # sorted: each node's triples together


def _short(value: Optional[str], limit: int = 80) -> str:
    if value is None:
        return "(none)"
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _literal(value: str, language: Optional[str] = None) -> str:
    import pyoxigraph as ox

    return str(ox.Literal(value, language=language) if language else ox.Literal(value))


# --------------------------------------------------------------------------------------------
# Reading a side
# --------------------------------------------------------------------------------------------


def read_side(store: Store, language: str = "en") -> Side:
    """Ask a store (or a file loaded into an in-memory store) for the facts diff compares."""
    side = Side(language=language)
    lang = {"lang": language}
    for o, label, code, group, node, description in store.query(_OCCUPATIONS, lang).values(unbound=None):
        facts = side.occupations.setdefault(o, {name: None for name in FIELDS})
        for name, value in (("label", label), ("code", code), ("isco_group", group), ("description", description)):
            if value is not None and (facts[name] is None or value < facts[name]):  # several values: the least
                facts[name] = value
        if node is not None and description is not None and facts["description"] == description:
            side.nodes[o] = node
    for o, relation, s in store.query(_LINKS).values(unbound=None):
        links = side.links.setdefault(o, {})
        # a skill that is both essential and optional for one occupation (ESCO has such pairs): keep both
        links[s] = relation if s not in links or links[s] == relation else "both"
    for s, label in store.query(_SKILL_LABELS, lang).values(unbound=None):
        if s not in side.skill_labels or label < side.skill_labels[s]:
            side.skill_labels[s] = label
    return side


def open_side(spec: str, *, store_type: str = "auto", language: str = "en") -> Side:
    """A side named on the command line: an RDF file, a store folder, or a SPARQL endpoint URL."""
    from ..store import open_store

    if spec.startswith(("http://", "https://")):
        with open_store(endpoint=spec, store_type=store_type) as store:
            return read_side(store, language)
    path = Path(spec)
    if path.is_dir():
        with open_store(path, create=False) as store:
            return read_side(store, language)
    if not path.exists():
        raise InputError(spec, "no such file, store folder or endpoint")
    store = EmbeddedStore.in_memory(spec)
    try:
        store.read_file(path)
        return read_side(store, language)
    finally:
        store.close()


# --------------------------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------------------------


def compare(old: Side, new: Side) -> Changes:
    """The changes from ``old`` to ``new``."""
    out = []
    for iri in sorted(set(old.occupations) | set(new.occupations)):
        before, after = old.occupations.get(iri), new.occupations.get(iri)
        label = (after or before or {}).get("label") or iri
        if before is None or after is None:
            status = "added" if before is None else "removed"
            change = OccupationChange(iri, label, status)
            links = (new if before is None else old).links.get(iri, {})
            table = change.added if before is None else change.removed
            for skill, relation in sorted(links.items()):
                for r in _relations(relation):
                    table[r].append(skill)
            out.append(change)
            continue
        change = OccupationChange(iri, label, "changed")
        for name in FIELDS:
            if before[name] != after[name]:
                change.fields[name] = (before[name], after[name])
        was, now = old.links.get(iri, {}), new.links.get(iri, {})
        for skill in sorted(set(was) | set(now)):
            a, b = set(_relations(was.get(skill))), set(_relations(now.get(skill)))
            if a and b and a != b and len(a) == len(b) == 1:
                change.moved.append((skill, next(iter(a)), next(iter(b))))
                continue
            for r in sorted(b - a):
                change.added[r].append(skill)
            for r in sorted(a - b):
                change.removed[r].append(skill)
        if change.fields or change.moved or any(change.added.values()) or any(change.removed.values()):
            out.append(change)
    return Changes(out, old, new)


def _relations(relation: Optional[str]) -> Sequence[str]:
    if relation is None:
        return ()
    return (ESSENTIAL, OPTIONAL) if relation == "both" else (relation,)


def diff(old: str, new: str, *, store_type: str = "auto", language: str = "en") -> Changes:
    """Compare two graphs (files, store folders or endpoint URLs): what changed from OLD to NEW.
    The two are read at once, in two threads (pyoxigraph parses and queries outside the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        sides = [pool.submit(open_side, spec, store_type=store_type, language=language) for spec in (old, new)]
        return compare(sides[0].result(), sides[1].result())


#: --format of `esco-graph diff`, and the -o outputs by extension
REPORT_FORMATS = ("text", "json", "csv")


def render(changes: Changes, format: str = "text") -> str:
    if format == "text":
        return changes.to_text()
    if format == "json":
        return changes.to_json()
    if format == "csv":
        return changes.to_csv()
    raise OptionError(f"unknown diff format {format!r}; known: {', '.join(REPORT_FORMATS)}", "--format")


def changeset(changes: Changes, path: str, created: str) -> bytes:
    """The changeset for an output path: SPARQL Update for .ru/.rq/.sparql, else RDF (by extension)."""
    suffix = Path(path).suffix.lower()
    if suffix in (".ru", ".sparql", ".rq"):
        return changes.sparql_update().encode("utf-8")
    import pyoxigraph as ox

    from ..terms import syntax_of_path

    syntax = syntax_of_path(path)
    data = changes.changeset_ntriples(created).encode("utf-8")
    if syntax is None or syntax.oxigraph is None:
        raise OptionError(f"{path}: a changeset is written as SPARQL Update (.ru) or RDF (.ttl .nt .nq .trig)", "-o")
    items = list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    if syntax.datasets:  # N-Quads, TriG: the changeset in the default graph
        items = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in items]
    buffer = io.BytesIO()
    prefixes = {"cs": "http://purl.org/vocab/changeset/schema#", "esco": "http://data.europa.eu/esco/model#",
                "skos": "http://www.w3.org/2004/02/skos/core#", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}
    kwargs = {"prefixes": prefixes} if syntax.oxigraph in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else {}
    ox.serialize(items, buffer, syntax.oxigraph, **kwargs)
    return buffer.getvalue()


__all__ = ["Changes", "OccupationChange", "REPORT_FORMATS", "Side", "changeset", "compare", "diff", "open_side",
           "read_side", "render"]
