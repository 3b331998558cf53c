"""Reading constraint parameters from the shapes graph, and the check helpers the components share."""
from __future__ import annotations

from rdflib import Literal

from .index import LANG_STRING, NO, XSD_STRING, UnsupportedShapesError, sh, streq
from .shape import Shape

# --- constraint components ------------------------------------------------------------------
# A builder reads the parameter(s) of one component on one shape and returns a list of
# (component IRI, check) pairs. A check maps (index, focus, value nodes) to a sequence of
# failures (value node or None, nested results); falsy when the constraint holds.

def fail_each(ok):
    """A check failing every value node ``v`` for which ``ok(idx, v)`` is false."""
    def check(idx, focus, values):
        fails = None
        for v in values:
            if not ok(idx, v):
                if fails is None:
                    fails = []
                fails.append((v, NO))
        return fails
    return check


def literal_param(cs, shape: Shape, p) -> Literal:
    v = cs._one(shape.node, p)
    if not isinstance(v, Literal):
        raise UnsupportedShapesError(f"{sh(p)} of {shape.node} must be a literal")
    return v


def int_param(cs, shape, p) -> int:
    val = literal_param(cs, shape, p).value
    if not isinstance(val, int) or isinstance(val, bool) or val < 0:
        raise UnsupportedShapesError(f"{sh(p)} of {shape.node} must be a non-negative integer")
    return val


ONE_FAIL = ((None, NO),)


def string(v) -> str:
    """pySHACL's StringBasedConstraintBase.value_node_to_string (v is not a blank node)."""
    if type(v) is str:
        return v
    if v.value is not None and (v.datatype is None or streq(v.datatype, LANG_STRING)
                                or streq(v.datatype, XSD_STRING)):
        return str(v.value)
    return str(v)
