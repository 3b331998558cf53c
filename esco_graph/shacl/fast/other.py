"""SHACL 4.8, other constraint components: sh:in, sh:hasValue."""
from __future__ import annotations

from rdflib.namespace import SH

from .index import NO, key
from .parameters import ONE_FAIL


def in_(cs, shape, p):
    checks = []
    for lst in cs.sg.objects(shape.node, p):
        allowed = {key(x) for x in cs._list(lst)}

        def check(idx, focus, values, allowed=allowed):
            fails = None
            for v in values:
                if v not in allowed:
                    if fails is None:
                        fails = []
                    fails.append((v, NO))
            return fails
        checks.append((SH.InConstraintComponent, check))
    return checks


def has_value(cs, shape, p):
    checks = []
    for hv in sorted(cs.sg.objects(shape.node, p), key=str):
        hv = key(hv)
        checks.append((SH.HasValueConstraintComponent,
                       lambda idx, focus, values, hv=hv: None if hv in values else ONE_FAIL))
    return checks
