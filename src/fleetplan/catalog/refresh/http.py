"""HTTP for the price refresh: one ``httpx`` client, timeouts, retries, a dated cache, progress.

Contract of :class:`Fetcher`:

* every request has a timeout (:data:`TIMEOUT`); a 429 or 5xx answer, a timeout or a broken
  connection is retried up to ``retries`` times, waiting ``Retry-After`` when the server sends one
  (capped at :data:`MAX_RETRY_AFTER_S`), else ``backoff_s`` doubled per attempt; any other 4xx,
  or the last failed attempt, raises :class:`SourceError`;
* with a ``cache_dir``, a successful body is kept under ``cache_dir/<fetch date>/`` and a request
  for the same URL on the same fetch date is answered from there; a body is cached only after it
  parsed, so a malformed page is fetched again next time;
* a query parameter named ``key`` (an API key) never appears in an error message, a cache file
  name, a cache record or a progress label: see :func:`redact`.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import shutil
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from fleetplan._io import open_atomic, write_text_atomic
from fleetplan.errors import FleetplanError

__all__ = [
    "MAX_RETRY_AFTER_S",
    "SECRET_PARAMS",
    "TIMEOUT",
    "Fetcher",
    "Progress",
    "SourceError",
    "rebase",
    "redact",
]

TIMEOUT = httpx.Timeout(60.0, connect=15.0)
"""Per request: 15 s to connect, 60 s for each read or write."""
MAX_RETRY_AFTER_S = 120.0
"""Longest wait a ``Retry-After`` header may ask for; longer asks wait this long."""
SECRET_PARAMS = frozenset({"key", "api_key", "apikey"})
"""Query parameters whose values are secrets: replaced by ``***`` wherever a URL is shown or stored."""

Progress = Callable[[str, int, int | None], None]
"""``progress(label, done, total)``: ``done`` pages or bytes of ``total`` (None when unknown)."""

_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class SourceError(FleetplanError):
    """A price list could not be fetched or read (network, HTTP status, malformed page). Exit code 1."""

    exit_code = 1

    def __init__(self, message: str, *, url: str | None = None) -> None:
        self.message = message
        self.url = redact(url) if url else None
        super().__init__(f"{self.url}: {message}" if self.url else message)


def redact(url: str) -> str:
    """``url`` with the values of :data:`SECRET_PARAMS` query parameters replaced by ``***``."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [(k, "***" if k.lower() in SECRET_PARAMS else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="$',:/", quote_via=quote)))


def rebase(link: str, base: str) -> str:
    """``link`` (absolute or a path) on the scheme and host of ``base``.

    Price lists hand out absolute next-page links and root-relative file paths; both are moved onto
    the configured base URL so a mirror or a recorded-response server sees every request.
    """
    target = urlsplit(urljoin(base, link))
    origin = urlsplit(base)
    return urlunsplit(target._replace(scheme=origin.scheme, netloc=origin.netloc))


def _with_params(url: str, params: Mapping[str, str] | None) -> str:
    if not params:
        return url
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query, safe="$',:/", quote_via=quote)))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    with contextlib.suppress(ValueError):
        return max(0.0, float(value))
    with contextlib.suppress(TypeError, ValueError):
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return None


class Fetcher:
    """GET requests with retries and a dated cache, through one ``httpx.Client``.

    ``client`` defaults to a new client with :data:`TIMEOUT`; tests pass one built on
    ``httpx.MockTransport``. ``sleep`` waits between attempts (tests pass a recorder).
    ``fetch_date`` names the cache folder and defaults to today (UTC).
    """

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        cache_dir: str | Path | None = None,
        fetch_date: date | None = None,
        retries: int = 4,
        backoff_s: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        progress: Progress | None = None,
    ) -> None:
        self.client = client or httpx.Client(timeout=TIMEOUT, follow_redirects=True)
        self.fetch_date = fetch_date or datetime.now(UTC).date()
        self.cache = Path(cache_dir) / self.fetch_date.isoformat() if cache_dir is not None else None
        self.retries = retries
        self.backoff_s = backoff_s
        self.sleep = sleep
        self.progress = progress
        self.requests = 0
        self.cache_hits = 0

    # ------------------------------------------------------------------ cache

    def _cache_path(self, url: str) -> Path | None:
        if self.cache is None:
            return None
        return self.cache / (hashlib.sha256(redact(url).encode()).hexdigest()[:32] + ".body")

    def _remember(self, url: str, body: bytes) -> None:
        path = self._cache_path(url)
        if path is None:
            return
        with open_atomic(path, binary=True) as fh:
            fh.write(body)
        record = {"url": redact(url), "fetched": self.fetch_date.isoformat(), "bytes": len(body)}
        write_text_atomic(path.with_suffix(".json"), json.dumps(record, indent=1) + "\n")

    # ------------------------------------------------------------------ requests

    def _send(self, url: str, label: str, stream_to: Path | None = None) -> bytes:
        """The body of a 200 answer to ``GET url`` (streamed into ``stream_to`` when given)."""
        attempt = 0
        while True:
            attempt += 1
            self.requests += 1
            wait: float | None = None
            try:
                if stream_to is None:
                    response = self.client.get(url)
                    if response.status_code == 200:
                        return response.content
                else:
                    with self.client.stream("GET", url) as response:
                        if response.status_code == 200:
                            self._stream(response, stream_to, label)
                            return b""
                        response.read()
                status = response.status_code
                if status not in _RETRY_STATUS:
                    raise SourceError(f"HTTP {status} {response.reason_phrase}".rstrip(), url=url)
                wait = _retry_after(response)
                problem = f"HTTP {status}"
            except httpx.TransportError as exc:  # timeouts, refused or broken connections
                problem = f"{type(exc).__name__}: {exc}"
            if attempt > self.retries:
                raise SourceError(f"gave up after {attempt} attempts (last: {problem})", url=url)
            delay = self.backoff_s * 2 ** (attempt - 1) if wait is None else wait
            self.sleep(min(delay, MAX_RETRY_AFTER_S))

    def _stream(self, response: httpx.Response, target: Path, label: str) -> None:
        total = int(response.headers.get("Content-Length") or 0) or None
        done = 0
        with open_atomic(target, binary=True) as fh:
            for chunk in response.iter_bytes(1 << 20):
                fh.write(chunk)
                done += len(chunk)
                if self.progress:
                    self.progress(label, done, total)

    def get_json(
        self, url: str, *, params: Mapping[str, str] | None = None, label: str = "", check: Callable[[Any], None]
    ) -> Any:
        """The JSON document at ``url`` (+ ``params``), after ``check(document)`` accepted it.

        ``check`` raises :class:`SourceError` for a document of the wrong shape; only accepted
        documents are cached. A body that is not JSON raises :class:`SourceError`.
        """
        full = _with_params(url, params)
        path = self._cache_path(full)
        if path is not None and path.is_file():
            self.cache_hits += 1
            return json.loads(path.read_bytes())
        body = self._send(full, label)
        try:
            doc = json.loads(body)
        except ValueError as exc:
            raise SourceError(f"malformed page: not JSON ({exc})", url=full) from exc
        check(doc)
        self._remember(full, body)
        return doc

    def download(self, url: str, target: Path, *, label: str = "") -> Path:
        """Stream the body at ``url`` into ``target`` (atomically), or copy it from the cache; returns ``target``."""
        path = self._cache_path(url)
        if path is not None and path.is_file():
            self.cache_hits += 1
            return path
        self._send(url, label, stream_to=target)
        return target

    def keep(self, url: str, downloaded: Path) -> None:
        """Cache a file :meth:`download` wrote, once it parsed (no-op without a cache or when cached)."""
        path = self._cache_path(url)
        if path is None or path == downloaded or path.is_file():
            return
        with downloaded.open("rb") as src, open_atomic(path, binary=True) as fh:
            shutil.copyfileobj(src, fh, 1 << 20)
        record = {"url": redact(url), "fetched": self.fetch_date.isoformat(), "bytes": path.stat().st_size}
        write_text_atomic(path.with_suffix(".json"), json.dumps(record, indent=1) + "\n")

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()
