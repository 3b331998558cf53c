"""The one HTTP client: every request esco-graph sends (page fetches, remote stores) goes here.

Only the standard library speaks HTTP (``http.client``: persistent connections and streamed
bodies; urllib's digest code computes the digest answer). Credentials come only from
``ESCO_GRAPH_USER``/``ESCO_GRAPH_PASSWORD`` or the netrc file (``$NETRC`` or ``~/.netrc``), are
sent with basic or digest auth as the server asks, and never appear in messages (URLs are
scrubbed of user info; the password, URL-encoded or not, the Basic token and every Authorization
value sent are masked in whatever a server sends back).
"""
from __future__ import annotations

import base64
import html
import http.client
import io
import netrc
import os
import re
import socket
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .errors import EscoGraphError
from .text import one_line


class HttpError(EscoGraphError):
    """A request failed in a way retrying cannot mend."""


class Unavailable(HttpError):
    """Every attempt failed (connection refused, time-outs, transient answers)."""


class AuthError(HttpError):
    """The server wants credentials we do not have, or refused the ones we sent."""


class TooLarge(Exception):
    """An answer body over the client's ``max_bytes``."""

    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(f"the answer is larger than {limit} bytes")


TRANSIENT = (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine,
             http.client.IncompleteRead, socket.timeout, TimeoutError)
#: a server's own error code in a 5xx answer: it said what is wrong, retrying will not help
SERVER_ERROR_CODE = re.compile(r"\b(?:SP\d{3}|SR\d{3}|SQ\d{3}|Virtuoso \d{5} Error|Error \d{5})\b")


def scrub_url(url: str) -> str:
    """``url`` without any user info (``user:password@``)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if parts.username is None and parts.password is None and "@" not in parts.netloc:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))



@dataclass
class Credentials:
    user: str
    password: str
    source: str


def credentials(host: str) -> Credentials | None:
    user = os.environ.get("ESCO_GRAPH_USER")
    password = os.environ.get("ESCO_GRAPH_PASSWORD")
    if user is not None or password is not None:
        if user is None or password is None:
            raise AuthError("set both ESCO_GRAPH_USER and ESCO_GRAPH_PASSWORD, or neither")
        return Credentials(user, password, "ESCO_GRAPH_USER/ESCO_GRAPH_PASSWORD")
    file = os.environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if not os.path.isfile(file):
        return None
    try:
        entry = netrc.netrc(file).authenticators(host)
    except netrc.NetrcParseError as e:
        # its message may quote the file's text: say only where
        raise AuthError(f"cannot read the netrc file {file} (line {e.lineno})") from None
    except OSError as e:
        raise AuthError(f"cannot read the netrc file {file}: {e.strerror or e}") from None
    if not entry:
        return None
    login, _account, password = entry
    return Credentials(login or "", password or "", f"the netrc file {file}")


class Response:
    def __init__(self, status: int, reason: str, headers: http.client.HTTPMessage, body: bytes):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()


class Body:
    """A request body that can be sent again (after a 401 or a retry): bytes, a file, or the
    concatenation of pieces (bytes and files), streamed in blocks, never read whole."""

    def __init__(self, *parts: bytes | Path):
        self.parts = parts
        self.length = sum(len(p) if isinstance(p, bytes) else p.stat().st_size for p in parts)

    def open(self):
        if len(self.parts) == 1 and isinstance(self.parts[0], bytes):
            return self.parts[0]
        return ChainReader(self.parts)


class ChainReader(io.RawIOBase):
    def __init__(self, parts):
        self._parts = list(parts)
        self._current: BinaryIO | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while self._parts or self._current:
            if self._current is None:
                part = self._parts.pop(0)
                self._current = io.BytesIO(part) if isinstance(part, bytes) else open(part, "rb")
            chunk = self._current.read(size if size and size > 0 else 1 << 16)
            if chunk:
                return chunk
            self._current.close()
            self._current = None
        return b""

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None
        super().close()


class HttpClient:
    """Requests to one origin: a persistent connection, basic/digest auth, bounded retries with backoff.

    The retry policy is a set of methods a caller may override (:meth:`should_retry`,
    :meth:`retry_delay`, :meth:`before_attempt`) and the errors it raises come from
    :meth:`give_up`, :meth:`auth_error` and :meth:`fatal`, so each user (the store client, the
    page fetcher) keeps its own messages while the HTTP code exists once.
    """

    def __init__(self, base_url: str, *, timeout: float, retries: int, backoff: float, sleep=time.sleep,
                 max_bytes: int | None = None):
        self.base = base_url
        parts = urllib.parse.urlsplit(base_url)
        self.scheme = parts.scheme
        self.host = parts.hostname or ""
        self.port = parts.port
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.backoff = backoff
        self.sleep = sleep
        #: an answer body larger than this raises :class:`TooLarge` (None: no limit)
        self.max_bytes = max_bytes
        self._conn: http.client.HTTPConnection | None = None
        self._creds_loaded = False
        self._creds: Credentials | None = None
        self._challenge: tuple[str, dict] | None = None  # ("digest"|"basic", parameters)
        self._sent_authorizations: set[str] = set()  # every Authorization value sent (scrubbed from messages)
        self._digest = None
        #: a body-less GET that needs the same credentials as the loads (learns the auth challenge)
        self.preauth_url: str | None = None

    # -- credentials & auth ---------------------------------------------------------------------
    @property
    def creds(self) -> Credentials | None:
        if not self._creds_loaded:
            try:
                self._creds = credentials(self.host)
            except AuthError as e:
                raise self.auth_error(str(e)) from None
            self._creds_loaded = True
        return self._creds

    def secrets(self) -> list[str]:
        """Every form in which a credential could come back in a server's answer: the password (as
        is and URL-encoded), the Basic token (with and without padding), the Authorization values sent."""
        c = self._creds
        found = set(self._sent_authorizations)
        found |= {value.split(" ", 1)[1] for value in self._sent_authorizations if " " in value}
        if c and c.password:
            token = self._basic_token()
            found |= {c.password, urllib.parse.quote(c.password, safe=""), urllib.parse.quote_plus(c.password),
                      token, token.rstrip("=")}
        return sorted((x for x in found if x), key=len, reverse=True)  # longest first: no partial masks

    def _basic_token(self) -> str:
        return base64.b64encode(f"{self.creds.user}:{self.creds.password}".encode("utf-8")).decode("ascii")

    def scrub(self, text: str) -> str:
        """``text`` with every credential masked (a server may echo the request: proxies, error pages).
        A password under four characters is masked where it stands alone, not inside other words."""
        for secret in self.secrets():
            if len(secret) >= 4:
                text = text.replace(secret, "***")
            else:
                text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", "***", text)
        return text

    def _authorization(self, method: str, url: str) -> str | None:
        if not self._challenge or not self.creds:
            return None
        scheme, params = self._challenge
        if scheme == "basic":
            value = f"Basic {self._basic_token()}"
            self._sent_authorizations.add(value)
            return value
        if self._digest is None:
            mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            mgr.add_password(None, self.base, self.creds.user, self.creds.password)
            self._digest = urllib.request.AbstractDigestAuthHandler(mgr)
        req = urllib.request.Request(url, method=method)
        value = self._digest.get_authorization(req, params)
        if value:
            self._sent_authorizations.add(f"Digest {value}")
        return f"Digest {value}" if value else None

    def _take_challenge(self, resp: Response) -> bool:
        """Remember the server's auth challenge; False when it offers no scheme we speak."""
        values = resp.headers.get_all("WWW-Authenticate") or []
        found = None
        for v in values:
            scheme, _, rest = v.strip().partition(" ")
            scheme = scheme.lower()
            if scheme == "digest":
                params = urllib.request.parse_keqv_list(filter(None, urllib.request.parse_http_list(rest)))
                found = ("digest", params)
                break
            if scheme == "basic" and found is None:
                found = ("basic", {})
        if found is None:
            return False
        self._challenge = found
        return True

    # -- connections ----------------------------------------------------------------------------
    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
            self._conn = cls(self.host, self.port, timeout=self.timeout, blocksize=1 << 16)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _send(self, method: str, url: str, body: Body | None, headers: dict[str, str]) -> Response:
        parts = urllib.parse.urlsplit(url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        hdrs = dict(headers)
        auth = self._authorization(method, url)
        if auth:
            hdrs["Authorization"] = auth
        payload = None
        if body is not None:
            payload = body.open()
            hdrs["Content-Length"] = str(body.length)
        conn = self._connection()
        deadline = time.monotonic() + self.timeout  # the whole request, not each read: a server
        # trickling a byte every half second would otherwise never time out
        try:
            conn.request(method, target, body=payload, headers=hdrs)
            self._time_left(conn, deadline)
            r = conn.getresponse()
            data = self._read_body(r, conn, deadline)
        except BaseException:
            self.close()
            raise
        finally:
            if hasattr(payload, "close"):
                payload.close()
        if r.will_close or (self.max_bytes is not None and len(data) > self.max_bytes):
            self.close()
        if self.max_bytes is not None and len(data) > self.max_bytes:
            raise TooLarge(self.max_bytes)
        return Response(r.status, r.reason, r.headers, data)

    @staticmethod
    def _time_left(conn, deadline: float) -> None:
        """Give the socket what is left of the request's time; a TimeoutError when none is."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out (the whole request took longer than the time-out)")
        if conn.sock is not None:
            conn.sock.settimeout(left)

    def _read_body(self, r, conn, deadline: float) -> bytes:
        """The answer's body, read in blocks within the request's deadline (and size cap)."""
        limit = None if self.max_bytes is None else self.max_bytes + 1
        chunks, size = [], 0
        while limit is None or size < limit:
            self._time_left(conn, deadline)
            block = r.read1(1 << 16 if limit is None else min(1 << 16, limit - size))
            if not block:
                break
            chunks.append(block)
            size += len(block)
        if limit is None or size < limit:
            if getattr(r, "length", None):  # the server closed before the announced length
                raise http.client.IncompleteRead(b"".join(chunks), r.length)
            r.read()  # nothing is left: this marks the answer done, so the connection can be reused
        return b"".join(chunks)

    def _send_authed(self, method, url, body, headers, authenticate: bool = True) -> Response:
        if (authenticate and body is not None and body.length > 65536 and self._challenge is None
                and self.preauth_url and self.creds):
            # learn the challenge with a body-less request rather than send a big body to be refused
            first = self._send("GET", self.preauth_url, None, {"Accept": "*/*"})
            if first.status in (401, 407):
                self._take_challenge(first)
        resp = self._send(method, url, body, headers)
        if resp.status not in (401, 407) or not authenticate:
            return resp
        if not self.creds:
            raise self.auth_error(
                f"{scrub_url(url)} asks for credentials (HTTP {resp.status}): set ESCO_GRAPH_USER and "
                f"ESCO_GRAPH_PASSWORD, or add a machine {self.host} entry to ~/.netrc")
        had = self._challenge
        if not self._take_challenge(resp):
            raise self.auth_error(f"{scrub_url(url)} asks for an authentication scheme other than basic or digest")
        stale = self._challenge[0] == "digest" and str(self._challenge[1].get("stale", "")).lower() == "true"
        if had is None or stale or had != self._challenge:
            resp = self._send(method, url, body, headers)
            if resp.status not in (401, 407):
                return resp
        self._challenge = None
        raise self.auth_error(f"{scrub_url(url)} rejected the credentials from {self.creds.source} "
                             f"(HTTP {resp.status})")

    # -- the retry policy (overridden by callers) ---------------------------------------------------
    def before_attempt(self, url: str) -> None:
        """Called before every attempt (a fetcher waits its turn for the host here)."""

    def should_retry(self, resp: Response) -> bool:
        """Whether an answer is transient: by default a 5xx that does not say what is wrong."""
        if resp.status < 500:
            return False
        return not (SERVER_ERROR_CODE.search(server_message(resp)) or resp.status == 501)

    def retry_delay(self, attempt: int, resp: Response | None) -> float:
        """Seconds to wait before attempt ``attempt + 1``: exponential backoff, at most 30 s."""
        return min(self.backoff * (2 ** attempt), 30.0)

    def give_up(self, url: str, what: str, attempts: int, failure: BaseException | Response) -> Exception:
        """The error raised when every attempt failed (``failure``: the last exception or answer)."""
        if isinstance(failure, Response):
            message = server_message(failure)
            problem = f"HTTP {failure.status} {failure.reason}" + (f": {message}" if message else "")
        else:
            problem = describe_exception(failure)
        return Unavailable(self.scrub(
            f"{what} to {scrub_url(url)} failed after {attempts} attempt{'s' if attempts != 1 else ''}: {problem}"))

    def auth_error(self, message: str) -> Exception:
        return AuthError(message)

    def fatal(self, url: str, what: str, exc: BaseException) -> Exception:
        """The error for a failure that retrying cannot mend (a malformed answer)."""
        return HttpError(f"{what} to {scrub_url(url)} failed: {describe_exception(exc)}")

    def request(self, method: str, url: str, body: Body | None = None,
                headers: dict[str, str] | None = None, *, what: str = "request",
                authenticate: bool = True) -> Response:
        """Send; retry connection failures and transient answers (:meth:`should_retry`) with
        backoff; return the last answer, or raise :meth:`give_up`'s error."""
        headers = headers or {}
        attempt = 0
        fresh_retry_used = False
        while True:
            reused = self._conn is not None and self._conn.sock is not None
            self.before_attempt(url)
            try:
                resp = self._send_authed(method, url, body, headers, authenticate)
            except (HttpError, TooLarge):
                raise
            except TRANSIENT + (OSError, http.client.HTTPException) as e:
                if reused and not fresh_retry_used and isinstance(e, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)):
                    fresh_retry_used = True  # a kept-alive connection the server had closed
                    continue
                if not isinstance(e, TRANSIENT + (OSError,)):
                    raise self.fatal(url, what, e) from None
                if self._challenge and self._challenge[0] == "digest":
                    self._challenge = None  # get a fresh nonce before sending a body again
                failure: BaseException | Response = e
                resp = None
            else:
                if not self.should_retry(resp):
                    return resp
                failure = resp
            if attempt >= self.retries:
                raise self.give_up(url, what, attempt + 1, failure)
            delay = self.retry_delay(attempt, resp)
            attempt += 1
            self.sleep(delay)

def failure_kind(e: BaseException) -> str:
    """'timeout', 'cut' (the body ended before its announced length), 'malformed' (the server's
    answer is not HTTP) or 'connection' (refused, reset, unknown host)."""
    if isinstance(e, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(e, http.client.IncompleteRead):
        return "cut"
    if isinstance(e, http.client.HTTPException):
        return "malformed"
    return "connection"


def describe_exception(e: BaseException) -> str:
    if isinstance(e, ConnectionRefusedError):
        return "connection refused (is the server running?)"
    if isinstance(e, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(e, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(e, http.client.IncompleteRead):
        return f"the answer was cut short ({len(e.partial)} bytes, {e.expected} more announced)"
    if isinstance(e, (ConnectionResetError, BrokenPipeError)):
        return "the connection was reset"
    if isinstance(e, socket.gaierror):
        return f"unknown host ({e.strerror})"
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return one_line(str(e)) or type(e).__name__


def server_message(resp: Response) -> str:
    text = resp.body.decode("utf-8", "replace")
    if "html" in resp.content_type or text.lstrip().startswith("<"):
        text = re.sub(r"(?is)<(script|style|title|head)[^>]*>.*?</\1>", " ", text)
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    cut = re.search(r"\n\s*SPARQL query:", text)
    if cut:
        text = text[: cut.start()]
    return one_line(text)


__all__ = ["AuthError", "Body", "HttpClient", "HttpError", "Response", "TooLarge", "Unavailable",
           "credentials", "describe_exception", "failure_kind", "scrub_url", "server_message"]
