"""A fast validator for the SHACL Core subset our shapes use.

pySHACL answers correctly but spends about a minute on an ESCO-scale graph (450,000 triples):
it rebuilds each constraint from the shapes graph at every evaluation (for nested property
shapes, once per value node) and walks the data through rdflib's store API. This module takes
a second or two on the same graph (bench/validate_speed.py).
This module reads the shapes graph once, generically (nothing here knows our shapes), compiles
each shape into plain-Python checks, indexes the data once (subject -> predicate -> objects,
plus inverse indexes built on demand) and runs every shape on every focus node.

It is deliberately strict: a shapes graph that uses anything it does not implement (a
constraint component, a target kind, a path form, SPARQL, rules, custom constraint components,
recursive shapes) is refused with :class:`UnsupportedShapesError` when compiled, so a shape can
never be skipped silently. The semantics follow pySHACL's (the tests compare the two on
the fixture, on broken graphs and on random mutations).

Implemented: targets ``sh:targetClass`` (with ``rdfs:subClassOf`` in the data),
``sh:targetNode``, ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``, implicit class targets;
paths: predicate, ``sh:inversePath`` of a predicate, sequences, ``sh:alternativePath``,
``sh:zeroOrMorePath``, ``sh:oneOrMorePath``, ``sh:zeroOrOnePath``; constraint components
``sh:class``, ``sh:datatype``, ``sh:nodeKind``, ``sh:minCount``, ``sh:maxCount``,
``sh:minLength``, ``sh:maxLength``, ``sh:pattern`` (flags i, m), ``sh:languageIn``,
``sh:uniqueLang``, ``sh:in``, ``sh:hasValue``, ``sh:equals``, ``sh:disjoint``, ``sh:node``,
``sh:property``, ``sh:not``, ``sh:and``, ``sh:or``, ``sh:xone``; ``sh:severity``,
``sh:message``, ``sh:deactivated``.

API (as :func:`esco_graph.shacl.validate`)::

    validate(data, shapes_graph=None) -> (conforms, report_graph, report_text)
    compile_shapes(shapes_graph=None) -> CompiledShapes   # cached per shapes graph
    index(data) -> Index                                  # reusable for several runs
    CompiledShapes.run(data_or_index) -> [Result]          # empty list: conforms
    CompiledShapes.report(results, index) -> (conforms, report_graph, report_text)

``data`` is an rdflib Graph, a Dataset/ConjunctiveGraph (the union of its graphs), or any
iterable of ``(s, p, o)`` rdflib terms, IRIs also as plain ``str`` (duplicates are fine). The
report graph holds the facts pySHACL's does for each result (focus node, path, value, source
constraint component, source shape, severity, messages, ``sh:detail`` under ``sh:node``).
"""
from __future__ import annotations

import threading

from rdflib import Graph

from ..shapes import load_shapes
from .compiled import CompiledShapes
from .index import Index, UnsupportedShapesError, index
from .shape import Result

__all__ = ["CompiledShapes", "Index", "Result", "UnsupportedShapesError", "compile_shapes",
           "index", "validate"]


# --- entry points ---------------------------------------------------------------------------

_compiled: dict = {}
_compiled_lock = threading.Lock()


def compile_shapes(shapes_graph: Graph | None = None) -> CompiledShapes:
    """Compile ``shapes_graph`` (default: :func:`esco_graph.shacl.load_shapes`), cached per
    graph object (do not modify a graph after compiling it)."""
    if shapes_graph is None:
        shapes_graph = load_shapes()
    with _compiled_lock:
        hit = _compiled.get(id(shapes_graph))
        if hit is not None and hit.sg is shapes_graph:
            return hit
        cs = CompiledShapes(shapes_graph)
        if len(_compiled) > 32:
            _compiled.clear()
        _compiled[id(shapes_graph)] = cs
        return cs


def validate(data, shapes_graph: Graph | None = None) -> tuple[bool, Graph, str]:
    """Validate ``data`` against ``shapes_graph`` (default: the repository's shapes); returns
    ``(conforms, report_graph, report_text)`` like :func:`esco_graph.shacl.validate`."""
    cs = compile_shapes(shapes_graph)
    idx = index(data)
    return cs.report(cs.run(idx), idx)
