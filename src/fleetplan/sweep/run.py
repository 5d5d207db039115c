"""Running a sweep: every point planned, verified and summarized on an executor; rows streamed to disk.

Contract of :func:`run_sweep`: each point not already in ``OUT/points.csv`` is planned by the
anytime planner (``optimize``, neighbourhood search in the worker itself) within the per-point
time limit, on the executor given; each finished point is appended to ``points.csv`` (one
``write`` of one line, synced) and its plan's decisions to ``plans.jsonl`` (before the row: a row
in the table means the point is done). A point without a plan records why (``status``
``infeasible`` with the planner's explanation, ``invalid``, ``unverified`` or ``failed``) and the
sweep goes on. ``sweep.json`` (``fleetplan.sweep/1``) is rewritten atomically as rows arrive; at
the end (or on Ctrl-C, which raises ``KeyboardInterrupt`` after saving) the table is also written
as Parquet. Results do not depend on the engine: rows are sorted by point id wherever they are
read, and a point's result depends only on the scenario, the point and the time limit (as long as
its solve finishes within it).

Resume: ``resume=True`` keeps the rows already in ``points.csv`` (a torn last line of a killed run
is dropped) when the scenario and sweep file are those the folder was started with, and plans only
the others; without it a folder that already holds rows is an error, never overwritten.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from fleetplan._format import json_safe, json_text
from fleetplan._io import write_atomic, write_text_atomic
from fleetplan.errors import FleetplanError, InputError
from fleetplan.model.plan import Plan
from fleetplan.model.scenario import Scenario
from fleetplan.optimize import InfeasibleError, optimize
from fleetplan.optimize.planner import VerificationError
from fleetplan.parallel import Executor
from fleetplan.risk.concentration import hhi
from fleetplan.sweep.spec import Parameter, Point, SweepSpec, fingerprint, point_scenario

__all__ = [
    "METRICS",
    "SWEEP_SCHEMA",
    "PointTask",
    "SweepResult",
    "decisions",
    "iter_rows",
    "n_minus_1_status",
    "plan_point",
    "read_points",
    "run_sweep",
]

SWEEP_SCHEMA = "fleetplan.sweep/1"
METRICS: tuple[str, ...] = (
    "status",
    "total_usd",
    "discounted_usd",
    "co2e_t",
    "top_provider",
    "top_provider_share",
    "hhi",
    "n_minus_1",
    "gap",
    "verified",
    "seconds",
    "message",
)
"""Columns after the point id and the parameters. ``hhi``: Herfindahl-Hirschman index (0-10 000)
of the verified horizon spend by provider; ``n_minus_1``: ``required`` (the policy is on and the
verifier checked it), ``holds`` / ``fails`` (whether critical demand would survive the loss of
any one provider anyway), ``n/a`` (no critical work)."""
TABLE, PLANS, DOC, PARQUET = "points.csv", "plans.jsonl", "sweep.json", "points.parquet"
COVER_TOL = 1e-6
DOC_EVERY_S = 1.0


@dataclass(frozen=True)
class PointTask:
    """What every worker needs (scattered once): the base scenario, the parameters and limits."""

    scenario: Scenario
    parameters: tuple[Parameter, ...]
    time_limit_s: float
    mip_rel_gap: float = 5e-3
    seed: int = 0


def plan_point(task: PointTask, point: Point) -> dict[str, Any]:
    """Plan one point (serially, in this process) -> its row: metrics, message and ``decisions``.

    Never raises for a point without a plan: the row says why. Deterministic for a given task and
    point when the solve ends before its time limit.
    """
    t0 = time.perf_counter()
    row: dict[str, Any] = {"point_id": point.id, **point.values}
    try:
        sc = point_scenario(task.scenario, task.parameters, point.values)
        plan = optimize(
            sc,
            time_limit_s=task.time_limit_s,
            mip_rel_gap=task.mip_rel_gap,
            baselines=False,
            abatement=False,
            engine="serial",
            seed=task.seed,
        )
    except InputError as exc:
        return {**row, **_empty("invalid", str(exc)), "seconds": time.perf_counter() - t0}
    except InfeasibleError as exc:
        return {**row, **_empty("infeasible", str(exc)), "seconds": time.perf_counter() - t0}
    except VerificationError as exc:
        return {**row, **_empty("unverified", str(exc)), "seconds": time.perf_counter() - t0}
    except FleetplanError as exc:
        return {**row, **_empty("failed", str(exc)), "seconds": time.perf_counter() - t0}
    spend = {k: float(v) for k, v in plan.spend_by_owner.get("provider", {}).items() if v > 0}
    total = sum(spend.values())
    top = max(sorted(spend), key=lambda k: spend[k]) if spend else None
    return {
        **row,
        "status": plan.solve.status.value,
        "total_usd": plan.total_usd,
        "discounted_usd": plan.discounted_usd,
        "co2e_t": float(plan.costs["co2e_t"].sum()),
        "top_provider": top,
        "top_provider_share": spend[top] / total if top else 0.0,
        "hhi": hhi(pd.Series(spend, dtype=float)),
        "n_minus_1": n_minus_1_status(sc, plan),
        "gap": plan.solve.gap,
        "verified": bool(plan.verification and plan.verification.ok),
        "seconds": time.perf_counter() - t0,
        "message": "",
        "decisions": decisions(plan),
        "spend_by_provider": spend,
    }


def _empty(status: str, message: str) -> dict[str, Any]:
    return {
        "status": status,
        "total_usd": None,
        "discounted_usd": None,
        "co2e_t": None,
        "top_provider": None,
        "top_provider_share": None,
        "hhi": None,
        "n_minus_1": None,
        "gap": None,
        "verified": False,
        "message": message,
        "decisions": [],
        "spend_by_provider": {},
    }


def n_minus_1_status(sc: Scenario, plan: Plan) -> str:
    """``required`` when the scenario asks for N-1 (the verifier has checked it), else whether the
    plan's critical demand would be fully served with any one provider lost (``holds``/``fails``),
    ``n/a`` without critical work."""
    if sc.policy.n_minus_1:
        return "required"
    critical = {w.name for w in sc.workloads if w.criticality == "critical"}
    a = plan.allocations[plan.allocations["workload"].isin(critical)]
    if a.empty:
        return "n/a"
    by_p = a.groupby(["workload", "period", "provider"])["coverage"].sum()
    total = by_p.groupby(level=[0, 1]).transform("sum")
    return "holds" if bool(((total - by_p) >= 1 - COVER_TOL).all()) else "fails"


def decisions(plan: Plan) -> list[str]:
    """The plan's decisions in words, quantities left out (so that points compare): reservations,
    purchases, onboarded providers and each workload's main provider."""
    out: set[str] = set()
    for r in plan.reservations.itertuples():
        out.add(f"reserve {r.accelerator} on {r.provider} from {r.start_period} ({r.pricing_model})")
    for r in plan.purchases.itertuples():
        out.add(f"buy {r.server_type} servers for {r.site}, ordered {r.period_ordered}")
    out.update(f"onboard {p}" for p in plan.onboarded)
    a = plan.allocations
    if len(a):
        hours = a.groupby(["workload", "provider"])["accelerator_hours"].sum().reset_index()
        hours = hours.sort_values(["workload", "accelerator_hours", "provider"], ascending=[True, False, True])
        for r in hours.drop_duplicates("workload").itertuples():
            out.add(f"run {r.workload} mainly on {r.provider}")
    return sorted(out)


# The table on disk --------------------------------------------------------------------------------


def _columns(spec: SweepSpec) -> list[str]:
    return ["point_id", *(p.name for p in spec.parameters), *METRICS]


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, (list, dict)):
        return json.dumps(v, sort_keys=True)
    if isinstance(v, float):
        return repr(v)
    return v


def _append_line(path: Path, line: str) -> None:
    """Append one line with one ``write`` to an ``O_APPEND`` file, then sync it."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def _csv_line(values: Sequence[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([_cell(v) for v in values])
    return buf.getvalue()


def _drop_torn_tail(path: Path) -> None:
    """Cut a last line without its newline (a run killed in the middle of a write)."""
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        write_atomic(path, data[: data.rfind(b"\n") + 1])


def read_points(out: str | Path) -> pd.DataFrame:
    """The rows of ``OUT/points.csv`` sorted by point id (empty strings as missing values)."""
    path = Path(out) / TABLE
    if not path.exists() or path.stat().st_size == 0:
        return pd.DataFrame()
    df = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"message": str, "top_provider": str})
    return df.sort_values("point_id", kind="stable").reset_index(drop=True)


def _read_plans(out: Path) -> dict[int, dict[str, Any]]:
    path = out / PLANS
    plans: dict[int, dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                try:
                    doc = json.loads(line)
                except json.JSONDecodeError:  # a torn last line of a killed run
                    continue
                plans[int(doc["point_id"])] = doc
    return plans


# The run ------------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    """What a finished (or interrupted) sweep wrote: its table, each point's decisions, counts."""

    out: Path
    table: pd.DataFrame
    plans: dict[int, dict[str, Any]]
    total: int
    planned_now: int
    skipped: int
    complete: bool


def run_sweep(
    sc: Scenario,
    spec: SweepSpec,
    out: str | Path,
    executor: Executor,
    *,
    time_limit_s: float = 10.0,
    mip_rel_gap: float = 5e-3,
    seed: int = 0,
    resume: bool = False,
    progress: Callable[[int, int, dict[str, Any]], None] | None = None,
    finalize: Callable[[SweepResult], dict[str, Any]] | None = None,
) -> SweepResult:
    """Plan every point of ``spec`` not yet in ``out`` on ``executor`` (see the module docstring).

    ``progress(done, total, row)`` hears each finished row; ``finalize(result)`` returns the
    analysis added to ``sweep.json`` (Pareto fronts, sensitivities, robust decisions, pictures).
    Raises :class:`InputError` for a folder holding another sweep or rows without ``resume``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    table, plans_path = out / TABLE, out / PLANS
    fp = fingerprint(sc, spec)
    cols = _columns(spec)
    existing = table.exists() and table.stat().st_size > 0
    if existing and not resume:
        raise InputError(f"{out} already holds a sweep: pass --resume to continue it, or choose another folder")
    if existing:
        _check_same_sweep(out, fp, cols)
        _drop_torn_tail(table)
    else:
        write_text_atomic(table, _csv_line(cols))
        if plans_path.exists():
            plans_path.unlink()
    done_ids = set(read_points(out)["point_id"].astype(int)) if existing else set()
    todo = [pt for pt in spec.points if pt.id not in done_ids]
    total = len(spec.points)
    meta = {
        "schema": SWEEP_SCHEMA,
        "scenario": sc.name,
        "fingerprint": fp,
        "sweep_file": Path(spec.file).name,
        "time_limit_s": time_limit_s,
        "spec": spec.to_dict(),
    }
    write_text_atomic(out / DOC, json_text({**meta, "complete": False, "points_done": len(done_ids)}))
    task = PointTask(sc, spec.parameters, time_limit_s, mip_rel_gap, seed)
    planned, last_doc = 0, time.monotonic()
    complete = False
    try:
        if todo:
            handle = executor.scatter(task)
            for _, row in executor.as_completed(plan_point, todo, shared=handle):
                plan_doc = {
                    "point_id": row["point_id"],
                    "decisions": row.pop("decisions"),
                    "spend_by_provider": row.pop("spend_by_provider"),
                }
                _append_line(plans_path, json.dumps(json_safe(plan_doc), sort_keys=True) + "\n")
                _append_line(table, _csv_line([row.get(c) for c in cols]))
                planned += 1
                if progress is not None:
                    progress(len(done_ids) + planned, total, row)
                if time.monotonic() - last_doc > DOC_EVERY_S:
                    _write_doc(out, meta, complete=False)
                    last_doc = time.monotonic()
        complete = True
    finally:
        result = SweepResult(out, read_points(out), _read_plans(out), total, planned, len(done_ids), complete)
        _write_parquet(out, result.table)
        extra = finalize(result) if finalize is not None and complete else {}
        _write_doc(out, meta, complete=complete, extra=extra)
    return result


def _check_same_sweep(out: Path, fp: str, cols: list[str]) -> None:
    try:
        doc = json.loads((out / DOC).read_text("utf-8"))
    except (OSError, json.JSONDecodeError):
        doc = {}
    if doc.get("fingerprint") != fp:
        raise InputError(f"{out} holds a sweep of another scenario or sweep file: choose another folder (or remove it)")
    with (out / TABLE).open(encoding="utf-8") as fh:
        header = next(csv.reader(fh), [])
    if header != cols:
        raise InputError(f"{out / TABLE} has other columns than this sweep: choose another folder")


def _write_doc(out: Path, meta: dict[str, Any], *, complete: bool, extra: dict[str, Any] | None = None) -> None:
    table = read_points(out)
    plans = _read_plans(out)
    rows = []
    for rec in table.to_dict("records"):
        pid = int(rec["point_id"])
        rec = {k: (None if isinstance(v, float) and v != v else v) for k, v in rec.items()}
        rec["decisions"] = plans.get(pid, {}).get("decisions", [])
        rows.append(rec)
    doc = {**meta, "complete": complete, "points_done": len(rows), **(extra or {}), "points": rows}
    write_text_atomic(out / DOC, json_text(json_safe(doc)))


def _write_parquet(out: Path, table: pd.DataFrame) -> Path | None:
    """``points.parquet`` beside the CSV (through duckdb), written atomically; None without rows."""
    if table.empty:
        return None
    import duckdb

    tmp = out / f".{PARQUET}.tmp"
    con = duckdb.connect()
    try:
        con.register("points", table)
        con.execute(f"COPY points TO '{tmp.as_posix()}' (FORMAT parquet)")
    finally:
        con.close()
    os.replace(tmp, out / PARQUET)
    return out / PARQUET


def iter_rows(result: SweepResult) -> Iterator[dict[str, Any]]:
    """The table's rows as dicts with their decisions, by point id."""
    for rec in result.table.to_dict("records"):
        yield {**rec, "decisions": result.plans.get(int(rec["point_id"]), {}).get("decisions", [])}
