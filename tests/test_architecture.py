"""The house rules of docs/architecture.md, checked on the source: stages import only downwards,
no import cycle, no module over 700 lines, one HTTP client, one atomic writer."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "esco_graph"

#: The flow, lowest first. A module may import modules of its own stage or of stages before it.
STAGES = (
    ("base", ("esco_graph", "esco_graph.errors", "esco_graph.model", "esco_graph.namespaces", "esco_graph.text",
              "esco_graph.collector", "esco_graph.memory", "esco_graph.terms", "esco_graph.files", "esco_graph.http", "esco_graph.iris")),
    ("sources", ("esco_graph.sources",)),
    ("parse", ("esco_graph.parse",)),
    ("vocabulary", ("esco_graph.vocabulary",)),
    ("reconcile", ("esco_graph.reconcile",)),
    ("graph", ("esco_graph.graph",)),
    ("shacl", ("esco_graph.shacl",)),
    ("store", ("esco_graph.store",)),
    ("views", ("esco_graph.views",)),
    ("pipeline", ("esco_graph.pipeline",)),
    ("cli", ("esco_graph.cli", "esco_graph.__main__")),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The esco_graph modules a module imports (relative imports resolved; `from . import x` is x)."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("esco_graph"):
                continue
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known]
            found.update(subs or [target])
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("esco_graph"))
    found.discard(name)
    return {m for m in found if m in known}


def stage_of(name: str) -> int:
    best, rank = -1, None
    for i, (_, prefixes) in enumerate(STAGES):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), i
    assert rank is not None, f"{name} belongs to no stage of STAGES"
    return rank


def test_every_module_is_at_most_700_lines():
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 700}
    assert not long


def test_stages_import_only_downwards():
    mods = modules()
    known = set(mods)
    upward = []
    for name, path in mods.items():
        for target in imports(name, path, known):
            if target == "esco_graph":  # the package's lazy API table (__version__)
                continue
            if stage_of(target) > stage_of(name):
                upward.append(f"{name} -> {target}")
    assert not upward


def test_no_import_cycle():
    mods = modules()
    known = set(mods)
    graph = {name: imports(name, path, known) - {"esco_graph"} for name, path in mods.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(node, stack):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles


def _calls(path: Path, names: set[str]) -> list[str]:
    hits = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if f"{node.value.id}.{node.attr}" in names:
                hits.append(f"{path.name}:{node.lineno} {node.value.id}.{node.attr}")
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            mod = node.module if isinstance(node, ast.ImportFrom) else None
            for alias in node.names:
                full = f"{mod}.{alias.name}" if mod else alias.name
                if full in names or mod in names:
                    hits.append(f"{path.name}:{node.lineno} import {full}")
    return hits


def test_one_atomic_writer():
    """Only files.py renames temporary files into place."""
    hits = [h for name, path in modules().items() if name != "esco_graph.files"
            for h in _calls(path, {"os.replace", "os.rename", "tempfile.mkstemp"})]
    assert not hits


def test_one_http_client():
    """Only http.py speaks HTTP."""
    hits = [h for name, path in modules().items() if name != "esco_graph.http"
            for h in _calls(path, {"http.client", "urllib.request", "urllib.request.urlopen", "socket.socket"})]
    assert hits == [h for h in hits if "url2pathname" in h]


def test_one_place_tunes_the_cycle_collector():
    """Only collector.py changes the process-wide cycle collector (and puts it back)."""
    hits = [h for name, path in modules().items() if name != "esco_graph.collector"
            for h in _calls(path, {"gc.disable", "gc.enable", "gc.set_threshold", "gc.freeze"})]
    assert not hits
