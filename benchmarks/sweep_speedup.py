"""Speed-up of ``fleetplan sweep`` with 1, 2 and 4 local worker processes: a Markdown table.

    python benchmarks/sweep_speedup.py                  # 100 points of the carbon-budget example
    python benchmarks/sweep_speedup.py --points 20 --workers 1 2

The sweep is a 10 x 10 grid (internal carbon price x provider cap) of the small bundled example,
each point planned within ``--time-limit`` seconds. Wall time includes starting the worker
processes (each imports fleetplan once). Every run's table is checked equal to the first one's
(plans, costs, decisions; not the solve timings). The planner's own solves use two HiGHS threads,
so on a 2-core machine more than two workers only share the same cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from fleetplan.load import load_scenario
from fleetplan.parallel import ProcessExecutor, usable_cpus
from fleetplan.sweep import load_sweep_text, run_sweep

EXAMPLE = Path(__file__).resolve().parents[1] / "src/fleetplan/data/examples/carbon-budget.yaml"
COMPARED = ["point_id", "status", "total_usd", "co2e_t", "top_provider", "top_provider_share"]


def grid(points: int) -> str:
    """A sweep file of about ``points`` points: carbon price x provider cap, no carbon budget."""
    side = max(1, round(points**0.5))
    other = max(1, points // side)
    prices = [round(2000 * i / max(1, side - 1)) for i in range(side)]
    caps = [round(0.5 + 0.5 * i / max(1, other - 1), 3) for i in range(other)]
    return (
        "parameters:\n"
        f"  objective.carbon_price_usd_per_tco2e: {prices}\n"
        f"  policy.max_provider_share: {caps}\n"
        "  policy.carbon_budget_tco2e: [null]\n"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=100)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--time-limit", type=float, default=10.0)
    args = ap.parse_args()
    sc = load_scenario(EXAMPLE)
    spec = load_sweep_text(grid(args.points), sc, "speedup.yaml")
    rows, first = [], None
    for n in args.workers:
        with tempfile.TemporaryDirectory() as out, ProcessExecutor(n) as ex:
            t0 = time.perf_counter()
            res = run_sweep(sc, spec, out, ex, time_limit_s=args.time_limit)
            wall = time.perf_counter() - t0
        table = res.table[COMPARED].round(6)
        same = "reference" if first is None else ("yes" if table.equals(first) else "NO")
        first = table if first is None else first
        rows.append((n, wall, res.table["seconds"].sum(), same))
    base = rows[0][1]
    print(
        f"{len(spec.points)} points · {platform.processor() or platform.machine()} · "
        f"{usable_cpus()} usable CPUs · load {os.getloadavg()[0]:.1f} at the end\n"
    )
    print("| workers | wall s | sum of point s | speed-up | same table |")
    print("|---:|---:|---:|---:|---|")
    for n, wall, cpu, same in rows:
        print(f"| {n} | {wall:.1f} | {cpu:.1f} | {base / wall:.2f}× | {same} |")


if __name__ == "__main__":
    main()
