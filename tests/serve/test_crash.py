"""Kill -9 ``fleetplan serve`` during a run, start it again: the scenario and the finished plan are intact
and the interrupted run is marked failed, not left running."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from fleetplan.serve.store import Store


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(db: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path.cwd() / "src"), *sys.path])}
    cmd = [sys.executable, "-m", "fleetplan", "serve", "--port", str(port), "--db", str(db)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/runs", timeout=1)
            return proc
        except httpx.TransportError:
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read().decode()) from None
            time.sleep(0.2)
    raise AssertionError("fleetplan serve did not answer within 30 s")


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the server and its solver processes (its session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def test_a_killed_server_loses_nothing(tmp_path: Path, example_text: str) -> None:
    db, port = tmp_path / "crash.db", _free_port()
    base = f"http://127.0.0.1:{port}"
    store = Store(str(db))  # a plan finished earlier (the API tests plan for real)
    v = store.add_version("seed", "schema: fleetplan.scenario/1\n")
    doc = {"schema": "fleetplan.plan/1", "scenario": "seed", "totals": {"total_usd": 1.0}, "periods": ["2027Q1"]}
    plan_id = store.add_plan(v.id, doc).id
    store.close()
    proc = _start(db, port)
    try:
        sid = httpx.post(f"{base}/api/scenarios", content=example_text).json()["scenario_id"]
        second = httpx.post(f"{base}/api/scenarios/{sid}/runs", json={"time_limit_s": 60}).json()["id"]
        deadline = time.monotonic() + 20
        while httpx.get(f"{base}/api/runs/{second}").json()["stage"] in (None, "starting"):
            assert time.monotonic() < deadline
            time.sleep(0.1)  # the solver process is at work
    finally:
        _kill(proc)

    proc = _start(db, port)
    try:
        assert httpx.get(f"{base}/api/scenarios/{sid}/versions/1/yaml").text == example_text
        assert httpx.get(f"{base}/api/plans/{plan_id}/document").json() == doc
        interrupted = httpx.get(f"{base}/api/runs/{second}").json()
        assert interrupted["state"] == "failed" and "interrupted" in interrupted["error"]
    finally:
        _kill(proc)
