"""Shapes compiled: every shape of a shapes graph read once into checks; the builders of each constraint component, by parameter; the report graph."""
from __future__ import annotations

from typing import Callable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from ..report import report_text
from .cardinality import max_count, min_count
from .index import (
    EMPTY,
    EMPTY_DICT,
    LIST_OF_SHAPES,
    NON_CONSTRAINT,
    SH_NS,
    SHAPE_EXPECTING,
    TARGETS,
    TYPE,
    Index,
    UnsupportedShapesError,
    from_key,
    index,
    iri_str,
    key,
    sh,
)
from .logical import and_ok, logical, not_, or_ok, xone_ok
from .other import has_value, in_
from .property_pair import disjoint, equals
from .shape import Result, Shape, make_runner
from .shape_based import node_
from .string_based import language_in, max_length, min_length, pattern, unique_lang
from .value_type import class_, datatype, node_kind


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
            raise UnsupportedShapesError(f"shape {shape_node} must have exactly one {sh(p)}")
        return vals[0]

    def _compile(self) -> None:
        sg = self.sg
        # whole-graph refusals: things pySHACL would run that we do not implement
        for p in (SH.sparql, SH.rule, SH.target, SH.js, SH.expression, SH.qualifiedValueShape,
                  SH.closed, SH.lessThan, SH.lessThanOrEquals, SH.minExclusive, SH.minInclusive,
                  SH.maxExclusive, SH.maxInclusive, SH.qualifiedMinCount, SH.qualifiedMaxCount):
            if (None, p, None) in sg:
                self._refuse(sh(p))
        for t in (SH.ConstraintComponent, SH.SPARQLConstraint, SH.SPARQLTarget,
                  SH.SPARQLRule, SH.TripleRule, SH.JSConstraint):
            if (None, RDF.type, t) in sg:
                self._refuse(f"shapes graphs declaring {sh(t)}")

        # which nodes are shapes (as pySHACL finds them)
        nodes: set = set(sg.subjects(RDF.type, SH.NodeShape))
        nodes.update(sg.subjects(RDF.type, SH.PropertyShape))
        for p in TARGETS + (SH.property, SH.node):
            nodes.update(sg.subjects(p, None))
        for p in SHAPE_EXPECTING:
            nodes.update(sg.objects(None, p))
        for p in LIST_OF_SHAPES:
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
            shape.run = make_runner(shape)
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
                shape.pred = iri_str(paths[0])
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

        for p in TARGETS:
            for o in sg.objects(n, p):
                if p != SH.targetNode and not isinstance(o, URIRef):
                    raise UnsupportedShapesError(f"{sh(p)} of {n} must be an IRI")
                shape.targets.append((p, key(o)))
        rdfs_classes = set(sg.subjects(RDFS.subClassOf, RDFS.Class)) | {RDFS.Class}
        if any(t in rdfs_classes for t in sg.objects(n, RDF.type)):
            if not isinstance(n, URIRef):
                raise UnsupportedShapesError(f"implicit class target on blank node shape {n}")
            shape.targets.append((SH.targetClass, key(n)))

        # constraints: every sh: predicate must be known
        for p in sorted(set(sg.predicates(n, None)), key=str):
            if not str(p).startswith(SH_NS) or p in NON_CONSTRAINT:
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
                self._refuse(f"{sh(p)} (on shape {n})")
            shape.checks.extend(builder(self, shape, p))
        if (n, SH.flags, None) in sg and (n, SH.pattern, None) not in sg:
            raise UnsupportedShapesError(f"shape {n} has sh:flags without sh:pattern")

    def _check_recursion(self) -> None:
        refs: dict = {}
        for node in self.shapes:
            r = set()
            for p in SHAPE_EXPECTING:
                r.update(self.sg.objects(node, p))
            for p in LIST_OF_SHAPES:
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
            p = iri_str(path)

            def pred(idx, focus):
                if type(focus) is not str and isinstance(focus, Literal):
                    return EMPTY
                po = idx.spo.get(focus)
                if po is None:
                    return EMPTY
                return po.get(p, EMPTY)
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
            p = iri_str(inner)

            def inv(idx, focus):
                return idx.inverse(p).get(focus, EMPTY)
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
        self._refuse(f"the path form {sh(kind)}")

    # -- running --

    def run(self, data) -> list:
        """Validate ``data`` (see :func:`index`; an :class:`Index` is used as is) and return
        the list of :class:`Result`, empty when it conforms."""
        idx = index(data)
        out: list = []
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
                inv = idx.inverse(TYPE)
                for c in idx.closure(term):
                    found.update(inv.get(c, EMPTY))
            elif kind == SH.targetSubjectsOf:
                found.update(idx.subjects_of(term))
            elif kind == SH.targetObjectsOf:
                found.update(idx.objects_of(term))
        return found

    # -- reports --

    def report(self, results: list, idx: Index) -> tuple[bool, Graph, str]:
        """``(conforms, report_graph, report_text)`` for ``results``, as pySHACL builds them."""


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
        for m in shape.messages or [Literal(f"{sh(r.component)} violated")]:
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
            for p, objs in idx.spo.get(key, EMPTY_DICT).items():
                for o in objs:
                    vg.add((key, URIRef(p), self._clone_data(vg, o, idx, cloned)))
        return from_key(key)


_BUILDERS = {
    SH["class"]: class_,
    SH.datatype: datatype,
    SH.nodeKind: node_kind,
    SH.minCount: min_count,
    SH.maxCount: max_count,
    SH.minLength: min_length,
    SH.maxLength: max_length,
    SH.pattern: pattern,
    SH.languageIn: language_in,
    SH.uniqueLang: unique_lang,
    SH["in"]: in_,
    SH.hasValue: has_value,
    SH.equals: equals,
    SH.disjoint: disjoint,
    SH.node: node_,
    SH["not"]: not_,
    SH["and"]: logical(SH.AndConstraintComponent, and_ok),
    SH["or"]: logical(SH.OrConstraintComponent, or_ok),
    SH.xone: logical(SH.XoneConstraintComponent, xone_ok),
}
