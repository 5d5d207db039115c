"""One interface for running independent sub-solves: in-process, on local processes, on Dask or Ray.

>>> from fleetplan.parallel import executor_from_spec
>>> with executor_from_spec("serial", None) as ex:
...     list(ex.map(abs, [-2, 1, -3]))
[2, 1, 3]

An engine runs ``fn(item)`` for every item, or ``fn(payload, item)`` when given ``shared=handle``
from ``scatter(payload)``: a large read-only object (the model's sparse matrix) sent once per worker
instead of once per task.

Determinism contract:

- A task's result depends only on ``fn``, its item and the payload: never on the engine, on which
  worker ran it or on the order tasks finished. ``fn`` must therefore be deterministic on its own
  (fixed solver seed and thread count, no shared mutable state) and must not change the payload.
- ``map`` yields results in submission order (``ordered=True``, the default); an error raises when
  its position comes up, so the error raised is the first failing item's, whatever finished first.
- ``as_completed`` yields ``(index, result)`` as tasks finish, every index exactly once; the order
  varies from run to run, so a caller that keeps "the best so far" must break ties by index.
- A task's exception reaches the caller with its own type and message. An engine failure (a worker
  process killed, a lost scheduler, a cluster left without workers) raises ``FleetplanError``
  instead of hanging.
- Leaving an iterator early (``break``, an exception) cancels the tasks not yet started.

HiGHS in tasks: HiGHS fixes its thread count for the whole process at its first solve; a later solve
in that process with another non-zero ``threads`` option fails (``kError``, model status ``kNotset``)
unless ``highspy.Highs.resetGlobalScheduler(True)`` runs first. Worker processes (local, Dask, Ray)
start fresh, so sub-solves there should all use ``threads=1``; ``SerialExecutor`` runs tasks in the
calling process, where the planner's own solves have already fixed the count (``threads=0`` accepts it).

Engines: ``SerialExecutor`` (this process), ``ProcessExecutor`` (the default, a pool of local
processes), ``DaskExecutor`` (needs ``pip install "fleetplan[dask]"``) and ``RayExecutor`` (needs
``pip install "fleetplan[ray]"``); ``distributed`` and ``ray`` are imported only when such an executor
is made. ``executor_from_spec`` turns the CLI's ``--engine``/``--workers`` into one.
"""

from __future__ import annotations

from fleetplan.errors import InputError
from fleetplan.parallel._core import Executor, Shared, usable_cpus
from fleetplan.parallel._dask import DaskExecutor
from fleetplan.parallel._local import ProcessExecutor, SerialExecutor
from fleetplan.parallel._ray import RayExecutor

__all__ = [
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "RayExecutor",
    "SerialExecutor",
    "Shared",
    "executor_from_spec",
    "parse_engine",
    "usable_cpus",
]

_DASK_PORT = 8786
_RAY_CLIENT_PORT = 10001
_ENGINES = "local, serial, dask://HOST:PORT, tcp://HOST:PORT or ray://HOST:PORT"


def parse_engine(spec: str | None, workers: int | None = None) -> tuple[str, str | None]:
    """``(kind, address)`` of an engine spec, without starting or reaching anything.

    ``kind`` is ``"local"``, ``"serial"``, ``"dask"`` or ``"ray"``; ``address`` the cluster's
    ``tcp://host:port`` or ``ray://host:port`` (``None`` for local kinds). Raises ``InputError``
    (exit code 2) for an unknown spec or a worker count below 1, so a command can reject a bad
    ``--engine`` before any work.
    """
    if workers is not None and workers < 1:
        raise InputError(f"workers must be at least 1, got {workers}")
    name = (spec or "local").strip()
    if name == "local":
        return "local", None
    if name == "serial":
        if workers not in (None, 1):
            raise InputError(f"engine 'serial' runs one task at a time, got workers={workers}")
        return "serial", None
    scheme, sep, rest = name.partition("://")
    if sep and scheme in ("dask", "tcp"):
        return "dask", f"tcp://{_host_port(spec, rest, _DASK_PORT)}"
    if sep and scheme == "ray":
        return "ray", f"ray://{_host_port(spec, rest, _RAY_CLIENT_PORT)}"
    raise InputError(f"unknown engine {spec!r}: expected {_ENGINES}")


def executor_from_spec(spec: str | None, workers: int | None = None) -> Executor:
    """The engine named by ``spec``, running at most ``workers`` tasks at once (``None``: all it can).

    ``None`` or ``"local"``: ``ProcessExecutor``; ``"serial"``: ``SerialExecutor``;
    ``"dask://host:8786"`` or ``"tcp://host:8786"``: ``DaskExecutor`` (port 8786 when omitted);
    ``"ray://host:10001"``: ``RayExecutor`` (Ray Client).
    Raises ``InputError`` (exit code 2) for an unknown spec or a worker count below 1 (see
    :func:`parse_engine`), and ``FleetplanError`` when the engine's extra is missing or its
    cluster cannot be reached.
    """
    kind, address = parse_engine(spec, workers)
    if kind == "local":
        return ProcessExecutor(workers)
    if kind == "serial":
        return SerialExecutor()
    if kind == "dask":
        return DaskExecutor(address, workers=workers)
    return RayExecutor(address, workers=workers)


def _host_port(spec: str | None, rest: str, default_port: int) -> str:
    """``host:port`` from the part after ``://``; ``InputError`` when it is not one."""
    rest = rest.rstrip("/")
    host, colon, port = rest.rpartition(":")
    if not colon or rest.endswith("]"):  # no port, or a bare IPv6 address in brackets
        host, port = rest, str(default_port)
    if not host or "/" in host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"engine {spec!r}: expected HOST:PORT after '://', e.g. dask://scheduler:8786")
    return f"{host}:{port}"
