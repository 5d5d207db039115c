"""Sizing: turn workloads into demand (accelerator-hours or replicas) per period per accelerator.

Training and fine-tuning from FLOPs, MFU and goodput; serving and batch inference from a
per-replica roofline. The method, formulas and default assumptions (with sources) are in
``docs/sizing.md`` and :mod:`fleetplan.sizing.defaults`.

>>> from fleetplan.sizing import estimate_training, estimate_serving, size_workloads
"""

from fleetplan.sizing.batch import BatchEstimate, estimate_batch
from fleetplan.sizing.defaults import SizingError
from fleetplan.sizing.documents import serving_document, size_document
from fleetplan.sizing.finetune import estimate_finetune
from fleetplan.sizing.serving import ServingEstimate, best_replica, estimate_serving, replicas_needed
from fleetplan.sizing.training import TrainingEstimate, estimate_training
from fleetplan.sizing.workloads import SIZING_COLUMNS, size_workload, size_workloads

__all__ = [
    "SIZING_COLUMNS",
    "BatchEstimate",
    "ServingEstimate",
    "SizingError",
    "TrainingEstimate",
    "best_replica",
    "estimate_batch",
    "estimate_finetune",
    "estimate_serving",
    "estimate_training",
    "replicas_needed",
    "serving_document",
    "size_document",
    "size_workload",
    "size_workloads",
]
