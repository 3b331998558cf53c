"""Query results, the same whatever store gave them: SPARQL results JSON terms, tables, CSV/TSV, files."""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import pyoxigraph as ox

from ..errors import OutputError, StoreError
from ..files import write_atomic
from ..namespaces import PREFIXES
from ..terms import SYNTAXES, to_oxigraph

# Terms
_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

Term = Union[ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple]


# --------------------------------------------------------------------------------------------

def to_term(value) -> Term:
    """A pyoxigraph term for ``value``: pyoxigraph and rdflib terms as they are; a Python ``str``
    is a plain literal (never an IRI: pass ``NamedNode``/``URIRef`` for that); int, float and bool
    are typed literals."""
    if isinstance(value, (ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple)):
        return value
    from rdflib.term import (
        Identifier,  # rdflib's URIRef and Literal are str subclasses: first
    )

    if isinstance(value, Identifier):
        try:
            return to_oxigraph(value)
        except (TypeError, ValueError) as e:
            raise StoreError(f"cannot bind {value!r} into a query: {e}") from None
    if isinstance(value, (bool, int, float, str)):
        return ox.Literal(value)
    raise StoreError(f"cannot bind {type(value).__name__} {value!r} into a query")


def term_from_json(b: dict, bnodes: dict[str, ox.BlankNode]) -> Term:
    kind = b.get("type")
    value = b.get("value", "")
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        if value not in bnodes:
            bnodes[value] = ox.BlankNode()
        return bnodes[value]
    if kind in ("literal", "typed-literal"):
        lang = b.get("xml:lang")
        if lang:
            return ox.Literal(value, language=lang)
        dt = b.get("datatype")
        if dt and dt != _RDF_LANGSTRING:
            return ox.Literal(value, datatype=ox.NamedNode(dt))
        return ox.Literal(value)
    if kind == "triple":
        v = b["value"]
        return ox.Triple(term_from_json(v["subject"], bnodes), term_from_json(v["predicate"], bnodes),
                         term_from_json(v["object"], bnodes))
    raise StoreError(f"the store answered a result term of unknown type {kind!r}")


def _term_to_json(t: Term) -> dict:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        out = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype.value != _XSD_STRING:
            out["datatype"] = t.datatype.value
        return out
    if isinstance(t, ox.Triple):
        return {"type": "triple", "value": {"subject": _term_to_json(t.subject),
                                            "predicate": _term_to_json(t.predicate),
                                            "object": _term_to_json(t.object)}}
    raise TypeError(t)


_PREFIX_BY_NS = sorted(((ns, p) for p, ns in PREFIXES.items()), key=lambda x: -len(x[0]))
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")


def _display(t: Term | None) -> str:
    """A term as a person reads it in a table: IRIs compacted with the known prefixes, literals bare."""
    if t is None:
        return ""
    if isinstance(t, ox.NamedNode):
        for ns, p in _PREFIX_BY_NS:
            if t.value.startswith(ns) and _LOCAL.match(t.value[len(ns):]):
                return f"{p}:{t.value[len(ns):]}"
        return t.value
    if isinstance(t, ox.Literal):
        return t.value.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return str(t)


def _plain(t: Term | None) -> str:
    """A term as SPARQL 1.1 CSV results write it."""
    if t is None:
        return ""
    if isinstance(t, (ox.NamedNode, ox.Literal)):
        return t.value
    return str(t)


# --------------------------------------------------------------------------------------------
# Query results
# --------------------------------------------------------------------------------------------

RESULT_FORMATS = ("table", "csv", "tsv", "json")
_RESULT_EXT = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".srj": "json", ".txt": "table"}
_RDF_OUT_EXT = {ext: syntax.oxigraph or ox.RdfFormat.JSON_LD
                for syntax in SYNTAXES for ext in syntax.extensions + syntax.loose_extensions}


@dataclass
class QueryResult:
    """The answer to a query, the same whatever store gave it.

    ``kind`` is ``select`` (``variables`` and ``rows``: tuples of pyoxigraph terms, ``None`` where
    unbound), ``ask`` (``boolean``) or ``graph`` (CONSTRUCT/DESCRIBE: ``triples``). ``warnings`` says
    what a person should know (e.g. a server cut the result at its row cap).
    """

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.triples) if self.kind == "graph" else len(self.rows)

    def dicts(self) -> list[dict[str, Term | None]]:
        """The rows as ``{variable: term}`` dictionaries."""
        return [dict(zip(self.variables, row)) for row in self.rows]

    def values(self) -> list[tuple[str, ...]]:
        """The rows with each term as its plain value (IRI or lexical form; '' when unbound)."""
        return [tuple(_plain(t) for t in row) for row in self.rows]

    # -- writers ------------------------------------------------------------------------------
    def to_table(self) -> str:
        """Aligned text columns for a terminal."""
        if self.kind == "ask":
            return ("true" if self.boolean else "false") + "\n"
        if self.kind == "graph":
            return self.to_rdf().decode("utf-8")
        header = [f"?{v}" for v in self.variables]
        cells = [[_display(t) for t in row] for row in self.rows]
        widths = [len(h) for h in header]
        for row in cells:
            for i, c in enumerate(row):
                widths[i] = max(widths[i], len(c))
        lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
        n = len(self.rows)
        lines.append(f"({n} row{'s' if n != 1 else ''})")
        return "\n".join(lines) + "\n"

    def to_csv(self) -> str:
        """SPARQL 1.1 Query Results CSV (values only, CRLF line ends)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        if self.kind == "ask":
            w.writerow(["boolean"])
            w.writerow(["true" if self.boolean else "false"])
        else:
            self._need_select("CSV")
            w.writerow(self.variables)
            for row in self.rows:
                w.writerow([_plain(t) for t in row])
        return buf.getvalue()

    def to_tsv(self) -> str:
        """SPARQL 1.1 Query Results TSV (terms in N-Triples syntax)."""
        if self.kind == "ask":
            return "?boolean\n" + ("true" if self.boolean else "false") + "\n"
        self._need_select("TSV")
        lines = ["\t".join(f"?{v}" for v in self.variables)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in self.rows]
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        """SPARQL 1.1 Query Results JSON."""
        if self.kind == "ask":
            return json.dumps({"head": {}, "boolean": bool(self.boolean)}) + "\n"
        self._need_select("SPARQL results JSON")
        bindings = [{v: _term_to_json(t) for v, t in zip(self.variables, row) if t is not None}
                    for row in self.rows]
        return json.dumps({"head": {"vars": self.variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False, indent=1) + "\n"

    def to_rdf(self, format=ox.RdfFormat.TURTLE) -> bytes:
        """CONSTRUCT/DESCRIBE results as RDF (Turtle by default), triples sorted for stable output."""
        if self.kind != "graph":
            raise OutputError("only CONSTRUCT and DESCRIBE results can be written as RDF")
        triples = sorted(self.triples, key=str)
        items: list = triples
        if format.supports_datasets:
            items = [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
        prefixes = PREFIXES if format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N3) else None
        if prefixes:
            return ox.serialize(items, format=format, prefixes=prefixes)
        return ox.serialize(items, format=format)

    def serialize(self, fmt: str = "table") -> str | bytes:
        """The result in ``fmt`` (table, csv, tsv, json); graph results are always Turtle bytes."""
        if self.kind == "graph":
            return self.to_rdf()
        try:
            return {"table": self.to_table, "csv": self.to_csv, "tsv": self.to_tsv, "json": self.to_json}[fmt]()
        except KeyError:
            raise OutputError(f"unknown result format {fmt!r}; known: {', '.join(RESULT_FORMATS)}") from None

    def write(self, path: str | Path, fmt: str | None = None) -> None:
        """Write the result to ``path`` atomically; the format comes from ``fmt`` or the extension."""
        path = Path(path)
        ext = path.suffix.lower()
        if self.kind == "graph":
            rdf_fmt = _RDF_OUT_EXT.get(ext)
            if rdf_fmt is None:
                raise OutputError(f"{path}: unknown RDF extension {ext or '(none)'!r} for a graph result; "
                                  f"use one of {', '.join(sorted(_RDF_OUT_EXT))}")
            data = self.to_rdf(rdf_fmt)
        else:
            fmt = fmt or _RESULT_EXT.get(ext) or "table"
            text = self.serialize(fmt)
            data = text.encode("utf-8") if isinstance(text, str) else text
        write_atomic(path, data)

    def _need_select(self, what: str) -> None:
        if self.kind != "select":
            raise OutputError(f"{what} is for SELECT and ASK results; write a graph result as RDF")


# --------------------------------------------------------------------------------------------
