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
    validate(data_graph, shacl_graph=None, *, inference="none", engine="auto", languages=None)
        -> (conforms, report_graph, text)
    validate_files(paths, shacl_graph=None, *, ...same keywords) -> (conforms, report_graph, text)
    report_results(report_graph) -> [dict]     # the top-level results, for callers and tests

``text`` holds one line per validation result, sorted::

    <focus node> <path>: <message> (value: <value>) [sh:<Component>]

and is empty when the graph conforms.
"""
from __future__ import annotations

import itertools
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from rdflib import Graph
from rdflib.graph import ConjunctiveGraph, Dataset

from ..errors import InputError, OptionError
from ..terms import SYNTAXES, syntax_named
from ..text import syntax_message
from .report import report_results, report_text
from .shapes import SHAPES_DIR, load_shapes, set_languages, shape_files

__all__ = [
    "SHAPES_DIR", "load_shapes", "read_graph", "report_results", "report_text", "shape_files",
    "validate", "validate_files",
]

#: RDF syntax of each file extension :func:`read_graph` accepts (rdflib plugin names).
FORMATS = {ext: syntax.rdflib for syntax in SYNTAXES for ext in syntax.extensions + syntax.loose_extensions}
_QUAD_FORMATS = {"nquads", "trig"}


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
    """Parse one RDF file (syntax from its extension unless ``format`` is given: a name such as
    ``turtle`` or ``nquads``, an extension or a MIME type); N-Quads and TriG give the union of
    all their graphs. ``-`` reads standard input, whose format must be given."""
    if str(path) == "-":
        if not format:
            raise OptionError("RDF from standard input ('-') needs its format (--format turtle, nquads, ...)")
        with tempfile.TemporaryDirectory(prefix="esco-graph-validate-") as tmp:
            copy = Path(tmp) / "stdin"
            with open(copy, "wb") as handle:
                shutil.copyfileobj(sys.stdin.buffer, handle)
            try:
                return read_graph(copy, format)
            except InputError as exc:
                raise InputError("-", exc.reason) from None
    p = Path(path)
    syntax = syntax_named(format) if format else None
    fmt = syntax.rdflib if syntax else format or FORMATS.get(p.suffix.lower())
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
        raise InputError(str(path), f"cannot parse as {fmt}: {syntax_message(e)}") from None


# --- validation -----------------------------------------------------------------------------

def validate(data_graph, shacl_graph: Graph | None = None, *, inference: str = "none",
             engine: str = "auto", languages: Sequence[str] | None = None
             ) -> tuple[bool, Graph, str]:
    """Validate ``data_graph`` against ``shacl_graph`` (default: :func:`load_shapes`).

    ``data_graph``: an rdflib Graph, a Dataset / ConjunctiveGraph (validated as the union of
    its graphs), or any iterable of ``(s, p, o)`` rdflib terms.
    ``engine``: ``"auto"`` (default), ``"fast"`` or ``"pyshacl"`` (see the module docstring).
    ``languages``: accepted label languages, replacing the shapes' ``sh:languageIn`` lists.
    Returns ``(conforms, report_graph, report_text)`` as pySHACL does, except that the text is
    one line per result (see the module docstring), empty when the graph conforms.
    """
    if shacl_graph is None:
        shacl_graph = load_shapes(languages=languages)
    elif languages is not None:
        shacl_graph = set_languages(shacl_graph, languages)
    if engine not in ("auto", "fast", "pyshacl"):
        raise ValueError(f"unknown SHACL engine {engine!r} (expected 'auto', 'fast' or 'pyshacl')")
    no_inference = inference in (None, "none")
    if engine == "fast" and not no_inference:
        raise ValueError("engine='fast' supports only inference='none'")
    if engine in ("auto", "fast") and no_inference:
        from . import fast as fastshacl
        try:
            compiled = fastshacl.compile_shapes(shacl_graph)
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
        data, shacl_graph=shacl_graph, inference=inference, abort_on_first=False,
        allow_warnings=False, meta_shacl=False, advanced=False, js=False, debug=False)
    return bool(conforms), report_graph, report_text(report_graph)


def validate_files(paths: Sequence[str | Path], shacl_graph: Graph | None = None, *,
                   inference: str = "none", engine: str = "auto",
                   languages: Sequence[str] | None = None, format: str | None = None) -> tuple[bool, Graph, str]:
    """Parse every file of ``paths`` (syntax from ``format`` or the extension: .ttl .nt .nq .trig
    .jsonld ...; N-Quads and TriG as the union of their graphs; ``-`` for standard input) into
    one graph and validate it."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if not paths:
        raise InputError("(no input)", "no RDF file to validate")
    graphs = [read_graph(path, format) for path in paths]
    # several files: their triples, chained (duplicates are fine for both engines)
    data = graphs[0] if len(graphs) == 1 else itertools.chain.from_iterable(graphs)
    return validate(data, shacl_graph, inference=inference, engine=engine, languages=languages)


