"""Engine on a Dask cluster. Optional: ``distributed`` is imported when a ``DaskExecutor`` is made."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

from fleetplan.errors import FleetplanError
from fleetplan.parallel._core import FuturePool, Outcome, Shared, new_token

T = TypeVar("T")

DASK_MISSING = 'the dask engine needs the "dask" extra: pip install "fleetplan[dask]"'


def import_distributed() -> ModuleType:
    """``distributed``, or a ``FleetplanError`` naming the extra to install."""
    try:
        import distributed
    except ImportError as exc:
        raise FleetplanError(DASK_MISSING) from exc
    return distributed


class DaskExecutor(FuturePool):
    """Tasks on the Dask cluster whose scheduler listens at ``address`` (``tcp://host:8786``).

    ``workers``: the most tasks in flight at once (default: every item is submitted and the cluster
    runs as many as it has threads, the number ``workers`` then reports). The workers need the same
    fleetplan (and the code of ``fn``) installed. ``scatter`` broadcasts the payload to every worker.

    Failures raise instead of hanging: no scheduler within ``connect_timeout_s`` or no worker joining
    within that time; a task whose workers keep dying (Dask's ``KilledWorker``); the scheduler
    gone, or no worker left for ``no_workers_timeout_s`` while tasks wait.
    """

    def __init__(
        self,
        address: str,
        *,
        workers: int | None = None,
        connect_timeout_s: float = 10.0,
        no_workers_timeout_s: float = 60.0,
        poll_s: float = 1.0,
    ) -> None:
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self._dd = import_distributed()
        self.address = address
        self.poll_s = poll_s
        self._connect_timeout_s = connect_timeout_s
        self._no_workers_timeout_s = no_workers_timeout_s
        self._no_workers_since: float | None = None
        self._payloads: dict[str, Any] = {}
        try:
            self._client = self._dd.Client(address, timeout=connect_timeout_s, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise FleetplanError(f"cannot reach the dask scheduler at {address}: {exc}") from exc
        try:
            self._client.wait_for_workers(1, timeout=connect_timeout_s)
        except TimeoutError as exc:
            self._client.close()
            raise FleetplanError(
                f"the dask scheduler at {address} has no workers after {connect_timeout_s:g} s"
                f" (start some: dask worker {address})"
            ) from exc
        threads = sum(self._client.nthreads().values())
        self.window = workers
        self.workers = workers if workers is not None else threads

    def scatter(self, obj: T) -> Shared[T]:
        """Copy ``obj`` to every worker now (workers that join later fetch it from a peer)."""
        from dask.sizeof import sizeof

        [future] = self._client.scatter([obj], broadcast=True, hash=False, timeout=self._connect_timeout_s)
        token = new_token("dask")
        self._payloads[token] = future
        return Shared(owner=id(self), token=token, nbytes=int(sizeof(obj)))

    def submit(self, fn: Callable[..., Any], items: list[Any], shared: Shared[Any] | None) -> list[Any]:
        if shared is None:
            return self._client.map(fn, items, pure=False)
        return self._client.map(fn, [self._payloads[shared.token]] * len(items), items, pure=False)

    def collect(self, futures: list[Any], indices: list[int]) -> list[Outcome]:
        ok = [f for f in futures if f.status == "finished"]
        values = dict(zip(ok, self._client.gather(ok), strict=True)) if ok else {}  # one round trip
        return [
            Outcome(value=values[f]) if f in values else self._failure(f, i)
            for f, i in zip(futures, indices, strict=True)
        ]

    def _failure(self, future: Any, index: int) -> Outcome:
        if future.status == "cancelled":
            lost = self._client.status != "running"
            why = (
                f"the connection to the scheduler at {self.address} was lost" if lost else "the scheduler cancelled it"
            )
            return Outcome(error=FleetplanError(f"dask did not finish item {index}: {why}"))
        try:
            future.result()
        except self._dd.KilledWorker as exc:
            err = FleetplanError(f"item {index} killed every dask worker it ran on (out of memory, or a crash?)")
            err.__cause__ = exc
            return Outcome(error=err)
        except Exception as exc:
            return Outcome(error=exc)
        raise AssertionError(f"dask future of item {index} is {future.status}, not failed")

    def cancel(self, futures: list[Any]) -> None:
        if self._client.status == "running":
            self._client.cancel(futures)

    def check_alive(self, unfinished: int) -> None:
        """Raise when the scheduler is gone or has had no worker for ``no_workers_timeout_s``."""
        lost = FleetplanError(f"lost the dask scheduler at {self.address} with {unfinished} tasks unfinished")
        if self._client.status not in ("running", "connecting"):
            raise lost
        try:
            threads = self._client.nthreads(callback_timeout=self._connect_timeout_s)
        except (OSError, TimeoutError) as exc:
            raise lost from exc
        now = time.monotonic()
        if threads:
            self._no_workers_since = None
        elif self._no_workers_since is None:
            self._no_workers_since = now
        elif now - self._no_workers_since > self._no_workers_timeout_s:
            raise FleetplanError(
                f"the dask cluster at {self.address} has had no workers for {self._no_workers_timeout_s:g} s"
                f" with {unfinished} tasks unfinished"
            )

    def close(self) -> None:
        """Release the payloads and disconnect (the cluster keeps running)."""
        self._payloads.clear()
        self._client.close()
