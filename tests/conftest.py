"""Shared fixtures: the reference scenarios, the shared data folder and an offline headless browser."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import pytest

from tests.browser import OfflineBrowser, PageReport, skip_or_fail, unavailable_reason

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

MINIMAL_SCENARIO = """\
schema: fleetplan.scenario/1
name: Test
horizon:
  start: 2027Q1
  periods: 4
providers:
  - name: own-dc
    kind: onprem
server_types:
  - name: hgx-h100
    accelerator: H100-SXM
    accelerators_per_server: 8
    capex_usd: 300000
sites:
  - name: dc1
    provider: own-dc
    country: US
    power_capacity_kw: 100
    existing:
      - {server_type: hgx-h100, count: 2, purchased: 2025Q1}
    buyable: [hgx-h100]
workloads:
  - name: pretrain
    kind: train
    model: {params: 7.0e9}
    tokens: 1.0e12
    window: {start: 2027Q1, end: 2027Q2}
  - name: chat
    kind: serve
    model: {params: 8.0e9}
    demand: {peak_rps: 10}
    slo: {ttft_ms: 500, tpot_ms: 50}
    accelerators: [H100, L40S]
    providers: [aws, own-dc]
policy:
  max_provider_share: 0.7
  budgets_usd: {2027Q1: 1000000}
"""


@pytest.fixture
def shared_data() -> Path:
    """The shared data folder beside the repository; tests using it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present (a user's clone)")
    return SHARED_DATA


@pytest.fixture
def minimal_text() -> str:
    """A small valid scenario (named reference scenario 'minimal')."""
    return MINIMAL_SCENARIO


@pytest.fixture
def example_path(tmp_path: Path) -> Path:
    """The bundled example scenario (reference scenario 'enterprise'), copied to a temp folder."""
    text = resources.files("fleetplan.data").joinpath("examples", "enterprise.yaml").read_text("utf-8")
    target = tmp_path / "scenario.yaml"
    target.write_text(text, "utf-8")
    return target


@pytest.fixture(scope="module")
def offline_browser() -> Iterator[OfflineBrowser]:
    """One headless Chromium per test module (see ``tests/browser.py``); skips with the reason when absent."""
    reason = unavailable_reason()
    if reason is not None:
        skip_or_fail(reason)
    browser = OfflineBrowser()
    try:
        browser.start()
    except Exception as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        skip_or_fail(f"headless Chromium at {browser.executable} failed to start: {first_line}")
    yield browser
    browser.close()


@pytest.fixture
def load_offline(offline_browser: OfflineBrowser) -> Callable[[Path], PageReport]:
    """``load_offline(path)`` opens a local HTML file with the network cut and returns a ``PageReport``."""
    return offline_browser.load
