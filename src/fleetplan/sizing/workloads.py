"""Scenario-level sizing: every workload -> demand per period per accelerator type (a table).

One row per (workload, period, accelerator) where the workload is active in the period and may
use the accelerator. ``accelerator_hours`` is the demand of train / finetune / batch workloads in
that period; ``replicas`` (fractional; the optimizer rounds) that of serve workloads. Rows where
the workload does not fit an accelerator stay in the table with ``fits=False`` and a ``reason``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from fleetplan.catalog.hardware import load_accelerators, resolve_accelerator
from fleetplan.errors import UnknownNameError
from fleetplan.model.accelerator import Accelerator
from fleetplan.model.period import hours_per_period, parse_period
from fleetplan.model.scenario import Horizon, Scenario
from fleetplan.model.workload import Workload
from fleetplan.sizing import defaults as D
from fleetplan.sizing.batch import batch_hours
from fleetplan.sizing.defaults import SizingError
from fleetplan.sizing.finetune import estimate_finetune
from fleetplan.sizing.serving import best_replica, serving_memory_bytes
from fleetplan.sizing.training import estimate_training

__all__ = [
    "SIZING_COLUMNS",
    "active_periods",
    "allowed_accelerators",
    "size_workload",
    "size_workloads",
]

SIZING_COLUMNS: dict[str, str] = {
    "workload": "workload name",
    "kind": "train | finetune | batch | serve",
    "period": "period label",
    "period_index": "0-based index of the period in the workload's active periods",
    "accelerator": "canonical accelerator name",
    "precision": "precision the estimate assumes",
    "accelerator_hours": "train/finetune/batch: accelerator-hours needed in the period (NaN for serve)",
    "replicas": "serve: replicas for the period's peak incl. growth and headroom (NaN otherwise)",
    "accelerators_per_replica": "accelerators per replica or gang (serve, batch: most efficient "
    "size; train, finetune: fixed gang or memory floor)",
    "min_accelerators": "memory floor: smallest placement size (1, 2, 4, 8, whole nodes) that fits",
    "concurrent_accelerators": "average accelerators busy in the period (hours / period hours, or "
    "replicas x accelerators per replica)",
    "demand": "serve: peak requests/s incl. headroom; batch: tokens; train/finetune: total tokens",
    "requests_per_s_per_replica": "serve/batch: replica throughput at the chosen batch",
    "output_tokens_per_s_per_replica": "serve/batch: replica output tokens/s",
    "total_accelerator_hours": "train/finetune: hours over the whole run (all periods)",
    "memory_gb_needed": "memory the workload needs per placement (GiB)",
    "fits": "False when the workload cannot run on this accelerator",
    "reason": "why it does not fit (empty when it does)",
}


def active_periods(workload: Workload, horizon: Horizon) -> list[str]:
    """Labels of the horizon periods inside ``workload.window`` (open ends = horizon ends)."""
    labels = horizon.labels()
    ords = [parse_period(x, horizon.period) for x in labels]
    lo = parse_period(workload.window.start, horizon.period) if workload.window.start else ords[0]
    hi = parse_period(workload.window.end, horizon.period) if workload.window.end else ords[-1]
    return [lab for lab, o in zip(labels, ords, strict=True) if lo <= o <= hi]


def allowed_accelerators(workload: Workload, universe: Iterable[Accelerator] | None = None) -> list[Accelerator]:
    """The accelerators ``workload`` may use, in universe order (aliases resolved)."""
    pool = list(universe) if universe is not None else list(load_accelerators().values())
    if workload.accelerators is None:
        return pool
    wanted: set[str] = set()
    for name in workload.accelerators:
        try:
            wanted.add(resolve_accelerator(name).name)
        except UnknownNameError as exc:
            raise SizingError(f"workload {workload.name!r}: {exc}") from None
    return [a for a in pool if a.name in wanted]


def _growth(workload: Workload, labels: list[str], base: float) -> np.ndarray:
    i = np.arange(len(labels), dtype=float)
    values = base * (1.0 + workload.demand.growth_per_period) ** i
    for k, lab in enumerate(labels):
        if lab in workload.demand.per_period:
            values[k] = workload.demand.per_period[lab]
    return values


def _rows(
    workload: Workload,
    acc: Accelerator,
    labels: list[str],
    period_hours: float,
    **cols: Any,
) -> list[dict[str, Any]]:
    n = len(labels)
    out = []
    for k, lab in enumerate(labels):
        row: dict[str, Any] = {
            "workload": workload.name,
            "kind": workload.kind,
            "period": lab,
            "period_index": k,
            "accelerator": acc.name,
        }
        for key, val in cols.items():
            row[key] = val[k] if isinstance(val, np.ndarray) and val.shape == (n,) else val
        out.append(row)
    return out


def _size_train(workload: Workload, acc: Accelerator, labels: list[str], period_hours: float) -> list[dict]:
    if workload.tokens is None:
        raise SizingError(f"workload {workload.name!r} ({workload.kind}) needs 'tokens'")
    window_hours = period_hours * len(labels)
    kwargs = dict(
        precision=workload.precision,
        mfu=workload.mfu,
        goodput=workload.goodput,
        gpus=workload.gpus,
        window_hours=window_hours,
    )
    if workload.kind == "finetune":
        est = estimate_finetune(workload.model, workload.tokens, acc, method=workload.method, **kwargs)
    else:
        est = estimate_training(workload.model, workload.tokens, acc, **kwargs)
    hours = np.full(len(labels), est.gpu_hours / len(labels))
    per_replica = workload.gpus or est.min_gpus
    fits = est.fits
    return _rows(
        workload,
        acc,
        labels,
        period_hours,
        precision=est.precision,
        accelerator_hours=hours if fits else np.nan,
        replicas=np.nan,
        accelerators_per_replica=per_replica,
        min_accelerators=est.min_gpus,
        concurrent_accelerators=hours / period_hours if fits else np.nan,
        demand=workload.tokens,
        requests_per_s_per_replica=np.nan,
        output_tokens_per_s_per_replica=np.nan,
        total_accelerator_hours=est.gpu_hours if fits else np.nan,
        memory_gb_needed=est.memory_gb_total,
        fits=fits,
        reason=est.reason,
    )


def _size_inference(
    workload: Workload, acc: Accelerator, labels: list[str], period_hours: float, memo: dict[tuple, tuple]
) -> list[dict]:
    demand = workload.demand
    if workload.kind == "serve":
        if demand.peak_rps is None and not demand.per_period:
            raise SizingError(f"workload {workload.name!r} (serve) needs demand.peak_rps")
        ttft, tpot = workload.slo.ttft_ms, workload.slo.tpot_ms
    else:
        if demand.tokens_per_period is None and not demand.per_period:
            raise SizingError(f"workload {workload.name!r} (batch) needs demand.tokens_per_period")
        ttft = tpot = None
    key = (
        workload.model.model_dump_json(),
        acc.name,
        workload.precision,
        demand.input_tokens,
        demand.output_tokens,
        ttft,
        tpot,
    )
    if key not in memo:
        floor_, est_ = best_replica(
            workload.model,
            acc,
            precision=workload.precision,
            input_tokens=demand.input_tokens,
            output_tokens=demand.output_tokens,
            ttft_ms=ttft,
            tpot_ms=tpot,
        )
        gb = serving_memory_bytes(workload.model, workload.precision, demand.input_tokens, demand.output_tokens) / D.GIB
        memo[key] = (floor_, est_, gb)
    floor, est, need_gb = memo[key]
    if est is None or not est.fits:
        reason = (
            est.reason
            if est is not None
            else (
                f"needs {need_gb:,.0f} GB of accelerator memory; a replica of at most "
                f"{D.MAX_ACCELERATORS_PER_REPLICA} x {acc.name} has "
                f"{D.MAX_ACCELERATORS_PER_REPLICA * acc.memory_gb:,.0f} GB"
            )
        )
        return _rows(
            workload,
            acc,
            labels,
            period_hours,
            precision=workload.precision,
            accelerator_hours=np.nan,
            replicas=np.nan,
            accelerators_per_replica=est.gpus if est is not None else np.nan,
            min_accelerators=floor if floor is not None else np.nan,
            concurrent_accelerators=np.nan,
            demand=np.nan,
            requests_per_s_per_replica=0.0,
            output_tokens_per_s_per_replica=0.0,
            total_accelerator_hours=np.nan,
            memory_gb_needed=need_gb,
            fits=False,
            reason=reason,
        )
    if workload.kind == "serve":
        rps = _growth(workload, labels, demand.peak_rps or 0.0) * (1.0 + demand.headroom)
        replicas = rps / est.requests_per_s
        hours: Any = np.nan
        concurrent = replicas * est.gpus
        dem = rps
    else:
        tokens = _growth(workload, labels, demand.tokens_per_period or 0.0)
        hours = tokens * (batch_hours(1.0, est))
        replicas = np.nan
        concurrent = hours / period_hours
        dem = tokens
    return _rows(
        workload,
        acc,
        labels,
        period_hours,
        precision=est.precision,
        accelerator_hours=hours,
        replicas=replicas,
        accelerators_per_replica=est.gpus,
        min_accelerators=floor,
        concurrent_accelerators=concurrent,
        demand=dem,
        requests_per_s_per_replica=est.requests_per_s,
        output_tokens_per_s_per_replica=est.output_tokens_per_s,
        total_accelerator_hours=np.nan,
        memory_gb_needed=need_gb,
        fits=True,
        reason="",
    )


def _no_fit_error(workload: Workload, accs: list[Accelerator], rows: list[dict]) -> SizingError:
    need = max((r["memory_gb_needed"] for r in rows), default=float("nan"))
    big = max(accs, key=lambda a: a.memory_gb)
    reasons = {r["accelerator"]: r["reason"] for r in rows}
    if workload.kind in ("serve", "batch"):
        cap = f"{D.MAX_ACCELERATORS_PER_REPLICA} per replica"
    else:
        cap = f"{workload.gpus} in its fixed gang" if workload.gpus else "any gang"
    return SizingError(
        f"workload {workload.name!r} fits none of its allowed accelerators: it needs "
        f"{need:,.0f} GB of accelerator memory; the biggest allowed is {big.name} with "
        f"{big.memory_gb:g} GB ({cap}): {reasons.get(big.name, '')}"
    )


def size_workload(
    workload: Workload,
    horizon: Horizon,
    accelerators: Iterable[Accelerator] | None = None,
) -> pd.DataFrame:
    """Sizing rows of one workload (see :func:`size_workloads`)."""
    rows = _workload_rows(workload, horizon, accelerators, {})
    return pd.DataFrame(rows, columns=list(SIZING_COLUMNS))


def _workload_rows(
    workload: Workload, horizon: Horizon, accelerators: Iterable[Accelerator] | None, memo: dict[tuple, tuple]
) -> list[dict[str, Any]]:
    labels = active_periods(workload, horizon)
    accs = allowed_accelerators(workload, accelerators)
    if not accs:
        allowed = ", ".join(workload.accelerators or [])
        raise SizingError(f"workload {workload.name!r}: none of its accelerators ({allowed}) is available")
    if not labels:
        return []
    period_hours = hours_per_period(horizon.period)
    rows: list[dict] = []
    for acc in accs:
        if workload.kind in ("train", "finetune"):
            rows.extend(_size_train(workload, acc, labels, period_hours))
        else:
            rows.extend(_size_inference(workload, acc, labels, period_hours, memo))
    if not any(r["fits"] for r in rows):
        raise _no_fit_error(workload, accs, rows)
    return rows


def size_workloads(scenario: Scenario, accelerators: Iterable[Accelerator] | None = None) -> pd.DataFrame:
    """Demand of every workload per period per accelerator type, as one table.

    ``accelerators`` is the universe to size against (default: all bundled accelerators); each
    workload's ``accelerators`` allow-list narrows it. Columns: :data:`SIZING_COLUMNS`. Raises
    :class:`SizingError` when a workload fits none of its allowed accelerators.
    """
    universe = list(accelerators) if accelerators is not None else None
    memo: dict[tuple, tuple] = {}  # portfolios reuse a few model archetypes: size each once
    rows = [r for w in scenario.workloads for r in _workload_rows(w, scenario.horizon, universe, memo)]
    if not rows:
        return pd.DataFrame(columns=list(SIZING_COLUMNS))
    out = pd.DataFrame(rows, columns=list(SIZING_COLUMNS))
    out["fits"] = out["fits"].astype(bool)
    out["period_index"] = out["period_index"].astype(int)
    return out
