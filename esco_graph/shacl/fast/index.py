"""The data graph as the validator reads it: IRIs as plain str, an index of triples by subject, predicate and object, and subclass closures."""
from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import ConjunctiveGraph, Dataset
from rdflib.namespace import RDF, RDFS, SH, XSD

from ...errors import EscoGraphError


class UnsupportedShapesError(EscoGraphError):
    """The shapes graph uses a SHACL feature this validator does not implement."""


# Internally an IRI is a plain str (C-speed hashing and comparison; rdflib's URIRef.__eq__ is
# Python code), a blank node a BNode, a literal a Literal. A BNode never equals a str.
_intern = sys.intern


def iri_str(iri) -> str:
    """An IRI (URIRef or str) as an interned plain str: one object per IRI, so equal IRIs
    usually compare by identity, and the index holds each IRI once."""
    return _intern(str.__str__(iri))


streq = str.__eq__
EMPTY: frozenset = frozenset()
EMPTY_DICT: dict = {}
NO: tuple = ()  # "no failures" and "no nested results"

TYPE = iri_str(RDF.type)
_SUBCLASS = iri_str(RDFS.subClassOf)
XSD_STRING = iri_str(XSD.string)
LANG_STRING = iri_str(RDF.langString)
RDFS_LITERAL = iri_str(RDFS.Literal)
RDFS_DATATYPE = iri_str(RDFS.Datatype)
SH_NS = str(SH)

# shape predicates in the sh: namespace that carry no constraint
NON_CONSTRAINT = {
    SH.name, SH.description, SH.message, SH.severity, SH.deactivated, SH.order, SH.group,
    SH.defaultValue, SH.path, SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
    SH.targetObjectsOf, SH.flags,
}
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
SHAPE_EXPECTING = (SH.property, SH.node, SH["not"])
LIST_OF_SHAPES = (SH["and"], SH["or"], SH.xone)
# values pySHACL checks beyond the datatype IRI (DatatypeConstraintComponent._assert_actual_datatype)
VALUE_TYPES = {
    XSD_STRING: (str, bytes), LANG_STRING: (str, bytes), iri_str(XSD.integer): (int,),
    iri_str(XSD.float): (float,), iri_str(XSD.decimal): (Decimal,), iri_str(XSD.boolean): (bool,),
    iri_str(XSD.date): (date,), iri_str(XSD.time): (time,), iri_str(XSD.dateTime): (datetime,),
}


def key(term):
    """rdflib term -> internal key."""
    return iri_str(term) if isinstance(term, URIRef) else term


def from_key(key):
    """internal key -> rdflib term."""
    return URIRef(key) if type(key) is str else key


def is_literal(v) -> bool:
    return type(v) is not str and isinstance(v, Literal)


def is_bnode(v) -> bool:
    return type(v) is not str and isinstance(v, BNode)


def sh(term) -> str:
    s = str(term)
    return "sh:" + s[len(SH_NS):] if s.startswith(SH_NS) else f"<{s}>"


# --- the data index -------------------------------------------------------------------------

class Index:
    """The data as ``subject -> predicate -> objects`` (internal keys), with ``object ->
    subjects`` indexes per predicate built on first use. A predicate's objects are a tuple, each
    object once, in the order the triples gave them: a set takes 216 bytes for one to four objects
    and 728 for five to eighteen, a tuple 48 + 8 a object, and sets were over half of the index's
    memory on the bench corpus (38 of 69 MB). Readers iterate, count and test membership; one that
    tests many values against a long tuple makes a set of it first (`property_pair`)."""

    __slots__ = ("spo", "by_pred", "_inv", "_closures", "_lock")

    def __init__(self, triples: Iterable):
        spo: dict = {}
        by_pred: dict = {}
        get = spo.get
        intern = _intern
        to_str = str.__str__
        last_s = last_s_key = None  # a part's triples mostly share their subject (the object itself)
        predicates: dict = {}  # id(predicate) -> (the predicate, its key): a few objects, held so an id stays theirs
        several: list = []  # (po, predicate, its objects) where a predicate has more than one object
        for t in triples:
            s, p, o = t[0], t[1], t[2]
            if s is last_s:
                s = last_s_key
            else:
                last_s = s
                ts = type(s)  # exact type tests: isinstance() on rdflib's ABC-based terms is slow
                if ts is URIRef or ts is str or (ts is not BNode and isinstance(s, URIRef)):
                    s = intern(to_str(s))
                last_s_key = s
            known = predicates.get(id(p))
            if known is not None and known[0] is p:
                p = known[1]
            else:
                key_of_p = intern(to_str(p))
                if len(predicates) < 4096:
                    predicates[id(p)] = (p, key_of_p)
                p = key_of_p
            to = type(o)
            if to is URIRef or to is str or (to is not Literal and to is not BNode
                                             and isinstance(o, URIRef)):
                o = intern(to_str(o))
            po = get(s)
            if po is None:
                spo[s] = {p: (o,)}
                subs = by_pred.get(p)
                if subs is None:
                    by_pred[p] = [s]
                else:
                    subs.append(s)
                continue
            objs = po.get(p)
            if objs is None:
                po[p] = (o,)
                subs = by_pred.get(p)
                if subs is None:
                    by_pred[p] = [s]
                else:
                    subs.append(s)
            elif type(objs) is tuple:
                if objs[0] != o:
                    po[p] = many = [objs[0], o]
                    several.append((po, p, many))
            else:
                objs.append(o)
        for po, p, many in several:  # repeats out, in the order they came: a tuple, as tight as it gets
            po[p] = tuple(dict.fromkeys(many))
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
            st = from_key(s)
            for p, objs in po.items():
                pt = URIRef(p)
                for o in objs:
                    yield st, pt, from_key(o)

    def objects(self, s, p):
        po = self.spo.get(s)
        if po is None:
            return EMPTY
        return po.get(p, EMPTY)

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
                for sub in inv.get(todo.pop(), EMPTY):
                    if sub not in c:
                        c.add(sub)
                        todo.append(sub)
            self._closures[cls] = c
        return c


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
    return Index(_triples(data))
