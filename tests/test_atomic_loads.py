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


def test_a_killed_loads_last_request_never_lands_in_the_next_load(tmp_path, small_parts, monkeypatch):
    """Regression (found by the kill test under load): a server finishes a request whose client was
    killed after sending it. Load A is killed with its third part in flight; the server takes that
    part only once load B has begun gathering its own parts. With one staging graph per target both
    loads shared it, and B's MOVE put A's part into the graph with B's (old and new, mixed)."""
    from esco_graph.store.admin import clear, graphs
    from esco_graph.store.base import STAGING_PREFIX
    from esco_graph.store.remote import RemoteStore
    from servers import start_oxigraph

    class Killed(BaseException):
        pass

    server = start_oxigraph(tmp_path)
    try:
        with open_store(endpoint=server.url, store_type="oxigraph") as store:
            assert store.load_file(_trig(tmp_path / "old.trig", "old")).ok
        real_send = RemoteStore._send_graph
        in_flight = []

        def killed_with_a_part_in_flight(self, iri, body, replace=True):
            if len(in_flight) == 0 and not replace and iri != G:
                in_flight.append((iri, body))  # sent by A, not yet taken by the server
                raise Killed
            return real_send(self, iri, body, replace)

        monkeypatch.setattr(RemoteStore, "_send_graph", killed_with_a_part_in_flight)
        with pytest.raises(Killed):
            open_store(endpoint=server.url, store_type="oxigraph").load_file(_trig(tmp_path / "a.trig", "old"))
        assert in_flight

        def late_part_lands_after_b_begins(self, iri, body, replace=True):
            sent = real_send(self, iri, body, replace)
            while in_flight:
                real_send(self, *in_flight.pop(), replace=False)
            return sent

        monkeypatch.setattr(RemoteStore, "_send_graph", late_part_lands_after_b_begins)
        with open_store(endpoint=server.url, store_type="oxigraph") as store:
            assert store.load_file(_trig(tmp_path / "new.trig", "new")).ok
        assert not in_flight
        with open_store(endpoint=server.url, store_type="oxigraph") as store:
            content = _content(store)
            assert len(content) == 200 and _versions(content) == {"new"}
            def staging():
                return [row[0].value for row in graphs(store).rows if row[0].value.startswith(STAGING_PREFIX)]

            assert len(staging()) == 1  # load A's, with its two parts and the late one
            clear(store)
            assert staging() == []
    finally:
        server.stop()


_LOADER = r"""
import sys
from esco_graph.cli import cli
from esco_graph.store import base
real = base._chunks
base._chunks = lambda *a, **k: real(*a, **{**k, "limit": 2000})
print("ready", flush=True)
cli(["load", "-q"] + sys.argv[1:])
"""

TRIALS = 10  # per signal and store: the bar


@pytest.mark.parametrize("where", ["embedded", "oxigraph"])
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_killed_at_random_points_no_graph_is_ever_partial(tmp_path, sig, where):
    """A 20,000-triple graph reloaded by `esco-graph load` in parts of 2,000, the loading process sent
    SIGKILL or SIGINT (Ctrl-C) at 10 random moments of the load: the graph is always the old version or
    the new one, whole, in the embedded store and on a real Oxigraph server."""
    old, new = _trig(tmp_path / "old.trig", "old", 20_000), _trig(tmp_path / "new.trig", "new", 20_000)
    server = None
    if where == "embedded":
        target = ["--store", str(tmp_path / "kg")]
        opened = lambda: open_store(tmp_path / "kg")  # noqa: E731
    else:
        from servers import start_oxigraph

        server = start_oxigraph(tmp_path)
        target = ["--endpoint", server.url, "--store-type", "oxigraph"]
        opened = lambda: open_store(endpoint=server.url, store_type="oxigraph")  # noqa: E731
    try:
        with opened() as store:
            assert store.load_file(old).ok
        started = time.monotonic()  # one whole load, to spread the signals over its length
        done = subprocess.run([sys.executable, "-c", _LOADER, str(new), *target], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        span = time.monotonic() - started
        rng = random.Random(f"{sig}-{where}")
        partial, seen = 0, []
        for trial in range(TRIALS):
            source = old if trial % 2 == 0 else new
            process = subprocess.Popen([sys.executable, "-c", _LOADER, str(source), *target],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            assert process.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.0, span))
            os.kill(process.pid, sig)
            _, err = process.communicate(timeout=120)
            if sig == signal.SIGINT and process.returncode not in (0, -signal.SIGINT):
                assert process.returncode == 130 and "Traceback" not in err, (process.returncode, err)
            with opened() as store:
                content = _content(store)
            versions = _versions(content)
            seen.append(versions)
            partial += not (len(content) == 20_000 and len(versions) == 1)
        print(f"\n{sig.name} on {where}: {TRIALS} trials, {partial} partial graphs, versions {seen}")
        assert partial == 0, seen
    finally:
        if server is not None:
            server.stop()
