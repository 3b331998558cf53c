"""Fetching pages by URL: a polite HTTP client with an on-disk cache (stdlib only).

Polite means: a User-Agent that says who we are; timeouts; a bounded number of retries with
exponential backoff on 5xx answers, 429 and connection errors (honouring Retry-After, within
bounds); at most one request per `min_interval` seconds to each host (longer when robots.txt asks
for a Crawl-delay); robots.txt fetched once per host and obeyed (RFC 9309: a 4xx robots.txt
allows everything, an unreachable one or a 5xx disallows everything); redirects followed only
to http(s), at most `max_redirects` of them. Only the URLs the user named (and the robots.txt
of their hosts) are fetched: links in pages are never followed.

The cache (default `$XDG_CACHE_HOME/esco-graph/http`, else `~/.cache/esco-graph/http`) keeps
each answer's body and validators; the next fetch of the URL is a conditional request
(If-None-Match / If-Modified-Since), and a 304 serves the cached body with its original
retrieval time, so a page that did not change gives the same graph. `refresh=True` (the CLI's
`--refresh`) ignores the cache and fetches anew (and stores the new answer).
"""
from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import threading
import time
import urllib.robotparser
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import urljoin, urlsplit

from .. import __version__
from ..errors import InputError, OutputError
from ..files import write_atomic
from ..http import HttpClient, Response, TooLarge, describe_exception, failure_kind
from .pages import MAX_PAGE_BYTES

#: Where the tool says it comes from. A neutral address: the project has no public home yet.
PROJECT_URL = "https://example.org/esco-graph"
USER_AGENT = f"esco-graph/{__version__} (+{PROJECT_URL})"
ROBOTS_AGENT = "esco-graph"  # the product token matched against robots.txt User-agent lines

DEFAULT_TIMEOUT = 30.0  # seconds per attempt
DEFAULT_RETRIES = 2  # further attempts after the first one
DEFAULT_BACKOFF = 1.0  # seconds before the first retry; doubles each time
DEFAULT_MIN_INTERVAL = 1.0  # seconds between two requests to one host
MAX_RETRY_AFTER = 60.0  # a longer Retry-After is not waited for
MAX_CRAWL_DELAY = 30.0
MAX_REDIRECTS = 5
MAX_BYTES = MAX_PAGE_BYTES  # an answer larger than any page is refused
_RETRY_STATUS = {429, 500, 502, 503, 504}
_REDIRECTS = {301, 302, 303, 307, 308}


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/esco-graph/http, or ~/.cache/esco-graph/http."""
    base = os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "esco-graph" / "http"


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass(frozen=True)
class Fetched:
    """A fetched page: its bytes and what the server said about them."""

    url: str  # as named
    final_url: str  # after redirects
    data: bytes
    content_type: Optional[str]
    retrieved: str  # ISO 8601 UTC: when these bytes were fetched (the cached time for a 304)
    from_cache: bool = False


class _PageClient(HttpClient):
    """The HTTP client with a fetcher's politeness: its turn per host, Retry-After, its messages."""

    def __init__(self, fetcher: "Fetcher", origin: str):
        super().__init__(origin, timeout=fetcher.timeout, retries=fetcher.retries, backoff=fetcher.backoff,
                         sleep=fetcher.sleep, max_bytes=fetcher.max_bytes)
        self.fetcher = fetcher
        self.named = origin

    def before_attempt(self, url: str) -> None:
        self.fetcher._wait_turn(url)
        self.fetcher.requests += 1

    def should_retry(self, resp: Response) -> bool:
        return resp.status in _RETRY_STATUS

    def retry_delay(self, attempt: int, resp: Optional[Response]) -> float:
        wait = self.fetcher._retry_after(resp.headers) if resp else None
        return self.backoff * 2**attempt if wait is None else wait

    def give_up(self, url, what, attempts, failure) -> Exception:
        if isinstance(failure, Response):
            return InputError(self.named, f"HTTP {failure.status} {failure.reason} ({attempts} attempts)".replace("  ", " "))
        kind = failure_kind(failure)
        if kind == "timeout":
            return InputError(self.named, f"no answer within {self.timeout:g} s (timed out {attempts} times)")
        if kind == "cut":
            return InputError(self.named, f"{describe_exception(failure)}; nothing was kept ({attempts} attempts)")
        if kind == "malformed":
            return InputError(self.named, f"cannot connect: bad HTTP answer ({type(failure).__name__}) ({attempts} attempts)")
        return InputError(self.named, f"cannot connect: {_reason(failure)} ({attempts} attempts)")

    def fatal(self, url, what, exc) -> Exception:
        return self.give_up(url, what, 1, exc)


def is_url(text: str) -> bool:
    """Whether an input names an http(s) URL."""
    return text.lower().startswith(("http://", "https://"))


def _is_loopback(host: str) -> bool:
    host = (host or "").strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Fetcher:
    """Fetches the URLs a user named, politely, through an on-disk cache (see the module docstring).

    `cache_dir=None` uses the default folder; `use_cache=False` keeps nothing on disk. Hosts on
    the loopback interface (127.0.0.0/8, ::1, localhost) are the user's own servers: no
    per-host interval unless `local_exempt=False`.
    """

    def __init__(
        self,
        cache_dir: Optional[os.PathLike] = None,
        *,
        refresh: bool = False,
        use_cache: bool = True,
        timeout: Optional[float] = None,
        retries: Optional[int] = None,
        backoff: Optional[float] = None,
        min_interval: Optional[float] = None,
        local_exempt: bool = True,
        max_redirects: int = MAX_REDIRECTS,
        max_bytes: int = MAX_BYTES,
        user_agent: str = USER_AGENT,
        sleep: Callable[[float], None] = time.sleep,
    ):
        # None: the module's defaults, read now (so a test or an embedding program can change them)
        timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        retries = DEFAULT_RETRIES if retries is None else retries
        backoff = DEFAULT_BACKOFF if backoff is None else backoff
        min_interval = DEFAULT_MIN_INTERVAL if min_interval is None else min_interval
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.refresh = refresh
        self.use_cache = use_cache
        self.timeout = float(timeout)
        self.retries = max(0, int(retries))
        self.backoff = max(0.0, float(backoff))
        self.min_interval = max(0.0, float(min_interval))
        self.local_exempt = local_exempt
        self.max_redirects = max(0, int(max_redirects))
        self.max_bytes = max_bytes
        self.user_agent = user_agent
        self.sleep = sleep
        self._clients: dict[str, _PageClient] = {}  # scheme://host -> its client
        self._last: dict[str, float] = {}  # host -> monotonic time of the last request
        self._delay: dict[str, float] = {}  # host -> Crawl-delay from robots.txt
        self._robots: dict[str, object] = {}  # scheme://host -> RobotFileParser | True (allow) | str (why not)
        self._lock = threading.Lock()
        self.requests = 0  # how many HTTP requests were sent (for tests and reports)

    # --- public -----------------------------------------------------------------------------------

    def fetch(self, url: str) -> Fetched:
        """The page at a URL; an InputError naming the URL when it cannot be had."""
        self._check_url(url, url)
        self._check_robots(url, url)
        return self._fetch(url, named=url, robots=True)

    # --- the cache --------------------------------------------------------------------------------

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        folder = self.cache_dir / key[:2]
        return folder / f"{key}.json", folder / f"{key}.body"

    def _cached(self, url: str) -> Optional[tuple[dict, bytes]]:
        if not self.use_cache:
            return None
        meta_path, body_path = self._paths(url)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if meta.get("url") != url or meta.get("sha256") != hashlib.sha256(body).hexdigest():
            return None  # a damaged or foreign entry is as good as none
        return meta, body

    def _store(self, url: str, final_url: str, answer: Response, retrieved: str) -> None:
        if not self.use_cache:
            return
        meta = {
            "url": url,
            "final_url": final_url,
            "etag": answer.headers.get("etag"),
            "last_modified": answer.headers.get("last-modified"),
            "content_type": answer.headers.get("content-type"),
            "retrieved": retrieved,
            "sha256": hashlib.sha256(answer.body).hexdigest(),
        }
        meta_path, body_path = self._paths(url)
        try:
            meta_path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(body_path, answer.body)
            write_atomic(meta_path, json.dumps(meta, indent=1).encode("utf-8"))
        except (OSError, OutputError):
            pass  # a cache that cannot be written only costs a refetch next time

    # --- fetching ---------------------------------------------------------------------------------

    def _fetch(self, url: str, *, named: str, robots: bool) -> Fetched:
        cached = None if self.refresh else self._cached(url)
        headers = {}
        if cached is not None:
            meta = cached[0]
            if meta.get("etag"):
                headers["If-None-Match"] = meta["etag"]
            if meta.get("last_modified"):
                headers["If-Modified-Since"] = meta["last_modified"]
        current = url
        for hop in range(self.max_redirects + 1):
            answer = self._exchange(current, headers, named)
            if answer.status in _REDIRECTS:
                location = answer.headers.get("location")
                if not location:
                    raise InputError(named, f"HTTP {answer.status} redirect without a Location")
                if hop == self.max_redirects:
                    raise InputError(named, f"more than {self.max_redirects} redirects")
                target = urljoin(current, location.strip())
                if not is_url(target):
                    raise InputError(named, f"redirects to {target}, which is not an http(s) URL; not followed")
                self._check_url(target, named)
                if robots:
                    self._check_robots(target, named)
                current = target
                continue
            if answer.status == 304:
                if cached is None:
                    raise InputError(named, "HTTP 304 Not Modified for a page not in the cache")
                meta, body = cached
                return Fetched(
                    url=url,
                    final_url=meta.get("final_url") or current,
                    data=body,
                    content_type=meta.get("content_type"),
                    retrieved=meta.get("retrieved") or _now_iso(),
                    from_cache=True,
                )
            if 200 <= answer.status < 300:
                retrieved = _now_iso()
                self._store(url, current, answer, retrieved)
                return Fetched(
                    url=url,
                    final_url=current,
                    data=answer.body,
                    content_type=answer.headers.get("content-type"),
                    retrieved=retrieved,
                )
            raise InputError(named, f"HTTP {answer.status} {answer.reason or ''}".rstrip())
        raise InputError(named, f"more than {self.max_redirects} redirects")  # pragma: no cover

    def _exchange(self, url: str, headers: dict, named: str) -> Response:
        """One request, retried (bounded, with backoff) on 5xx, 429, time-outs and connection errors."""
        parts = urlsplit(url)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        client = self._clients.get(origin)
        if client is None:
            client = self._clients[origin] = _PageClient(self, origin)
        client.named = named
        try:
            resp = client.request("GET", url, headers={"User-Agent": self.user_agent, "Accept": _ACCEPT, **headers},
                                  what="fetch", authenticate=False)
        except TooLarge as error:
            raise InputError(named, f"the answer is larger than any occupation page ({error.limit} bytes at most)") from None
        finally:
            client.close()  # one connection a request, as a browser fetching one page would
        return resp

    def _retry_after(self, headers) -> Optional[float]:
        """The wait a 429/503 answer asks for (its Retry-After header), capped."""
        value = (headers.get("retry-after") or "").strip()
        if not value:
            return None
        try:
            seconds = float(value)
        except ValueError:
            try:
                seconds = parsedate_to_datetime(value).timestamp() - time.time()
            except (TypeError, ValueError):
                return None
        return min(max(0.0, seconds), MAX_RETRY_AFTER)

    def _wait_turn(self, url: str) -> None:
        host = urlsplit(url).netloc.lower()
        interval = self._delay.get(host, 0.0)
        if not (self.local_exempt and _is_loopback(urlsplit(url).hostname or "")):
            interval = max(interval, self.min_interval)
        with self._lock:
            last = self._last.get(host)
            now = time.monotonic()
            if last is not None and now - last < interval:
                self.sleep(interval - (now - last))
            self._last[host] = time.monotonic()

    # --- checks -----------------------------------------------------------------------------------

    def _check_url(self, url: str, named: str) -> None:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018  (raises ValueError on a bad port)
        except ValueError as exc:
            raise InputError(named, f"not a valid URL ({exc})") from None
        if parts.scheme.lower() not in ("http", "https"):
            raise InputError(named, f"{parts.scheme or 'no'} scheme: only http and https URLs are fetched")
        if not parts.hostname:
            raise InputError(named, "the URL names no host")

    def _check_robots(self, url: str, named: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        rules = self._robots.get(origin)
        if rules is None:
            rules = self._robots[origin] = self._load_robots(origin)
        if isinstance(rules, str):
            raise InputError(named, rules)
        if rules is True:
            return
        if not rules.can_fetch(self.user_agent, url):
            raise InputError(named, f"robots.txt of {parts.netloc} disallows fetching it; not fetched")

    def _load_robots(self, origin: str):
        robots_url = origin + "/robots.txt"
        try:
            fetched = self._fetch(robots_url, named=robots_url, robots=False)
        except InputError as error:
            reason = error.reason
            if reason.startswith("HTTP 4"):
                return True  # RFC 9309: an unavailable robots.txt allows everything
            if reason.startswith(("cannot connect", "no answer")):
                return reason  # the host itself is unreachable: say so, not "robots.txt"
            return f"its robots.txt could not be read ({reason}); RFC 9309 says to fetch nothing then"
        parser = urllib.robotparser.RobotFileParser(robots_url)
        parser.parse(fetched.data.decode("utf-8", errors="replace").splitlines())
        delay = parser.crawl_delay(self.user_agent)
        if delay:
            try:
                self._delay[urlsplit(origin).netloc.lower()] = min(float(delay), MAX_CRAWL_DELAY)
            except (TypeError, ValueError):
                pass
        return parser


_ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.9,application/zip;q=0.5,application/x-tar;q=0.5,*/*;q=0.1"


def _reason(exc: OSError) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if describe_exception(exc).startswith("unknown host"):
        return "unknown host"
    return exc.strerror or str(exc) or type(exc).__name__


__all__ = ["Fetched", "Fetcher", "USER_AGENT", "default_cache_dir", "is_url"]
