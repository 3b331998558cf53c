"""SHACL 4.2, cardinality constraint components: sh:minCount, sh:maxCount."""
from __future__ import annotations

from rdflib.namespace import SH

from .index import UnsupportedShapesError
from .parameters import ONE_FAIL, int_param


def min_count(cs, shape, p):
    if not shape.is_property:
        raise UnsupportedShapesError(f"sh:minCount on node shape {shape.node}")
    n = int_param(cs, shape, p)
    return [(SH.MinCountConstraintComponent,
             lambda idx, focus, values: ONE_FAIL if len(values) < n else None)]


def max_count(cs, shape, p):
    if not shape.is_property:
        raise UnsupportedShapesError(f"sh:maxCount on node shape {shape.node}")
    n = int_param(cs, shape, p)
    return [(SH.MaxCountConstraintComponent,
             lambda idx, focus, values: ONE_FAIL if len(values) > n else None)]
