"""The executor interface, the shared-payload handle, and the submit/wait loop the pool engines share."""

from __future__ import annotations

import itertools
import os
import queue
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar, runtime_checkable

T = TypeVar("T")
R = TypeVar("R")

_TOKENS = itertools.count()


@dataclass(frozen=True, slots=True)
class Shared(Generic[T]):
    """Opaque handle to a read-only payload broadcast by ``Executor.scatter``.

    Only the executor that made it can use it. Pass it as ``shared=`` to ``map`` or ``as_completed``;
    the task then runs as ``fn(payload, item)`` on a worker that already holds the payload.
    """

    owner: int
    token: str
    nbytes: int | None = None


def new_token(prefix: str) -> str:
    """A token unique within this process (executors add their own id)."""
    return f"{prefix}-{os.getpid()}-{next(_TOKENS)}"


@runtime_checkable
class Executor(Protocol):
    """Runs ``fn`` over independent items; see the package docstring for the determinism contract.

    ``workers`` is how many tasks run at once. ``fn``, the items and the results must be picklable
    (a module-level function, not a lambda or a closure, for the local process engine).
    """

    workers: int

    def scatter(self, obj: T) -> Shared[T]:
        """Send ``obj`` once to every worker; tasks given the handle receive the payload itself."""
        ...

    def map(
        self,
        fn: Callable[..., R],
        items: Iterable[Any],
        *,
        ordered: bool = True,
        shared: Shared[Any] | None = None,
    ) -> Iterator[R]:
        """``fn(item)`` (or ``fn(payload, item)``) for every item.

        ``ordered=True``: results in submission order; the first failing item (by position) raises
        its exception. ``ordered=False``: results as they finish. Leaving the iterator early cancels
        the tasks that have not started.
        """
        ...

    def as_completed(
        self,
        fn: Callable[..., R],
        items: Iterable[Any],
        *,
        shared: Shared[Any] | None = None,
    ) -> Iterator[tuple[int, R]]:
        """``(index, result)`` as each task finishes; every index exactly once, or the first error raises."""
        ...

    def close(self) -> None:
        """Stop the workers and free the scattered payloads. Idempotent."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one task gave: a value, or the exception to raise in the caller."""

    value: Any = None
    error: BaseException | None = None

    def unwrap(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


def in_submission_order(outcomes: Iterator[tuple[int, Outcome]]) -> Iterator[Any]:
    """Reorder ``(index, outcome)`` pairs into index order, yielding each value as soon as its turn comes.

    An error raises when its index comes up, so the error raised is the first in submission order,
    whatever order the tasks finished in.
    """
    waiting: dict[int, Outcome] = {}
    nxt = 0
    for i, out in outcomes:
        waiting[i] = out
        while nxt in waiting:
            yield waiting.pop(nxt).unwrap()
            nxt += 1


class ExecutorBase(ABC):
    """Context manager, ``map`` and ``as_completed`` over an engine's ``outcomes`` generator."""

    workers: int

    @abstractmethod
    def scatter(self, obj: T) -> Shared[T]: ...

    @abstractmethod
    def outcomes(
        self, fn: Callable[..., Any], items: Iterable[Any], shared: Shared[Any] | None
    ) -> Iterator[tuple[int, Outcome]]:
        """``(index, outcome)`` as tasks finish; closing the generator cancels what has not started."""

    @abstractmethod
    def close(self) -> None: ...

    def map(
        self,
        fn: Callable[..., R],
        items: Iterable[Any],
        *,
        ordered: bool = True,
        shared: Shared[Any] | None = None,
    ) -> Iterator[R]:
        """See ``Executor.map``."""
        self.check_handle(shared)
        gen = self.outcomes(fn, items, shared)
        if ordered:
            return _closing(in_submission_order(gen), gen)
        return (out.unwrap() for _, out in _closing(gen, gen))

    def as_completed(
        self,
        fn: Callable[..., R],
        items: Iterable[Any],
        *,
        shared: Shared[Any] | None = None,
    ) -> Iterator[tuple[int, R]]:
        """See ``Executor.as_completed``."""
        self.check_handle(shared)
        gen = self.outcomes(fn, items, shared)
        return ((i, out.unwrap()) for i, out in _closing(gen, gen))

    def check_handle(self, handle: Shared[Any] | None) -> None:
        """Raise ``ValueError`` for a handle made by another executor."""
        if handle is not None and handle.owner != id(self):
            raise ValueError("this Shared handle was made by another executor's scatter()")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _closing(it: Iterator[Any], gen: Iterator[Any]) -> Iterator[Any]:
    """Iterate ``it``; close ``gen`` (cancelling pending tasks) when the caller stops or fails early."""
    try:
        yield from it
    finally:
        close = getattr(gen, "close", None)
        if close is not None:
            close()


class FuturePool(ExecutorBase):
    """Engines built on futures that take ``add_done_callback``: subclasses submit, collect, cancel.

    ``window`` caps tasks in flight (``None``: submit every item at once and let the engine queue).
    While no task finishes, ``check_alive`` runs every ``poll_s`` seconds so that a dead cluster
    raises instead of hanging. Submission and collection go by batches (one round trip each on Dask).
    """

    window: int | None = None
    poll_s: float = 1.0

    @abstractmethod
    def submit(self, fn: Callable[..., Any], items: list[Any], shared: Shared[Any] | None) -> list[Any]:
        """Start one task per item; return their futures (hashable, with ``add_done_callback``)."""

    @abstractmethod
    def collect(self, futures: list[Any], indices: list[int]) -> list[Outcome]:
        """The finished tasks' outcomes; engine failures become a ``FleetplanError`` naming the item."""

    @abstractmethod
    def cancel(self, futures: list[Any]) -> None:
        """Cancel tasks that have not finished (best effort)."""

    def check_alive(self, unfinished: int) -> None:
        """Raise ``FleetplanError`` when the engine can no longer finish the ``unfinished`` tasks."""

    def outcomes(
        self, fn: Callable[..., Any], items: Iterable[Any], shared: Shared[Any] | None
    ) -> Iterator[tuple[int, Outcome]]:
        todo = enumerate(items)
        pending: dict[Any, int] = {}
        finished: queue.SimpleQueue[Any] = queue.SimpleQueue()

        def fill() -> None:
            room = None if self.window is None else self.window - len(pending)
            chunk = list(itertools.islice(todo, room))
            if not chunk:
                return
            futures = self.submit(fn, [item for _, item in chunk], shared)
            for fut, (i, _) in zip(futures, chunk, strict=True):
                pending[fut] = i
                fut.add_done_callback(finished.put)

        try:
            fill()
            while pending:
                try:
                    batch = [finished.get(timeout=self.poll_s)]
                except queue.Empty:
                    self.check_alive(len(pending))
                    continue
                while not finished.empty():
                    batch.append(finished.get_nowait())
                done = sorted((f for f in batch if f in pending), key=pending.__getitem__)  # lowest index first
                indices = [pending.pop(f) for f in done]
                yield from zip(indices, self.collect(done, indices), strict=True)
                fill()
        finally:
            if pending:
                self.cancel(list(pending))
