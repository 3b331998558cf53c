"""Security (issue 6, part 5): no input makes esco-graph read or write outside the paths the user
named, fetch a URL, expand XML entities or run code; injection strings stay literal data.

The build runs as a subprocess under a Python audit hook (sys.addaudithook, PEP 578) that logs
every file opened, every socket connection or name lookup, and every attempt to start a program
(subprocess, os.system, exec*, spawn*). The pages hold the traps: ``../../etc/passwd``,
``file:///etc/passwd``, URLs of a local HTTP server that counts requests, XML external and
recursive entities, ``<img>``/``<iframe>``/``<link>``/``<script src>``/``<base>``/meta refresh,
template and shell injection strings and Python code. After the run: the server saw no request,
no file outside the named input, the named outputs, the Python installation and esco-graph's own
package was opened, nothing outside the output folder was written, no program was started, the
canary files the payloads would create do not exist, and the payload strings are in the graph as
literals, nothing more.
"""
from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import SKOS

from conftest import ESCO_PAGE, ROOT
from test_hostile import build_outputs, check_outputs, run_cli

AUDIT_RUNNER = r'''
import json, os, sys
log = open(sys.argv[1], "w", buffering=1)
WATCH = {"open", "os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile",
         "socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "urllib.Request", "http.client.connect",
         "ftplib.connect", "smtplib.connect", "os.remove", "os.rename", "os.link", "os.symlink", "shutil.rmtree", "os.mkdir",
         "os.chmod", "os.chown", "os.truncate", "ctypes.dlopen"}
def hook(event, args):
    if event in WATCH:
        try:
            if event == "open":
                path, mode, flags = args
                if isinstance(path, int):
                    return
                write = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (flags or 0) & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
                log.write(json.dumps({"event": "open", "path": os.fsdecode(path) if not isinstance(path, str) else path,
                                      "write": bool(write)}) + "\n")
            else:
                log.write(json.dumps({"event": event, "args": [repr(a)[:200] for a in args]}) + "\n")
        except Exception:
            pass
sys.addaudithook(hook)
sys.argv = ["esco-graph"] + sys.argv[2:]
from esco_graph.cli import cli
cli(prog_name="esco-graph")
'''


class CountingServer:
    """A local HTTP server that counts the requests it gets (there must be none)."""

    def __init__(self):
        self.hits: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"SECRET-FROM-SERVER")

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server():
    with CountingServer() as s:
        yield s


def _payloads(url: str, canary: Path) -> list[str]:
    return [
        "../../../../../../etc/passwd", "file:///etc/passwd", "file:///etc/shadow", f"{url}/label", "/etc/passwd",
        f"@import url({url}/css)", f"${{jndi:ldap://127.0.0.1:1/{canary.name}}}", "{{7*7}} {% include '/etc/passwd' %}",
        f"$(touch {canary}) `touch {canary}`", f"__import__('os').system('touch {canary}')",
        "'; DROP TABLE skills; -- \" ; DROP ALL ; INSERT DATA { <urn:x> <urn:y> <urn:z> } #",
        f"SERVICE <{url}/sparql> {{ ?s ?p ?o }}", f"LOAD <{url}/data.ttl>", f"<{url}/iri>", "\\\\127.0.0.1\\share\\x",
    ]


def _esco_text(payloads: list[str]) -> str:
    """The real ESCO page with its first skills' labels and descriptions replaced by the payloads."""
    text = ESCO_PAGE.read_text(encoding="utf-8")
    labels = ["biomedical engineering", "design drawings", "electrical wiring plans", "electricity", "mechanics",
              "medical device regulations", "medical device test procedures", "medical devices", "medical devices materials",
              "pneumatics"]
    for label, payload in zip(labels, payloads):
        text = text.replace(f"\n{label}\n", f"\n{payload} {label}\n", 1)
    return text.replace("Medical device engineering technicians collaborate", " ".join(payloads) + " collaborate", 1)


def _html_page(url: str, canary: Path) -> str:
    """The ESCO page as HTML, with every way a web page can ask to fetch, include or run something."""
    import html

    lines = "".join(f"<div>{html.escape(l)}</div>\n" if l else "<p></p>\n" for l in _esco_text(_payloads(url, canary)).split("\n"))
    return f"""<?xml version="1.0"?>
<!DOCTYPE html [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
  <!ENTITY remote SYSTEM "{url}/entity">
  <!ENTITY % pe SYSTEM "{url}/dtd"> %pe;
  <!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<?xml-stylesheet type="text/xsl" href="{url}/style.xsl"?>
<html><head><meta charset="utf-8"><base href="{url}/base/">
<meta http-equiv="refresh" content="0; url={url}/refresh">
<link rel="stylesheet" href="{url}/style.css"><link rel="canonical" href="{url}/canonical">
<script src="{url}/script.js"></script><script>fetch("{url}/fetch"); require("child_process").exec("touch {canary}")</script>
<style>@import url("{url}/import.css"); body {{ background: url("{url}/bg.png") }}</style>
</head><body onload="fetch('{url}/onload')">
<img src="{url}/img.png"><iframe src="{url}/frame"></iframe><object data="{url}/object"></object>
<embed src="{url}/embed"><video src="{url}/video"></video><svg><use href="{url}/svg#x"/></svg>
<div>&xxe; &remote; &lol3;</div>
<a href="{url}/link">link</a> <a href="file:///etc/passwd">passwd</a>
{lines}
</body></html>
"""


def _audited_build(tmp_path: Path, inputs: list[Path], out: Path, extra=()) -> tuple[subprocess.CompletedProcess, list[dict]]:
    runner = tmp_path / "audit_runner.py"
    runner.write_text(AUDIT_RUNNER)
    log = tmp_path / "audit.jsonl"
    outputs = build_outputs(out)
    args = [sys.executable, str(runner), str(log), "build", *map(str, inputs), "-q", "--jobs", "1", *extra]
    for path in outputs.values():
        args += ["-o", str(path)]
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1", HOME=str(tmp_path / "home"))
    env.pop("ESCO_GRAPH_STORE", None)
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    events = [json.loads(l) for l in log.read_text().splitlines() if l.strip()]
    return done, events


def _audited(tmp_path: Path, args: list[str]) -> tuple[subprocess.CompletedProcess, list[dict]]:
    """Any esco-graph command under the audit hook."""
    runner = tmp_path / "audit_runner.py"
    runner.write_text(AUDIT_RUNNER)
    log = tmp_path / "audit.jsonl"
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1", HOME=str(tmp_path / "home"))
    done = subprocess.run([sys.executable, str(runner), str(log), *args], env=env, capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    return done, [json.loads(l) for l in log.read_text().splitlines() if l.strip()]


@pytest.mark.parametrize("command", ["validate", "load"])
@pytest.mark.parametrize("context", ["remote", "file"])
def test_jsonld_input_fetches_no_context(tmp_path, server, command, context):
    """A JSON-LD file given to `validate` or `load` whose @context is a URL: not fetched, no file read."""
    ctx = f"{server.url}/context.jsonld" if context == "remote" else "file:///etc/hostname"
    doc = tmp_path / "graph.jsonld"
    doc.write_text(json.dumps({"@context": ctx, "@id": "http://example.org/a", "http://example.org/p": "x"}))
    args = [command, str(doc)] + (["--store", str(tmp_path / "store")] if command == "load" else [])
    done, events = _audited(tmp_path, args)
    assert "Traceback" not in done.stderr
    assert server.hits == []
    opened = {e["path"] for e in events if e["event"] == "open"}
    assert "/etc/hostname" not in opened
    assert not [e for e in events if e["event"].startswith("socket.")]


def _allowed_read_roots(inputs: list[Path], out: Path) -> list[str]:
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, str(ROOT / "esco_graph"), str(ROOT / "shapes"),
             str(ROOT / "data"), str(out), "/proc/self/fd/", "/dev/urandom", "/dev/null"}
    roots |= {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    roots |= {str(p) for p in inputs}
    roots |= {os.path.realpath(r) for r in list(roots)}
    return sorted(roots)


def _import_path_hook(path: str) -> bool:
    """The marker entry an editable install (`pip install -e .`, setuptools) puts on sys.path: the
    import system probes it by name; it is not a file anywhere (a fresh clone in CI has it)."""
    return path.startswith("__editable__.") and path.endswith(".__path_hook__")


def _check_audit(events: list[dict], inputs: list[Path], out: Path) -> dict:
    allowed = _allowed_read_roots(inputs, out)
    opened = [e for e in events if e["event"] == "open"]
    writes = [e["path"] for e in opened if e["write"]]
    assert writes, "the audit hook saw no write: it is not working"
    for path in writes:
        real = os.path.realpath(path)
        assert real.startswith(str(out) + os.sep) or real.startswith("/proc/self/fd/") or path.startswith(str(out)), \
            f"wrote outside the output folder: {path}"
    outside = sorted({e["path"] for e in opened if not e["write"] and not _import_path_hook(e["path"])
                      and not any(os.path.realpath(e["path"]).startswith(r) or e["path"].startswith(r) for r in allowed)})
    assert outside == [], f"read outside the named paths: {outside}"
    network = [e for e in events if e["event"].startswith(("socket.", "urllib.", "http.", "ftplib.", "smtplib."))]
    assert network == [], f"network use: {network}"
    programs = [e for e in events if e["event"] in ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn",
                                                    "os.startfile")]
    assert programs == [], f"started a program: {programs}"
    return {"opened": len(opened), "writes": len(writes)}


def test_hostile_text_page_reads_writes_fetches_and_runs_nothing(tmp_path, server):
    canary = tmp_path / "canary-text"
    pages = tmp_path / "pages"
    pages.mkdir()
    page = pages / "esco.txt"
    page.write_text(_esco_text(_payloads(server.url, canary)), encoding="utf-8")
    out = tmp_path / "out"
    done, events = _audited_build(tmp_path, [page], out)
    assert done.returncode == 0, done.stderr
    figures = _check_audit(events, [page], out)
    assert server.hits == []
    assert not canary.exists()
    triples = check_outputs(build_outputs(out))
    labels = {str(o) for s, p, o in triples if p == SKOS.prefLabel}
    for payload in _payloads(server.url, canary)[:10]:
        assert any(l.startswith(payload) for l in labels), payload
    # no payload became an IRI of its own: every IRI is the model's, the base's, or the page's file
    iris = {str(t) for triple in triples for t in triple if isinstance(t, URIRef)}
    assert all(i.startswith(("http://example.org/esco-graph/", "http://data.europa.eu/esco/", "http://www.w3.org/",
                             "http://purl.org/dc/terms/", "urn:esco-graph:", page.resolve().as_uri())) for i in iris), \
        sorted(i for i in iris if "127.0.0.1" in i or "etc" in i)
    assert all("SECRET" not in str(t) and "root:x:0:0" not in str(t) for triple in triples for t in triple)
    print(f"\naudited text build: {figures}")


def test_hostile_html_page_expands_no_entity_and_fetches_nothing(tmp_path, server):
    canary = tmp_path / "canary-html"
    pages = tmp_path / "pages"
    pages.mkdir()
    page = pages / "esco.html"
    page.write_text(_html_page(server.url, canary), encoding="utf-8")
    out = tmp_path / "out"
    done, events = _audited_build(tmp_path, [page], out)
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    _check_audit(events, [page], out) if done.returncode == 0 else None
    assert server.hits == []
    assert not canary.exists()
    passwd = Path("/etc/passwd").read_text(errors="replace")[:20] if Path("/etc/passwd").exists() else "root:x:0:0"
    for path in build_outputs(out).values():
        if path.exists():
            data = path.read_text(encoding="utf-8")
            assert passwd not in data and "SECRET-FROM-SERVER" not in data
            assert "lollollol" not in data  # the recursive entity was not expanded
    if done.returncode == 0:
        check_outputs(build_outputs(out))


def test_page_named_with_traversal_is_read_only_where_named(tmp_path, server):
    """Inputs are what the user named: a page path with '..' components is read as given, and
    output names are the user's (nothing derived from page content)."""
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    page = tmp_path / "a" / "page.txt"
    page.write_text(_esco_text(_payloads(server.url, tmp_path / "canary")), encoding="utf-8")
    out = tmp_path / "out"
    done, events = _audited_build(tmp_path, [sub / ".." / "page.txt"], out)
    assert done.returncode == 0, done.stderr
    _check_audit(events, [page, sub / ".." / "page.txt"], out)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in build_outputs(out).values())
    assert server.hits == []


def test_url_strings_in_a_page_are_not_fetched_in_process(tmp_path, server):
    """The same through CliRunner (in process), with any accidental fetch blocked and counted."""
    import socket

    page = tmp_path / "page.txt"
    page.write_text(_esco_text(_payloads(server.url, tmp_path / "canary")), encoding="utf-8")
    calls = []
    original = socket.socket.connect

    def guarded(self, address):
        calls.append(address)
        raise OSError("network use is not allowed in this test")

    socket.socket.connect = guarded
    try:
        result = run_cli("build", page, "-o", tmp_path / "graph.ttl", "-q", "--jobs", "1")
    finally:
        socket.socket.connect = original
    assert result.exit_code == 0, result.output
    assert calls == [] and server.hits == []


# --- SPARQL / Turtle injection through the store and the ready-made queries ----------------------

INJECTIONS = [
    '" } ; DROP ALL ; INSERT DATA { <urn:evil> <urn:evil> <urn:evil> } #',
    "') } UNION { ?s ?p ?o } #",
    '"""; DELETE WHERE { ?s ?p ?o } #',
    "\\\" . <urn:a> <urn:b> <urn:c> . #",
    "> <urn:x> . <urn:y",
    "@prefix evil: <http://evil.example/> .",
]


def test_injection_labels_stay_literal_in_the_store_and_queries(tmp_path):
    """Labels holding SPARQL/Turtle injections: loaded as literals, found by exact label, and
    querying by them changes nothing and matches nothing else."""
    text = ESCO_PAGE.read_text(encoding="utf-8")
    text = text.replace("\nmedical device engineering technician\n", f"\ninjected {INJECTIONS[0]} technician\n", 1)
    for injection, label in zip(INJECTIONS, ["biomedical engineering", "design drawings", "electricity", "mechanics",
                                             "pneumatics", "medical devices"]):
        text = text.replace(f"\n{label}\n", f"\n{label} {injection}\n", 1)
    page = tmp_path / "page.txt"
    page.write_text(text, encoding="utf-8")
    graph = tmp_path / "graph.trig"
    result = run_cli("build", page, "-o", graph, "-o", tmp_path / "graph.ttl", "-q")
    assert result.exit_code == 0, result.output
    triples = check_outputs({"trig": graph, "ttl": tmp_path / "graph.ttl"})
    store = tmp_path / "store"
    result = run_cli("load", graph, "--store", store)
    assert result.exit_code == 0, result.output

    def count():
        r = run_cli("query", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "--store", store, "--format", "json")
        assert r.exit_code == 0, r.output
        return json.loads(r.stdout)

    before = count()
    occupation = f"injected {INJECTIONS[0]} technician"
    r = run_cli("skills", occupation, "--store", store, "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    text_rows = json.dumps(rows)
    assert "biomedical engineering" in text_rows and INJECTIONS[1] in text_rows  # the labels come back as data
    for injection in INJECTIONS:
        r = run_cli("skills", injection, "--store", store, "--format", "json")
        assert r.exit_code in (0, 1), r.output
        assert "Traceback" not in r.output
        if r.exit_code == 0:
            data = json.loads(r.stdout)
            bindings = data.get("results", {}).get("bindings", data) if isinstance(data, dict) else data
            assert not bindings, (injection, bindings)  # an injection is no one's label: nothing matches
        r = run_cli("occupations", injection, "--store", store, "--format", "json")
        assert r.exit_code in (0, 1) and "Traceback" not in r.output, r.output
    assert count() == before
    labels = {str(o) for s, p, o in triples if p == SKOS.prefLabel}
    assert occupation in labels
    iris = {str(t) for triple in triples for t in triple if isinstance(t, URIRef)}
    assert not any(i.startswith(("urn:evil", "urn:a", "urn:x", "urn:y", "http://evil")) for i in iris)
