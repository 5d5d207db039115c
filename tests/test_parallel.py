"""Executors: serial, local processes and a real Dask cluster on loopback give the same results."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import fleetplan.parallel as par
from fleetplan.errors import FleetplanError, InputError
from fleetplan.parallel import DaskExecutor, Executor, ProcessExecutor, RayExecutor, SerialExecutor, executor_from_spec
from tests.parallel_tasks import die, fail_on, make_payload, nap, slow_square, solve_lp, square

ITEMS = list(range(12))

try:
    import distributed
except ImportError:  # the dev extra installs it; a bare install skips the Dask cases
    distributed = None
try:
    import ray
except ImportError:  # an optional extra, not in dev: CI skips the Ray cases
    ray = None


# Engines


def loopback_cluster(n_workers: int) -> Any:
    """A real Dask cluster of single-threaded worker processes, listening on loopback only."""
    return distributed.LocalCluster(
        n_workers=n_workers,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,  # no dashboard; the scheduler's HTTP endpoints on a free port:
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    )


@pytest.fixture(scope="module")
def process_executor() -> Iterator[ProcessExecutor]:
    with ProcessExecutor(workers=2) as ex:
        yield ex


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[Any]:
    if distributed is None:
        pytest.skip("distributed is not installed (pip install 'fleetplan[dask]')")
    import dask

    # one failure marks a task's worker as killed: the killed-worker test then takes one restart
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        loopback_cluster(n_workers=2) as cluster,
    ):
        yield cluster


@pytest.fixture(scope="module")
def dask_executor(dask_cluster: Any) -> Iterator[Executor]:
    with executor_from_spec(dask_cluster.scheduler_address, None) as ex:
        yield ex


@pytest.fixture(scope="module")
def ray_executor() -> Iterator[Executor]:
    if ray is None:
        pytest.skip("ray is not installed (pip install 'fleetplan[ray]')")
    if ray.is_initialized():
        pytest.skip("this process is already connected to ray")
    with RayExecutor("local") as ex:  # starts a local Ray runtime (about 10 s), stops it on close
        yield ex


@pytest.fixture(params=["serial", "process", "dask", "ray"])
def executor(request: pytest.FixtureRequest) -> Iterator[Executor]:
    if request.param == "serial":
        with SerialExecutor() as ex:
            yield ex
    else:
        yield request.getfixturevalue(f"{request.param}_executor")


# Behaviour every engine shares


def test_engines_give_the_results_of_a_plain_loop(executor: Executor) -> None:
    payload = make_payload()
    expected = [solve_lp(payload, k) for k in ITEMS]
    handle = executor.scatter(payload)
    assert list(executor.map(solve_lp, ITEMS, shared=handle)) == expected
    assert sorted(executor.as_completed(solve_lp, ITEMS, shared=handle)) == list(enumerate(expected))
    assert sorted(executor.map(solve_lp, ITEMS, ordered=False, shared=handle)) == sorted(expected)


def test_map_keeps_submission_order(executor: Executor) -> None:
    assert list(executor.map(slow_square, ITEMS)) == [x * x for x in ITEMS]
    assert list(executor.map(square, [])) == []


def test_as_completed_yields_every_index_once(executor: Executor) -> None:
    seen = [i for i, r in executor.as_completed(slow_square, ITEMS) if r == ITEMS[i] ** 2]
    assert sorted(seen) == list(range(len(ITEMS)))


def test_the_first_failing_item_raises_its_own_exception(executor: Executor) -> None:
    with pytest.raises(ValueError, match=r"^item 3 is bad$"):
        list(executor.map(fail_on, ITEMS))
    with pytest.raises(ValueError, match=r"^item [37] is bad$"):
        list(executor.as_completed(fail_on, ITEMS))
    assert list(executor.map(square, [2, 3])) == [4, 9]  # still usable


def test_leaving_early_is_allowed(executor: Executor) -> None:
    for i, _ in executor.as_completed(slow_square, range(40)):
        assert 0 <= i < 40
        break
    assert list(executor.map(square, [5])) == [25]


def test_a_handle_belongs_to_its_executor(executor: Executor) -> None:
    with SerialExecutor() as other:
        foreign = other.scatter([1])
    with pytest.raises(ValueError, match="another executor"):
        executor.map(square, [1], shared=foreign)


def test_every_engine_is_an_executor(executor: Executor) -> None:
    assert isinstance(executor, Executor)
    assert executor.workers >= 1


# Engine failures


def test_a_dead_worker_process_raises_and_the_pool_recovers(process_executor: ProcessExecutor) -> None:
    with pytest.raises(FleetplanError, match="worker process died while running item 0"):
        list(process_executor.map(die, [0]))
    assert list(process_executor.map(square, [1, 2])) == [1, 4]


def test_a_task_that_kills_its_dask_worker_raises(dask_executor: Executor) -> None:
    with pytest.raises(FleetplanError, match="item 0 killed every dask worker"):
        list(dask_executor.map(die, [0]))


def test_a_task_that_kills_its_ray_worker_raises(ray_executor: Executor) -> None:
    with pytest.raises(FleetplanError, match="ray did not finish item 0: WorkerCrashedError"):
        list(ray_executor.map(die, [0]))


@pytest.mark.skipif(distributed is None, reason="distributed is not installed")
def test_a_cluster_left_without_workers_raises_instead_of_hanging() -> None:
    import dask

    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 3}),  # Dask's default: the task waits
        loopback_cluster(n_workers=1) as cluster,
        DaskExecutor(cluster.scheduler_address, no_workers_timeout_s=0.3, poll_s=0.1) as ex,
    ):
        results = ex.as_completed(nap, [0.0, 1.0])
        assert next(results) == (0, 0.0)
        cluster.scale(0)
        with pytest.raises(FleetplanError, match=r"has had no workers for 0\.3 s with 1 tasks unfinished"):
            next(results)


@pytest.mark.skipif(distributed is None, reason="distributed is not installed")
def test_an_unreachable_dask_scheduler_raises_quickly() -> None:
    with pytest.raises(FleetplanError, match=r"cannot reach the dask scheduler at tcp://127\.0\.0\.1:9"):
        DaskExecutor("tcp://127.0.0.1:9", connect_timeout_s=0.5)


@pytest.mark.parametrize(("module", "spec"), [("distributed", "dask://scheduler:8786"), ("ray", "ray://head:10001")])
def test_a_missing_engine_names_its_extra(monkeypatch: pytest.MonkeyPatch, module: str, spec: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # what `import` sees when it is not installed
    extra = spec.split(":")[0]
    with pytest.raises(FleetplanError, match=rf'pip install "fleetplan\[{extra}\]"'):
        executor_from_spec(spec, None)


# Specs


@pytest.mark.parametrize("spec", [None, "local", " local "])
def test_local_specs_make_a_process_pool(spec: str | None) -> None:
    with executor_from_spec(spec, 2) as ex:
        assert isinstance(ex, ProcessExecutor)
        assert ex.workers == 2
        assert ex.start_method in ("forkserver", "spawn")


def test_the_default_pool_uses_the_usable_cpus() -> None:
    with executor_from_spec(None, None) as ex:
        assert ex.workers == par.usable_cpus() >= 1


def test_serial_spec() -> None:
    with executor_from_spec("serial", None) as ex:
        assert isinstance(ex, SerialExecutor)
        assert ex.workers == 1


@pytest.mark.parametrize(
    "spec",
    [
        "gpu",
        "dask",
        "dask://",
        "dask://:8786",
        "dask://host:port",
        "dask://host:0",
        "http://host:8786",
        "ray:/x",
        "ray://",
    ],
)
def test_bad_specs_are_input_errors(spec: str) -> None:
    with pytest.raises(InputError) as info:
        executor_from_spec(spec, None)
    assert info.value.exit_code == 2
    assert "\n" not in str(info.value)
    assert repr(spec) in str(info.value)


@pytest.mark.parametrize(("spec", "workers"), [("local", 0), ("serial", 2), ("dask://h:8786", -1)])
def test_bad_worker_counts_are_input_errors(spec: str, workers: int) -> None:
    with pytest.raises(InputError, match="workers"):
        executor_from_spec(spec, workers)


def test_public_names() -> None:
    defined_here = {
        name
        for name, value in vars(par).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("fleetplan.parallel")
    }
    assert sorted(par.__all__) == sorted(defined_here)


def test_importing_fleetplan_parallel_does_not_import_dask() -> None:
    code = "import sys, fleetplan.parallel; print(sorted({'dask', 'distributed'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
