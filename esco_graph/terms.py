"""RDF terms and syntaxes: the one rdflib -> pyoxigraph term converter and the one format table.

The graph is built with rdflib terms (the library API users expect) and written, loaded and
queried through pyoxigraph (fast, correctly escaped). Every place that turns one into the other
calls :func:`to_oxigraph`; every place that maps a file extension, a format name or a MIME type
to an RDF syntax looks it up in :data:`SYNTAXES`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

_XSD_STRING = XSD.string
_BNODE_ID = re.compile(r"[^A-Za-z0-9_]")


def to_oxigraph(term):
    """The pyoxigraph term for an rdflib term (``xsd:string`` literals become plain literals,
    blank node ids are made safe). Raises ValueError for an IRI pyoxigraph refuses and
    TypeError for what is not an RDF term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and term.datatype != _XSD_STRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):  # never produced by esco-graph; kept for library users' graphs
        return ox.BlankNode(_BNODE_ID.sub("_", str(term)) or None)
    raise TypeError(f"not an RDF term: {term!r}")


@dataclass(frozen=True)
class RdfSyntax:
    """One RDF syntax and every name it goes by."""

    name: str  # the canonical name ("turtle")
    label: str  # as messages say it ("Turtle")
    aliases: tuple[str, ...]  # other names a user may type ("ttl")
    extensions: tuple[str, ...]  # extensions that say this syntax for sure (".ttl")
    loose_extensions: tuple[str, ...]  # generic extensions taken only for a file named to be RDF (".json", ".xml")
    media_types: tuple[str, ...]
    rdflib: str  # rdflib's parser plugin name
    oxigraph: Optional[ox.RdfFormat]  # pyoxigraph's format, None where it is read through rdflib
    datasets: bool  # can hold named graphs


#: Every RDF syntax esco-graph reads or writes. JSON-LD is read through rdflib (its JSON-LD
#: processor handles contexts fully; remote contexts are refused before it runs).
SYNTAXES: tuple[RdfSyntax, ...] = (
    RdfSyntax("turtle", "Turtle", ("ttl",), (".ttl", ".turtle"), (), ("text/turtle",), "turtle",
              ox.RdfFormat.TURTLE, False),
    RdfSyntax("ntriples", "N-Triples", ("nt", "n-triples"), (".nt", ".ntriples"), (), ("application/n-triples",),
              "nt", ox.RdfFormat.N_TRIPLES, False),
    RdfSyntax("nquads", "N-Quads", ("nq", "n-quads"), (".nq",), (), ("application/n-quads",), "nquads",
              ox.RdfFormat.N_QUADS, True),
    RdfSyntax("trig", "TriG", (), (".trig",), (), ("application/trig",), "trig", ox.RdfFormat.TRIG, True),
    RdfSyntax("jsonld", "JSON-LD", ("json-ld", "json"), (".jsonld",), (".json",), ("application/ld+json",),
              "json-ld", None, True),
    RdfSyntax("n3", "N3", (), (".n3",), (), ("text/n3",), "n3", ox.RdfFormat.N3, False),
    RdfSyntax("rdfxml", "RDF/XML", ("rdf", "owl", "xml", "rdf/xml"), (".rdf", ".owl"), (".xml",),
              ("application/rdf+xml",), "xml", ox.RdfFormat.RDF_XML, False),
)


def syntax_named(key: str) -> Optional[RdfSyntax]:
    """The syntax for a name, alias, extension (with or without the dot) or MIME type; None if unknown."""
    wanted = key.lower().strip()
    bare = wanted.lstrip(".")
    for syntax in SYNTAXES:
        if (wanted == syntax.name or wanted in syntax.aliases or wanted in syntax.media_types
                or "." + bare in syntax.extensions + syntax.loose_extensions):
            return syntax
    return None


def syntax_of_path(path: "str | Path", *, loose: bool = True) -> Optional[RdfSyntax]:
    """The syntax a file's extension says; with ``loose=False`` generic extensions (.json, .xml)
    say nothing (a folder scan must not take every JSON or XML file for RDF)."""
    suffix = Path(path).suffix.lower()
    for syntax in SYNTAXES:
        if suffix in syntax.extensions or (loose and suffix in syntax.loose_extensions):
            return syntax
    return None


def extensions(*, loose: bool = True, writable_by_oxigraph: bool = False) -> list[str]:
    """Every known extension, sorted."""
    found = set()
    for syntax in SYNTAXES:
        if writable_by_oxigraph and syntax.oxigraph is None and syntax.name != "jsonld":
            continue
        found.update(syntax.extensions + (syntax.loose_extensions if loose else ()))
    return sorted(found)


__all__ = ["RdfSyntax", "SYNTAXES", "extensions", "syntax_named", "syntax_of_path", "to_oxigraph"]
