"""SHACL 4.1, value type constraint components: sh:class, sh:datatype, sh:nodeKind."""
from __future__ import annotations

from typing import Callable

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import SH

from .index import (
    LANG_STRING,
    NO,
    RDFS_DATATYPE,
    RDFS_LITERAL,
    TYPE,
    VALUE_TYPES,
    XSD_STRING,
    UnsupportedShapesError,
    iri_str,
    is_bnode,
    is_literal,
    key,
    streq,
)


def class_(cs, shape, p):
    checks = []
    for cls_term in sorted(cs.sg.objects(shape.node, p), key=str):
        cls = key(cls_term)

        def check(idx, focus, values, cls=cls):
            fails = None
            spo = idx.spo
            for v in values:
                if type(v) is str or not isinstance(v, Literal):
                    po = spo.get(v)
                    if po is not None:
                        types = po.get(TYPE)
                        if types:
                            if cls in types:
                                continue
                            allowed = idx.closure(cls)
                            if len(allowed) > 1 and not allowed.isdisjoint(types):
                                continue
                if fails is None:
                    fails = []
                fails.append((v, NO))
            return fails
        checks.append((SH.ClassConstraintComponent, check))
    return checks


def _datatype_ok(dt: str) -> Callable:
    """pySHACL's DatatypeConstraintComponent for one value."""
    types = VALUE_TYPES.get(dt)
    is_literal = dt == RDFS_LITERAL
    is_datatype = dt == RDFS_DATATYPE
    is_string = dt == XSD_STRING
    is_lang = dt == LANG_STRING

    def ok(v) -> bool:
        if type(v) is str or not isinstance(v, Literal):
            return False
        d = v.datatype
        if d is not None and streq(d, dt):
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


def datatype(cs, shape, p):
    dt = cs._one(shape.node, p)
    if not isinstance(dt, URIRef):
        raise UnsupportedShapesError(f"sh:datatype of {shape.node} must be an IRI")
    ok = _datatype_ok(iri_str(dt))

    def check(idx, focus, values):
        fails = None
        for v in values:
            if not ok(v):
                if fails is None:
                    fails = []
                fails.append((v, NO))
        return fails
    return [(SH.DatatypeConstraintComponent, check)]


_NODE_KIND_OK = {
    SH.IRI: lambda v: type(v) is str,
    SH.BlankNode: is_bnode,
    SH.Literal: is_literal,
    SH.BlankNodeOrIRI: lambda v: type(v) is str or isinstance(v, BNode),
    SH.BlankNodeOrLiteral: lambda v: type(v) is not str,
    SH.IRIOrLiteral: lambda v: type(v) is str or isinstance(v, Literal),
}


def node_kind(cs, shape, p):
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
                    fails.append((v, NO))
            return fails
    else:
        def check(idx, focus, values):
            fails = None
            for v in values:
                if not ok(v):
                    if fails is None:
                        fails = []
                    fails.append((v, NO))
            return fails
    return [(SH.NodeKindConstraintComponent, check)]
