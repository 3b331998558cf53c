"""Real SPARQL servers for the store tests, started on 127.0.0.1 with free ports and stopped after.

* Oxigraph: the ``oxigraph`` binary of PyPI's ``oxigraph`` package (the project's test extra),
  ``oxigraph serve --location DIR --bind 127.0.0.1:PORT``.
* Virtuoso: Debian's ``virtuoso-t`` (package ``virtuoso-opensource``, see .ci/install-servers.sh),
  in the foreground with a virtuoso.ini written into a temporary folder: its own database, free
  ports, ``ResultSetMaxRows`` set small so the row-cap handling is exercised. Loads go through
  ``/sparql-graph-crud-auth`` with digest auth as dba/dba (a new database's account).

A test needing a server whose binary is absent is skipped, saying what to install; with
``ESCO_GRAPH_REQUIRE_SERVERS=1`` or ``ESCO_GRAPH_REQUIRE_TOOLS=1`` (set in CI) it fails instead, so that a missing install step
cannot hide behind skips.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

VIRTUOSO_USER = "dba"
VIRTUOSO_PASSWORD = "dba"
VIRTUOSO_ROW_CAP = 100
VIRTUOSO_MAX_SORTED_TOP_ROWS = 150


class LoopbackServer(ThreadingHTTPServer):
    """An in-test HTTP server on a free 127.0.0.1 port: a subclass sets its own attributes, then calls
    ``serve()``, which answers from a daemon thread until ``stop()``."""

    daemon_threads = True

    def __init__(self, handler):
        super().__init__(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    def serve(self) -> None:
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class QuietHandler(BaseHTTPRequestHandler):
    """An HTTP/1.1 handler that logs nothing and answers with ``_send``."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, body: bytes = b"", ctype="text/plain", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _missing(what: str, install: str):
    message = f"{what} is not installed ({install})"
    if "1" in (os.environ.get("ESCO_GRAPH_REQUIRE_SERVERS"), os.environ.get("ESCO_GRAPH_REQUIRE_TOOLS")):
        pytest.fail(message + "; ESCO_GRAPH_REQUIRE_SERVERS/ESCO_GRAPH_REQUIRE_TOOLS=1 requires it", pytrace=False)
    pytest.skip(message)


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return str(beside)
    return shutil.which("oxigraph")


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t") or (
        "/usr/bin/virtuoso-t" if Path("/usr/bin/virtuoso-t").is_file() else None)


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return
        except urllib.error.HTTPError as e:
            if e.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url} within {timeout:.0f} s:\n{_tail(log)}")


def _tail(log: Path, n: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


class _Server:
    url: str
    proc: subprocess.Popen | None = None
    log: Path

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 20 s)."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)

    def kill(self) -> None:
        """Stop the server at once (SIGKILL), as a crash would."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(10)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class OxigraphServer(_Server):
    """``oxigraph serve`` on a folder; restartable on the same port and data."""

    def __init__(self, binary: str, location: Path, port: int | None = None):
        self.binary = binary
        self.location = location
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = location.parent / f"{location.name}.log"

    def start(self) -> "OxigraphServer":
        self.location.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            _wait_http(f"{self.url}/query?query=ASK%7B%7D", self.proc, self.log, 60)
        except BaseException:
            self.kill()
            raise
        return self


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = ., {dir}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 64
MaxMemPoolSize = 200000000
MaxQueryMem = 1G
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}
MaxSortedTopRows = {max_sorted_top_rows}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
MaxClientConnections = 10
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
HTTPThreadSize = 280000
HttpPrintWarningsInOutput = 0
Charset = UTF-8
EnabledGzipContent = 0

[AutoRepair]
BadParentLinks = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[SPARQL]
ResultSetMaxRows = {row_cap}
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = 120
DeferInferenceRulesInit = 0
"""


class VirtuosoServer(_Server):
    """``virtuoso-t +foreground`` with its own database in ``directory``."""

    def __init__(self, binary: str, directory: Path, *, row_cap: int = VIRTUOSO_ROW_CAP,
                 max_sorted_top_rows: int = VIRTUOSO_MAX_SORTED_TOP_ROWS, buffers: int = 10000):
        self.binary = binary
        self.dir = directory
        self.sql_port = free_port()
        self.http_port = free_port()
        while self.http_port == self.sql_port:
            self.http_port = free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.log = directory / "stdout.log"
        self.row_cap = row_cap
        self.ini = directory / "virtuoso.ini"
        self.ini.parent.mkdir(parents=True, exist_ok=True)
        self.ini.write_text(VIRTUOSO_INI.format(
            dir=directory, sql_port=self.sql_port, http_port=self.http_port, row_cap=row_cap,
            max_sorted_top_rows=max_sorted_top_rows, buffers=buffers, dirty_buffers=buffers * 3 // 4))

    def start(self) -> "VirtuosoServer":
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "+foreground", "+configfile", str(self.ini)], cwd=self.dir,
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            _wait_http(f"{self.url}/sparql?query=ASK%7B%7D", self.proc, self.log, 120)
        except BaseException:
            self.kill()
            raise
        return self

    def drop_graphs(self, prefixes=("http://example.org/", "urn:esco-graph:")) -> None:
        """Drop the graphs the tests load (never Virtuoso's own system graphs)."""
        from esco_graph.store import RemoteStore

        env = {"ESCO_GRAPH_USER": VIRTUOSO_USER, "ESCO_GRAPH_PASSWORD": VIRTUOSO_PASSWORD}
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            store = RemoteStore(self.url, "virtuoso", retries=0)
            filt = " || ".join(f'STRSTARTS(STR(?g), "{p}")' for p in prefixes)
            graphs = store.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER({filt}) }}")
            for (g,) in graphs.rows:
                store.update(f"DROP SILENT GRAPH <{g.value}>")
            store.close()
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def start_oxigraph(tmp: Path) -> OxigraphServer:
    binary = oxigraph_binary()
    if binary is None:
        _missing("the Oxigraph server", "pip install oxigraph, part of the test extra: pip install -e .[test]")
    return OxigraphServer(binary, tmp / "oxigraph-data").start()


def start_virtuoso(tmp: Path, **kwargs) -> VirtuosoServer:
    binary = virtuoso_binary()
    if binary is None:
        _missing("Virtuoso (virtuoso-t)", "apt-get install virtuoso-opensource; see .ci/install-servers.sh")
    return VirtuosoServer(binary, tmp, **kwargs).start()
