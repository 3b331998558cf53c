"""SHACL 4.5, property pair constraint components: sh:equals, sh:disjoint."""
from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import SH

from .index import EMPTY, NO, UnsupportedShapesError, iri_str, is_literal, sh


def _pair_predicate(cs, shape, p) -> list:
    out = []
    for other in sorted(cs.sg.objects(shape.node, p), key=str):
        if not isinstance(other, URIRef):
            raise UnsupportedShapesError(f"{sh(p)} of {shape.node} must be an IRI")
        out.append(iri_str(other))
    return out


def _as_set(objects):
    """The index's objects (a tuple) as a set when many values will be looked up in them."""
    return objects if len(objects) < 8 else frozenset(objects)


def equals(cs, shape, p):
    checks = []
    for other in _pair_predicate(cs, shape, p):
        def check(idx, focus, values, other=other):
            compare = _as_set(idx.objects(focus, other) if not is_literal(focus) else EMPTY)
            if len(compare) == len(values) and all(v in compare for v in values):
                return None
            vs, compare = set(values), set(compare)  # the index holds objects as a tuple
            return [(v, NO) for v in (vs - compare) | (compare - vs)]
        checks.append((SH.EqualsConstraintComponent, check))
    return checks


def disjoint(cs, shape, p):
    checks = []
    for other in _pair_predicate(cs, shape, p):
        def check(idx, focus, values, other=other):
            compare = _as_set(idx.objects(focus, other) if not is_literal(focus) else EMPTY)
            if not compare:
                return None
            return [(v, NO) for v in values if v in compare]
        checks.append((SH.DisjointConstraintComponent, check))
    return checks
