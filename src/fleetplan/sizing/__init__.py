"""Sizing: turn workloads into demand (accelerator-hours or replicas) per period per accelerator.

Training and fine-tuning from FLOPs, MFU and goodput; serving and batch inference from a
per-replica roofline. The method, formulas and default assumptions (with sources) are in
``docs/sizing.md`` and :mod:`fleetplan.sizing.defaults`.

>>> from fleetplan.sizing import estimate_training, estimate_serving, size_workloads
"""

from fleetplan.sizing.batch import BatchEstimate, estimate_batch
from fleetplan.sizing.defaults import SizingError, default_goodput, default_mfu, model_shape
from fleetplan.sizing.documents import serving_document, size_document
from fleetplan.sizing.finetune import estimate_finetune
from fleetplan.sizing.serving import (
    ServingEstimate,
    best_replica,
    estimate_serving,
    kv_cache_bytes_per_token,
    min_replica_accelerators,
    replicas_needed,
)
from fleetplan.sizing.training import TrainingEstimate, estimate_training, training_flops
from fleetplan.sizing.workloads import SIZING_COLUMNS, size_workload, size_workloads

__all__ = [
    "SIZING_COLUMNS",
    "BatchEstimate",
    "ServingEstimate",
    "SizingError",
    "TrainingEstimate",
    "best_replica",
    "default_goodput",
    "default_mfu",
    "estimate_batch",
    "estimate_finetune",
    "estimate_serving",
    "estimate_training",
    "kv_cache_bytes_per_token",
    "min_replica_accelerators",
    "model_shape",
    "replicas_needed",
    "serving_document",
    "size_document",
    "size_workload",
    "size_workloads",
    "training_flops",
]
