"""The SHACL shapes: the repository's shapes/ folder (or the package's copy), parsed once and cached, with the label languages set."""
from __future__ import annotations

import importlib.resources
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from rdflib import BNode, Graph, Literal
from rdflib.collection import Collection
from rdflib.namespace import SH

from ..errors import EscoGraphError, InputError
from ..text import syntax_message

#: The repository's shapes folder (next to the package); see :func:`shape_files`.
SHAPES_DIR = Path(__file__).resolve().parents[2] / "shapes"

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
            raise InputError(str(f), f"cannot read SHACL shapes: {syntax_message(e)}") from None
    return g


def set_languages(g: Graph, languages: Sequence[str]) -> Graph:
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
                g = _cache[key] = set_languages(g, languages)
        return g
