"""Tasks for ``test_parallel.py``: module-level so that worker processes can import them, and light to import."""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np


def make_payload(n: int = 40, m: int = 30, seed: int = 0) -> dict[str, Any]:
    """Constraints ``A x <= b``, ``0 <= x <= 1`` of a feasible LP; ``A`` as CSC arrays (fixed seed)."""
    rng = np.random.default_rng(seed)
    dense = rng.uniform(0.1, 1.0, (m, n)) * (rng.random((m, n)) < 0.2) + np.eye(m, n)
    rows, cols = np.nonzero(dense.T)[::-1]  # column-major order
    start = np.searchsorted(cols, np.arange(n + 1)).astype(np.int32)
    return {"start": start, "index": rows.astype(np.int32), "value": dense[rows, cols], "b": rng.uniform(1, 3, m)}


def solve_lp(payload: dict[str, Any], k: int) -> tuple[float, tuple[float, ...]]:
    """Maximize a cost vector that depends on ``k`` over the shared constraints: (objective, x)."""
    import highspy

    n, m = len(payload["start"]) - 1, len(payload["b"])
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_ = -(1.0 + (np.arange(n) * (k + 1)) % 7)
    lp.col_lower_, lp.col_upper_ = np.zeros(n), np.ones(n)
    lp.row_lower_, lp.row_upper_ = np.full(m, -highspy.kHighsInf), payload["b"]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = payload["start"], payload["index"], payload["value"]
    h = highspy.Highs()
    # `threads` left at 0 ("whatever this process uses"): HiGHS fixes its thread count per process at the
    # first solve, and the serial engine runs this in the test process, where other tests solved with 2.
    for name, value in (("output_flag", False), ("random_seed", 0)):
        h.setOptionValue(name, value)
    h.passModel(lp)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return float(h.getInfo().objective_function_value), tuple(float(v) for v in h.getSolution().col_value)


def square(x: int) -> int:
    return x * x


def slow_square(x: int) -> int:
    """``x * x`` after 0 to 40 ms, so that tasks finish out of submission order."""
    time.sleep(0.02 * (x % 3))
    return x * x


def nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def fail_on(x: int) -> int:
    """``x``, or ``ValueError`` for items 3 and 7."""
    if x in (3, 7):
        raise ValueError(f"item {x} is bad")
    return x


def die(x: int) -> int:
    """Ends its worker process abruptly (as the OOM killer would)."""
    os._exit(3)
