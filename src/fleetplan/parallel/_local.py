"""Engines on this machine: in-process (serial) and a pool of worker processes."""

from __future__ import annotations

import concurrent.futures as cf
import functools
import multiprocessing as mp
import os
import pickle
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from fleetplan.errors import FleetplanError
from fleetplan.parallel._core import ExecutorBase, FuturePool, Outcome, Shared, new_token, usable_cpus

T = TypeVar("T")

SAFE_START_METHODS = ("forkserver", "spawn")
"""Start methods whose workers begin single-threaded. ``fork`` copies the parent's threads' locks
(HiGHS keeps a thread pool once it has solved anything) and can deadlock a worker: not offered."""

_PAYLOADS: dict[str, Any] = {}
"""Worker side: scattered payloads loaded so far, by token (one load per worker process)."""


def run_with_payload(fn: Callable[[Any, Any], Any], token: str, path: str, item: Any) -> Any:
    """Worker side: ``fn(payload, item)``, loading the payload from ``path`` on this worker's first use."""
    if token not in _PAYLOADS:
        with open(path, "rb") as f:
            _PAYLOADS[token] = pickle.load(f)
    return fn(_PAYLOADS[token], item)


class SerialExecutor(ExecutorBase):
    """Runs every task in this process, one at a time, when the caller asks for the next result.

    For tests, debugging (breakpoints work) and one-core machines. The payload of ``scatter`` is the
    object itself, not a copy: tasks must not change it. Tasks share this process's HiGHS thread
    count (see the package docstring).
    """

    def __init__(self) -> None:
        self.workers = 1
        self._payloads: dict[str, Any] = {}
        self._closed = False

    def scatter(self, obj: T) -> Shared[T]:
        """Keep ``obj`` for tasks of this executor (no copy)."""
        self._check_open()
        token = new_token("serial")
        self._payloads[token] = obj
        return Shared(owner=id(self), token=token)

    def outcomes(
        self, fn: Callable[..., Any], items: Iterable[Any], shared: Shared[Any] | None
    ) -> Iterator[tuple[int, Outcome]]:
        self._check_open()
        payload = None if shared is None else self._payloads[shared.token]
        for i, item in enumerate(items):
            try:
                value = fn(item) if shared is None else fn(payload, item)
            except Exception as exc:
                yield i, Outcome(error=exc)
                return
            yield i, Outcome(value=value)

    def close(self) -> None:
        """Forget the scattered payloads."""
        self._payloads.clear()
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this executor is closed")


class ProcessExecutor(FuturePool):
    """A pool of ``workers`` processes on this machine (default: the usable CPUs).

    Workers start by ``forkserver`` where the OS has it, else ``spawn``: never ``fork``, which is unsafe
    once HiGHS has started threads. ``scatter`` pickles the payload once into a private temporary
    folder; each worker loads it on its first task and keeps it. Tasks that run HiGHS should set
    ``threads=1`` so that ``workers`` solves share the cores without oversubscribing them (see the
    package docstring on HiGHS's per-process thread count).

    A worker that dies (killed, out of memory) fails the tasks then running with a ``FleetplanError``;
    the next ``map`` starts a fresh pool. ``close`` waits for running tasks (give sub-solves a time
    limit), cancels queued ones and deletes the payload files.
    """

    def __init__(self, workers: int | None = None, *, start_method: str | None = None) -> None:
        n = usable_cpus() if workers is None else workers
        if n < 1:
            raise ValueError(f"workers must be at least 1, got {n}")
        method = start_method or next(m for m in SAFE_START_METHODS if m in mp.get_all_start_methods())
        if method not in SAFE_START_METHODS:
            raise ValueError(f"start_method must be one of {SAFE_START_METHODS}, got {method!r}")
        self.workers = n
        self.start_method = method
        self._pool = self._new_pool()
        self._paths: dict[str, str] = {}
        self._dir: str | None = None
        self._cleanup: weakref.finalize | None = None

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context(self.start_method))

    def scatter(self, obj: T) -> Shared[T]:
        """Pickle ``obj`` once to a file that each worker loads on its first task that needs it."""
        if self._dir is None:
            self._dir = tempfile.mkdtemp(prefix="fleetplan-shared-")
            self._cleanup = weakref.finalize(self, shutil.rmtree, self._dir, ignore_errors=True)
        token = new_token("proc")
        path = os.path.join(self._dir, f"{token}.pickle")
        with open(path, "wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
        self._paths[token] = path
        return Shared(owner=id(self), token=token, nbytes=os.path.getsize(path))

    def submit(self, fn: Callable[..., Any], items: list[Any], shared: Shared[Any] | None) -> list[Any]:
        if shared is not None:
            fn = functools.partial(run_with_payload, fn, shared.token, self._paths[shared.token])
        try:
            return [self._pool.submit(fn, item) for item in items]
        except BrokenProcessPool:  # a worker died in an earlier map: start over
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            return [self._pool.submit(fn, item) for item in items]

    def collect(self, futures: list[Any], indices: list[int]) -> list[Outcome]:
        return [self._outcome(fut, i) for fut, i in zip(futures, indices, strict=True)]

    def _outcome(self, future: cf.Future[Any], index: int) -> Outcome:
        try:
            return Outcome(value=future.result())
        except BrokenProcessPool as exc:
            err = FleetplanError(f"a worker process died while running item {index} (killed, or out of memory?)")
            err.__cause__ = exc
            return Outcome(error=err)
        except Exception as exc:
            return Outcome(error=exc)

    def cancel(self, futures: list[Any]) -> None:
        for fut in futures:
            fut.cancel()

    def close(self) -> None:
        """Cancel queued tasks, wait for running ones, stop the workers and delete the payload files."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._cleanup is not None:
            self._cleanup()
        self._paths.clear()
