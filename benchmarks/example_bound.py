"""Where the example's optimality proof spends its time: a Markdown table of bounds and solves.

    python benchmarks/example_bound.py                    # the bundled example, 60 s per relaxation
    python benchmarks/example_bound.py scenario.yaml --time-limit 120

The planner proves the example optimal within 0.5 % by HiGHS branch-and-bound. This script shows
why that takes minutes rather than seconds, by solving the same model several ways:

- ``LP``: the LP relaxation (every integer family continuous).
- ``MIP``: the full model to a 0.5 % proven gap: the planner's solve.
- ``MIP, optimum as start``: the same, handed the optimal plan before it starts. Its time is the
  cost of the proof alone (no search for the plan).
- ``LP, replicas fixed`` / ``LP, all but replicas fixed``: the LP with some integer families fixed
  at their optimal values (how much of the gap each side explains).
- ``only {families} integer``: relaxations that keep some families integral and make the rest
  continuous. The best plan such a relaxation finds within the time limit bounds its optimum from
  above. When that plan is already far below the MIP's optimum, no bound built on those families
  alone (a decomposition over them, their convex hulls, cuts from them) can prove a 0.5 % gap.

Families: y whole serving replicas, n reserved instances, b purchased servers, z training
placements, u provider onboarding, q counted providers, s optional workloads served.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from fleetplan.load.scenario import load_scenario, scenario_catalog
from fleetplan.model.plan import SolveResult
from fleetplan.optimize.candidates import build_candidates
from fleetplan.optimize.context import Var
from fleetplan.optimize.formulation import build_model
from fleetplan.optimize.options import build_options
from fleetplan.optimize.solver import SolverOptions, solve, solve_relaxation
from fleetplan.optimize.sparse import SparseModel
from fleetplan.sizing import size_workloads

EXAMPLE = Path(__file__).resolve().parents[1] / "src" / "fleetplan" / "data" / "examples" / "enterprise.yaml"
Y = Var.PLACEMENT
BLOCKS = (Y, Var.RESERVE, Var.BUY, Var.GANG, Var.ONBOARD, Var.COUNTED, Var.SERVED)
"""The column blocks with integer columns."""
RELAXATIONS = ((Y,), (Y, Var.COUNTED), (Y, Var.ONBOARD), (Y, Var.RESERVE), (Y, Var.BUY), (Y, Var.GANG))


def _mask(model: SparseModel, blocks: tuple[Var, ...]) -> np.ndarray:
    """Integrality flags keeping only the columns of ``blocks`` integer."""
    out = model.col("integer").copy()
    for name, blk in model.columns.items():
        if name not in blocks:
            out[blk.start : blk.start + blk.size] = False
    return out


def _fixed(model: SparseModel, x: np.ndarray, blocks: tuple[Var, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Column bounds with the integer columns of ``blocks`` fixed at ``x`` (rounded)."""
    lo, up = model.col("lower").copy(), model.col("upper").copy()
    pin = _mask(model, blocks)
    lo[pin] = up[pin] = np.round(x[pin])
    return lo, up


def measure(path: str | Path, time_limit_s: float = 60.0, mip_time_limit_s: float = 600.0) -> list[dict[str, Any]]:
    """Solve the scenario's model every way listed in the module docstring; one dict per solve
    (label, status, objective_usd, bound_usd, nodes, seconds). The first three rows are the LP,
    the MIP and the MIP from its own optimum; the rest need the MIP's plan and are left out
    without one."""
    sc = load_scenario(path)
    options = build_options(sc, scenario_catalog(sc))
    cand = build_candidates(sc, options, size_workloads(sc)).table
    model = build_model(sc, cand, options).model
    rows: list[dict[str, Any]] = []

    def run(label: str, fn: Callable[[], tuple[SolveResult, Any]]) -> Any:
        t = time.perf_counter()
        res, x = fn()
        rows.append(
            {
                "label": label,
                "status": res.status.name.lower(),
                "objective_usd": res.objective_usd,
                "bound_usd": res.dual_bound_usd,
                "nodes": res.nodes,
                "seconds": time.perf_counter() - t,
            }
        )
        _print_row(rows[-1])
        return x

    integer = model.col("integer")
    ints = {n: int(integer[b.start : b.start + b.size].sum()) for n, b in model.columns.items()}
    fams = ", ".join(f"{n} {ints[n]:,}" for n in BLOCKS if ints.get(n))
    print(f"{Path(path).name}: {model.n_cols:,} columns, {model.n_rows:,} rows; integer columns {fams}")
    print()
    print("| solve | status | best plan | bound | nodes | s |")
    print("|---|---|---|---|---|---|", flush=True)
    run("LP relaxation", lambda: solve_relaxation(model)[:2])
    gap = SolverOptions(time_limit_s=mip_time_limit_s, mip_rel_gap=5e-3)
    x = run("MIP to 0.5 %", lambda: solve(model, gap))
    if x is None:
        return rows
    run("MIP to 0.5 %, optimum as start", lambda: solve(model, gap, start=x))
    relax = SolverOptions(time_limit_s=time_limit_s, mip_rel_gap=5e-3)
    no_ints = np.zeros(model.n_cols, dtype=bool)
    others = tuple(b for b in BLOCKS if b != Y)
    for label, fixed in (("LP, replicas (y) fixed at the optimum", (Y,)), ("LP, all but y fixed", others)):
        run(label, lambda fixed=fixed: solve(model, relax, bounds=_fixed(model, x, fixed), integer=no_ints))
    for fams_ in RELAXATIONS:
        label = f"only {{{', '.join(fams_)}}} integer"
        run(label, lambda fams_=fams_: solve(model, relax, integer=_mask(model, fams_)))
    return rows


def _print_row(r: dict[str, Any]) -> None:
    obj = f"${r['objective_usd']:,.0f}" if r["objective_usd"] is not None else "—"
    bound = f"${r['bound_usd']:,.0f}" if r["bound_usd"] is not None else "—"
    nodes = f"{r['nodes']:,}" if r["nodes"] else "—"
    print(f"| {r['label']} | {r['status']} | {obj} | {bound} | {nodes} | {r['seconds']:.1f} |", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=str(EXAMPLE))
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per relaxation (default 60)")
    ap.add_argument("--mip-time-limit", type=float, default=600.0, help="seconds for the full MIP (default 600)")
    args = ap.parse_args(argv)
    rows = measure(args.scenario, args.time_limit, args.mip_time_limit)
    if len(rows) < 3:
        print("the MIP found no plan: nothing more to compare", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
