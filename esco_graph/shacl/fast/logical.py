"""SHACL 4.6, logical constraint components: sh:not, sh:and, sh:or, sh:xone."""
from __future__ import annotations

from rdflib.namespace import SH

from .index import UnsupportedShapesError, sh
from .parameters import fail_each
from .shape import conforms


def not_(cs, shape, p):
    checks = []
    for other in sorted(cs.sg.objects(shape.node, p), key=str):
        target = cs._shape(other)
        checks.append((SH.NotConstraintComponent, fail_each(
            lambda idx, v, t=target: not conforms(t, idx, v))))
    return checks


def logical(component, decide):
    def builder(cs, shape, p):
        checks = []
        for lst in cs.sg.objects(shape.node, p):
            members = tuple(cs._shape(m) for m in cs._list(lst))
            if not members:
                raise UnsupportedShapesError(f"empty {sh(p)} list on {shape.node}")
            checks.append((component, fail_each(
                lambda idx, v, members=members: decide(members, idx, v))))
        return checks
    return builder


def and_ok(members, idx, v):
    return all(conforms(m, idx, v) for m in members)


def or_ok(members, idx, v):
    return any(conforms(m, idx, v) for m in members)


def xone_ok(members, idx, v):
    return sum(1 for m in members if conforms(m, idx, v)) == 1
