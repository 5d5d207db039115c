"""fleetplan scale benchmark: time to a first plan and to a proven gap, per size and seed.

    python benchmarks/run.py --all --write-results        # the whole target table (about an hour)
    python benchmarks/run.py --sizes 15,40 --periods 4 --seeds 0,1 --time-limit 10   # a quick look
    python benchmarks/run.py --example                    # add the bundled example at 10 s and 60 s
    python benchmarks/run.py --sizes 1000 --time-limit 1000=60 --engine SPEC --json runs.json

The planner is meant to be anytime: a verified plan fast, better plans as time goes on, and at every
stop an honest proven gap. So each run records, from the moment the child starts loading the
scenario:

* every ``fleetplan.optimize.Progress`` report (incumbent, bound, gap) with its wall-clock offset;
* the final plan's ``plan.solve`` (status, objective, bound, gap) and ``plan.verification.ok``,
  which are authoritative: the final gap is the plan's, and the plan is one more point of the
  trace, at the moment it was verified (end-to-end less the baselines and the abatement solve,
  which ``optimize`` runs after the plan and which end-to-end includes);
* the stage times of :class:`fleetplan.optimize.PlanTimings` (whatever fields it has);
* peak memory.

From the trace come the time to the first plan (the first point with an incumbent) and the time to
a proven gap of 5, 2, 1 and 0.5 % (the first point whose gap is at most that; "—" if never).
Progress points are the solver's incumbents, reported before the plan is extracted and verified;
a run that ends without a verified plan says so in its status column.

Each run is a fresh Python subprocess, so that peak memory (``ru_maxrss``) belongs to that run
alone. A watchdog thread in the child saves the trace and stage times every second, so a run
stopped at ``--run-timeout`` still reports what it reached; one that never had an incumbent shows
"no plan", which is a result, not a crash.

Scenarios: ``fleetplan generate --workloads N --providers P --periods T --seed S`` for every size
and seed (generated before the run, not timed), and with ``--example`` the bundled example at each
of ``--example-time-limits``. ``--risk-example`` times ``python -m fleetplan risk`` on the example,
as a user runs it. ``--all`` runs the whole target table: the default sizes, seeds and time limits
plus both example runs.

The targets table compares the measurements with the project's targets; "met" and "missed" are
computed here, never written by hand. ``--write-results`` rewrites only the section of
``benchmarks/RESULTS.md`` between the ``bench:start`` and ``bench:end`` markers; the history below
stays. Gap-versus-time charts (SVG and PNG, one per size and one for the example) need the
``bench`` extra: ``pip install -e ".[bench]"``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import json
import math
import os
import platform
import resource
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
GAP_LEVELS = (0.05, 0.02, 0.01, 0.005)
"""Proven gaps whose first time is reported."""

STAGE_LABELS = {
    "sizing_s": "sizing",
    "candidates_s": "candidates",
    "build_s": "matrices",
    "lp_bound_s": "LP",
    "warm_start_s": "rounded start",
    "solve_s": "MIP",
    "lns_s": "LNS",
    "verify_s": "verify",
    "baselines_s": "baselines",
    "abatement_s": "abatement",
}
"""Preferred display order of stage times; ``PlanTimings`` fields not listed here follow, by name."""
AFTER_PLAN_STAGES = ("baselines_s", "abatement_s")
"""Analyses ``optimize`` runs once the plan is verified (a second solve without the carbon policy, and
the baselines): in end-to-end, but not in the time to reach a plan or a gap."""

MARK_START = "<!-- bench:start -->"
MARK_END = "<!-- bench:end -->"
EXAMPLE = "enterprise.yaml"
GENERATE_PROVIDERS = 8
"""``fleetplan generate``'s default provider count, which the targets assume."""

DEFAULT_SIZES = "1000,5000"
DEFAULT_SEEDS = "0,1,2"
DEFAULT_TIME_LIMITS = "60,5000=300"
DEFAULT_EXAMPLE_TIME_LIMITS = "10,60"
GAP_FLOOR = 1e-4
"""Charts draw a proven gap below 0.01 % (a zero gap included) at 0.01 %: the axis is logarithmic."""


# --------------------------------------------------------------------------- trace arithmetic


class TracePoint(NamedTuple):
    """One point of a run's trace: seconds since loading began, the incumbent, the bound, the gap."""

    t_s: float
    incumbent_usd: float | None
    bound_usd: float | None
    gap: float | None


def point_gap(p: TracePoint) -> float | None:
    """The point's proven relative gap: as reported, else from its incumbent and bound."""
    if p.gap is not None and math.isfinite(p.gap):
        return max(p.gap, 0.0)
    if p.incumbent_usd is None or p.bound_usd is None:
        return None
    if not (math.isfinite(p.incumbent_usd) and math.isfinite(p.bound_usd)):
        return None
    return max(p.incumbent_usd - p.bound_usd, 0.0) / max(abs(p.incumbent_usd), 1e-9)


def has_plan(p: TracePoint) -> bool:
    return p.incumbent_usd is not None or p.gap is not None


def time_to_gaps(
    trace: Iterable[TracePoint], levels: Sequence[float] = GAP_LEVELS
) -> tuple[float | None, dict[float, float | None]]:
    """Seconds to the first plan, and to a proven gap of at most each of ``levels`` (None: never).

    >>> t = [TracePoint(1, 110, 99, 0.10), TracePoint(3, 104, 99, 0.04), TracePoint(9, 100, 99.6, 0.004)]
    >>> time_to_gaps(t)
    (1, {0.05: 3, 0.02: 9, 0.01: 9, 0.005: 9})
    """
    points = sorted(trace, key=lambda p: p.t_s)
    first = next((p.t_s for p in points if has_plan(p)), None)
    reached: dict[float, float | None] = {}
    for level in levels:
        reached[level] = None
        for p in points:
            g = point_gap(p)
            if g is not None and g <= level * (1 + 1e-9):
                reached[level] = p.t_s
                break
    return first, reached


def plan_ready_s(row: dict[str, Any]) -> float | None:
    """When the final plan was verified: end-to-end less the analyses ``optimize`` runs after it."""
    e2e = row.get("end_to_end_s")
    if e2e is None:
        return None
    t = row.get("timings", {})
    return e2e - sum(t.get(k, 0.0) for k in AFTER_PLAN_STAGES)


def trace_of(row: dict[str, Any]) -> list[TracePoint]:
    """A run's trace: its progress reports, then its final plan (see :func:`plan_ready_s`)."""
    points = [TracePoint(e[0], e[2], e[3], e[4]) for e in row.get("events", [])]
    ready = plan_ready_s(row)
    if row.get("objective_usd") is not None and ready is not None:
        points.append(TracePoint(ready, row["objective_usd"], row.get("dual_bound_usd"), row.get("gap")))
    return sorted(points, key=lambda p: p.t_s)


# --------------------------------------------------------------------------- child


def _peak_mib() -> float:
    # Linux reports KiB, macOS bytes
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def _dump(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, allow_nan=True), "utf-8")
    os.replace(tmp, path)


def _finite(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _timings(tm: Any) -> dict[str, float]:
    return {k: float(v) for k, v in asdict(tm).items() if isinstance(v, int | float)}


def child(scenario: Path, out: Path, time_limit: float, gap: float, engine: str | None) -> int:
    """Plan ``scenario`` once and write the measurements to ``out`` (JSON)."""
    t_import = time.perf_counter()
    from fleetplan.load import load_scenario
    from fleetplan.optimize import PlanTimings, optimize

    import_s = time.perf_counter() - t_import
    tm = PlanTimings()
    events: list[list[Any]] = []  # [wall s since load, solver s, incumbent, bound, gap, nodes]
    state: dict[str, Any] = {"done": False, "error": None, "import_s": import_s}
    t0 = time.perf_counter()
    stop = threading.Event()

    def on_progress(p: Any) -> None:
        events.append(
            [
                time.perf_counter() - t0,
                _finite(getattr(p, "time_s", None)),
                _finite(getattr(p, "incumbent_usd", None)),
                _finite(getattr(p, "bound_usd", None)),
                _finite(getattr(p, "gap", None)),
                getattr(p, "nodes", None),
            ]
        )

    def snapshot() -> dict[str, Any]:
        return {
            **state,
            "events": list(events),
            "timings": _timings(tm),
            "elapsed_s": time.perf_counter() - t0,
            "peak_mib": _peak_mib(),
        }

    def watchdog() -> None:
        while not stop.wait(1.0):
            _dump(out, snapshot())

    dog = threading.Thread(target=watchdog, daemon=True)
    dog.start()
    try:
        sc = load_scenario(scenario)
        state["load_s"] = time.perf_counter() - t0
        kwargs: dict[str, Any] = {"time_limit_s": time_limit, "mip_rel_gap": gap, "progress": on_progress}
        if engine is not None:
            kwargs["engine"] = engine
        state["optimize_start_s"] = time.perf_counter() - t0
        plan = optimize(sc, timings=tm, **kwargs)
        state["end_to_end_s"] = time.perf_counter() - t0
        s = plan.solve
        state.update(
            status=s.status.value,
            termination=s.termination,
            variables=s.variables,
            constraints=s.constraints,
            integer_variables=s.integer_variables,
            objective_usd=_finite(s.objective_usd),
            dual_bound_usd=_finite(s.dual_bound_usd),
            gap=_finite(s.gap),
            solve_time_s=s.time_s,
            nodes=s.nodes,
            lp_bound_usd=_finite(plan.lp_bound_usd),
            total_usd=plan.total_usd,
            verified=bool(plan.verification and plan.verification.ok),
            workloads=len(sc.workloads),
        )
    except Exception as exc:  # report, never hide: the table shows the error
        state["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
    finally:
        stop.set()
        dog.join()  # the watchdog's last snapshot is written before the final one (same file)
        state["done"] = True
        _dump(out, snapshot())
    return 0


# --------------------------------------------------------------------------- parent: running


@dataclass(frozen=True)
class RunSpec:
    """One planner run: a generated scenario (size, periods, providers, seed) or the example."""

    scenario: str  # "generated" | "example"
    time_limit_s: float
    n: int | None = None
    periods: int | None = None
    providers: int | None = None
    seed: int | None = None

    @property
    def label(self) -> str:
        if self.scenario == "example":
            return "example"
        return f"N = {self.n:,}, T = {self.periods}" + (
            f", P = {self.providers}" if self.providers != GENERATE_PROVIDERS else ""
        )


def run_process(cmd: list[str], timeout_s: float, stdout: Any = subprocess.DEVNULL) -> dict[str, Any]:
    """Run ``cmd``; stop it after ``timeout_s``. Wall seconds, exit code and that process's own peak MiB."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout)
    timed_out = False
    peak = None
    if hasattr(os, "wait4"):  # the child's own rusage, not the maximum over every child so far
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                div = 1024 * 1024 if sys.platform == "darwin" else 1024
                peak = usage.ru_maxrss / div
                break
            if not timed_out and time.perf_counter() - t0 > timeout_s:
                timed_out = True
                proc.kill()
            time.sleep(0.05)
    else:  # pragma: no cover
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            proc.kill()
            proc.wait()
    return {"wall_s": time.perf_counter() - t0, "rc": proc.returncode, "timed_out": timed_out, "rss_mib": peak}


def last_stage(timings: dict[str, float]) -> str | None:
    """The last stage that finished (in display order), for a run stopped midway."""
    done = [k for k in ordered_stages([timings]) if timings.get(k, 0.0) > 0]
    return STAGE_LABELS.get(done[-1], done[-1].removesuffix("_s")) if done else None


def plan_run(spec: RunSpec, path: Path, workdir: Path, args: argparse.Namespace, tag: str) -> dict[str, Any]:
    """Plan ``path`` in a fresh subprocess and return the run's row."""
    out = workdir / f"result-{tag}.json"
    cmd = [sys.executable, os.path.abspath(__file__), "--child", str(path), "--out", str(out)]
    cmd += ["--time-limit", repr(spec.time_limit_s), "--gap", repr(args.gap)]
    if args.engine is not None:
        cmd += ["--engine", args.engine]
    timeout = args.run_timeout if args.run_timeout is not None else 2 * spec.time_limit_s + 120
    proc = run_process(cmd, timeout)
    data: dict[str, Any] = {"timings": {}, "events": []}
    if out.exists():  # written atomically (temp file, then rename): never half a snapshot
        data.update(json.loads(out.read_text("utf-8")))
    row = {**asdict(spec), **data, "label": spec.label, "wall_s": proc["wall_s"], "timed_out": proc["timed_out"]}
    row["peak_mib"] = max(x for x in (row.get("peak_mib"), proc["rss_mib"], 0.0) if x is not None) or None
    if proc["timed_out"]:
        stage = last_stage(row.get("timings", {}))
        row["error"] = f"stopped at --run-timeout {timeout:g} s" + (f" after {stage}" if stage else " while loading")
    elif not row.get("done") and not row.get("error"):
        row["error"] = f"child exited with code {proc['rc']} without a result"
    return row


def risk_run(path: Path, workdir: Path, timeout_s: float, extra: Sequence[str] = ()) -> dict[str, Any]:
    """Time ``python -m fleetplan risk PATH`` end to end, as a user runs it."""
    log = workdir / "risk-stdout.txt"
    with log.open("wb") as fh:
        proc = run_process([sys.executable, "-m", "fleetplan", "risk", str(path), *extra], timeout_s, stdout=fh)
    row: dict[str, Any] = {
        "scenario": "risk",
        "label": f"fleetplan risk {path.name}" + (" " + shlex.join(extra) if extra else ""),
        "wall_s": proc["wall_s"],
        "rc": proc["rc"],
        "peak_mib": proc["rss_mib"],
        "timed_out": proc["timed_out"],
    }
    if proc["timed_out"]:
        row["error"] = f"stopped at {timeout_s:g} s"
    elif proc["rc"] != 0:
        row["error"] = f"exit code {proc['rc']}"
    return row


def example_path(workdir: Path) -> Path:
    """The bundled example, copied out of the package (``importlib.resources``)."""
    from importlib import resources

    text = resources.files("fleetplan.data").joinpath("examples", EXAMPLE).read_text("utf-8")
    path = workdir / EXAMPLE
    path.write_text(text, "utf-8")
    return path


def optimize_accepts(name: str) -> bool:
    from fleetplan.optimize import optimize

    return name in inspect.signature(optimize).parameters


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    """A target row: which runs it reads and what each of them must reach."""

    scenario_text: str
    target_text: str
    scenario: str  # "generated" | "example" | "risk"
    time_limit_s: float | None = None
    n: int | None = None
    periods: int | None = None
    seeds: tuple[int | None, ...] = (None,)
    max_gap: float | None = None
    max_end_to_end_s: float | None = None
    max_peak_mib: float | None = None
    within_best: float | None = None


TARGETS = (
    Target(
        "example",
        "verified plan within 1 % of the best known objective with `--time-limit 10`",
        "example",
        time_limit_s=10,
        within_best=0.01,
    ),
    Target("example", "proven gap ≤ 0.5 % with `--time-limit 60`", "example", time_limit_s=60, max_gap=0.005),
    Target(
        "`generate --workloads 1000 --periods 12` (seeds 0-2)",
        "`--time-limit 60`: verified, proven gap ≤ 2 %, ≤ 120 s end to end, ≤ 2 GiB",
        "generated",
        time_limit_s=60,
        n=1000,
        periods=12,
        seeds=(0, 1, 2),
        max_gap=0.02,
        max_end_to_end_s=120,
        max_peak_mib=2048,
    ),
    Target(
        "`generate --workloads 5000 --periods 12` (seeds 0-2)",
        "`--time-limit 300`: verified, proven gap ≤ 3 %, ≤ 8 min end to end, ≤ 6 GiB",
        "generated",
        time_limit_s=300,
        n=5000,
        periods=12,
        seeds=(0, 1, 2),
        max_gap=0.03,
        max_end_to_end_s=480,
        max_peak_mib=6144,
    ),
    Target("`fleetplan risk` on the example", "≤ 90 s", "risk", max_end_to_end_s=90),
)


def matches(t: Target, row: dict[str, Any]) -> bool:
    if row.get("scenario") != t.scenario:
        return False
    if t.scenario == "risk":
        return True
    if t.time_limit_s is not None and row.get("time_limit_s") != t.time_limit_s:
        return False
    if t.scenario == "generated":
        return (
            row.get("n") == t.n and row.get("periods") == t.periods and row.get("providers") == GENERATE_PROVIDERS
        ) and row.get("seed") in t.seeds
    return True


def problems(t: Target, row: dict[str, Any], best_usd: float | None) -> list[str]:
    """Why ``row`` misses ``t`` (empty when it meets it)."""
    if t.scenario == "risk":
        out = [row["error"]] if row.get("error") else []
        if t.max_end_to_end_s is not None and row["wall_s"] > t.max_end_to_end_s:
            out.append(f"{row['wall_s']:.0f} s > {t.max_end_to_end_s:g} s")
        return out
    if not row.get("verified"):
        return [row.get("error") or "not verified"]
    out = []
    gap = row.get("gap")
    if t.max_gap is not None and (gap is None or gap > t.max_gap * (1 + 1e-9)):
        out.append(f"gap {_pct(gap)} > {_pct(t.max_gap)}")
    e2e = row.get("end_to_end_s")
    if t.max_end_to_end_s is not None and (e2e is None or e2e > t.max_end_to_end_s):
        out.append(f"{_f(e2e, '{:.0f}')} s > {t.max_end_to_end_s:g} s")
    peak = row.get("peak_mib")
    if t.max_peak_mib is not None and (peak is None or peak > t.max_peak_mib):
        out.append(f"{_f(peak, '{:,.0f}')} MiB > {t.max_peak_mib:,.0f} MiB")
    if t.within_best is not None:
        excess = above_best(row.get("objective_usd"), best_usd)
        if excess is None:
            out.append("no best known objective")
        elif excess > t.within_best * (1 + 1e-9):
            out.append(f"{_pct(excess)} above the best known > {_pct(t.within_best)}")
    return out


def above_best(objective: float | None, best: float | None) -> float | None:
    if objective is None or best is None:
        return None
    return (objective - best) / max(abs(best), 1e-9)


def measured(t: Target, row: dict[str, Any], best_usd: float | None) -> str:
    """A short account of one run against ``t``."""
    who = "" if row.get("seed") is None else f"seed {row['seed']}: "
    if t.scenario == "risk":
        return f"{row['wall_s']:.0f} s"
    if not row.get("verified"):
        return who + status_of(row)
    parts = [f"gap {_pct(row.get('gap'))}"]
    if t.within_best is not None:
        parts = [f"${row['objective_usd']:,.0f}, {_pct(above_best(row.get('objective_usd'), best_usd))} above best"]
    if t.max_end_to_end_s is not None:
        parts.append(f"{_f(row.get('end_to_end_s'), '{:.0f}')} s")
    if t.max_peak_mib is not None:
        parts.append(f"{_f(row.get('peak_mib'), '{:,.0f}')} MiB")
    return who + ", ".join(parts)


def evaluate(t: Target, rows: Sequence[dict[str, Any]], best_usd: float | None = None) -> tuple[str, str]:
    """(``met`` | ``missed`` | ``not run``, what was measured) for target ``t``.

    Missed as soon as one matching run misses; met only when every required seed ran and met it.
    """
    runs = {r.get("seed"): r for r in rows if matches(t, r)}
    if not runs:
        return "not run", "—"
    missing = [s for s in t.seeds if s not in runs]
    missed = False
    notes = []
    for seed in sorted(runs, key=lambda s: -1 if s is None else s):
        why = problems(t, runs[seed], best_usd)
        missed = missed or bool(why)
        notes.append(measured(t, runs[seed], best_usd) + (f" ✗ {'; '.join(why)}" if why else ""))
    if missing:
        notes.append("not run: " + ", ".join(f"seed {s}" for s in missing))
    verdict = "missed" if missed else ("not run" if missing else "met")
    return verdict, "; ".join(notes)


def best_known(rows: Sequence[dict[str, Any]], given: float | None) -> tuple[float | None, str]:
    """The example's best known objective: the given one or the best verified run here, whichever is lower."""
    found = [r["objective_usd"] for r in rows if r.get("scenario") == "example" and r.get("verified")]
    found = [x for x in found if x is not None]
    here = min(found) if found else None
    if given is not None and (here is None or given <= here):
        return given, "given with `--best-known`" + (f"; best found here ${here:,.0f}" if here is not None else "")
    if here is not None:
        return here, "the best verified plan found by this invocation's example runs" + (
            f" (given ${given:,.0f} is higher)" if given is not None else ""
        )
    return None, "none: no example run found a plan and none was given with `--best-known`"


# --------------------------------------------------------------------------- rendering


def _f(x: float | None, fmt: str = "{:.1f}", none: str = "—") -> str:
    return none if x is None else fmt.format(x)


def _pct(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{100 * x:.2f} %" if abs(x) < 0.1 else f"{100 * x:.1f} %"


def _level(level: float) -> str:
    return f"{100 * level:g} %"


def status_of(row: dict[str, Any]) -> str:
    """optimal / time_limit for a verified plan; "no plan" when the run never had an incumbent."""
    if row.get("verified"):
        return row.get("status") or "?"
    if not any(has_plan(p) for p in trace_of(row)):
        return "no plan"
    return "stopped" if row.get("timed_out") else "error"


def ordered_stages(timings: Iterable[dict[str, float]]) -> list[str]:
    keys = {k for t in timings for k in t}
    known = [k for k in STAGE_LABELS if k in keys]
    return known + sorted(keys - set(known))


def runs_table(rows: Sequence[dict[str, Any]]) -> str:
    """One row per (scenario, seed, time limit): time to first plan and to each proven gap, final figures."""
    head = ["scenario", "seed", "time limit s", "first plan s"]
    head += [f"to {_level(g)} s" for g in GAP_LEVELS]
    head += ["final gap", "status", "verified", "end-to-end s", "peak MiB", "note"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        if r.get("scenario") == "risk":
            continue
        first, reached = time_to_gaps(trace_of(r))
        e2e = r.get("end_to_end_s")
        cells = [
            r["label"],
            "—" if r.get("seed") is None else str(r["seed"]),
            f"{r['time_limit_s']:g}",
            _f(first),
            *(_f(reached[g]) for g in GAP_LEVELS),
            _pct(r.get("gap")) if r.get("verified") else "—",
            status_of(r),
            "yes" if r.get("verified") else "no",
            _f(e2e) if e2e is not None else f"({r.get('wall_s', 0):.0f} wall)",
            _f(r.get("peak_mib"), "{:,.0f}"),
            note(r).replace("|", "/"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def note(row: dict[str, Any]) -> str:
    """The run's error, and for a run without a verified plan the last gap the solver reported."""
    text = row.get("error") or ""
    if not row.get("verified"):
        gaps = [g for g in map(point_gap, trace_of(row)) if g is not None]
        if gaps:
            text += f"; last reported gap {_pct(gaps[-1])} (plan not extracted or verified)"
    return text


def stages_table(rows: Sequence[dict[str, Any]]) -> str:
    """Stage seconds per run, in the runs table's order; ``other`` = end-to-end minus load and the stages."""
    runs = [r for r in rows if r.get("scenario") != "risk"]
    keys = ordered_stages(r.get("timings", {}) for r in runs)
    head = ["scenario", "seed", "variables (int)", "constraints", "import", "load"]
    head += [STAGE_LABELS.get(k, k.removesuffix("_s")) for k in keys] + ["other"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in runs:
        t = r.get("timings", {})
        e2e = r.get("end_to_end_s")
        other = None if e2e is None else e2e - r.get("load_s", 0.0) - sum(t.get(k, 0.0) for k in keys)
        var = f"{r['variables']:,} ({r['integer_variables']:,})" if r.get("variables") else "—"
        cells = [
            r["label"] + ("" if r.get("scenario") != "example" else f" ({r['time_limit_s']:g} s)"),
            "—" if r.get("seed") is None else str(r["seed"]),
            var,
            _f(r.get("constraints"), "{:,}"),
            _f(r.get("import_s")),
            _f(r.get("load_s")),
            *(f"{t.get(k, 0.0):.1f}" for k in keys),
            _f(other),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets_table(rows: Sequence[dict[str, Any]], best_usd: float | None) -> str:
    lines = ["| scenario | target | result | measured |", "|---|---|---|---|"]
    for t in TARGETS:
        verdict, text = evaluate(t, rows, best_usd)
        shown = f"**{verdict}**" if verdict != "not run" else verdict
        lines.append(f"| {t.scenario_text} | {t.target_text} | {shown} | {text.replace('|', '/')} |")
    return "\n".join(lines)


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
    try:
        from fleetplan.optimize import SolverOptions

        threads = f" ({SolverOptions().threads} solver threads)"
    except Exception:  # pragma: no cover
        threads = ""
    try:
        load = " Load average at the start: {:.1f}, {:.1f}, {:.1f}.".format(*os.getloadavg())
    except OSError:  # pragma: no cover
        load = ""
    return (
        f"{cpu}, {os.cpu_count()} logical cores{mem}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; HiGHS {hv}{threads}.{load}"
    )


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True, timeout=10, check=True
        )
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=HERE, capture_output=True, text=True)
        return out.stdout.strip() + (" (with uncommitted changes under src/)" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def report(
    rows: Sequence[dict[str, Any]],
    *,
    command: str,
    best: tuple[float | None, str],
    figures: Sequence[tuple[str, Path | None]],
    results_dir: Path,
    machine_line: str,
    commit: str,
) -> str:
    """The Markdown status section: targets, machine and command, runs, stages, risk, figures."""
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    show_best = best[0] is not None or any(r.get("scenario") == "example" for r in rows)
    out = [
        "## Status: anytime planner benchmark",
        "",
        f"Measured {when} at commit {commit} by `benchmarks/run.py`; "
        "every result below is computed from this run's measurements.",
        "",
        targets_table(rows, best[0]),
        "",
        *([f"Best known objective of the example: {_f(best[0], '${:,.0f}')} ({best[1]}).", ""] if show_best else []),
        f"Machine: {machine_line}",
        "",
        "```",
        command,
        "```",
        "",
        "### Runs",
        "",
        "Seconds from loading the scenario to the first plan and to each proven gap (— if never). Progress "
        "reports count when they arrive; the final plan counts once verified (end-to-end less the baselines "
        "and abatement that follow it). End-to-end = load + `optimize`, everything included; peak = the "
        "run's own peak resident memory.",
        "",
        runs_table(rows),
        "",
        "Stage seconds (`PlanTimings`; import is outside end-to-end):",
        "",
        stages_table(rows),
    ]
    risk = [r for r in rows if r.get("scenario") == "risk"]
    if risk:
        out += [
            "",
            "### `fleetplan risk`",
            "",
            "| command | end-to-end s | exit code | peak MiB | note |",
            "|---|---|---|---|---|",
        ]
        for r in risk:
            out.append(
                f"| `{r['label']}` | {r['wall_s']:.1f} | {r.get('rc')} | {_f(r.get('peak_mib'), '{:,.0f}')} "
                f"| {r.get('error') or ''} |"
            )
    if figures:
        out += ["", "### Proven gap versus time", ""]
        for title, path in figures:
            if path is None:
                out.append(f"- {title}: no plan in any run, no curve")
            else:
                rel = Path(os.path.relpath(path, results_dir)).as_posix()
                png = path.with_suffix(".png")
                extra = f" ([PNG]({Path(os.path.relpath(png, results_dir)).as_posix()}))" if png.exists() else ""
                out.append(f"- [{title}]({rel}){extra}")
                out.append(f"  ![{title}]({rel})")
    return "\n".join(out) + "\n"


def replace_section(text: str, section: str) -> str:
    """``text`` with the part between the markers replaced by ``section`` (inserted under the title if absent)."""
    block = f"{MARK_START}\n{section.rstrip()}\n{MARK_END}"
    if MARK_START in text and MARK_END in text:
        head, rest = text.split(MARK_START, 1)
        _, tail = rest.split(MARK_END, 1)
        return head + block + tail
    lines = text.splitlines(keepends=True)
    at = 1 if lines and lines[0].startswith("# ") else 0
    return "".join(lines[:at]) + ("\n" if at else "") + block + "\n\n" + "".join(lines[at:]).lstrip("\n")


# --------------------------------------------------------------------------- charts


def chart_groups(rows: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Runs per chart: one chart per generated size (and periods, providers), one for the example."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("scenario") == "example":
            groups.setdefault("example", []).append(r)
        elif r.get("scenario") == "generated":
            key = f"n{r['n']}-t{r['periods']}" + ("" if r["providers"] == GENERATE_PROVIDERS else f"-p{r['providers']}")
            groups.setdefault(key, []).append(r)
    return groups


def chart_points(runs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Gap (%) versus end-to-end seconds, one series per seed (per time limit for the example)."""
    limits = {r["time_limit_s"] for r in runs}
    pts = []
    for r in runs:
        if r.get("scenario") == "example":
            series = f"--time-limit {r['time_limit_s']:g}"
        else:
            series = f"seed {r['seed']}" + (f", {r['time_limit_s']:g} s" if len(limits) > 1 else "")
        for p in trace_of(r):
            g = point_gap(p)
            if g is not None:
                pts.append({"run": series, "seconds": round(p.t_s, 3), "gap_pct": 100 * max(g, GAP_FLOOR)})
    return pts


def write_charts(rows: Sequence[dict[str, Any]], figdir: Path) -> list[tuple[str, Path | None]]:
    """One SVG (and PNG) per chart group; ``[]`` with one line on stderr when the bench extra is missing."""
    groups = chart_groups(rows)
    if not groups:
        return []
    try:
        import altair as alt
        import vl_convert  # noqa: F401  (altair's SVG/PNG export)
    except ImportError:
        print('charts skipped: install the bench extra, pip install -e ".[bench]"', file=sys.stderr)
        return []
    figdir.mkdir(parents=True, exist_ok=True)
    out: list[tuple[str, Path | None]] = []
    for key, runs in groups.items():
        title = "example" if key == "example" else runs[0]["label"]
        limits = ", ".join(sorted({f"{r['time_limit_s']:g} s" for r in runs}))
        title = f"{title}: proven gap versus time (time limit {limits})"
        pts = chart_points(runs)
        if not pts:
            out.append((title, None))
            continue
        x = alt.X("seconds:Q", title="seconds since loading the scenario", scale=alt.Scale(domainMin=0))
        y = alt.Y("gap_pct:Q", title="proven gap, %", scale=alt.Scale(type="log"))
        lines = (
            alt.Chart(alt.Data(values=pts))
            .mark_line(interpolate="step-after", point=True)
            .encode(x=x, y=y, color=alt.Color("run:N", title=None), tooltip=["run:N", "seconds:Q", "gap_pct:Q"])
        )
        levels = [{"gap_pct": 100 * g, "level": _level(g)} for g in GAP_LEVELS]
        rules = (
            alt.Chart(alt.Data(values=levels))
            .mark_rule(strokeDash=[4, 4], color="#999999", opacity=0.6)
            .encode(y=alt.Y("gap_pct:Q", scale=alt.Scale(type="log")))
        )
        chart = (rules + lines).properties(title=title, width=560, height=300)
        path = figdir / f"gap-{key}.svg"
        chart.save(str(path))
        try:
            chart.save(str(path.with_suffix(".png")), scale_factor=2)
        except Exception as exc:  # the SVG is the figure; a PNG is a convenience
            print(f"PNG of {path.name} skipped: {exc}", file=sys.stderr)
        out.append((title, path))
    return out


# --------------------------------------------------------------------------- command line


def _ints(text: str, flag: str) -> list[int]:
    try:
        return [int(s.strip().replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise SystemExit(f"{flag}: expected comma-separated integers, got {text!r}") from None


def parse_time_limits(text: str, sizes: Sequence[int]) -> dict[int, float]:
    """``"60"``, ``"1000=60,5000=300"`` or ``"60,5000=300"`` (a plain number is the default) per size."""
    default, per = None, {}
    for part in (s.strip() for s in text.split(",")):
        if not part:
            continue
        try:
            if "=" in part:
                k, v = part.split("=", 1)
                per[int(k.strip().replace("_", ""))] = float(v)
            else:
                default = float(part)
        except ValueError:
            raise SystemExit(f"--time-limit: cannot read {part!r} (use 60 or 1000=60,5000=300)") from None
    out = {}
    for n in sizes:
        if n in per:
            out[n] = per[n]
        elif default is not None:
            out[n] = default
        else:
            raise SystemExit(f"--time-limit: no limit for N = {n}; add {n}=SECONDS or a plain default")
    return out


def parse_best_known(items: Sequence[str]) -> dict[str, float]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name.strip()] = float(value.replace(",", "").replace("_", ""))
        except ValueError:
            raise SystemExit(f"--best-known: expected NAME=USD (e.g. example=1050357), got {item!r}") from None
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--sizes", default=DEFAULT_SIZES, help="comma-separated workload counts ('' for none; default %(default)s)"
    )
    p.add_argument("--seeds", default=DEFAULT_SEEDS, help="comma-separated generator seeds (default %(default)s)")
    p.add_argument("--periods", type=int, default=12, help="quarters (default %(default)s)")
    p.add_argument("--providers", type=int, default=GENERATE_PROVIDERS, help="providers (default %(default)s)")
    p.add_argument(
        "--time-limit",
        default=DEFAULT_TIME_LIMITS,
        help="solver time limit per size, s: 60, or 1000=60,5000=300 (a plain number is the default; "
        "default %(default)s)",
    )
    p.add_argument(
        "--gap", type=float, default=5e-3, help="relative MIP gap at which the planner stops (default %(default)s)"
    )
    p.add_argument("--example", action="store_true", help="also plan the bundled example")
    p.add_argument(
        "--example-time-limits",
        default=DEFAULT_EXAMPLE_TIME_LIMITS,
        help="the example's time limits, s (default %(default)s)",
    )
    p.add_argument("--risk-example", action="store_true", help="also time `fleetplan risk` on the example")
    p.add_argument("--all", action="store_true", help="the whole target table: sizes, --example and --risk-example")
    p.add_argument(
        "--best-known", action="append", default=[], metavar="NAME=USD", help="e.g. example=1050357 (repeatable)"
    )
    p.add_argument("--engine", default=None, help="passed to optimize(engine=...) when this fleetplan accepts it")
    p.add_argument(
        "--run-timeout", type=float, default=None, help="stop a run after this many s (default: 2 × limit + 120)"
    )
    p.add_argument(
        "--risk-timeout",
        type=float,
        default=600.0,
        help="stop `fleetplan risk` after this many s (default %(default)s)",
    )
    p.add_argument("--json", type=Path, default=None, help="also write the raw measurements here")
    p.add_argument(
        "--figures", type=Path, default=HERE / "figures", help="folder for the charts (default benchmarks/figures)"
    )
    p.add_argument(
        "--results",
        type=Path,
        default=HERE / "RESULTS.md",
        help="file that --write-results updates (default benchmarks/RESULTS.md)",
    )
    p.add_argument("--write-results", action="store_true", help="rewrite the marked status section of --results")
    p.add_argument(
        "--add-json",
        type=Path,
        action="append",
        default=[],
        help="runs measured earlier (a --json file of this script) to report with this invocation's (repeatable); "
        "with --sizes '' and no --example, only those",
    )
    p.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    return p


def plan_specs(args: argparse.Namespace) -> list[RunSpec]:
    sizes = _ints(args.sizes, "--sizes")
    seeds = _ints(args.seeds, "--seeds")
    limits = parse_time_limits(args.time_limit, sizes)
    specs = [
        RunSpec("generated", limits[n], n=n, periods=args.periods, providers=args.providers, seed=s)
        for n in sizes
        for s in seeds
    ]
    if args.example:
        specs += [RunSpec("example", float(x)) for x in args.example_time_limits.split(",") if x.strip()]
    return specs


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.child is not None:
        return child(args.child, args.out, float(args.time_limit), args.gap, args.engine)
    if args.all:
        args.example = args.risk_example = True
    if args.engine is not None and not optimize_accepts("engine"):
        raise SystemExit("--engine: this fleetplan's optimize() takes no engine= argument")
    specs = plan_specs(args)
    given = parse_best_known(args.best_known)
    from fleetplan.generate import generate_scenario, write_scenario

    machine_line = machine()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="fleetplan-bench-") as tmp:
        work = Path(tmp)
        example = example_path(work) if (args.example or args.risk_example) else None
        for i, spec in enumerate(specs):
            print(f"… {spec.label}, seed {spec.seed}, time limit {spec.time_limit_s:g} s", file=sys.stderr, flush=True)
            if spec.scenario == "example":
                assert example is not None
                path, gen_s = example, 0.0
            else:
                t0 = time.perf_counter()
                assert spec.n and spec.periods and spec.providers and spec.seed is not None
                doc = generate_scenario(spec.n, spec.providers, spec.periods, spec.seed)
                path = write_scenario(doc, work / f"scenario-{spec.n}-{spec.periods}-{spec.providers}-{spec.seed}.yaml")
                gen_s = time.perf_counter() - t0
            row = plan_run(spec, path, work, args, tag=str(i))
            row["generate_s"] = gen_s
            rows.append(row)
            first, _ = time_to_gaps(trace_of(row))
            print(
                f"  {status_of(row)}, first plan {_f(first)} s, final gap {_pct(row.get('gap'))}, "
                f"wall {row['wall_s']:.0f} s",
                file=sys.stderr,
                flush=True,
            )
        if args.risk_example:
            assert example is not None
            print("… fleetplan risk on the example", file=sys.stderr, flush=True)
            rows.append(risk_run(example, work, args.risk_timeout))
    for earlier in args.add_json:
        rows.extend(json.loads(earlier.read_text("utf-8")))
    best = best_known(rows, given.get("example"))
    figures = write_charts(rows, args.figures)
    command = "python benchmarks/run.py " + shlex.join(argv) if argv else "python benchmarks/run.py"
    section = report(
        rows,
        command=command,
        best=best,
        figures=figures,
        results_dir=args.results.parent,
        machine_line=machine_line,
        commit=_commit(),
    )
    print(section)
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=2, allow_nan=True) + "\n", "utf-8")
    if args.write_results:
        old = args.results.read_text("utf-8") if args.results.exists() else "# Scale benchmark results\n"
        args.results.write_text(replace_section(old, section), "utf-8")
        print(f"wrote the status section of {args.results.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
