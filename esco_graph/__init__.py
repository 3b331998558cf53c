"""esco-graph: occupation-profile pages to an ESCO-model RDF knowledge graph.

The library API, one function per stage::

    from esco_graph import build_graph, write
    result = build_graph(["pages/"])          # parse, reconcile, map, validate
    write(result.graphs, "graph.ttl")         # or .jsonld .nt .nq .trig
    result.graph()                            # the merged rdflib Graph

Names are imported on first use, so `import esco_graph.model` stays light.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_API = {
    "BuildResult": "pipeline",
    "build_graph": "pipeline",
    "parse_page": "pipeline",
    "parse_pages": "pipeline",
    "DataQualityError": "errors",
    "EscoGraphError": "errors",
    "InputError": "errors",
    "OutputError": "errors",
    "StoreError": "errors",
    "ValidationError": "errors",
    "VocabularyError": "errors",
    "register_writer": "graph.writers",
    "serialize": "graph.writers",
    "write": "graph.writers",
    "writer_for": "graph.writers",
    "DeclaredCounts": "model",
    "Occupation": "model",
    "Skill": "model",
    "SkillLink": "model",
    "Source": "model",
    "page_graphs": "graph.mapping",
    "to_dataset": "graph.mapping",
    "to_graph": "graph.mapping",
    "reconcile": "reconcile",
    "validate": "shacl",
    "Vocabulary": "vocabulary",
    "open_store": "store",
}

__all__ = sorted(_API) + ["__version__"]


def __getattr__(name: str):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'esco_graph' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
