"""Batch (offline) inference: tokens to process -> accelerator-hours at the max-throughput point.

requests        = tokens / (ISL + OSL)
replica-hours   = requests / requests_per_s(replica at max throughput) / 3600
accel-hours     = replica-hours · accelerators per replica
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from fleetplan.model.accelerator import Accelerator
from fleetplan.model.workload import ModelSpec
from fleetplan.sizing.defaults import SizingError
from fleetplan.sizing.serving import ServingEstimate, best_replica, estimate_serving
from fleetplan.sizing.training import as_model_spec

__all__ = ["BatchEstimate", "batch_hours", "estimate_batch"]


@dataclass(frozen=True)
class BatchEstimate:
    """Accelerator-hours to process ``tokens`` (input + output) with ``gpus``-wide replicas."""

    accelerator: str
    gpus: int
    precision: str
    tokens: float
    input_tokens: int
    output_tokens: int
    requests: float
    tokens_per_s: float
    output_tokens_per_s: float
    replica_hours: float
    accelerator_hours: float
    max_batch: int
    fits: bool = True
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (units in the key names)."""
        return asdict(self)


def batch_hours(tokens: float, serving: ServingEstimate) -> float:
    """Accelerator-hours for ``tokens`` (input + output) from a max-throughput estimate."""
    if serving.requests_per_s <= 0:
        return float("inf")
    requests = tokens / (serving.input_tokens + serving.output_tokens)
    return requests / serving.requests_per_s / 3600.0 * serving.gpus


def estimate_batch(
    model: ModelSpec | float,
    tokens: float,
    accelerator: Accelerator,
    *,
    gpus: int | None = None,
    precision: str = "bf16",
    input_tokens: int = 1000,
    output_tokens: int = 200,
    active_params: float | None = None,
) -> BatchEstimate:
    """Batch inference of ``tokens`` tokens; ``gpus=None`` picks the most efficient replica size."""
    if tokens <= 0:
        raise SizingError(f"tokens must be positive, got {tokens!r}")
    spec = as_model_spec(model, active_params)
    if gpus is None:
        _, est = best_replica(
            spec,
            accelerator,
            precision=precision,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
        )
        if est is None:
            est = estimate_serving(
                spec,
                accelerator,
                gpus=accelerator.max_per_node,
                precision=precision,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
            )
    else:
        est = estimate_serving(
            spec,
            accelerator,
            gpus=gpus,
            precision=precision,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
        )
    hours = batch_hours(tokens, est)
    return BatchEstimate(
        accelerator=accelerator.name,
        gpus=est.gpus,
        precision=est.precision,
        tokens=float(tokens),
        input_tokens=int(input_tokens),
        output_tokens=int(output_tokens),
        requests=tokens / (input_tokens + output_tokens),
        tokens_per_s=est.requests_per_s * (input_tokens + output_tokens),
        output_tokens_per_s=est.output_tokens_per_s,
        replica_hours=hours / est.gpus,
        accelerator_hours=hours,
        max_batch=est.max_batch,
        fits=est.fits,
        reason=est.reason,
    )
