"""Plan runs in the background: a bounded pool of solver processes fed by a queue.

Contract: :meth:`RunPool.submit` queues a stored run and returns at once; at most ``workers``
solves run at a time, each in a fresh process (``spawn``) that calls the same library functions as
``fleetplan plan`` (:func:`~fleetplan.load.load_scenario_text`, :func:`~fleetplan.optimize.optimize`,
:func:`~fleetplan.report.plan_to_dict`) and sends its progress and result back over a pipe. Only
the server process writes to the store: a solver process orphaned by a killed server writes
nothing, and ends itself within a second. :meth:`RunPool.cancel` drops a queued run or kills a
running solve (its whole process group on POSIX, so the neighbourhood-search workers go too).
A run ends ``done`` (with its plan), ``failed`` (with the one-line error) or ``cancelled``.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import signal
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

from fleetplan.serve.store import Store

__all__ = ["PROGRESS_EVERY_S", "RunPool", "SolveRequest", "solve_in_child"]

PROGRESS_EVERY_S = 0.5
"""Progress reaches the store at most this often per run."""


@dataclass(frozen=True)
class SolveRequest:
    """What a solver process needs: the scenario text and the solve options."""

    yaml_text: str
    file: str
    time_limit_s: float
    mip_rel_gap: float


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def solve_in_child(req: SolveRequest, conn: Connection) -> None:
    """The solver process: send ``("stage", str)``, ``("progress", dict)``, then ``("done", plan_doc)`` or
    ``("failed", message)``."""
    if hasattr(os, "setsid"):
        with contextlib.suppress(OSError):
            os.setsid()
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    try:
        from fleetplan.errors import FleetplanError
        from fleetplan.load import load_scenario_text
        from fleetplan.optimize import optimize
        from fleetplan.report import plan_to_dict

        last = [0.0]

        def progress(p: Any) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_S:
                last[0] = now
                conn.send(
                    ("progress", {"elapsed_s": p.time_s, "incumbent_usd": p.incumbent_usd,
                                  "bound_usd": p.bound_usd, "gap": p.gap})
                )  # fmt: skip

        try:
            sc = load_scenario_text(req.yaml_text, file=req.file)
            plan = optimize(
                sc,
                time_limit_s=req.time_limit_s,
                mip_rel_gap=req.mip_rel_gap,
                progress=progress,
                status=lambda m: conn.send(("stage", m)),
            )
            conn.send(("done", plan_to_dict(plan)))
        except FleetplanError as exc:
            problems = getattr(exc, "errors", None) or [exc]
            conn.send(("failed", "; ".join(str(e) for e in problems[:20])))
    except Exception as exc:  # a bug must still end the run, with its name
        conn.send(("failed", f"internal error: {type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _exit_with_parent(parent: int) -> None:
    """In a solver process: end it (and its process group) within a second of the server's death."""
    while os.getppid() == parent:
        time.sleep(1.0)
    if hasattr(os, "killpg"):
        with contextlib.suppress(OSError):
            os.killpg(os.getpgrp(), signal.SIGKILL)
    os._exit(1)


class RunPool:
    """``workers`` threads, each driving one solver process at a time; see the module docstring."""

    def __init__(self, store: Store, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.store = store
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._cancelled: set[int] = set()
        self._procs: dict[int, mp.process.BaseProcess] = {}
        self._lock = threading.Lock()
        self._ctx = mp.get_context("spawn")
        self._threads = [
            threading.Thread(target=self._loop, name=f"fleetplan-run-{i}", daemon=True) for i in range(workers)
        ]
        for t in self._threads:
            t.start()

    def submit(self, run_id: int) -> None:
        """Queue a stored ``queued`` run."""
        self._queue.put(run_id)

    def cancel(self, run_id: int) -> bool:
        """Cancel a queued or running run; True when it was queued or running."""
        with self._lock:
            self._cancelled.add(run_id)
            proc = self._procs.get(run_id)
        changed = self.store.update_run(
            run_id, only_if=("queued", "running"), state="cancelled", error="cancelled", finished_at=_now()
        )
        if proc is not None:
            _kill(proc)
        return changed

    def close(self) -> None:
        """Stop the threads and kill running solves (their runs are marked failed)."""
        for _ in self._threads:
            self._queue.put(None)
        with self._lock:
            procs = dict(self._procs)
        for run_id, proc in procs.items():
            self.store.update_run(
                run_id, only_if=("running",), state="failed", error="the server stopped", finished_at=_now()
            )
            _kill(proc)
        for t in self._threads:
            t.join(timeout=5)

    def _loop(self) -> None:
        while (run_id := self._queue.get()) is not None:
            try:
                self._run(run_id)
            except Exception as exc:  # keep the worker alive; the run says what happened
                self.store.update_run(
                    run_id,
                    only_if=("queued", "running"),
                    state="failed",
                    error=f"internal error: {type(exc).__name__}: {exc}",
                    finished_at=_now(),
                )

    def _run(self, run_id: int) -> None:
        run = self.store.run(run_id)
        if run is None or run.state != "queued":
            return
        version = self.store.version_by_id(run.version_id)
        assert version is not None
        req = SolveRequest(version.yaml_text, f"scenario-{version.scenario_id}-v{version.version}.yaml",
                           run.time_limit_s, run.mip_rel_gap)  # fmt: skip
        if not self.store.update_run(run_id, only_if=("queued",), state="running", started_at=_now(), stage="starting"):
            return  # cancelled meanwhile
        parent, child = self._ctx.Pipe(duplex=False)
        proc = self._ctx.Process(target=solve_in_child, args=(req, child), name=f"fleetplan-solve-{run_id}")
        with self._lock:
            if run_id in self._cancelled:
                return
            proc.start()
            self._procs[run_id] = proc
        child.close()
        try:
            self._follow(run_id, version.id, parent, proc)
        finally:
            with self._lock:
                self._procs.pop(run_id, None)
            parent.close()
            proc.join(timeout=5)
            if proc.is_alive():
                _kill(proc)

    def _follow(self, run_id: int, version_id: int, conn: Connection, proc: mp.process.BaseProcess) -> None:
        running = ("running",)
        while True:
            try:
                if not conn.poll(0.2):
                    if not proc.is_alive() and not conn.poll(0):
                        break
                    continue
                kind, value = conn.recv()
            except (EOFError, OSError):
                break
            if kind == "stage":
                self.store.update_run(run_id, only_if=running, stage=str(value)[:500])
            elif kind == "progress":
                self.store.update_run(run_id, only_if=running, **value)
            elif kind == "done":
                if self.store.run(run_id).state == "running":  # type: ignore[union-attr]
                    self.store.add_plan(version_id, value, run_id=run_id)
                return
            elif kind == "failed":
                self.store.update_run(run_id, only_if=running, state="failed", error=str(value), finished_at=_now())
                return
        proc.join(timeout=2)
        code = proc.exitcode
        self.store.update_run(
            run_id,
            only_if=running,
            state="failed",
            error=f"the solver process ended without a result (exit code {code})",
            finished_at=_now(),
        )


def _kill(proc: mp.process.BaseProcess) -> None:
    """SIGKILL the process's group (POSIX; it leads one) or the process."""
    pid = proc.pid
    if pid is None:
        return
    if hasattr(os, "killpg"):
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
            return
    with contextlib.suppress(OSError):
        proc.kill()
