"""SHACL validation of ESCO-model graphs against the shapes in ``shapes/``.

Core SHACL only (no ``sh:sparql``, no rules), run with ``inference="none"``: the data states all
its classes explicitly. Two engines give the same answer (tests assert it, result for result):

* ``engine="pyshacl"``: the reference implementation (about a minute on 450,000 triples);
* ``engine="fast"``: :mod:`esco_graph.shacl.fast`, which compiles the same shapes graph into
  plain-Python checks over an index of the triples (a second or two on 450,000 triples); it
  refuses, with :class:`~esco_graph.shacl.fast.UnsupportedShapesError`, any shapes graph using a
  feature it does not implement, so it never skips a shape;
* ``engine="auto"`` (the default): ``fast``, or ``pyshacl`` when the shapes use something
  ``fast`` refuses or when ``inference`` is not ``"none"``.

API (pySHACL style)::

    load_shapes(paths=None, *, languages=None) -> rdflib.Graph        # parsed once, cached
    validate(data_graph, shapes_graph=None, *, inference="none", engine="auto", languages=None)
        -> (conforms, report_graph, text)
    validate_files(paths, shapes_graph=None, *, ...same keywords) -> (conforms, report_graph, text)
    report_results(report_graph) -> [dict]     # the top-level results, for callers and tests

``text`` holds one line per validation result, sorted::

    <focus node> <path>: <message> (value: <value>) [sh:<Component>]

and is empty when the graph conforms.
"""
from __future__ import annotations

import importlib.resources
import itertools
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.graph import ConjunctiveGraph, Dataset
from rdflib.namespace import RDF, SH

from ..errors import EscoGraphError, InputError
from ..terms import SYNTAXES
from ..namespaces import PREFIXES

__all__ = [
    "SHAPES_DIR", "load_shapes", "read_graph", "report_results", "report_text", "shape_files",
    "validate", "validate_files",
]

#: The repository's shapes folder (next to the package); see :func:`shape_files`.
SHAPES_DIR = Path(__file__).resolve().parents[2] / "shapes"

#: RDF syntax of each file extension :func:`read_graph` accepts (rdflib plugin names).
FORMATS = {ext: syntax.rdflib for syntax in SYNTAXES for ext in syntax.extensions + syntax.loose_extensions}
_QUAD_FORMATS = {"nquads", "trig"}

_cache: dict[tuple, Graph] = {}
_cache_lock = threading.Lock()


# --- shapes ---------------------------------------------------------------------------------

def shape_files(paths: Iterable[str | Path] | None = None) -> list:
    """The shape files to load: ``paths`` (files or folders of ``*.ttl``), or by default the
    repository's ``shapes/`` folder, else the ``shapes`` folder shipped inside the package.

    Returns paths (or, for the packaged copy, ``importlib.resources`` traversables), sorted.
    """
    if paths is not None:
        found: list[Path] = []
        for p in paths:
            p = Path(p)
            if p.is_dir():
                found.extend(sorted(p.glob("*.ttl")))
            elif p.is_file():
                found.append(p)
            else:
                raise InputError(str(p), "no such shapes file or folder")
        if not found:
            raise InputError(", ".join(map(str, paths)) or "(none)", "no SHACL shape files found")
        return found
    if SHAPES_DIR.is_dir():
        files = sorted(SHAPES_DIR.glob("*.ttl"))
        if files:
            return files
    try:
        packaged = importlib.resources.files("esco_graph") / "shapes"
        files = sorted((f for f in packaged.iterdir() if f.name.endswith(".ttl")),
                       key=lambda f: f.name)
    except (FileNotFoundError, NotADirectoryError, ModuleNotFoundError):
        files = []
    if not files:
        raise EscoGraphError(
            f"no SHACL shapes found: neither {SHAPES_DIR} nor the package's shapes/ folder holds *.ttl")
    return files


def _parse_shapes(files: Sequence) -> Graph:
    g = Graph()
    for f in files:
        try:
            if isinstance(f, Path):
                g.parse(f, format="turtle")
            else:  # an importlib.resources traversable
                g.parse(data=f.read_text(encoding="utf-8"), format="turtle",
                        publicID=f"file:///esco_graph/shapes/{f.name}")
        except Exception as e:  # rdflib raises many kinds of syntax errors
            raise InputError(str(f), f"cannot read SHACL shapes: {e}") from e
    return g


def _set_languages(g: Graph, languages: Sequence[str]) -> Graph:
    """A copy of ``g`` whose every ``sh:languageIn`` list is ``languages``."""
    out = Graph()
    for t in g:
        out.add(t)
    for s, lst in list(out.subject_objects(SH.languageIn)):
        Collection(out, lst).clear()
        out.remove((s, SH.languageIn, lst))
        head = BNode()
        Collection(out, head, [Literal(lang) for lang in languages])
        out.add((s, SH.languageIn, head))
    return out


def load_shapes(paths: Iterable[str | Path] | None = None, *,
                languages: Sequence[str] | None = None) -> Graph:
    """The SHACL shapes graph (parsed once per set of files and cached; do not modify it).

    ``paths``: shape files or folders; default the repository's ``shapes/`` folder.
    ``languages``: the label/description languages to accept (replaces every ``sh:languageIn``
    list; the shipped shapes say ``("en")``).
    """
    files = shape_files(paths)
    key = (tuple(str(f) for f in files), tuple(languages) if languages is not None else None)
    with _cache_lock:
        g = _cache.get(key)
        if g is None:
            base_key = (key[0], None)
            g = _cache.get(base_key)
            if g is None:
                g = _cache[base_key] = _parse_shapes(files)
            if languages is not None:
                g = _cache[key] = _set_languages(g, languages)
        return g


# --- data -----------------------------------------------------------------------------------

def _union(graph) -> Graph:
    """A plain Graph of every triple of ``graph``; for a Dataset / ConjunctiveGraph, the union of
    all its graphs (default graph included)."""
    if isinstance(graph, (Dataset, ConjunctiveGraph)):
        out = Graph()
        for prefix, ns in graph.namespaces():
            out.bind(prefix, ns, override=False)
        for s, p, o, _g in graph.quads((None, None, None, None)):
            out.add((s, p, o))
        return out
    return graph


def read_graph(path: str | Path, format: str | None = None) -> Graph:
    """Parse one RDF file (syntax from its extension unless ``format`` is given); N-Quads and
    TriG give the union of all their graphs."""
    p = Path(path)
    fmt = format or FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise InputError(str(path), f"unknown RDF file extension {p.suffix!r} "
                                    f"(expected one of {', '.join(sorted(set(FORMATS)))})")
    if not p.is_file():
        raise InputError(str(path), "no such file")
    try:
        if fmt in _QUAD_FORMATS:
            ds = Dataset()
            ds.parse(p, format=fmt)
            return _union(ds)
        g = Graph()
        if fmt == "json-ld":
            from ..graph.jsonld import read_local_jsonld

            g.parse(data=read_local_jsonld(p), format=fmt, publicID=p.resolve().as_uri())
        else:
            g.parse(p, format=fmt)
        return g
    except InputError:
        raise
    except Exception as e:  # rdflib raises many kinds of syntax errors
        reason = " ".join(str(e).split()) or type(e).__name__
        raise InputError(str(path), f"cannot parse as {fmt}: {reason}") from e


# --- validation -----------------------------------------------------------------------------

def validate(data_graph, shapes_graph: Graph | None = None, *, inference: str = "none",
             engine: str = "auto", languages: Sequence[str] | None = None
             ) -> tuple[bool, Graph, str]:
    """Validate ``data_graph`` against ``shapes_graph`` (default: :func:`load_shapes`).

    ``data_graph``: an rdflib Graph, a Dataset / ConjunctiveGraph (validated as the union of
    its graphs), or any iterable of ``(s, p, o)`` rdflib terms.
    ``engine``: ``"auto"`` (default), ``"fast"`` or ``"pyshacl"`` (see the module docstring).
    ``languages``: accepted label languages, replacing the shapes' ``sh:languageIn`` lists.
    Returns ``(conforms, report_graph, report_text)`` as pySHACL does, except that the text is
    one line per result (see the module docstring), empty when the graph conforms.
    """
    if shapes_graph is None:
        shapes_graph = load_shapes(languages=languages)
    elif languages is not None:
        shapes_graph = _set_languages(shapes_graph, languages)
    if engine not in ("auto", "fast", "pyshacl"):
        raise ValueError(f"unknown SHACL engine {engine!r} (expected 'auto', 'fast' or 'pyshacl')")
    no_inference = inference in (None, "none")
    if engine == "fast" and not no_inference:
        raise ValueError("engine='fast' supports only inference='none'")
    if engine in ("auto", "fast") and no_inference:
        from . import fast as fastshacl
        try:
            compiled = fastshacl.compile_shapes(shapes_graph)
        except fastshacl.UnsupportedShapesError:
            if engine == "fast":
                raise
        else:
            idx = fastshacl.index(data_graph)
            return compiled.report(compiled.run(idx), idx)
    import pyshacl  # slow to import; only when needed

    data = _union(data_graph)
    if not isinstance(data, Graph):
        g = Graph()
        for t in data:
            g.add(t)
        data = g
    conforms, report_graph, _text = pyshacl.validate(
        data, shacl_graph=shapes_graph, inference=inference, abort_on_first=False,
        allow_warnings=False, meta_shacl=False, advanced=False, js=False, debug=False)
    return bool(conforms), report_graph, report_text(report_graph)


def validate_files(paths: Sequence[str | Path], shapes_graph: Graph | None = None, *,
                   inference: str = "none", engine: str = "auto",
                   languages: Sequence[str] | None = None) -> tuple[bool, Graph, str]:
    """Parse every file of ``paths`` (syntax from the extension: .ttl .nt .nq .trig .jsonld ...;
    N-Quads and TriG as the union of their graphs) into one graph and validate it."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if not paths:
        raise InputError("(no input)", "no RDF file to validate")
    graphs = [read_graph(path) for path in paths]
    # several files: their triples, chained (duplicates are fine for both engines)
    data = graphs[0] if len(graphs) == 1 else itertools.chain.from_iterable(graphs)
    return validate(data, shapes_graph, inference=inference, engine=engine, languages=languages)


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
    return term.n3() if isinstance(term, Literal) else f"_:{term}"


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
    return f"_:{v}"


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
