"""A compiled shape: its targets, path, checks, and the runner that applies them to focus nodes."""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

from rdflib import Literal, URIRef
from rdflib.namespace import SH

from .index import EMPTY, EMPTY_DICT, Index


class Result(NamedTuple):
    """One validation result. Terms are internal keys (IRIs as plain ``str``, blank nodes and
    literals as rdflib terms); path and severity come from ``shape``."""
    focus: Any
    value: Any  # None when the constraint reports no value (counts, hasValue, uniqueLang)
    component: URIRef
    shape: "Shape"  # below
    details: tuple  # nested results (sh:detail), for sh:node


# --- compiled shapes ------------------------------------------------------------------------

def _noop(idx, focus, out):
    return None


class Shape:
    """One compiled node or property shape."""

    __slots__ = ("node", "is_property", "path_node", "pred", "values", "severity", "messages",
                 "deactivated", "checks", "properties", "targets", "run")

    def __init__(self, node):
        self.node = node  # the rdflib term in the shapes graph
        self.is_property = False
        self.path_node = None
        self.pred = None  # the predicate key, when the path is a single predicate
        self.values: Callable = None  # (index, focus) -> collection of value nodes
        self.severity = SH.Violation
        self.messages: list = []
        self.deactivated = False
        self.checks: list = []  # [(component IRI, check(index, focus, values) -> failures)]
        self.properties: list = []  # nested property shapes (sh:property)
        self.targets: list = []  # [(target predicate, key)]
        self.run: Callable = _noop  # (index, focus, out list) -> None

    def __repr__(self):
        return f"<Shape {self.node}>"


def conforms(shape: Shape, idx: Index, node) -> bool:
    out: list = []
    shape.run(idx, node, out)
    return not out


def make_runner(shape: Shape) -> Callable:
    if shape.deactivated:
        return _noop
    values_fn = shape.values
    checks = tuple(shape.checks)
    # nested property shapes with a single-predicate path run inline (no call per shape)
    simple = tuple((ps.pred, tuple(ps.checks), ps) for ps in shape.properties
                   if ps.pred is not None and not ps.deactivated)
    other = tuple(ps for ps in shape.properties if ps.pred is None and not ps.deactivated)
    R = Result

    def run(idx, focus, out):
        values = values_fn(idx, focus)
        for comp, fn in checks:
            fails = fn(idx, focus, values)
            if fails:
                for value, details in fails:
                    out.append(R(focus, value, comp, shape, details))
        if not values:
            return
        if simple:
            spo = idx.spo
            for v in values:
                po = (spo.get(v, EMPTY_DICT) if type(v) is str or not isinstance(v, Literal)
                      else EMPTY_DICT)
                for p, pchecks, ps in simple:
                    pvalues = po.get(p, EMPTY)
                    for comp, fn in pchecks:
                        fails = fn(idx, v, pvalues)
                        if fails:
                            for value, details in fails:
                                out.append(R(v, value, comp, ps, details))
                    if ps.properties and pvalues:
                        for nested in ps.properties:
                            r = nested.run
                            for w in pvalues:
                                r(idx, w, out)
        for ps in other:
            r = ps.run
            for v in values:
                r(idx, v, out)
    return run
