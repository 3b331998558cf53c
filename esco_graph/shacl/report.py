"""Validation reports as people read them: one line per result, focus node, path, message, value, component."""
from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from ..namespaces import PREFIXES

# --- reports --------------------------------------------------------------------------------

_SH_NS = str(SH)
_PREFIXES = sorted(((ns, p) for p, ns in {**PREFIXES, "sh": _SH_NS}.items()),
                   key=lambda x: -len(x[0]))


def _qname(term) -> str:
    if isinstance(term, URIRef):
        s = str(term)
        for ns, p in _PREFIXES:
            if s.startswith(ns):
                local = s[len(ns):]
                if local and all(c.isalnum() or c in "_-." for c in local):
                    return f"{p}:{local}"
        return f"<{s}>"
    return term.n3() if isinstance(term, Literal) else "[]"  # a blank node: its id changes every run


def _path_text(g: Graph, path) -> str:
    if path is None:
        return ""
    if isinstance(path, URIRef):
        return _qname(path)
    inv = g.value(path, SH.inversePath)
    if inv is not None:
        return "^" + _path_text(g, inv)
    for op, sym in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = g.value(path, op)
        if inner is not None:
            return f"({_path_text(g, inner)}){sym}"
    alt = g.value(path, SH.alternativePath)
    if alt is not None:
        return "(" + "|".join(_path_text(g, x) for x in Collection(g, alt)) + ")"
    if g.value(path, RDF.first) is not None:
        return "/".join(_path_text(g, x) for x in Collection(g, path))
    return "_:path"


def _value_text(v) -> str:
    if isinstance(v, Literal):
        s = v.n3()
        if v.datatype is not None:  # shorten well-known datatype IRIs
            s = f"{Literal(str(v)).n3()}^^{_qname(v.datatype)}"
        return s if len(s) <= 80 else s[:77] + "..."
    if isinstance(v, URIRef):
        return f"<{v}>"
    return "[]"  # a blank node: its id changes every run


def report_results(report_graph: Graph) -> list[dict]:
    """The top-level validation results of a SHACL report graph (not the nested ``sh:detail``
    ones) as dicts (result, focus, path, path_text, value, component, shape, severity,
    message), in no particular order."""
    out = []
    top = set(report_graph.objects(None, SH.result))
    if not top:  # no sh:ValidationReport node: every result that is not a nested sh:detail
        nested = set(report_graph.objects(None, SH.detail))
        top = {r for r in report_graph.subjects(RDF.type, SH.ValidationResult) if r not in nested}
    for r in top:
        msgs = sorted(str(m) for m in report_graph.objects(r, SH.resultMessage))
        out.append({
            "result": r,
            "focus": report_graph.value(r, SH.focusNode),
            "path": report_graph.value(r, SH.resultPath),
            "path_text": _path_text(report_graph, report_graph.value(r, SH.resultPath)),
            "value": report_graph.value(r, SH.value),
            "component": report_graph.value(r, SH.sourceConstraintComponent),
            "shape": report_graph.value(r, SH.sourceShape),
            "severity": report_graph.value(r, SH.resultSeverity),
            "message": msgs[0] if msgs else "",
        })
    return out


def report_text(report_graph: Graph) -> str:
    """One readable line per validation result, sorted; empty if there is none."""
    lines = set()
    for r in report_results(report_graph):
        focus = r["focus"]
        head = f"<{focus}>" if isinstance(focus, URIRef) else _value_text(focus)
        path = r["path_text"]
        if path:
            head += " " + path
        msg = " ".join(r["message"].split()) or "constraint violated"
        v = r["value"]
        if v is not None and v != focus:
            msg += f" (value: {_value_text(v)})"
        sev = r["severity"]
        if sev is not None and sev != SH.Violation:
            msg = f"{_qname(sev).removeprefix('sh:')}: {msg}"
        comp = r["component"]
        comp_text = _qname(comp) if comp is not None else "sh:?"
        lines.add(f"{head}: {msg} [{comp_text}]")
    return "\n".join(sorted(lines))
