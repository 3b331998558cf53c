"""Issue 14, item 2: a named graph lands whole or not at all, whatever its size and wherever a
load is cut short (an error, Ctrl-C, kill -9), in the embedded store and on a real Oxigraph server."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from esco_graph.store import base as store_base
from esco_graph.store import open_store

G = "http://example.org/g/big"


def _graph(version: str, n: int = 200) -> bytes:
    return "".join(f'<http://example.org/s{j}> <http://example.org/p> "{version}-{j}" .\n' for j in range(n)).encode()


def _trig(path, version: str, n: int = 200):
    body = _graph(version, n).decode()
    path.write_text(f"<{G}> {{\n{body}}}\n", encoding="utf-8")
    return path


def _content(store) -> set:
    rows = store.query(f"SELECT ?s ?o WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}").rows
    return {(s.value, o.value) for s, o in rows}


def _versions(content: set) -> set:
    return {o.split("-")[0] for _, o in content}


@pytest.fixture
def small_parts(monkeypatch):
    """Parts of 50 triples, so a 200-triple graph comes in four."""
    real = store_base._chunks
    monkeypatch.setattr(store_base, "_chunks", lambda *a, **k: real(*a, **{**k, "limit": 50}))


def test_an_interrupted_reload_of_a_big_graph_leaves_the_old_one_whole(tmp_path, small_parts, monkeypatch):
    old, new = _trig(tmp_path / "old.trig", "old"), _trig(tmp_path / "new.trig", "new")
    with open_store(tmp_path / "kg") as store:
        assert store.load_file(old).ok
        before = _content(store)
        assert len(before) == 200
        real = store_base._chunks

        def cut_after_two_parts(*args, **kwargs):
            for n, part in enumerate(real(*args, **kwargs)):
                if n == 2:
                    raise KeyboardInterrupt
                yield part

        monkeypatch.setattr(store_base, "_chunks", cut_after_two_parts)
        with pytest.raises(KeyboardInterrupt):
            store.load_file(new)
        assert _content(store) == before  # not 100 new triples, not 300 mixed: the old graph
        monkeypatch.setattr(store_base, "_chunks", lambda *a, **k: real(*a, **{**k, "limit": 50}))
        assert store.load_file(new).ok
        after = _content(store)
        assert len(after) == 200 and _versions(after) == {"new"}


def test_a_big_graph_on_a_server_that_dies_mid_load_is_never_partial(tmp_path, small_parts, monkeypatch):
    from esco_graph.store.remote import RemoteStore
    from servers import start_oxigraph

    server = start_oxigraph(tmp_path)
    try:
        with open_store(endpoint=server.url, store_type="oxigraph") as store:
            assert store.load_file(_trig(tmp_path / "old.trig", "old")).ok
        sent = []
        real_send = RemoteStore._send_graph

        def dies_on_the_third_part(self, iri, body, replace=True):
            sent.append(iri)
            if len(sent) == 3:
                server.kill()
            return real_send(self, iri, body, replace)

        monkeypatch.setattr(RemoteStore, "_send_graph", dies_on_the_third_part)
        store = open_store(endpoint=server.url, store_type="oxigraph", retries=1, backoff=0.05)
        report = store.load_file(_trig(tmp_path / "new.trig", "new"))
        store.close()
        assert not report.ok and [g for g, _ in report.graphs_failed] == [G]
        assert all(iri != G for iri in sent)  # the parts went to a staging graph, not to the target
        monkeypatch.setattr(RemoteStore, "_send_graph", real_send)
        server.start()
        with open_store(endpoint=server.url, store_type="oxigraph") as store:
            content = _content(store)
            assert len(content) == 200 and _versions(content) == {"old"}
            assert store.load_file(_trig(tmp_path / "new.trig", "new")).ok
            content = _content(store)
            assert len(content) == 200 and _versions(content) == {"new"}
    finally:
        server.stop()


_LOADER = r"""
import sys
from esco_graph.store import base, open_store
real = base._chunks
base._chunks = lambda *a, **k: real(*a, **{**k, "limit": 2000})
with open_store(sys.argv[1]) as store:
    print("ready", flush=True)
    store.load_file(sys.argv[2])
"""


def test_kill_9_at_random_points_never_leaves_a_partial_graph(tmp_path):
    """A 20,000-triple graph reloaded in parts of 2,000, the loading process killed with SIGKILL
    at random moments: the graph is always the old version or the new one, whole."""
    old, new = _trig(tmp_path / "old.trig", "old", 20_000), _trig(tmp_path / "new.trig", "new", 20_000)
    store_dir = tmp_path / "kg"
    with open_store(store_dir) as store:
        assert store.load_file(old).ok
    rng = random.Random(14)
    outcomes = []
    for trial in range(6):
        source = new if trial % 2 == 0 else old
        process = subprocess.Popen([sys.executable, "-c", _LOADER, str(store_dir), str(source)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert process.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.6))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        with open_store(store_dir) as store:
            content = _content(store)
        outcomes.append(_versions(content))
        assert len(content) == 20_000 and len(_versions(content)) == 1, (trial, len(content), _versions(content))
    assert outcomes  # every trial left one whole version
