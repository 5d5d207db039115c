"""``fleetplan size …``: size one training run, fine-tune, batch job or serving replica.

``--json`` prints one JSON object (units in the key names). Exit codes: 0 ok, 1 does not fit /
SLO not met (the command returns 1 after printing its figures), 2 bad input.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.table import Table

from fleetplan.catalog.hardware import load_accelerators, resolve_accelerator
from fleetplan.cli._console import SIZE_WIDTH, echo, emit_json, stdout
from fleetplan.data.assumptions import (
    DEFAULT_CLOUD_SERVER_OVERHEAD,
    DEFAULT_UTILIZATION,
    FALLBACK_GRID_KGCO2E_PER_KWH,
    FALLBACK_PUE,
)
from fleetplan.energy.power import run_energy
from fleetplan.errors import FleetplanError, InputError, UnknownNameError, did_you_mean
from fleetplan.model.accelerator import Accelerator
from fleetplan.model.workload import ModelSpec
from fleetplan.sizing import defaults as D
from fleetplan.sizing.batch import estimate_batch
from fleetplan.sizing.documents import serving_document, size_document
from fleetplan.sizing.finetune import estimate_finetune
from fleetplan.sizing.serving import best_replica, estimate_serving
from fleetplan.sizing.training import estimate_training

__all__ = ["size_app"]

size_app = typer.Typer(
    help="Size a workload from first principles: GPU-hours for training, throughput and replicas for serving.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

Params = Annotated[float, typer.Option("--params", help="total parameters, e.g. 70e9")]
ActiveParams = Annotated[float | None, typer.Option("--active-params", help="active parameters per token (MoE)")]
AcceleratorOpt = Annotated[str, typer.Option("--accelerator", "-a", help="accelerator name or alias")]
Json = Annotated[bool, typer.Option("--json", help="print one JSON object")]
Layers = Annotated[int | None, typer.Option("--layers", help="transformer layers")]
Hidden = Annotated[int | None, typer.Option("--hidden-size", help="model width")]
KvHeads = Annotated[int | None, typer.Option("--kv-heads", help="key/value heads (GQA)")]
Context = Annotated[int | None, typer.Option("--context", help="training sequence length")]
Gang = Annotated[int | None, typer.Option("--gpus", min=1, help="gang size -> wall-clock days")]
TrainPrecision = Annotated[str, typer.Option("--precision", help="bf16 or fp8")]
ServePrecision = Annotated[str, typer.Option("--precision", help="bf16, fp8, int8 or int4")]
Mfu = Annotated[float | None, typer.Option("--mfu", min=0.001, max=1.0, help="override MFU")]
Goodput = Annotated[float | None, typer.Option("--goodput", min=0.01, max=1.0, help="override goodput")]
Grid = Annotated[
    float,
    typer.Option(
        "--grid-kgco2e-per-kwh",
        min=0.0,
        help=f"grid carbon intensity (default {FALLBACK_GRID_KGCO2E_PER_KWH}: world average)",
    ),
]
Pue = Annotated[
    float,
    typer.Option("--pue", min=1.0, max=3.0, help=f"data-center PUE (default {FALLBACK_PUE})"),
]
Utilization = Annotated[
    float,
    typer.Option(
        "--utilization",
        min=0.01,
        max=1.0,
        help=f"average accelerator power / TDP (default {DEFAULT_UTILIZATION})",
    ),
]
Overhead = Annotated[
    float,
    typer.Option(
        "--server-overhead",
        min=1.0,
        max=6.0,
        help=f"server power / accelerator power (default {DEFAULT_CLOUD_SERVER_OVERHEAD})",
    ),
]


def _accelerator(name: str) -> Accelerator:
    try:
        return resolve_accelerator(name)
    except UnknownNameError:
        known = [n for a in load_accelerators().values() for n in (a.name, *a.aliases)]
        raise InputError(f"unknown accelerator {name!r}{did_you_mean(name, known)}") from None


def _spec(params: float, active: float | None, **arch: Any) -> ModelSpec:
    try:
        return ModelSpec(params=params, active_params=active, **{k: v for k, v in arch.items() if v})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "model"
        raise InputError(first["msg"], path=f"--{field.replace('_', '-')}") from None


@contextmanager
def _bad_input() -> Iterator[None]:
    """Values the estimators reject (ValueError, pydantic's ValidationError) are bad input."""
    try:
        yield
    except (ValueError, ValidationError) as exc:
        raise InputError(str(exc).splitlines()[0]) from None


def _verdict(fits: bool, reason: str) -> int:
    """Exit code 1, with the reason on stderr, when the workload does not fit; else 0."""
    if fits:
        return 0
    echo(f"fleetplan: {reason}", err=True)
    return 1


def _fmt(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        if v == 0 or 1e-3 <= abs(v) < 10:
            return f"{v:,.4g}"
        if 10 <= abs(v) < 1e12:
            return f"{v:,.0f}"
        return f"{v:.3g}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _table(title: str, rows: list[tuple[str, Any]], assumptions: list[str]) -> None:
    out = stdout(SIZE_WIDTH)
    out.print(f"[bold]{title}[/bold]", highlight=False)
    table = Table(show_header=False)
    table.add_column("figure", style="bold")
    table.add_column("value", justify="right")
    for key, value in rows:
        if value is not None:
            table.add_row(key, _fmt(value))
    out.print(table)
    for line in assumptions:
        out.print(f"  [dim]assumes[/dim] {line}", highlight=False)


def _energy_settings(utilization: float, server_overhead: float, pue: float, grid: float) -> dict[str, float]:
    """The power-model settings a training estimate reports energy and emissions with."""
    return {"utilization": utilization, "server_overhead": server_overhead, "pue": pue, "grid_kgco2e_per_kwh": grid}


def _train_like(
    kind: str,
    *,
    params: float,
    active_params: float | None,
    tokens: float,
    accelerator: str,
    gpus: int | None,
    precision: str,
    mfu: float | None,
    goodput: float | None,
    method: str,
    arch: dict[str, Any],
    as_json: bool,
    energy: dict[str, float] | None = None,
) -> int:
    acc = _accelerator(accelerator)
    spec = _spec(params, active_params, **arch)
    if tokens <= 0:
        raise InputError("--tokens must be positive")
    if kind == "train":
        est = estimate_training(spec, tokens, acc, precision=precision, mfu=mfu, goodput=goodput, gpus=gpus)
    else:
        est = estimate_finetune(
            spec,
            tokens,
            acc,
            method=method,
            precision=precision,
            mfu=mfu,
            goodput=goodput,
            gpus=gpus,
        )
    run = run_energy(est.gpu_hours, acc.tdp_w, **(energy or {}))
    if as_json:
        power = {k: v for k, v in run.to_dict().items() if k != "accelerator_hours"}
        emit_json(size_document(kind, est, **power))
    else:
        _table(
            f"{kind}: {params:.3g} params, {tokens:.3g} tokens on {acc.name}",
            [
                ("FLOPs", est.flops),
                ("GPU-hours", est.gpu_hours),
                ("min GPUs (memory)", est.min_gpus),
                ("GPUs", est.gpus),
                ("wall-clock days", est.wall_clock_days),
                ("memory needed (GB)", est.memory_gb_total),
                ("energy (kWh)", run.energy_kwh),
                ("emissions (tCO2e)", run.co2e_t),
            ],
            [
                f"{est.precision} peak {est.peak_tflops:g} TFLOP/s, MFU {est.mfu:.1%}"
                f"{' (given)' if mfu is not None else ' (default)'}, goodput {est.goodput:.0%}",
                f"{est.flops_per_token:.3g} FLOPs/token, width {est.hidden_size}, {est.layers} layers",
                f"power {run.tdp_w:g} W TDP x utilization {run.power_utilization:g} x server overhead "
                f"{run.server_overhead:g} x PUE {run.pue:g}; grid {run.grid_kgco2e_per_kwh:g} kgCO2e/kWh "
                "(set --utilization, --server-overhead, --pue, --grid-kgco2e-per-kwh)",
            ],
        )
    return _verdict(est.fits, est.reason)


@size_app.command()
def train(
    params: Params,
    tokens: Annotated[float, typer.Option("--tokens", help="training tokens, e.g. 2e12")],
    accelerator: AcceleratorOpt,
    active_params: ActiveParams = None,
    gpus: Gang = None,
    precision: TrainPrecision = "bf16",
    mfu: Mfu = None,
    goodput: Goodput = None,
    layers: Layers = None,
    hidden_size: Hidden = None,
    context: Context = None,
    grid_kgco2e_per_kwh: Grid = FALLBACK_GRID_KGCO2E_PER_KWH,
    pue: Pue = FALLBACK_PUE,
    utilization: Utilization = DEFAULT_UTILIZATION,
    server_overhead: Overhead = DEFAULT_CLOUD_SERVER_OVERHEAD,
    as_json: Json = False,
) -> int:
    """GPU-hours, memory floor, wall-clock time, energy and emissions of a (pre-)training run."""
    energy = _energy_settings(utilization, server_overhead, pue, grid_kgco2e_per_kwh)
    with _bad_input():
        return _train_like(
            "train",
            params=params,
            active_params=active_params,
            tokens=tokens,
            accelerator=accelerator,
            gpus=gpus,
            precision=precision,
            mfu=mfu,
            goodput=goodput,
            method="full",
            arch={"layers": layers, "hidden_size": hidden_size, "context_tokens": context},
            as_json=as_json,
            energy=energy,
        )


@size_app.command()
def finetune(
    params: Params,
    tokens: Annotated[float, typer.Option("--tokens", help="fine-tuning tokens")],
    accelerator: AcceleratorOpt,
    method: Annotated[str, typer.Option("--method", help="full, lora or qlora")] = "lora",
    active_params: ActiveParams = None,
    gpus: Gang = None,
    precision: TrainPrecision = "bf16",
    mfu: Mfu = None,
    goodput: Goodput = None,
    grid_kgco2e_per_kwh: Grid = FALLBACK_GRID_KGCO2E_PER_KWH,
    pue: Pue = FALLBACK_PUE,
    utilization: Utilization = DEFAULT_UTILIZATION,
    server_overhead: Overhead = DEFAULT_CLOUD_SERVER_OVERHEAD,
    as_json: Json = False,
) -> int:
    """GPU-hours, memory, energy and emissions of a full, LoRA or QLoRA fine-tune."""
    energy = _energy_settings(utilization, server_overhead, pue, grid_kgco2e_per_kwh)
    with _bad_input():
        return _train_like(
            "finetune",
            params=params,
            active_params=active_params,
            tokens=tokens,
            accelerator=accelerator,
            gpus=gpus,
            precision=precision,
            mfu=mfu,
            goodput=goodput,
            method=method,
            arch={},
            as_json=as_json,
            energy=energy,
        )


@size_app.command()
def serve(
    params: Params,
    accelerator: AcceleratorOpt,
    gpus: Annotated[
        int | None, typer.Option("--gpus", min=1, help="accelerators per replica (tensor parallel)")
    ] = None,
    precision: ServePrecision = "bf16",
    input_tokens: Annotated[int, typer.Option("--input-tokens", min=1, help="prompt tokens per request")] = 1000,
    output_tokens: Annotated[int, typer.Option("--output-tokens", min=1, help="generated tokens per request")] = 200,
    ttft_ms: Annotated[float | None, typer.Option("--ttft-ms", min=0.001, help="time-to-first-token SLO")] = None,
    tpot_ms: Annotated[float | None, typer.Option("--tpot-ms", min=0.001, help="time-per-output-token SLO")] = None,
    rps: Annotated[float | None, typer.Option("--rps", min=0.0, help="peak requests/s -> replicas needed")] = None,
    headroom: Annotated[float, typer.Option("--headroom", min=0.0, help="spare capacity share for --rps")] = 0.0,
    active_params: ActiveParams = None,
    layers: Layers = None,
    hidden_size: Hidden = None,
    kv_heads: KvHeads = None,
    as_json: Json = False,
) -> int:
    """Throughput of one serving replica (max-throughput point, or under TTFT/TPOT SLOs)."""

    def body() -> int:
        acc = _accelerator(accelerator)
        spec = _spec(params, active_params, layers=layers, hidden_size=hidden_size, kv_heads=kv_heads)
        kwargs = dict(
            precision=precision,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            ttft_ms=ttft_ms,
            tpot_ms=tpot_ms,
        )
        if gpus is None:
            _, est = best_replica(spec, acc, **kwargs)
            if est is None:
                raise FleetplanError(
                    f"a {params:.3g}-parameter model does not fit {D.MAX_ACCELERATORS_PER_REPLICA} x {acc.name}"
                )
        else:
            est = estimate_serving(spec, acc, gpus=gpus, **kwargs)
        doc = serving_document(est, rps=rps, headroom=headroom)
        if as_json:
            emit_json(doc)
        else:
            slo = ", ".join(
                s
                for s in (
                    f"TTFT ≤ {ttft_ms:g} ms" if ttft_ms else "",
                    f"TPOT ≤ {tpot_ms:g} ms" if tpot_ms else "",
                )
                if s
            )
            _table(
                f"serve: {params:.3g} params on {est.gpus} x {acc.name} ({est.precision})",
                [
                    ("output tokens/s", est.output_tokens_per_s),
                    ("requests/s", est.requests_per_s),
                    ("max batch", est.max_batch),
                    ("TTFT (ms)", est.ttft_ms),
                    ("TPOT (ms)", est.tpot_ms),
                    ("replicas needed", doc.get("replicas_needed")),
                    ("weights (GB)", est.weights_gb),
                    ("KV cache (GB)", est.kv_cache_gb),
                ],
                [
                    f"{input_tokens} input / {output_tokens} output tokens per request; "
                    + (f"SLOs {slo}" if slo else "max-throughput point"),
                    f"KV cache {est.kv_cache_bytes_per_token / 1024:,.0f} KiB/token; bound by {est.bound}",
                    f"efficiencies: prefill {D.PREFILL_COMPUTE_EFFICIENCY:.0%} of peak, "
                    f"HBM {D.BANDWIDTH_EFFICIENCY:.0%}, "
                    f"interconnect {D.INTERCONNECT_EFFICIENCY:.0%}",
                ],
            )
        return _verdict(est.fits, est.reason)

    with _bad_input():
        return body()


@size_app.command()
def batch(
    params: Params,
    tokens: Annotated[float, typer.Option("--tokens", help="input + output tokens to process")],
    accelerator: AcceleratorOpt,
    gpus: Annotated[int | None, typer.Option("--gpus", min=1, help="accelerators per replica")] = None,
    precision: ServePrecision = "bf16",
    input_tokens: Annotated[int, typer.Option("--input-tokens", min=1)] = 1000,
    output_tokens: Annotated[int, typer.Option("--output-tokens", min=1)] = 200,
    active_params: ActiveParams = None,
    as_json: Json = False,
) -> int:
    """Accelerator-hours of an offline (batch) inference job at the max-throughput point."""

    def body() -> int:
        acc = _accelerator(accelerator)
        spec = _spec(params, active_params)
        if tokens <= 0:
            raise InputError("--tokens must be positive")
        est = estimate_batch(
            spec,
            tokens,
            acc,
            gpus=gpus,
            precision=precision,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
        )
        if as_json:
            emit_json(size_document("batch", est))
        else:
            _table(
                f"batch: {params:.3g} params, {tokens:.3g} tokens on {est.gpus} x {acc.name}",
                [
                    ("accelerator-hours", est.accelerator_hours),
                    ("tokens/s per replica", est.tokens_per_s),
                    ("requests", est.requests),
                    ("max batch", est.max_batch),
                ],
                [f"{input_tokens} input / {output_tokens} output tokens per request, max throughput"],
            )
        return _verdict(est.fits, est.reason)

    with _bad_input():
        return body()
