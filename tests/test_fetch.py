"""URLs as inputs, against a real HTTP server on 127.0.0.1 that these tests start.

The server (http.server in a thread, a free port) answers: pages (HTML with an ETag and
Last-Modified, text), 404, 500 then success, always 500, redirects (good, to ftp:, in a loop),
a slow page, a page that is not an occupation page, a robots.txt that disallows /private/, and a
zip of pages. Every request is logged, so the tests see what was fetched and with which headers.
"""
from __future__ import annotations

import hashlib
import io
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, URIRef
from rdflib.namespace import PROV, XSD

from esco_graph import __version__
from esco_graph.sources import urls as fetch_module
from esco_graph.pipeline import parse_page
from esco_graph.cli import cli
from esco_graph.errors import InputError
from esco_graph.sources.urls import USER_AGENT, Fetcher, default_cache_dir
from esco_graph.sources import Inputs, iter_pages
from conftest import DESTINAI_PAGE, ESCO_PAGE

HTML = Path(__file__).parent / "fixtures" / "html"
ESCO_HTML = (HTML / "esco-medical-device-engineering-technician.html").read_bytes()
NOT_OCCUPATION = (HTML / "not-an-occupation.html").read_bytes()
ETAG = '"esco-v1"'
LAST_MODIFIED = "Wed, 04 Mar 2026 05:06:08 GMT"
SLOW_SECONDS = 2.0


def zipped() -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("crawl/esco.html", ESCO_HTML)
        archive.writestr("crawl/destinai.txt", DESTINAI_PAGE.read_bytes())
    return data.getvalue()


class Site:
    """What the server answers, and what it was asked."""

    def __init__(self):
        self.log: list[tuple[str, dict]] = []  # (path, headers)
        self.flaky = 0  # /flaky answers 500 this many times more
        self.robots_status = 200
        self.lock = threading.Lock()

    def paths(self) -> list[str]:
        return [path for path, _ in self.log]


class Handler(BaseHTTPRequestHandler):
    site: Site
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def send(self, status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8", headers: dict = {}):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        site = self.site
        with site.lock:
            site.log.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        path = self.path
        if path == "/robots.txt":
            if site.robots_status != 200:
                return self.send(site.robots_status, b"no", "text/plain")
            return self.send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        if path == "/esco.html":
            if self.headers.get("If-None-Match") == ETAG:
                self.send_response(304)
                self.send_header("ETag", ETAG)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            return self.send(200, ESCO_HTML, headers={"ETag": ETAG, "Last-Modified": LAST_MODIFIED})
        if path == "/modified.html":
            if self.headers.get("If-Modified-Since") == LAST_MODIFIED:
                self.send_response(304)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            return self.send(200, ESCO_HTML, headers={"Last-Modified": LAST_MODIFIED})
        if path == "/destinai":
            return self.send(200, DESTINAI_PAGE.read_bytes(), "text/plain; charset=utf-8")
        if path == "/flaky":
            with site.lock:
                fail = site.flaky > 0
                site.flaky -= 1
            if fail:
                return self.send(500, b"<p>oops</p>")
            return self.send(200, ESCO_HTML)
        if path == "/always500":
            return self.send(500, b"<p>oops</p>")
        if path == "/busy":
            return self.send(503, b"busy", headers={"Retry-After": "0"})
        if path == "/missing":
            return self.send(404, b"<p>Not here</p>")
        if path == "/redirect":
            return self.send(302, b"", headers={"Location": "/esco.html"})
        if path == "/redirect-ftp":
            return self.send(301, b"", headers={"Location": "ftp://127.0.0.1/esco.html"})
        if path == "/loop":
            return self.send(302, b"", headers={"Location": "/loop"})
        if path == "/slow":
            time.sleep(SLOW_SECONDS)
            return self.send(200, ESCO_HTML)
        if path == "/directory":
            return self.send(200, NOT_OCCUPATION)
        if path.startswith("/private/"):
            return self.send(200, ESCO_HTML)
        if path == "/crawl.zip":
            return self.send(200, zipped(), "application/zip")
        if path == "/image":
            return self.send(200, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png")
        return self.send(404, b"<p>Not found</p>")


@pytest.fixture
def site():
    """A fresh server on 127.0.0.1 (a free port) for each test; stopped afterwards."""
    state = Site()
    handler = type("BoundHandler", (Handler,), {"site": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    """Backoff of 50 ms so the retry tests stay quick (the retries themselves still happen)."""
    monkeypatch.setattr(fetch_module, "DEFAULT_BACKOFF", 0.05)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def fetcher(tmp_path, **kwargs) -> Fetcher:
    return Fetcher(tmp_path / "cache", **kwargs)


# --- normal pages ----------------------------------------------------------------------------------


def test_page_by_url_with_provenance(site, tmp_path):
    out = tmp_path / "graph.nq"
    before = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
    result = run("build", f"{site.url}/esco.html", "-o", out, "-q", "--cache-dir", tmp_path / "cache")
    assert result.exit_code == 0, result.output
    ds = Dataset()
    ds.parse(out, format="nquads")
    [(graph, _, page, _)] = list(ds.quads((None, PROV.wasDerivedFrom, None, None)))
    assert page == URIRef(f"{site.url}/esco.html")
    [(_, _, when, _)] = list(ds.quads((graph, PROV.generatedAtTime, None, None)))
    assert when.datatype == XSD.dateTime and str(when) >= before
    # the official IRIs the HTML links to
    assert list(ds.quads((URIRef("http://data.europa.eu/esco/occupation/30641348-f9f2-4fe5-ab8c-fe6ff9931a54"), None, None, None)))
    # only the named URL and its robots.txt were fetched, nothing the page links to
    assert site.paths() == ["/robots.txt", "/esco.html"]


def test_user_agent_and_accept(site, tmp_path):
    fetcher(tmp_path).fetch(f"{site.url}/esco.html")
    headers = dict(site.log)["/esco.html"]
    assert headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith(f"esco-graph/{__version__} (+")
    assert "text/html" in headers["accept"]


def test_text_page_by_url(site, tmp_path):
    [page] = list(iter_pages(Inputs(items=[f"{site.url}/destinai"], fetcher=fetcher(tmp_path))))
    assert page.media_type == "text/plain" and page.location == f"{site.url}/destinai"
    assert parse_page(page).source.layout == "destinai"


def test_zip_by_url(site, tmp_path):
    found = list(iter_pages(Inputs(items=[f"{site.url}/crawl.zip"], fetcher=fetcher(tmp_path))))
    assert [p.location for p in found] == [f"{site.url}/crawl.zip!crawl/destinai.txt", f"{site.url}/crawl.zip!crawl/esco.html"]
    assert found[1].iri == f"jar:{site.url}/crawl.zip!/crawl/esco.html"


# --- failures: one line naming the URL -------------------------------------------------------------


@pytest.mark.parametrize(
    "path, reason",
    [
        ("/missing", "HTTP 404 Not Found"),
        ("/always500", "HTTP 500 Internal Server Error (3 attempts)"),
        ("/redirect-ftp", "redirects to ftp://127.0.0.1/esco.html, which is not an http(s) URL; not followed"),
        ("/loop", "more than 5 redirects"),
        ("/directory", "not an occupation page of a known layout"),
        ("/image", "binary data (a PNG image)"),
        ("/private/page.html", "robots.txt of 127.0.0.1:"),
    ],
)
def test_failures_are_one_line_naming_the_url(site, tmp_path, path, reason):
    out = tmp_path / "out.ttl"
    result = run("build", f"{site.url}{path}", "-o", out, "--cache-dir", tmp_path / "cache")
    assert result.exit_code == 1
    assert f"{site.url}{path}: " in result.output and reason in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_robots_disallow_fetches_nothing_but_robots(site, tmp_path):
    with pytest.raises(InputError, match="disallows fetching it"):
        fetcher(tmp_path).fetch(f"{site.url}/private/page.html")
    assert site.paths() == ["/robots.txt"]


def test_robots_txt_404_allows_500_disallows(site, tmp_path):
    site.robots_status = 404
    assert fetcher(tmp_path).fetch(f"{site.url}/esco.html").data == ESCO_HTML
    site.robots_status = 500
    with pytest.raises(InputError, match="robots.txt could not be read"):
        fetcher(tmp_path, refresh=True).fetch(f"{site.url}/esco.html")


def test_500_then_success_is_retried(site, tmp_path):
    site.flaky = 2
    fetched = fetcher(tmp_path).fetch(f"{site.url}/flaky")
    assert fetched.data == ESCO_HTML
    assert site.paths().count("/flaky") == 3


def test_retries_are_bounded_with_backoff(site, tmp_path):
    pauses = []
    client = fetcher(tmp_path, retries=3, backoff=0.5, sleep=pauses.append)
    with pytest.raises(InputError, match=r"HTTP 500 Internal Server Error \(4 attempts\)"):
        client.fetch(f"{site.url}/always500")
    assert site.paths().count("/always500") == 4
    assert pauses == [0.5, 1.0, 2.0]


def test_retry_after_is_honoured(site, tmp_path):
    pauses = []
    with pytest.raises(InputError, match="HTTP 503"):
        fetcher(tmp_path, sleep=pauses.append).fetch(f"{site.url}/busy")
    assert pauses == [0.0, 0.0]  # Retry-After: 0 instead of the backoff


def test_redirect_is_followed(site, tmp_path):
    fetched = fetcher(tmp_path).fetch(f"{site.url}/redirect")
    assert fetched.url == f"{site.url}/redirect" and fetched.final_url == f"{site.url}/esco.html"
    [page] = list(iter_pages(Inputs(items=[f"{site.url}/redirect"], fetcher=fetcher(tmp_path))))
    assert page.iri == f"{site.url}/redirect"  # provenance names the URL the user gave


def test_slow_server_times_out_with_a_clear_error(site, tmp_path):
    started = time.monotonic()
    result = run("build", f"{site.url}/slow", "-o", tmp_path / "out.ttl", "--timeout", "0.3", "--cache-dir", tmp_path / "cache")
    assert result.exit_code == 1
    assert f"{site.url}/slow: no answer within 0.3 s (timed out 3 times)" in result.output
    assert "Traceback" not in result.output
    assert time.monotonic() - started < 3 * 0.3 + 2


def test_connection_refused(tmp_path):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(InputError, match="cannot connect: connection refused"):
        fetcher(tmp_path, retries=1).fetch(f"http://127.0.0.1:{port}/page.html")


def test_bad_urls(tmp_path):
    with pytest.raises(InputError, match="no host"):
        fetcher(tmp_path).fetch("http:///page.html")
    with pytest.raises(InputError, match="not a valid URL"):
        fetcher(tmp_path).fetch("http://127.0.0.1:99999999/")


def test_answers_larger_than_a_page_are_refused(site, tmp_path):
    with pytest.raises(InputError, match="larger than any occupation page"):
        fetcher(tmp_path, max_bytes=1000).fetch(f"{site.url}/esco.html")


# --- politeness: rate limit ------------------------------------------------------------------------


def test_per_host_rate_limit(site, tmp_path):
    client = fetcher(tmp_path, min_interval=0.3, local_exempt=False, use_cache=False)
    started = time.monotonic()
    client.fetch(f"{site.url}/esco.html")  # robots.txt, then the page
    client.fetch(f"{site.url}/destinai")
    assert time.monotonic() - started >= 2 * 0.3 - 0.01  # three requests, two intervals


def test_loopback_is_not_rate_limited_by_default(site, tmp_path):
    pauses = []
    client = fetcher(tmp_path, sleep=pauses.append)
    client.fetch(f"{site.url}/esco.html")
    client.fetch(f"{site.url}/destinai")
    assert pauses == []


# --- the cache ---------------------------------------------------------------------------------------


def test_cache_hit_with_etag_and_refresh(site, tmp_path):
    cache = tmp_path / "cache"
    url = f"{site.url}/esco.html"
    first = tmp_path / "first.nq"
    assert run("build", url, "-o", first, "-q", "--cache-dir", cache).exit_code == 0
    time.sleep(1.1)  # a new fetch would get a later retrieval time
    second = tmp_path / "second.nq"
    assert run("build", url, "-o", second, "-q", "--cache-dir", cache).exit_code == 0
    requests = [(p, h) for p, h in site.log if p == "/esco.html"]
    assert "if-none-match" not in requests[0][1]
    assert requests[1][1]["if-none-match"] == ETAG  # a conditional request, answered 304
    assert second.read_bytes() == first.read_bytes()  # served from the cache, with the cached time
    third = tmp_path / "third.nq"
    assert run("build", url, "-o", third, "-q", "--cache-dir", cache, "--refresh").exit_code == 0
    requests = [(p, h) for p, h in site.log if p == "/esco.html"]
    assert len(requests) == 3 and "if-none-match" not in requests[2][1]
    assert third.read_bytes() != first.read_bytes()  # fetched anew: a new retrieval time


def test_cache_with_last_modified(site, tmp_path):
    client = fetcher(tmp_path)
    first = client.fetch(f"{site.url}/modified.html")
    again = fetcher(tmp_path).fetch(f"{site.url}/modified.html")
    assert not first.from_cache and again.from_cache
    assert again.retrieved == first.retrieved and again.data == first.data
    assert dict(site.log[-1:])["/modified.html"]["if-modified-since"] == LAST_MODIFIED


def test_damaged_cache_entry_is_ignored(site, tmp_path):
    fetcher(tmp_path).fetch(f"{site.url}/esco.html")
    for body in (tmp_path / "cache").rglob("*.body"):
        body.write_bytes(b"tampered")
    again = fetcher(tmp_path).fetch(f"{site.url}/esco.html")
    assert again.data == ESCO_HTML and not again.from_cache
    assert "if-none-match" not in site.log[-1][1]


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "esco-graph" / "http"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "esco-graph" / "http"


def test_from_list_of_urls_and_paths(site, tmp_path):
    listing = tmp_path / "inputs.txt"
    listing.write_text(f"# pages as users have them\n{site.url}/esco.html\n\n{ESCO_PAGE}\n")
    result = run("parse", "--from-list", listing, "--cache-dir", tmp_path / "cache")
    assert result.exit_code == 0, result.output
    assert f'"location": "{site.url}/esco.html"' in result.stdout
    sha = hashlib.sha256(ESCO_HTML).hexdigest()
    assert f'"sha256": "{sha}"' in result.stdout
