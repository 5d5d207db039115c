"""Engine on a Ray cluster. Optional: ``ray`` is imported when a ``RayExecutor`` is made."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

from fleetplan.errors import FleetplanError
from fleetplan.parallel._core import FuturePool, Outcome, Shared, new_token

T = TypeVar("T")

RAY_MISSING = 'the ray engine needs the "ray" extra: pip install "fleetplan[ray]"'


def import_ray() -> ModuleType:
    """``ray``, or a ``FleetplanError`` naming the extra to install."""
    try:
        import ray
    except ImportError as exc:
        raise FleetplanError(RAY_MISSING) from exc
    return ray


class RayExecutor(FuturePool):
    """Tasks on the Ray cluster at ``address`` (``ray://host:10001``; ``"local"`` starts one here).

    Ray keeps one connection per process: when this process is already connected, the executor uses
    that connection and leaves it open on ``close``. ``workers``: the most tasks in flight at once
    (default: all, and ``workers`` reports the cluster's CPUs). Each task asks Ray for one CPU.
    ``scatter`` puts the payload in Ray's object store once; tasks on a node share its copy.

    Failures raise ``FleetplanError`` instead of hanging: a task whose workers or node keep dying
    (after Ray's retries), a lost connection, or a cluster with no CPU for ``no_workers_timeout_s``.
    """

    def __init__(
        self,
        address: str,
        *,
        workers: int | None = None,
        no_workers_timeout_s: float = 60.0,
        poll_s: float = 1.0,
    ) -> None:
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self._ray = import_ray()
        self.address = address
        self.poll_s = poll_s
        self._no_workers_timeout_s = no_workers_timeout_s
        self._no_workers_since: float | None = None
        self._payloads: dict[str, Any] = {}
        self._remote: dict[Callable[..., Any], Any] = {}
        self._refs: dict[Any, Any] = {}  # concurrent future -> ObjectRef, for cancel
        self._owns_connection = not self._ray.is_initialized()
        if self._owns_connection:
            try:
                self._ray.init(address=address, logging_level="ERROR", include_dashboard=False)
            except (ConnectionError, OSError, TimeoutError) as exc:
                raise FleetplanError(f"cannot reach the ray cluster at {address}: {exc}") from exc
        cpus = int(self._ray.cluster_resources().get("CPU", 0))
        self.window = workers
        self.workers = workers if workers is not None else max(1, cpus)

    def scatter(self, obj: T) -> Shared[T]:
        """Put ``obj`` in Ray's object store once."""
        token = new_token("ray")
        self._payloads[token] = self._ray.put(obj)
        return Shared(owner=id(self), token=token)

    def submit(self, fn: Callable[..., Any], items: list[Any], shared: Shared[Any] | None) -> list[Any]:
        remote = self._remote.get(fn)
        if remote is None:
            remote = self._remote[fn] = self._ray.remote(num_cpus=1)(fn)
        lead = () if shared is None else (self._payloads[shared.token],)
        refs = [remote.remote(*lead, item) for item in items]
        futures = [ref.future() for ref in refs]
        self._refs.update(zip(futures, refs, strict=True))
        return futures

    def collect(self, futures: list[Any], indices: list[int]) -> list[Outcome]:
        out = [self._outcome(f, i) for f, i in zip(futures, indices, strict=True)]
        for f in futures:
            self._refs.pop(f, None)
        return out

    def _outcome(self, future: Any, index: int) -> Outcome:
        errors = self._ray.exceptions
        try:
            return Outcome(value=future.result())
        except errors.RayTaskError as exc:  # the task raised: hand back its own exception
            cause = exc.cause if isinstance(exc.cause, Exception) else exc
            return Outcome(error=cause)
        except (errors.RayError, ConnectionError) as exc:
            err = FleetplanError(f"ray did not finish item {index}: {type(exc).__name__} (a worker or node died?)")
            err.__cause__ = exc
            return Outcome(error=err)
        except Exception as exc:
            return Outcome(error=exc)

    def cancel(self, futures: list[Any]) -> None:
        for f in futures:
            ref = self._refs.pop(f, None)
            if ref is not None and self._ray.is_initialized():
                self._ray.cancel(ref)

    def check_alive(self, unfinished: int) -> None:
        """Raise when the connection is gone or the cluster has had no CPU for ``no_workers_timeout_s``."""
        if not self._ray.is_initialized():
            raise FleetplanError(f"lost the ray cluster at {self.address} with {unfinished} tasks unfinished")
        try:
            cpus = self._ray.cluster_resources().get("CPU", 0)
        except (ConnectionError, OSError) as exc:
            raise FleetplanError(f"lost the ray cluster at {self.address} with {unfinished} tasks unfinished") from exc
        now = time.monotonic()
        if cpus:
            self._no_workers_since = None
        elif self._no_workers_since is None:
            self._no_workers_since = now
        elif now - self._no_workers_since > self._no_workers_timeout_s:
            raise FleetplanError(
                f"the ray cluster at {self.address} has had no CPU for {self._no_workers_timeout_s:g} s"
                f" with {unfinished} tasks unfinished"
            )

    def close(self) -> None:
        """Drop the payloads; disconnect if this executor made the connection."""
        self._payloads.clear()
        self._remote.clear()
        self._refs.clear()
        if self._owns_connection and self._ray.is_initialized():
            self._ray.shutdown()
        self._owns_connection = False
