"""fleetplan scale benchmark: plan synthetic scenarios of growing size and print a Markdown table.

    python benchmarks/run.py                       # N = 100, 1,000, 5,000; 12 quarters
    python benchmarks/run.py --sizes 100,1000,5000,20000 --time-limit 60
    python benchmarks/run.py --sizes 100 --periods 4 --json results.json

Each size is generated first (``fleetplan.generate``, not timed), then planned in a fresh Python
subprocess so that peak memory (``ru_maxrss``) belongs to that run alone. The child times
``load_scenario`` + ``optimize`` end to end and reads the stage times from
:class:`fleetplan.optimize.PlanTimings`; a watchdog thread in the child saves the stage times every
second, so a run that the parent stops at ``--run-timeout`` still shows where its time went.

Columns: model build = sizing + candidates + matrices (scenario to sparse model); solve = the MIP
solve (HiGHS); end-to-end = load + optimize including the LP bound, verification and baselines;
gap = HiGHS's proven relative gap; vs LP = (plan objective - LP relaxation) / plan objective;
greedy / single = the baselines' undiscounted spend relative to the plan's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

STAGES = (
    "sizing_s",
    "candidates_s",
    "build_s",
    "lp_bound_s",
    "warm_start_s",
    "solve_s",
    "verify_s",
    "baselines_s",
    "abatement_s",
)


# --------------------------------------------------------------------------- child


def _peak_mib() -> float:
    # Linux reports KiB, macOS bytes
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def _dump(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, allow_nan=True), "utf-8")
    os.replace(tmp, path)


def child(scenario: Path, out: Path, time_limit: float, gap: float) -> int:
    """Plan ``scenario`` once and write the measurements to ``out`` (JSON)."""
    from fleetplan.load import load_scenario
    from fleetplan.optimize import PlanTimings, optimize

    tm = PlanTimings()
    state: dict[str, Any] = {"done": False, "error": None}
    t0 = time.perf_counter()
    stop = threading.Event()

    def snapshot() -> dict[str, Any]:
        return {
            **state,
            "timings": asdict(tm),
            "elapsed_s": time.perf_counter() - t0,
            "peak_mib": _peak_mib(),
        }

    def watchdog() -> None:
        while not stop.wait(1.0):
            _dump(out, snapshot())

    dog = threading.Thread(target=watchdog, daemon=True)
    dog.start()
    try:
        t_load = time.perf_counter()
        sc = load_scenario(scenario)
        state["load_s"] = time.perf_counter() - t_load
        plan = optimize(sc, time_limit_s=time_limit, mip_rel_gap=gap, timings=tm)
        state["end_to_end_s"] = time.perf_counter() - t0
        s = plan.solve
        obj = s.objective_usd
        lp = plan.lp_bound_usd
        base = {b.name: {"total_usd": b.total_usd, "feasible": b.feasible} for b in plan.baselines}
        state.update(
            status=s.status.value,
            variables=s.variables,
            constraints=s.constraints,
            integer_variables=s.integer_variables,
            objective_usd=obj,
            dual_bound_usd=s.dual_bound_usd,
            gap=s.gap,
            nodes=s.nodes,
            lp_bound_usd=lp,
            lp_distance=(obj - lp) / abs(obj) if obj and lp is not None else None,
            total_usd=plan.total_usd,
            baselines=base,
            verified=bool(plan.verification and plan.verification.ok),
            workloads=len(sc.workloads),
            periods=sc.horizon.periods,
        )
    except Exception as exc:  # report, never hide: the table shows the error
        state["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
    finally:
        stop.set()
        dog.join()  # the watchdog's last snapshot is written before the final one (same file)
        state["done"] = True
        _dump(out, snapshot())
    return 0


# --------------------------------------------------------------------------- parent


def machine() -> str:
    """One line describing this machine (no paths, no host names)."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    try:
        from importlib.metadata import version

        hv = version("highspy")
    except Exception:  # pragma: no cover
        hv = "?"
    return (
        f"{cpu}, {os.cpu_count()} logical cores{mem}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; HiGHS {hv} (2 solver threads)"
    )


def run_size(n: int, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Generate the scenario of size ``n`` and plan it in a fresh subprocess."""
    from fleetplan.generate import generate_scenario, write_scenario

    t0 = time.perf_counter()
    doc = generate_scenario(n, args.providers, args.periods, args.seed)
    path = write_scenario(doc, workdir / f"scenario-{n}.yaml")
    gen_s = time.perf_counter() - t0
    out = workdir / f"result-{n}.json"
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        str(path),
        "--out",
        str(out),
        "--time-limit",
        str(args.time_limit),
        "--gap",
        str(args.gap),
    ]
    t0 = time.perf_counter()
    timed_out = False
    proc = subprocess.Popen(cmd)
    try:
        proc.wait(timeout=args.run_timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        proc.kill()
        proc.wait()
    wall = time.perf_counter() - t0
    data: dict[str, Any] = json.loads(out.read_text("utf-8")) if out.exists() else {"timings": {}}
    data.update(n=n, periods=args.periods, generate_s=gen_s, wall_s=wall, timed_out=timed_out)
    if timed_out:
        t = data.get("timings", {})
        stage = next((s for s in STAGES if not t.get(s)), "baselines_s")
        data["error"] = f"stopped at --run-timeout {args.run_timeout:g} s during {stage.removesuffix('_s')}"
    return data


def _f(x: float | None, fmt: str = "{:.1f}", none: str = "—") -> str:
    return none if x is None else fmt.format(x)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.2f} %"


def _vs(base: dict[str, Any] | None, total: float | None) -> str:
    if not base or base.get("total_usd") is None or not total:
        return "—"
    d = base["total_usd"] / total - 1
    return f"{100 * d:+.1f} %" + ("" if base.get("feasible") else " ✗")


def table(rows: list[dict[str, Any]]) -> str:
    """The Markdown results table (and a stage breakdown)."""
    head = (
        "| workloads | periods | variables (int) | constraints | model build s | solve s "
        "| end-to-end s | peak MiB | status | proven gap | vs LP bound | greedy | single-provider |"
    )
    lines = [head, "|" + "---|" * 13]
    for r in rows:
        t = r.get("timings", {})
        build = sum(t.get(k, 0.0) for k in ("sizing_s", "candidates_s", "build_s"))
        status = r.get("status") or ("error" if r.get("error") else "?")
        if r.get("verified"):
            status += ", verified"
        var = f"{r['variables']:,} ({r['integer_variables']:,})" if r.get("variables") else "—"
        b = r.get("baselines", {})
        total = r.get("total_usd")
        cells = [
            f"{r['n']:,}",
            str(r["periods"]),
            var,
            _f(r.get("constraints"), "{:,}"),
            f"{build:.1f}",
            _f(t.get("solve_s") or None),
            _f(r.get("end_to_end_s")),
            _f(r.get("peak_mib"), "{:,.0f}"),
            status,
            _pct(r.get("gap")),
            _pct(r.get("lp_distance")),
            _vs(b.get("greedy"), total),
            _vs(b.get("single_provider_on_demand"), total),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Stage seconds (PlanTimings); `other` = end-to-end minus load and the timed stages:",
        "",
        "| workloads | sizing | candidates | matrices | LP | rounded start | MIP | verify | baselines "
        "| abatement | other | wall | note |",
        "|" + "---|" * 13,
    ]
    for r in rows:
        t = r.get("timings", {})
        cells = " | ".join(f"{t.get(k, 0.0):.1f}" for k in STAGES)
        e2e = r.get("end_to_end_s")
        other = "—" if e2e is None else f"{e2e - r.get('load_s', 0.0) - sum(t.get(k, 0.0) for k in STAGES):.1f}"
        lines.append(f"| {r['n']:,} | {cells} | {other} | {r.get('wall_s', 0):.0f} | {r.get('error') or ''} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="100,1000,5000", help="comma-separated workload counts")
    p.add_argument("--periods", type=int, default=12)
    p.add_argument("--providers", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--time-limit", type=float, default=60.0, help="solver time limit per solve, s")
    p.add_argument("--gap", type=float, default=5e-3, help="relative MIP gap target")
    p.add_argument("--run-timeout", type=float, default=190.0, help="stop a size's run after this many s")
    p.add_argument("--json", type=Path, default=None, help="also write the raw measurements here")
    p.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child is not None:
        return child(args.child, args.out, args.time_limit, args.gap)
    sizes = [int(s.replace("_", "").replace(",", "")) for s in args.sizes.split(",") if s.strip()]
    rows = []
    with tempfile.TemporaryDirectory(prefix="fleetplan-bench-") as tmp:
        for n in sizes:
            print(f"… N = {n:,}", file=sys.stderr, flush=True)
            rows.append(run_size(n, args, Path(tmp)))
    print(f"Machine: {machine()}\n")
    print(
        f"Scenarios: `fleetplan generate --workloads N --providers {args.providers} "
        f"--periods {args.periods} --seed {args.seed}`; solver time limit {args.time_limit:g} s, "
        f"gap target {100 * args.gap:g} %.\n"
    )
    print(table(rows))
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=2, allow_nan=True) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
