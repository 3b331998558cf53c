"""Query results, the same whatever store gave them: SPARQL results JSON terms, tables, CSV/TSV, files."""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union
from xml.sax.saxutils import escape as xml_escape

import pyoxigraph as ox

from ..errors import OptionError, OutputError, StoreError
from ..files import write_atomic
from ..namespaces import PREFIXES
from ..terms import SYNTAXES, syntax_named, syntax_of_path, to_oxigraph

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

#: formats of SELECT and ASK results (SPARQL 1.1 results CSV, TSV, JSON, XML, or an aligned table)
RESULT_FORMATS = ("table", "csv", "tsv", "json", "xml")
_RESULT_EXT = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".srj": "json", ".xml": "xml", ".srx": "xml",
               ".txt": "table"}
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

    def values(self, unbound: Optional[str] = "") -> list[tuple]:
        """The rows with each term as its plain value (IRI or lexical form; `unbound` when unbound)."""
        return [tuple(unbound if t is None else _plain(t) for t in row) for row in self.rows]

    # -- writers ------------------------------------------------------------------------------
    def to_table(self, width: int | None = None) -> str:
        """Aligned text columns for a terminal: IRIs shortened with the known prefixes, a column
        that holds one value on every row said once above the table, and, given a ``width``, the
        widest cells cut (with …) until the rows fit."""
        if self.kind == "ask":
            return ("true" if self.boolean else "false") + "\n"
        if self.kind == "graph":
            return self.to_rdf().decode("utf-8")
        header = list(self.variables)
        cells = [[_display(t) for t in row] for row in self.rows]
        above = []
        if len(cells) > 1 and len(header) > 1:
            same = [i for i in range(len(header)) if len({row[i] for row in cells}) == 1]
            if len(same) < len(header):
                above = [f"{header[i]}: {cells[0][i]}" for i in same]
                keep = [i for i in range(len(header)) if i not in same]
                header = [header[i] for i in keep]
                cells = [[row[i] for i in keep] for row in cells]
        widths = [len(h) for h in header]
        for row in cells:
            for i, c in enumerate(row):
                widths[i] = max(widths[i], len(c))
        if width:
            while sum(widths) + 2 * (len(widths) - 1) > width and max(widths) > 12:
                widest = widths.index(max(widths))
                widths[widest] -= 1
        cut = lambda text, w: text if len(text) <= w else text[: w - 1] + "…"  # noqa: E731
        lines = above + ["  ".join(cut(h, w).ljust(w) for h, w in zip(header, widths)).rstrip(),
                         "  ".join("-" * w for w in widths)]
        lines += ["  ".join(cut(c, w).ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
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

    def to_xml(self) -> str:
        """SPARQL Query Results XML Format."""
        out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
        if self.kind == "ask":
            out += ["</head>", f"<boolean>{'true' if self.boolean else 'false'}</boolean>", "</sparql>"]
            return "\n".join(out) + "\n"
        self._need_select("SPARQL results XML")
        out += [f'<variable name="{v}"/>' for v in self.variables] + ["</head>", "<results>"]
        for row in self.rows:
            out.append("<result>")
            for v, t in zip(self.variables, row):
                if t is None:
                    continue
                if isinstance(t, ox.NamedNode):
                    value = f"<uri>{xml_escape(t.value)}</uri>"
                elif isinstance(t, ox.BlankNode):
                    value = f"<bnode>{xml_escape(t.value)}</bnode>"
                elif isinstance(t, ox.Literal):
                    if t.language:
                        attrs = f' xml:lang="{xml_escape(t.language)}"'
                    elif t.datatype.value != _XSD_STRING:
                        attrs = f' datatype="{xml_escape(t.datatype.value)}"'
                    else:
                        attrs = ""
                    value = f"<literal{attrs}>{xml_escape(t.value)}</literal>"
                else:  # an RDF-star triple: its N-Triples form
                    value = f"<literal>{xml_escape(str(t))}</literal>"
                out.append(f'<binding name="{v}">{value}</binding>')
            out.append("</result>")
        out += ["</results>", "</sparql>"]
        return "\n".join(out) + "\n"

    def serialize(self, fmt: str | None = None, *, width: int | None = None) -> str | bytes:
        """The result in ``fmt``: for SELECT and ASK one of :data:`RESULT_FORMATS` (default table),
        for CONSTRUCT and DESCRIBE any RDF syntax name (default Turtle; ``json`` is JSON-LD). A
        format of the other kind is an OptionError."""
        if self.kind == "graph":
            syntax = syntax_named("jsonld" if fmt == "json" else fmt or "turtle")
            if syntax is None:
                kind = "a SELECT/ASK format" if fmt in RESULT_FORMATS else "not an RDF syntax"
                raise OptionError(f"a CONSTRUCT/DESCRIBE result is a graph: {fmt!r} is {kind}; use an RDF "
                                  "syntax (turtle, ntriples, nquads, trig, jsonld, rdfxml)")
            return self.to_rdf(syntax.oxigraph or ox.RdfFormat.JSON_LD)
        fmt = fmt or "table"
        if fmt not in RESULT_FORMATS:
            if syntax_named(fmt) is not None:
                raise OptionError(f"a SELECT/ASK result is a table, not a graph: {fmt!r} is an RDF syntax; "
                                  f"use one of {', '.join(RESULT_FORMATS)}")
            raise OptionError(f"unknown result format {fmt!r}; known: {', '.join(RESULT_FORMATS)}")
        if fmt == "table":
            return self.to_table(width)
        return {"csv": self.to_csv, "tsv": self.to_tsv, "json": self.to_json, "xml": self.to_xml}[fmt]()

    def write(self, path: str | Path, fmt: str | None = None) -> None:
        """Write the result to ``path`` atomically, in ``fmt`` or the format its extension says."""
        path = Path(path)
        if fmt is None:
            ext = path.suffix.lower()
            if self.kind == "graph":
                syntax = syntax_of_path(path)
                if syntax is None:
                    raise OptionError(f"{path}: {ext or 'no extension'} is not an RDF file extension, and a "
                                      f"CONSTRUCT/DESCRIBE result is a graph; use one of {', '.join(sorted(_RDF_OUT_EXT))}")
                fmt = syntax.name
            else:
                fmt = _RESULT_EXT.get(ext)
                if fmt is None:
                    raise OptionError(f"{path}: a SELECT/ASK result is written as .csv, .tsv, .json, .xml or .txt, "
                                      f"not {ext or 'a file without extension'} (or give --format)")
        text = self.serialize(fmt)
        write_atomic(path, text.encode("utf-8") if isinstance(text, str) else text)

    def _need_select(self, what: str) -> None:
        if self.kind != "select":
            raise OptionError(f"{what} is for SELECT and ASK results; write a graph result as RDF")


# --------------------------------------------------------------------------------------------
