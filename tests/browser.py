"""Headless Chromium for the tests of the HTML report: open a local file with the network cut, say what happened.

``OfflineBrowser().load(path)`` opens ``path`` (a ``file:`` URL) in a fresh browser context and returns a
:class:`PageReport`: the console errors and uncaught page errors, every request the page attempted to a
non-``file:`` URL (each is recorded and aborted before it is sent), every dialog (``alert``, ``confirm`` …,
recorded and dismissed), the number of ``<svg>`` elements, for each ``figure.chart`` whether its SVG is drawn
(non-zero box, elements inside), the page text and a full-page PNG screenshot. :func:`is_blank` says whether a
screenshot is one colour. Tests take the ``load_offline`` fixture (``tests/conftest.py``), which skips with the
reason when no Chromium or no driver is installed, and fails instead when ``FLEETPLAN_REQUIRE_BROWSER`` is set
(``.ci/run`` sets it once it has installed Chromium, so a browser that stops working cannot hide as a skip).

Nothing leaves the machine. Besides aborting every routed request, the browser starts with a proxy on a
loopback port that refuses connections (bound, never listening), with loopback itself sent through it, with
every host name resolving to nothing and with WebRTC kept off non-proxied UDP; so what the request hooks cannot
see (a ``<link rel=preconnect>``, a DNS prefetch) cannot connect anywhere either; ``load(path, route=False)``
tests that guard alone. WebSockets are recorded as requests and closed without connecting.

Driver: Playwright for Python (``pip install playwright``, in the ``dev`` extra) driving the *system*
Chromium through ``chromium.launch(executable_path=...)``. Its wheel carries its own driver, so nothing is
downloaded at install or run time (``playwright install`` is never needed, and would not work offline);
Chromium comes from the system package (``apt-get install chromium``, done by ``.ci/run``). Measured on
Debian 12: Playwright 1.65.3, which pins Chromium 159, drives Debian's Chromium 156.0.8078.129; a launch takes
1-2 s and one load of a small page with its screenshot 0.6-0.9 s, most of it opening a fresh page. Chosen over
Selenium, which needs a matching chromedriver (a separate Debian package) and reaches request interception only
through its CDP or BiDi layers, and over raw CDP, where we would rewrite interception, dialogs and waiting:
request routing and console, page-error and dialog events are first-class in Playwright's API. If a Playwright
release stops driving the packaged Chromium, pin ``playwright`` below it in the ``dev`` extra. Set
``FLEETPLAN_CHROMIUM`` to use another Chromium-based binary.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

__all__ = [
    "CHROMIUM_ENV",
    "NOT_FOUND",
    "NO_DRIVER",
    "REQUIRE_ENV",
    "Chart",
    "OfflineBrowser",
    "PageReport",
    "find_chromium",
    "is_blank",
    "load_offline",
    "skip_or_fail",
    "unavailable_reason",
]

CHROMIUM_ENV = "FLEETPLAN_CHROMIUM"
REQUIRE_ENV = "FLEETPLAN_REQUIRE_BROWSER"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
NOT_FOUND = "headless Chromium not found (install the system package 'chromium'; .ci/run does)"
NO_DRIVER = "Playwright for Python not installed (pip install -e '.[dev]')"
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")

_CHARTS_JS = """() => Array.from(document.querySelectorAll('figure.chart')).map((figure) => {
  const svg = figure.querySelector('svg');
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  const caption = figure.querySelector('figcaption');
  return {
    id: figure.id,
    width: box.width,
    height: box.height,
    elements: svg ? svg.querySelectorAll('*').length : 0,
    caption: caption ? caption.innerText.trim() : '',
    has_table: figure.querySelector('table') !== null,
  };
})"""
_SETTLE_JS = "() => document.fonts.ready.then(() => new Promise((done) => requestAnimationFrame(() => done(null))))"


@dataclass(frozen=True)
class Chart:
    """One ``<figure class="chart">``: the box and content of its first ``<svg>``, its caption, its table."""

    id: str
    width: float
    height: float
    elements: int  # elements inside the svg (paths, marks, text …)
    caption: str
    has_table: bool

    @property
    def drawn(self) -> bool:
        """The figure has an SVG with a non-zero box and something inside it."""
        return self.width > 0 and self.height > 0 and self.elements > 0


@dataclass(frozen=True)
class PageReport:
    """What one offline load of a local page did and showed."""

    url: str
    console_errors: tuple[str, ...]
    page_errors: tuple[str, ...]  # uncaught exceptions: "TypeError: ..."
    requests: tuple[str, ...]  # non-file URLs the page tried to reach, in order (all blocked)
    dialogs: tuple[str, ...]  # "alert: 1", "confirm: ..." (all dismissed)
    svg_count: int
    charts: tuple[Chart, ...]
    text: str  # document.body.innerText
    screenshot: bytes = field(repr=False)  # full-page PNG

    @property
    def errors(self) -> tuple[str, ...]:
        """Console errors and page errors together."""
        return self.console_errors + self.page_errors


def find_chromium() -> str | None:
    """The Chromium binary: ``$FLEETPLAN_CHROMIUM`` when set (None if it does not exist), else the first on PATH."""
    chosen = os.environ.get(CHROMIUM_ENV)
    if chosen:
        return chosen if Path(chosen).is_file() else shutil.which(chosen)
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def unavailable_reason() -> str | None:
    """Why the browser tests cannot run here (no driver, no Chromium), or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return NO_DRIVER
    return None if find_chromium() else NOT_FOUND


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the test with ``reason``, or fail it when ``$FLEETPLAN_REQUIRE_BROWSER`` says a browser must work."""
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason} (and {REQUIRE_ENV} is set)", pytrace=False)
    pytest.skip(reason)


class OfflineBrowser:
    """One headless Chromium, started on ``start()`` or ``with``; each :meth:`load` gets a fresh context."""

    def __init__(self, executable: str | None = None, *, timeout_s: float = 30.0, allow: tuple[str, ...] = ()) -> None:
        """``allow``: loopback origins (``http://127.0.0.1:PORT``) the pages may reach, a local server's."""
        self.executable = executable or find_chromium()
        self.allow = tuple(a.rstrip("/") for a in allow)
        self.timeout_ms = timeout_s * 1000
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._sink: socket.socket | None = None

    def start(self) -> OfflineBrowser:
        """Launch Chromium; raises ``RuntimeError`` when there is none, or the driver's error when it fails."""
        if self.executable is None:
            raise RuntimeError(NOT_FOUND)
        from playwright.sync_api import sync_playwright

        # A loopback port that is bound but never listens: every connection to it is refused.
        self._sink = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sink.bind(("127.0.0.1", 0))
        sink_port = self._sink.getsockname()[1]
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=self.executable,
                headless=True,
                timeout=self.timeout_ms,
                args=[
                    f"--proxy-server=http://127.0.0.1:{sink_port}",
                    "--proxy-bypass-list=" + ";".join(["<-loopback>", *(a.split("//", 1)[1] for a in self.allow)]),
                    "--host-resolver-rules=MAP * ~NOTFOUND"
                    + "".join(f", EXCLUDE {a.split('//', 1)[1].rsplit(':', 1)[0]}" for a in self.allow),
                    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
                ],
            )
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Stop the browser and the driver (safe to call twice)."""
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None
        if self._sink is not None:
            self._sink.close()
            self._sink = None

    def __enter__(self) -> OfflineBrowser:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _allowed(self, url: str) -> bool:
        return any(url == a or url.startswith(a + "/") for a in self.allow)

    def load(
        self,
        path: str | Path,
        *,
        width: int = 1280,
        height: int = 800,
        route: bool = True,
        act: Callable[[Any], None] | None = None,
    ) -> PageReport:
        """Open the local file ``path`` (or a URL of an ``allow``-ed origin) offline, wait for load, fonts and one
        frame, run ``act(page)`` when given (clicks, typing, waiting), and report on the page it leaves.

        ``route=False`` leaves requests to the refusing proxy alone (they are then recorded but not aborted by the
        harness): the test of that second guard uses it.
        """
        if self._browser is None:
            raise RuntimeError("OfflineBrowser.load before start()")
        url = str(path) if self._allowed(str(path)) else Path(path).resolve().as_uri()
        console_errors: list[str] = []
        page_errors: list[str] = []
        requests: list[str] = []
        dialogs: list[str] = []

        def block(handle: Any) -> None:
            if handle.request.url.startswith(LOCAL_SCHEMES) or not route or self._allowed(handle.request.url):
                handle.continue_()
            else:
                handle.abort("blockedbyclient")

        def request(req: Any) -> None:
            if not req.url.startswith(LOCAL_SCHEMES) and not self._allowed(req.url):
                requests.append(req.url)

        def websocket(ws: Any) -> None:
            requests.append(ws.url)
            ws.close()

        def dialog(d: Any) -> None:
            dialogs.append(f"{d.type}: {d.message}")
            d.dismiss()

        context = self._browser.new_context(
            viewport={"width": width, "height": height},
            service_workers="block",
            accept_downloads=False,
        )
        try:
            context.set_default_timeout(self.timeout_ms)
            context.route("**/*", block)
            context.route_web_socket("**/*", websocket)
            page = context.new_page()
            page.on("request", request)
            page.on("dialog", dialog)
            page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda err: page_errors.append(f"{err.name}: {err.message}"))
            page.goto(url, wait_until="load")
            if act is not None:
                act(page)
                page.wait_for_load_state("load")
            url = page.url
            page.evaluate(_SETTLE_JS)
            charts = tuple(Chart(**c) for c in page.evaluate(_CHARTS_JS))
            svg_count = page.evaluate("() => document.querySelectorAll('svg').length")
            text = page.evaluate("() => document.body ? document.body.innerText : ''")
            screenshot = page.screenshot(full_page=True, type="png", animations="disabled")
        finally:
            context.close()
        return PageReport(
            url=url,
            console_errors=tuple(console_errors),
            page_errors=tuple(page_errors),
            requests=tuple(requests),
            dialogs=tuple(dialogs),
            svg_count=svg_count,
            charts=charts,
            text=text,
            screenshot=screenshot,
        )


def load_offline(path: str | Path) -> PageReport:
    """Open ``path`` offline in a browser of its own (outside pytest; tests take the ``load_offline`` fixture)."""
    with OfflineBrowser() as browser:
        return browser.load(path)


def is_blank(png: bytes) -> bool:
    """Every pixel of the PNG has one colour (decoded with Pillow; the test skips without it)."""
    try:
        from PIL import Image
    except ImportError:
        skip_or_fail("Pillow not installed (pip install -e '.[dev]')")
    with Image.open(io.BytesIO(png)) as image:
        extrema = image.convert("RGB").getextrema()
    return all(low == high for low, high in extrema)
