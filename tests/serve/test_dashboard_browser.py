"""The dashboard in a real headless Chromium (tests/browser.py), against a real server on loopback.

Upload the carbon-budget example, start a plan with a short time limit, watch its progress, open the
plan and its charts, compare it; every page loads with no console error and reaches nothing but the
server. A screenshot of each page is saved in the test's temp folder (``$FLEETPLAN_SCREENSHOTS``,
when set, gets them too; the README's picture is ``dashboard-plan.png`` from there).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from tests.browser import OfflineBrowser, PageReport, is_blank, skip_or_fail, unavailable_reason


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``create_app`` under uvicorn in a thread on a free loopback port: its origin."""
    import uvicorn

    from fleetplan.serve.app import create_app

    db = tmp_path_factory.mktemp("dash") / "dash.db"
    port = _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(create_app(f"sqlite:///{db}"), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[OfflineBrowser]:
    reason = unavailable_reason()
    if reason is not None:
        skip_or_fail(reason)
    b = OfflineBrowser(allow=(server,), timeout_s=60)
    try:
        b.start()
    except Exception as exc:
        skip_or_fail(f"headless Chromium failed to start: {(str(exc).strip().splitlines() or [exc])[0]}")
    yield b
    b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


def _keep(report: PageReport, shots: Path, name: str) -> None:
    """Check what every page must be, and save its screenshot."""
    assert not report.errors, report.errors
    assert not report.requests, report.requests  # nothing but the server
    assert not report.dialogs, report.dialogs
    assert not is_blank(report.screenshot)
    (shots / f"{name}.png").write_bytes(report.screenshot)
    extra = os.environ.get("FLEETPLAN_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        (Path(extra) / f"{name}.png").write_bytes(report.screenshot)


def test_upload_plan_watch_open_compare(server: str, browser: OfflineBrowser, shots: Path, tmp_path: Path) -> None:
    example = tmp_path / "carbon-budget.yaml"
    example.write_text(
        resources.files("fleetplan.data").joinpath("examples", "carbon-budget.yaml").read_text("utf-8"), "utf-8"
    )

    def upload(page: Any) -> None:
        page.set_input_files("input[name=file]", str(example))
        page.click("input[type=submit][value='Save scenario']")
        page.wait_for_selector("text=Plan version 1")

    scenario = browser.load(f"{server}/scenarios", act=upload)
    _keep(scenario, shots, "dashboard-scenario")
    assert "Fabrikam carbon budget 2027" in scenario.text and "No plans yet" in scenario.text

    seen: dict[str, str] = {}

    def start_and_watch(page: Any) -> None:
        page.fill("input[name=time_limit_s]", "10")
        page.click("input[type=submit][value='Start plan']")
        page.wait_for_selector("#run")
        # live progress: the polled stage changes from the page's first render without a reload
        page.wait_for_function("() => !['', 'starting'].includes(document.getElementById('stage').textContent)")
        seen["stage"] = page.inner_text("#stage")
        page.wait_for_selector("#plan-link", timeout=60_000)  # the page reloads itself when the run ends

    run = browser.load(f"{scenario.url}", act=start_and_watch)
    _keep(run, shots, "dashboard-run")
    assert seen["stage"] and "done" in run.text and "Open the plan" in run.text

    plan_id = run.text  # the plan's id comes from the scenario page below
    listing = browser.load(f"{server}/plans")
    plan_id = int(listing.text.split("plan ", 1)[1].split()[0])
    plan = browser.load(f"{server}/plans/{plan_id}")
    _keep(plan, shots, "dashboard-plan")
    assert plan.charts and all(c.drawn for c in plan.charts), plan.charts
    assert "Download JSON" in plan.text

    history = browser.load(scenario.url)
    _keep(history, shots, "dashboard-history")
    assert any(c.id == "chart-history" and c.drawn for c in history.charts)

    compare = browser.load(f"{server}/compare?old={plan_id}&new={plan_id}")
    _keep(compare, shots, "dashboard-compare")
    assert "Compare plan" in compare.text
