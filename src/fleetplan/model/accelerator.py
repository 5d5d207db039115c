"""Accelerator: a chip model and its published facts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Accelerator"]


class Accelerator(BaseModel):
    """One accelerator model (per chip / per GPU package), dense throughput without sparsity.

    ``tdp_w`` is the board power the vendor publishes; where a vendor publishes none (cloud-only
    chips) the bundled table carries an estimate and lists ``tdp_w`` in ``uncertain_fields``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="canonical name, e.g. 'H100-SXM'")
    vendor: str = Field(description="chip vendor: NVIDIA, AMD, Google, AWS, Intel")
    family: str = Field(description="architecture family, e.g. 'hopper', 'cdna3', 'tpu'")
    bf16_tflops: float = Field(gt=0, description="dense BF16/FP16 tensor TFLOP/s")
    fp8_tflops: float | None = Field(default=None, gt=0, description="dense FP8 TFLOP/s, if any")
    int8_tops: float | None = Field(default=None, gt=0, description="dense INT8 TOP/s, if any")
    memory_gb: float = Field(gt=0)
    memory_bandwidth_tbps: float = Field(gt=0)
    tdp_w: float = Field(gt=0)
    interconnect_gb_s: float | None = Field(
        default=None, gt=0, description="scale-up bandwidth per chip (NVLink etc.), GB/s"
    )
    max_per_node: int = Field(default=8, ge=1)
    approx_price_usd: float | None = Field(default=None, gt=0)
    release_year: int | None = None
    aliases: tuple[str, ...] = ()
    uncertain_fields: tuple[str, ...] = ()
    source: str

    def peak_tflops(self, precision: str) -> float:
        """Dense peak TFLOP/s at ``precision`` (bf16, fp16, fp8, int8, int4).

        Chips without FP8 units run fp8 models at their BF16 rate (weights are upcast); int8/int4
        use the INT8 rate when published, else the FP8 rate, else BF16.
        """
        p = precision.lower()
        if p in ("bf16", "fp16"):
            return self.bf16_tflops
        if p == "fp8":
            return self.fp8_tflops or self.bf16_tflops
        if p in ("int8", "int4"):
            return self.int8_tops or self.fp8_tflops or self.bf16_tflops
        raise ValueError(f"unknown precision {precision!r}")
