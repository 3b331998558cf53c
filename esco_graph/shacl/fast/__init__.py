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

import contextlib
import gc
import re
import sys
import threading
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Callable, NamedTuple

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import ConjunctiveGraph, Dataset
from rdflib.namespace import RDF, RDFS, SH, XSD

from ...errors import EscoGraphError

__all__ = ["CompiledShapes", "Index", "Result", "UnsupportedShapesError", "compile_shapes",
           "index", "validate"]


class UnsupportedShapesError(EscoGraphError):
    """The shapes graph uses a SHACL feature this validator does not implement."""


class Result(NamedTuple):
    """One validation result. Terms are internal keys (IRIs as plain ``str``, blank nodes and
    literals as rdflib terms); path and severity come from ``shape``."""
    focus: Any
    value: Any  # None when the constraint reports no value (counts, hasValue, uniqueLang)
    component: URIRef
    shape: "Shape"
    details: tuple  # nested results (sh:detail), for sh:node


# Internally an IRI is a plain str (C-speed hashing and comparison; rdflib's URIRef.__eq__ is
# Python code), a blank node a BNode, a literal a Literal. A BNode never equals a str.
_intern = sys.intern


def _str(iri) -> str:
    """An IRI (URIRef or str) as an interned plain str: one object per IRI, so equal IRIs
    usually compare by identity, and the index holds each IRI once."""
    return _intern(str.__str__(iri))


_streq = str.__eq__
_EMPTY: frozenset = frozenset()
_EMPTY_DICT: dict = {}
_NO: tuple = ()  # "no failures" and "no nested results"

_TYPE = _str(RDF.type)
_SUBCLASS = _str(RDFS.subClassOf)
_XSD_STRING = _str(XSD.string)
_LANG_STRING = _str(RDF.langString)
_RDFS_LITERAL = _str(RDFS.Literal)
_RDFS_DATATYPE = _str(RDFS.Datatype)
_SH = str(SH)

# shape predicates in the sh: namespace that carry no constraint
_NON_CONSTRAINT = {
    SH.name, SH.description, SH.message, SH.severity, SH.deactivated, SH.order, SH.group,
    SH.defaultValue, SH.path, SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
    SH.targetObjectsOf, SH.flags,
}
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_SHAPE_EXPECTING = (SH.property, SH.node, SH["not"])
_LIST_OF_SHAPES = (SH["and"], SH["or"], SH.xone)
# values pySHACL checks beyond the datatype IRI (DatatypeConstraintComponent._assert_actual_datatype)
_VALUE_TYPES = {
    _XSD_STRING: (str, bytes), _LANG_STRING: (str, bytes), _str(XSD.integer): (int,),
    _str(XSD.float): (float,), _str(XSD.decimal): (Decimal,), _str(XSD.boolean): (bool,),
    _str(XSD.date): (date,), _str(XSD.time): (time,), _str(XSD.dateTime): (datetime,),
}


def _key(term):
    """rdflib term -> internal key."""
    return _str(term) if isinstance(term, URIRef) else term


def _term(key):
    """internal key -> rdflib term."""
    return URIRef(key) if type(key) is str else key


def _is_literal(v) -> bool:
    return type(v) is not str and isinstance(v, Literal)


def _is_bnode(v) -> bool:
    return type(v) is not str and isinstance(v, BNode)


def _sh(term) -> str:
    s = str(term)
    return "sh:" + s[len(_SH):] if s.startswith(_SH) else f"<{s}>"


# --- the data index -------------------------------------------------------------------------

class Index:
    """The data as ``subject -> predicate -> set of objects`` (internal keys), with
    ``object -> subjects`` indexes per predicate built on first use."""

    __slots__ = ("spo", "by_pred", "_inv", "_closures", "_lock")

    def __init__(self, triples: Iterable):
        spo: dict = {}
        by_pred: dict = {}
        get = spo.get
        intern = _intern
        to_str = str.__str__
        for t in triples:
            s, p, o = t[0], t[1], t[2]
            ts = type(s)  # exact type tests: isinstance() on rdflib's ABC-based terms is slow
            if ts is URIRef or ts is str or (ts is not BNode and isinstance(s, URIRef)):
                s = intern(to_str(s))
            p = intern(to_str(p))
            to = type(o)
            if to is URIRef or to is str or (to is not Literal and to is not BNode
                                             and isinstance(o, URIRef)):
                o = intern(to_str(o))
            po = get(s)
            if po is None:
                spo[s] = {p: {o}}
                subs = by_pred.get(p)
                if subs is None:
                    by_pred[p] = [s]
                else:
                    subs.append(s)
                continue
            objs = po.get(p)
            if objs is None:
                po[p] = {o}
                subs = by_pred.get(p)
                if subs is None:
                    by_pred[p] = [s]
                else:
                    subs.append(s)
            else:
                objs.add(o)
        self.spo = spo
        self.by_pred = by_pred  # predicate -> subjects having it (each once)
        self._inv: dict = {}
        self._closures: dict = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return sum(len(objs) for po in self.spo.values() for objs in po.values())

    def triples(self):
        """Every triple, as rdflib terms."""
        for s, po in self.spo.items():
            st = _term(s)
            for p, objs in po.items():
                pt = URIRef(p)
                for o in objs:
                    yield st, pt, _term(o)

    def objects(self, s, p):
        po = self.spo.get(s)
        if po is None:
            return _EMPTY
        return po.get(p, _EMPTY)

    def inverse(self, p) -> dict:
        """``object -> set of subjects`` for predicate ``p``."""
        inv = self._inv.get(p)
        if inv is None:
            with self._lock:
                inv = self._inv.get(p)
                if inv is None:
                    inv = {}
                    spo = self.spo
                    for s in self.by_pred.get(p, ()):
                        for o in spo[s][p]:
                            subs = inv.get(o)
                            if subs is None:
                                inv[o] = {s}
                            else:
                                subs.add(s)
                    self._inv[p] = inv
        return inv

    def subjects_of(self, p) -> list:
        return self.by_pred.get(p, [])

    def objects_of(self, p) -> set:
        spo = self.spo
        return set().union(*[spo[s][p] for s in self.by_pred.get(p, ())])

    def closure(self, cls) -> set:
        """``cls`` and every class that is ``rdfs:subClassOf*`` it in the data."""
        c = self._closures.get(cls)
        if c is None:
            inv = self.inverse(_SUBCLASS)
            c = {cls}
            todo = [cls]
            while todo:
                for sub in inv.get(todo.pop(), _EMPTY):
                    if sub not in c:
                        c.add(sub)
                        todo.append(sub)
            self._closures[cls] = c
        return c


@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector: building and walking hundreds of thousands of small
    containers otherwise triggers repeated full collections (they create no cycles)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _triples(data) -> Iterable:
    if isinstance(data, (Dataset, ConjunctiveGraph)):
        return (q[:3] for q in data.quads((None, None, None, None)))
    if isinstance(data, Graph):
        return iter(data)
    return data


def index(data) -> Index:
    """Index ``data``: an rdflib Graph, a Dataset / ConjunctiveGraph (the union of its graphs),
    or an iterable of ``(s, p, o)`` rdflib terms (IRIs may also be plain ``str``)."""
    if isinstance(data, Index):
        return data
    with _gc_paused():
        return Index(_triples(data))


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


def _conforms(shape: Shape, idx: Index, node) -> bool:
    out: list = []
    shape.run(idx, node, out)
    return not out


def _make_runner(shape: Shape) -> Callable:
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
                po = (spo.get(v, _EMPTY_DICT) if type(v) is str or not isinstance(v, Literal)
                      else _EMPTY_DICT)
                for p, pchecks, ps in simple:
                    pvalues = po.get(p, _EMPTY)
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


class CompiledShapes:
    """A shapes graph compiled into plain-Python checks; :meth:`run` validates data."""

    def __init__(self, shapes_graph: Graph):
        self.sg = shapes_graph
        self.shapes: dict = {}
        self._compile()

    # -- reading the shapes graph --

    def _refuse(self, what: str):
        raise UnsupportedShapesError(f"fastshacl does not implement {what}; use engine='pyshacl'")

    def _list(self, head) -> list:
        items = []
        seen = set()
        node = head
        while node != RDF.nil:
            if node in seen:
                raise UnsupportedShapesError(f"malformed RDF list at {node}")
            seen.add(node)
            first = self.sg.value(node, RDF.first)
            rest = self.sg.value(node, RDF.rest)
            if first is None or rest is None:
                raise UnsupportedShapesError(f"malformed RDF list at {node}")
            items.append(first)
            node = rest
        return items

    def _one(self, shape_node, p):
        vals = list(self.sg.objects(shape_node, p))
        if len(vals) != 1:
            raise UnsupportedShapesError(f"shape {shape_node} must have exactly one {_sh(p)}")
        return vals[0]

    def _compile(self) -> None:
        sg = self.sg
        # whole-graph refusals: things pySHACL would run that we do not implement
        for p in (SH.sparql, SH.rule, SH.target, SH.js, SH.expression, SH.qualifiedValueShape,
                  SH.closed, SH.lessThan, SH.lessThanOrEquals, SH.minExclusive, SH.minInclusive,
                  SH.maxExclusive, SH.maxInclusive, SH.qualifiedMinCount, SH.qualifiedMaxCount):
            if (None, p, None) in sg:
                self._refuse(_sh(p))
        for t in (SH.ConstraintComponent, SH.SPARQLConstraint, SH.SPARQLTarget,
                  SH.SPARQLRule, SH.TripleRule, SH.JSConstraint):
            if (None, RDF.type, t) in sg:
                self._refuse(f"shapes graphs declaring {_sh(t)}")

        # which nodes are shapes (as pySHACL finds them)
        nodes: set = set(sg.subjects(RDF.type, SH.NodeShape))
        nodes.update(sg.subjects(RDF.type, SH.PropertyShape))
        for p in _TARGETS + (SH.property, SH.node):
            nodes.update(sg.subjects(p, None))
        for p in _SHAPE_EXPECTING:
            nodes.update(sg.objects(None, p))
        for p in _LIST_OF_SHAPES:
            for lst in sg.objects(None, p):
                nodes.update(self._list(lst))
        for n in nodes:
            if isinstance(n, Literal):
                raise UnsupportedShapesError(f"a literal cannot be a shape: {n!r}")
            self.shapes[n] = Shape(n)
        order = sorted(nodes, key=lambda n: (isinstance(n, BNode), str(n)))
        for n in order:
            self._compile_shape(self.shapes[n])
        self._check_recursion()
        for n in order:  # runners need the nested shapes' checks, not their runners
            shape = self.shapes[n]
            shape.run = _make_runner(shape)
        self.roots = [self.shapes[n] for n in order
                      if self.shapes[n].targets and not self.shapes[n].deactivated]

    def _shape(self, node) -> Shape:
        s = self.shapes.get(node)
        if s is None:  # cannot happen: every shape-expecting value was collected
            raise UnsupportedShapesError(f"{node} is used as a shape but is not one")
        return s

    def _compile_shape(self, shape: Shape) -> None:
        sg, n = self.sg, shape.node
        paths = list(sg.objects(n, SH.path))
        if len(paths) > 1:
            raise UnsupportedShapesError(f"shape {n} has more than one sh:path")
        if paths:
            if (n, RDF.type, SH.NodeShape) in sg:
                raise UnsupportedShapesError(f"node shape {n} has a sh:path")
            shape.is_property = True
            shape.path_node = paths[0]
            shape.values = self._compile_path(paths[0])
            if isinstance(paths[0], URIRef):
                shape.pred = _str(paths[0])
        else:
            shape.values = lambda idx, focus: (focus,)
        sev = list(sg.objects(n, SH.severity))
        if len(sev) > 1:
            raise UnsupportedShapesError(f"shape {n} has more than one sh:severity")
        if sev:
            shape.severity = sev[0]
        shape.messages = sorted(sg.objects(n, SH.message), key=str)
        deact = list(sg.objects(n, SH.deactivated))
        if len(deact) > 1:
            raise UnsupportedShapesError(f"shape {n} has more than one sh:deactivated")
        if deact:
            if not isinstance(deact[0], Literal):
                raise UnsupportedShapesError(f"sh:deactivated of {n} must be a literal")
            shape.deactivated = bool(deact[0].value)

        for p in _TARGETS:
            for o in sg.objects(n, p):
                if p != SH.targetNode and not isinstance(o, URIRef):
                    raise UnsupportedShapesError(f"{_sh(p)} of {n} must be an IRI")
                shape.targets.append((p, _key(o)))
        rdfs_classes = set(sg.subjects(RDFS.subClassOf, RDFS.Class)) | {RDFS.Class}
        if any(t in rdfs_classes for t in sg.objects(n, RDF.type)):
            if not isinstance(n, URIRef):
                raise UnsupportedShapesError(f"implicit class target on blank node shape {n}")
            shape.targets.append((SH.targetClass, _key(n)))

        # constraints: every sh: predicate must be known
        for p in sorted(set(sg.predicates(n, None)), key=str):
            if not str(p).startswith(_SH) or p in _NON_CONSTRAINT:
                continue
            if p == SH.property:
                for o in sorted(sg.objects(n, p), key=str):
                    if (o, SH.path, None) not in sg:
                        raise UnsupportedShapesError(
                            f"sh:property of {n} is not a property shape: {o}")
                    shape.properties.append(self._shape(o))
                continue
            builder = _BUILDERS.get(p)
            if builder is None:
                self._refuse(f"{_sh(p)} (on shape {n})")
            shape.checks.extend(builder(self, shape, p))
        if (n, SH.flags, None) in sg and (n, SH.pattern, None) not in sg:
            raise UnsupportedShapesError(f"shape {n} has sh:flags without sh:pattern")

    def _check_recursion(self) -> None:
        refs: dict = {}
        for node in self.shapes:
            r = set()
            for p in _SHAPE_EXPECTING:
                r.update(self.sg.objects(node, p))
            for p in _LIST_OF_SHAPES:
                for lst in self.sg.objects(node, p):
                    r.update(self._list(lst))
            refs[node] = r
        state: dict = {}

        def visit(node, stack):
            st = state.get(node)
            if st == 1:
                raise UnsupportedShapesError(
                    "recursive shapes: " + " -> ".join(str(x) for x in stack + [node]))
            if st == 2:
                return
            state[node] = 1
            for m in sorted(refs.get(node, ()), key=str):
                visit(m, stack + [node])
            state[node] = 2

        for node in sorted(self.shapes, key=str):
            visit(node, [])

    # -- paths --

    def _compile_path(self, path) -> Callable:
        sg = self.sg
        if isinstance(path, URIRef):
            p = _str(path)

            def pred(idx, focus):
                if type(focus) is not str and isinstance(focus, Literal):
                    return _EMPTY
                po = idx.spo.get(focus)
                if po is None:
                    return _EMPTY
                return po.get(p, _EMPTY)
            return pred
        if isinstance(path, Literal):
            raise UnsupportedShapesError(f"a literal is not a SHACL path: {path!r}")
        if sg.value(path, RDF.first) is not None:
            steps = [self._compile_path(x) for x in self._list(path)]
            if len(steps) < 2:
                raise UnsupportedShapesError("a sequence path needs at least two steps")

            def seq(idx, focus):
                current = {focus}
                for step in steps:
                    nxt: set = set()
                    for c in current:
                        nxt.update(step(idx, c))
                    current = nxt
                return current
            return seq
        po = list(sg.predicate_objects(path))
        if len(po) != 1:
            raise UnsupportedShapesError(f"unsupported or malformed SHACL path {path}")
        kind, inner = po[0]
        if kind == SH.inversePath:
            if not isinstance(inner, URIRef):
                self._refuse("sh:inversePath of anything but a predicate")
            p = _str(inner)

            def inv(idx, focus):
                return idx.inverse(p).get(focus, _EMPTY)
            return inv
        if kind == SH.alternativePath:
            alts = [self._compile_path(x) for x in self._list(inner)]
            if len(alts) < 2:
                raise UnsupportedShapesError("an alternative path needs at least two members")

            def alt(idx, focus):
                out: set = set()
                for a in alts:
                    out.update(a(idx, focus))
                return out
            return alt
        if kind in (SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
            step = self._compile_path(inner)
            if kind == SH.zeroOrOnePath:
                def zero_or_one(idx, focus):
                    out = {focus}
                    out.update(step(idx, focus))
                    return out
                return zero_or_one
            include_focus = kind == SH.zeroOrMorePath

            def closure(idx, focus):
                out = {focus} if include_focus else set()
                todo = list(step(idx, focus))
                while todo:
                    node = todo.pop()
                    if node in out:
                        continue
                    out.add(node)
                    todo.extend(step(idx, node))
                return out
            return closure
        self._refuse(f"the path form {_sh(kind)}")

    # -- running --

    def run(self, data) -> list:
        """Validate ``data`` (see :func:`index`; an :class:`Index` is used as is) and return
        the list of :class:`Result`, empty when it conforms."""
        idx = index(data)
        out: list = []
        with _gc_paused():
            for shape in self.roots:
                run = shape.run
                for focus in self.focus_nodes(idx, shape):
                    run(idx, focus, out)
        return out

    def focus_nodes(self, idx: Index, shape: Shape) -> set:
        found: set = set()
        for kind, term in shape.targets:
            if kind == SH.targetNode:
                found.add(term)
            elif kind == SH.targetClass:
                inv = idx.inverse(_TYPE)
                for c in idx.closure(term):
                    found.update(inv.get(c, _EMPTY))
            elif kind == SH.targetSubjectsOf:
                found.update(idx.subjects_of(term))
            elif kind == SH.targetObjectsOf:
                found.update(idx.objects_of(term))
        return found

    # -- reports --

    def report(self, results: list, idx: Index) -> tuple[bool, Graph, str]:
        """``(conforms, report_graph, report_text)`` for ``results``, as pySHACL builds them."""
        from .. import report_text

        vg = Graph(bind_namespaces="core")
        for prefix, ns in self.sg.namespace_manager.namespaces():
            vg.namespace_manager.bind(prefix, ns, override=False)
        report = BNode()
        conforms = not results
        vg.add((report, RDF.type, SH.ValidationReport))
        vg.add((report, SH.conforms, Literal(conforms)))
        cloned: set = set()
        for r in results:
            vg.add((report, SH.result, self._emit(vg, r, idx, cloned)))
        return conforms, vg, report_text(vg)

    def _emit(self, vg: Graph, r: Result, idx: Index, cloned: set):
        rn = BNode()
        shape = r.shape
        vg.add((rn, RDF.type, SH.ValidationResult))
        vg.add((rn, SH.sourceConstraintComponent, r.component))
        vg.add((rn, SH.sourceShape, self._clone_sg(vg, shape.node, cloned)))
        vg.add((rn, SH.resultSeverity, shape.severity))
        vg.add((rn, SH.focusNode, self._clone_data(vg, r.focus, idx, cloned)))
        if r.value is not None:
            vg.add((rn, SH.value, self._clone_data(vg, r.value, idx, cloned)))
        if shape.is_property:
            vg.add((rn, SH.resultPath, self._clone_sg(vg, shape.path_node, cloned)))
        for m in shape.messages or [Literal(f"{_sh(r.component)} violated")]:
            vg.add((rn, SH.resultMessage, m))
        for d in r.details:
            vg.add((rn, SH.detail, self._emit(vg, d, idx, cloned)))
        return rn

    def _clone_sg(self, vg: Graph, node, cloned: set):
        if isinstance(node, BNode) and ("sg", node) not in cloned:
            cloned.add(("sg", node))
            for p, o in self.sg.predicate_objects(node):
                vg.add((node, p, self._clone_sg(vg, o, cloned)))
        return node

    def _clone_data(self, vg: Graph, key, idx: Index, cloned: set):
        if isinstance(key, BNode) and ("data", key) not in cloned:
            cloned.add(("data", key))
            for p, objs in idx.spo.get(key, _EMPTY_DICT).items():
                for o in objs:
                    vg.add((key, URIRef(p), self._clone_data(vg, o, idx, cloned)))
        return _term(key)


# --- constraint components ------------------------------------------------------------------
# A builder reads the parameter(s) of one component on one shape and returns a list of
# (component IRI, check) pairs. A check maps (index, focus, value nodes) to a sequence of
# failures (value node or None, nested results); falsy when the constraint holds.

def _fail_each(ok):
    """A check failing every value node ``v`` for which ``ok(idx, v)`` is false."""
    def check(idx, focus, values):
        fails = None
        for v in values:
            if not ok(idx, v):
                if fails is None:
                    fails = []
                fails.append((v, _NO))
        return fails
    return check


def _literal_param(cs: CompiledShapes, shape: Shape, p) -> Literal:
    v = cs._one(shape.node, p)
    if not isinstance(v, Literal):
        raise UnsupportedShapesError(f"{_sh(p)} of {shape.node} must be a literal")
    return v


def _class(cs, shape, p):
    checks = []
    for cls_term in sorted(cs.sg.objects(shape.node, p), key=str):
        cls = _key(cls_term)

        def check(idx, focus, values, cls=cls):
            fails = None
            spo = idx.spo
            for v in values:
                if type(v) is str or not isinstance(v, Literal):
                    po = spo.get(v)
                    if po is not None:
                        types = po.get(_TYPE)
                        if types:
                            if cls in types:
                                continue
                            allowed = idx.closure(cls)
                            if len(allowed) > 1 and not allowed.isdisjoint(types):
                                continue
                if fails is None:
                    fails = []
                fails.append((v, _NO))
            return fails
        checks.append((SH.ClassConstraintComponent, check))
    return checks


def _datatype_ok(dt: str) -> Callable:
    """pySHACL's DatatypeConstraintComponent for one value."""
    types = _VALUE_TYPES.get(dt)
    is_literal = dt == _RDFS_LITERAL
    is_datatype = dt == _RDFS_DATATYPE
    is_string = dt == _XSD_STRING
    is_lang = dt == _LANG_STRING

    def ok(v) -> bool:
        if type(v) is str or not isinstance(v, Literal):
            return False
        d = v.datatype
        if d is not None and _streq(d, dt):
            if getattr(v, "ill_typed", None) is True:
                return False
            return True if types is None else isinstance(v.value, types)
        if is_literal:
            return True
        if is_datatype and d:
            return True
        lang = v.language
        if is_string and d is None and lang is None:
            return isinstance(v.value, (str, bytes))
        if is_lang and lang:
            return isinstance(v.value, (str, bytes))
        return False
    return ok


def _datatype(cs, shape, p):
    dt = cs._one(shape.node, p)
    if not isinstance(dt, URIRef):
        raise UnsupportedShapesError(f"sh:datatype of {shape.node} must be an IRI")
    ok = _datatype_ok(_str(dt))

    def check(idx, focus, values):
        fails = None
        for v in values:
            if not ok(v):
                if fails is None:
                    fails = []
                fails.append((v, _NO))
        return fails
    return [(SH.DatatypeConstraintComponent, check)]


_NODE_KIND_OK = {
    SH.IRI: lambda v: type(v) is str,
    SH.BlankNode: _is_bnode,
    SH.Literal: _is_literal,
    SH.BlankNodeOrIRI: lambda v: type(v) is str or isinstance(v, BNode),
    SH.BlankNodeOrLiteral: lambda v: type(v) is not str,
    SH.IRIOrLiteral: lambda v: type(v) is str or isinstance(v, Literal),
}


def _node_kind(cs, shape, p):
    nk = cs._one(shape.node, p)
    ok = _NODE_KIND_OK.get(nk)
    if ok is None:
        raise UnsupportedShapesError(f"unknown sh:nodeKind {nk} on {shape.node}")
    if nk == SH.IRI:  # the common case, without a call per value
        def check(idx, focus, values):
            fails = None
            for v in values:
                if type(v) is not str:
                    if fails is None:
                        fails = []
                    fails.append((v, _NO))
            return fails
    else:
        def check(idx, focus, values):
            fails = None
            for v in values:
                if not ok(v):
                    if fails is None:
                        fails = []
                    fails.append((v, _NO))
            return fails
    return [(SH.NodeKindConstraintComponent, check)]


def _int_param(cs, shape, p) -> int:
    val = _literal_param(cs, shape, p).value
    if not isinstance(val, int) or isinstance(val, bool) or val < 0:
        raise UnsupportedShapesError(f"{_sh(p)} of {shape.node} must be a non-negative integer")
    return val


_ONE_FAIL = ((None, _NO),)


def _min_count(cs, shape, p):
    if not shape.is_property:
        raise UnsupportedShapesError(f"sh:minCount on node shape {shape.node}")
    n = _int_param(cs, shape, p)
    return [(SH.MinCountConstraintComponent,
             lambda idx, focus, values: _ONE_FAIL if len(values) < n else None)]


def _max_count(cs, shape, p):
    if not shape.is_property:
        raise UnsupportedShapesError(f"sh:maxCount on node shape {shape.node}")
    n = _int_param(cs, shape, p)
    return [(SH.MaxCountConstraintComponent,
             lambda idx, focus, values: _ONE_FAIL if len(values) > n else None)]


def _string(v) -> str:
    """pySHACL's StringBasedConstraintBase.value_node_to_string (v is not a blank node)."""
    if type(v) is str:
        return v
    if v.value is not None and (v.datatype is None or _streq(v.datatype, _LANG_STRING)
                                or _streq(v.datatype, _XSD_STRING)):
        return str(v.value)
    return str(v)


def _min_length(cs, shape, p):
    n = _int_param(cs, shape, p)
    return [(SH.MinLengthConstraintComponent, _fail_each(
        lambda idx, v: n == 0 or (not _is_bnode(v) and len(_string(v)) >= n)))]


def _max_length(cs, shape, p):
    n = _int_param(cs, shape, p)
    return [(SH.MaxLengthConstraintComponent, _fail_each(
        lambda idx, v: not _is_bnode(v) and len(_string(v)) <= n))]


def _pattern(cs, shape, p):
    flags_vals = list(cs.sg.objects(shape.node, SH.flags))
    re_flags = 0
    if flags_vals:
        if len(flags_vals) > 1:
            raise UnsupportedShapesError(f"more than one sh:flags on {shape.node}")
        for f in str(flags_vals[0]).lower():
            if f == "i":
                re_flags |= re.I
            elif f == "m":
                re_flags |= re.M
            else:
                cs._refuse(f"the regular expression flag {f!r} (on {shape.node})")
    checks = []
    for pat in sorted(cs.sg.objects(shape.node, p), key=str):
        if not isinstance(pat, Literal):
            raise UnsupportedShapesError(f"sh:pattern of {shape.node} must be a literal")
        search = re.compile(str(pat), re_flags).search

        def check(idx, focus, values, search=search):
            fails = None
            for v in values:
                if type(v) is str:
                    if search(v) is not None:
                        continue
                elif not isinstance(v, BNode) and search(_string(v)) is not None:
                    continue
                if fails is None:
                    fails = []
                fails.append((v, _NO))
            return fails
        checks.append((SH.PatternConstraintComponent, check))
    return checks


def _language_in(cs, shape, p):
    checks = []
    for lst in cs.sg.objects(shape.node, p):
        langs = set()
        for item in cs._list(lst):
            if not isinstance(item, Literal) or not isinstance(item.value, str):
                raise UnsupportedShapesError(f"sh:languageIn of {shape.node} must list strings")
            langs.add(str(item.value).lower())
        wildcard = "*" in langs

        def ok(idx, v, langs=langs, wildcard=wildcard):
            if type(v) is str or not isinstance(v, Literal):
                return False
            lang = v.language
            if not lang:
                return False
            if wildcard:
                return True
            lang = str(lang).lower()
            return lang in langs or lang.split("-")[0] in langs
        checks.append((SH.LanguageInConstraintComponent, _fail_each(ok)))
    return checks


def _unique_lang(cs, shape, p):
    if not shape.is_property:
        raise UnsupportedShapesError(f"sh:uniqueLang on node shape {shape.node}")
    if not bool(_literal_param(cs, shape, p).value):
        return []

    def check(idx, focus, values):
        if len(values) < 2:
            return None
        seen = set()
        dups = set()
        for v in values:
            if type(v) is not str and isinstance(v, Literal):
                lang = v.language
                if lang:
                    lang = str(lang).lower()
                    if lang in seen:
                        dups.add(lang)
                    else:
                        seen.add(lang)
        return [(None, _NO) for _ in dups]
    return [(SH.UniqueLangConstraintComponent, check)]


def _in(cs, shape, p):
    checks = []
    for lst in cs.sg.objects(shape.node, p):
        allowed = {_key(x) for x in cs._list(lst)}

        def check(idx, focus, values, allowed=allowed):
            fails = None
            for v in values:
                if v not in allowed:
                    if fails is None:
                        fails = []
                    fails.append((v, _NO))
            return fails
        checks.append((SH.InConstraintComponent, check))
    return checks


def _has_value(cs, shape, p):
    checks = []
    for hv in sorted(cs.sg.objects(shape.node, p), key=str):
        hv = _key(hv)
        checks.append((SH.HasValueConstraintComponent,
                       lambda idx, focus, values, hv=hv: None if hv in values else _ONE_FAIL))
    return checks


def _pair_predicate(cs, shape, p) -> list:
    out = []
    for other in sorted(cs.sg.objects(shape.node, p), key=str):
        if not isinstance(other, URIRef):
            raise UnsupportedShapesError(f"{_sh(p)} of {shape.node} must be an IRI")
        out.append(_str(other))
    return out


def _equals(cs, shape, p):
    checks = []
    for other in _pair_predicate(cs, shape, p):
        def check(idx, focus, values, other=other):
            compare = idx.objects(focus, other) if not _is_literal(focus) else _EMPTY
            if len(compare) == len(values) and all(v in compare for v in values):
                return None
            vs = set(values)
            return [(v, _NO) for v in (vs - compare) | (compare - vs)]
        checks.append((SH.EqualsConstraintComponent, check))
    return checks


def _disjoint(cs, shape, p):
    checks = []
    for other in _pair_predicate(cs, shape, p):
        def check(idx, focus, values, other=other):
            compare = idx.objects(focus, other) if not _is_literal(focus) else _EMPTY
            if not compare:
                return None
            return [(v, _NO) for v in values if v in compare]
        checks.append((SH.DisjointConstraintComponent, check))
    return checks


def _node(cs, shape, p):
    checks = []
    for other in sorted(cs.sg.objects(shape.node, p), key=str):
        target = cs._shape(other)
        if (other, SH.path, None) in cs.sg:
            raise UnsupportedShapesError(f"sh:node of {shape.node} points at property shape {other}")

        def check(idx, focus, values, target=target):
            fails = None
            for v in values:
                nested: list = []
                target.run(idx, v, nested)
                if nested:
                    if fails is None:
                        fails = []
                    fails.append((v, tuple(nested)))
            return fails
        checks.append((SH.NodeConstraintComponent, check))
    return checks


def _not(cs, shape, p):
    checks = []
    for other in sorted(cs.sg.objects(shape.node, p), key=str):
        target = cs._shape(other)
        checks.append((SH.NotConstraintComponent, _fail_each(
            lambda idx, v, t=target: not _conforms(t, idx, v))))
    return checks


def _logical(component, decide):
    def builder(cs, shape, p):
        checks = []
        for lst in cs.sg.objects(shape.node, p):
            members = tuple(cs._shape(m) for m in cs._list(lst))
            if not members:
                raise UnsupportedShapesError(f"empty {_sh(p)} list on {shape.node}")
            checks.append((component, _fail_each(
                lambda idx, v, members=members: decide(members, idx, v))))
        return checks
    return builder


def _and_ok(members, idx, v):
    return all(_conforms(m, idx, v) for m in members)


def _or_ok(members, idx, v):
    return any(_conforms(m, idx, v) for m in members)


def _xone_ok(members, idx, v):
    return sum(1 for m in members if _conforms(m, idx, v)) == 1


_BUILDERS = {
    SH["class"]: _class,
    SH.datatype: _datatype,
    SH.nodeKind: _node_kind,
    SH.minCount: _min_count,
    SH.maxCount: _max_count,
    SH.minLength: _min_length,
    SH.maxLength: _max_length,
    SH.pattern: _pattern,
    SH.languageIn: _language_in,
    SH.uniqueLang: _unique_lang,
    SH["in"]: _in,
    SH.hasValue: _has_value,
    SH.equals: _equals,
    SH.disjoint: _disjoint,
    SH.node: _node,
    SH["not"]: _not,
    SH["and"]: _logical(SH.AndConstraintComponent, _and_ok),
    SH["or"]: _logical(SH.OrConstraintComponent, _or_ok),
    SH.xone: _logical(SH.XoneConstraintComponent, _xone_ok),
}


# --- entry points ---------------------------------------------------------------------------

_compiled: dict = {}
_compiled_lock = threading.Lock()


def compile_shapes(shapes_graph: Graph | None = None) -> CompiledShapes:
    """Compile ``shapes_graph`` (default: :func:`esco_graph.shacl.load_shapes`), cached per
    graph object (do not modify a graph after compiling it)."""
    if shapes_graph is None:
        from .. import load_shapes
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
