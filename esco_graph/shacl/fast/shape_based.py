"""SHACL 4.7, shape-based constraint components: sh:node."""
from __future__ import annotations

from rdflib.namespace import SH

from .index import UnsupportedShapesError


def node_(cs, shape, p):
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
