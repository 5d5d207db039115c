"""What an engine of ``fleetplan.parallel`` costs per task: a Markdown table.

    python benchmarks/parallel_overhead.py                        # serial, local (2 workers), dask (local cluster)
    python benchmarks/parallel_overhead.py --workers 4 --dask tcp://scheduler:8786
    python benchmarks/parallel_overhead.py --ray local              # adds Ray (a local runtime here)

For each engine: the time to the first result (pool or cluster start-up, workers importing their
modules), ``scatter`` of a ~20 MB sparse matrix, 200 no-op tasks (per-task overhead), and 20 small
LP solves that each read their own block of the scattered matrix (a sub-solve's shape). The last row
passes the matrix inside every item instead of scattering it, to show what ``scatter`` saves. Every
engine's LP results are checked equal to the serial ones. ``--dask`` uses an existing cluster;
without it the script starts a loopback ``LocalCluster``. Starting a local Dask cluster or Ray
runtime is not counted in "first result"; starting the local process pool is.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from fleetplan.parallel import Executor, ProcessExecutor, SerialExecutor, executor_from_spec, usable_cpus

ROWS, COLS, PER_ROW = 20_000, 100_000, 80  # 1.6M nonzeros: ~19 MB as CSR
BLOCK = 50  # rows per LP


def make_matrix(seed: int = 0) -> sp.csr_matrix:
    """A random ``ROWS x COLS`` CSR matrix with ``PER_ROW`` nonzeros in every row (fixed seed)."""
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, COLS, ROWS * PER_ROW, dtype=np.int32)
    data = rng.uniform(0.1, 1.0, ROWS * PER_ROW)
    indptr = np.arange(0, ROWS * PER_ROW + 1, PER_ROW, dtype=np.int64)
    return sp.csr_matrix((data, indices, indptr), shape=(ROWS, COLS))


def noop(x: int) -> int:
    return x


def solve_block(a: sp.csr_matrix, k: int) -> float:
    """Maximize ``sum x`` over rows ``k*BLOCK..`` of ``a``: ``A x <= 1``, ``0 <= x <= 1``; the objective."""
    import highspy

    sub = a[k * BLOCK : (k + 1) * BLOCK]
    cols = np.unique(sub.indices)
    sub = sub[:, cols].tocsc()
    n, m = len(cols), sub.shape[0]
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = -np.ones(n), np.zeros(n), np.ones(n)
    lp.row_lower_, lp.row_upper_ = np.full(m, -highspy.kHighsInf), np.ones(m)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = sub.indptr.astype(np.int32)
    lp.a_matrix_.index_ = sub.indices.astype(np.int32)
    lp.a_matrix_.value_ = sub.data
    h = highspy.Highs()
    for name, value in (("output_flag", False), ("threads", 1), ("random_seed", 0)):
        h.setOptionValue(name, value)
    h.passModel(lp)
    h.run()
    return float(h.getInfo().objective_function_value)


def solve_block_item(item: tuple[sp.csr_matrix, int]) -> float:
    """``solve_block`` with the matrix inside the item (what not scattering costs)."""
    return solve_block(*item)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def measure(name: str, ex: Executor, a: sp.csr_matrix, n_noop: int, n_lp: int) -> dict[str, Any]:
    """One table row: start-up, scatter, no-op overhead and LP solves on ``ex``."""
    start_s, _ = timed(lambda: list(ex.map(noop, range(ex.workers))))
    scatter_s, handle = timed(lambda: ex.scatter(a))
    noop_s, _ = timed(lambda: list(ex.map(noop, range(n_noop))))
    list(ex.map(solve_block, range(ex.workers), shared=handle))  # each worker loads the payload once
    lp_s, objs = timed(lambda: list(ex.map(solve_block, range(n_lp), shared=handle)))
    return {
        "engine": name,
        "workers": ex.workers,
        "start_s": start_s,
        "scatter_s": scatter_s,
        "noop_ms": 1e3 * noop_s / n_noop,
        "lp_s": lp_s,
        "objs": objs,
    }


def run_engines(args: argparse.Namespace, a: sp.csr_matrix) -> list[dict[str, Any]]:
    rows = []
    with SerialExecutor() as ex:
        rows.append(measure("serial", ex, a, args.noops, args.lps))
    with ProcessExecutor(args.workers) as ex:
        rows.append(measure(f"local ({ex.start_method})", ex, a, args.noops, args.lps))
        t, objs = timed(lambda: list(ex.map(solve_block_item, [(a, k) for k in range(args.lps)])))
        no_scatter = {"engine": "local, matrix in every item", "workers": ex.workers, "lp_s": t, "objs": objs}
    if not args.no_dask:
        rows.append(dask_row(args, a))
    if args.ray:
        from fleetplan.parallel import RayExecutor

        with RayExecutor(args.ray, workers=None if args.ray == "local" else args.workers) as ex:
            rows.append(measure(f"ray {args.ray}", ex, a, args.noops, args.lps))
    rows.append(no_scatter)
    return rows


def dask_row(args: argparse.Namespace, a: sp.csr_matrix) -> dict[str, Any]:
    if args.dask:
        with executor_from_spec(args.dask, args.workers) as ex:
            return measure(f"dask {args.dask}", ex, a, args.noops, args.lps)
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=args.workers,
            processes=True,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        ) as cluster,
        executor_from_spec(cluster.scheduler_address, None) as ex,
    ):
        return measure("dask (LocalCluster)", ex, a, args.noops, args.lps)


def table(rows: list[dict[str, Any]], a: sp.csr_matrix, args: argparse.Namespace) -> str:
    mb = (a.data.nbytes + a.indices.nbytes + a.indptr.nbytes) / 1e6
    serial_lp = rows[0]["lp_s"]

    def cell(row: dict[str, Any], key: str, fmt: str) -> str:
        return format(row[key], fmt) if key in row else "–"

    out = [
        f"Machine: {platform.machine()}, {usable_cpus()} usable CPUs, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}. Payload: {mb:.1f} MB CSR ({a.nnz:,} nonzeros); "
        f"{args.noops} no-op tasks; {args.lps} LPs of {BLOCK} rows.",
        "",
        "| engine | workers | first result (s) | scatter (s) | no-op task (ms) | LPs (s) | LP speed-up vs serial |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        out.append(
            f"| {r['engine']} | {r['workers']} | {cell(r, 'start_s', '.2f')} | {cell(r, 'scatter_s', '.3f')} "
            f"| {cell(r, 'noop_ms', '.2f')} | {r['lp_s']:.2f} | {serial_lp / r['lp_s']:.2f}x |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--noops", type=int, default=200)
    p.add_argument("--lps", type=int, default=20)
    p.add_argument("--dask", help="address of an existing Dask scheduler (default: a local cluster)")
    p.add_argument("--no-dask", action="store_true", help="skip the Dask row")
    p.add_argument("--ray", help="a Ray address (ray://head:10001), or 'local' to start a Ray runtime here")
    args = p.parse_args(argv)
    a = make_matrix()
    rows = run_engines(args, a)
    for r in rows[1:]:
        assert r["objs"] == rows[0]["objs"], f"{r['engine']}: results differ from serial"
    print(table(rows, a, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
