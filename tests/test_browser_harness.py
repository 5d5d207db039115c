"""The offline browser harness (``tests/browser.py``) on tiny pages whose right answers are known."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.browser import NO_DRIVER, NOT_FOUND, OfflineBrowser, PageReport, find_chromium, is_blank, unavailable_reason

Load = Callable[[Path], PageReport]

CHART = """<figure class="chart" id="chart-spend">
  <svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">
    <rect x="10" y="40" width="40" height="60" fill="#4c78a8"/><text x="10" y="20">spend</text>
  </svg>
  <figcaption>Spend by quarter (USD)</figcaption>
  <table><tr><th>2027Q1</th><td>$1,000</td></tr></table>
</figure>"""


def page(tmp_path: Path, body: str, name: str = "page.html") -> Path:
    """A self-contained HTML file with ``body``."""
    path = tmp_path / name
    head = '<!doctype html>\n<html lang="en"><meta charset="utf-8"><title>t</title>\n'
    path.write_text(f"{head}<body>{body}</body></html>\n")
    return path


@pytest.fixture
def listener() -> Iterator[tuple[int, list[str]]]:
    """An HTTP server on a loopback port and the paths it was asked for (there should be none)."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], hits
    server.shutdown()
    server.server_close()


def test_a_self_contained_chart_loads_clean(load_offline: Load, tmp_path: Path) -> None:
    report = load_offline(page(tmp_path, f"<h1>Plan</h1>{CHART}"))
    assert report.errors == () and report.requests == () and report.dialogs == ()
    assert report.svg_count == 1
    (chart,) = report.charts
    assert chart.drawn and chart.id == "chart-spend" and chart.has_table
    assert (chart.width, chart.height) == (200, 100) and chart.elements == 2
    assert chart.caption == "Spend by quarter (USD)"
    assert "Plan" in report.text and "$1,000" in report.text
    assert report.screenshot.startswith(b"\x89PNG") and not is_blank(report.screenshot)


def test_an_empty_or_missing_svg_is_not_drawn(load_offline: Load, tmp_path: Path) -> None:
    body = (
        '<figure class="chart" id="chart-empty"><svg width="200" height="100"></svg></figure>'
        '<figure class="chart" id="chart-flat"><svg width="200" height="0"><rect width="9" height="9"/></svg></figure>'
        '<figure class="chart" id="chart-none"><figcaption>no svg</figcaption></figure>'
    )
    report = load_offline(page(tmp_path, body))
    assert [(c.id, c.drawn) for c in report.charts] == [
        ("chart-empty", False),
        ("chart-flat", False),
        ("chart-none", False),
    ]
    assert report.svg_count == 2


def test_a_blank_page_is_blank(load_offline: Load, tmp_path: Path) -> None:
    report = load_offline(page(tmp_path, ""))
    assert is_blank(report.screenshot) and report.text == ""


def test_a_remote_image_is_recorded_and_blocked(load_offline: Load, tmp_path: Path) -> None:
    report = load_offline(page(tmp_path, '<p>hi</p><img src="https://example.com/x.png" alt="x">'))
    assert report.requests == ("https://example.com/x.png",)
    assert report.page_errors == () and report.dialogs == ()
    assert all("ERR_BLOCKED_BY_CLIENT" in e for e in report.console_errors)  # the blocked load, nothing else


def test_blocked_requests_never_reach_a_listening_server(
    load_offline: Load, tmp_path: Path, listener: tuple[int, list[str]]
) -> None:
    """The server on this machine would answer; the page's fetch, image, stylesheet and preconnect all stay unsent."""
    port, hits = listener
    base = f"http://127.0.0.1:{port}"
    body = (
        f'<link rel="preconnect" href="{base}"><link rel="stylesheet" href="{base}/style.css">'
        f'<img src="{base}/x.png" alt="x"><script>fetch("{base}/api").catch(() => null)</script>'
    )
    report = load_offline(page(tmp_path, body))
    assert set(report.requests) == {f"{base}/style.css", f"{base}/x.png", f"{base}/api"}
    assert report.page_errors == () and hits == []


def test_without_routing_the_proxy_still_keeps_requests_on_the_machine(
    offline_browser: OfflineBrowser, tmp_path: Path, listener: tuple[int, list[str]]
) -> None:
    """The second guard alone: what routing would not catch (a preconnect, say) meets a proxy that refuses."""
    port, hits = listener
    body = f'<img src="http://127.0.0.1:{port}/x.png" alt="x"><img src="http://localhost:{port}/y.png" alt="y">'
    report = offline_browser.load(page(tmp_path, body), route=False)
    assert len(report.requests) == 2 and hits == []
    assert all("ERR_PROXY_CONNECTION_FAILED" in e for e in report.console_errors)


def test_a_websocket_is_recorded_and_never_connects(load_offline: Load, tmp_path: Path) -> None:
    script = '<script>const ws = new WebSocket("wss://example.com/live"); ws.onerror = () => null;</script>'
    report = load_offline(page(tmp_path, script))
    assert report.requests == ("wss://example.com/live",)


def test_script_errors_are_reported(load_offline: Load, tmp_path: Path) -> None:
    body = '<script>console.error("bad number", 42)</script><script>null.total</script><p>after</p>'
    report = load_offline(page(tmp_path, body))
    assert report.console_errors == ("bad number 42",)
    (error,) = report.page_errors
    assert error.startswith("TypeError: ") and "null" in error
    assert report.text == "after"


def test_escaped_hostile_text_is_text(load_offline: Load, tmp_path: Path) -> None:
    report = load_offline(page(tmp_path, "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"))
    assert report.text == "<script>alert(1)</script>"
    assert report.dialogs == () and report.errors == ()


def test_dialogs_are_recorded_and_dismissed(load_offline: Load, tmp_path: Path) -> None:
    """The control of the test above: an unescaped script does fire, and the harness sees it."""
    report = load_offline(page(tmp_path, '<script>alert(1); confirm("sure?")</script><p>done</p>'))
    assert report.dialogs == ("alert: 1", "confirm: sure?")
    assert report.text == "done"


def test_a_missing_browser_is_a_clear_reason(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("FLEETPLAN_CHROMIUM", raising=False)
    assert find_chromium() is None
    assert unavailable_reason() in (NOT_FOUND, NO_DRIVER)
    monkeypatch.setenv("FLEETPLAN_CHROMIUM", str(tmp_path / "no-such-chromium"))
    assert find_chromium() is None
