"""The operations model is built once and never changed: each solve takes its bounds and costs as
arguments, so the same model gives the same answers however its solves are interleaved."""

from __future__ import annotations

import numpy as np
import pytest

from fleetplan.optimize import optimize
from fleetplan.optimize.context import Var
from fleetplan.risk.operations import build_ops_model
from tests.optimize.test_fingerprint import fingerprint

from .test_contingency import _two_provider_scenario


def _ops(make_scenario):  # type: ignore[no-untyped-def]
    """Critical batch on alpha and beta, beta capped at 40 % of the demand (see test_contingency)."""
    sc, _need = _two_provider_scenario(make_scenario, cap_share=0.4)
    return build_ops_model(sc, optimize(sc, baselines=False))


def _same(a, b) -> bool:  # type: ignore[no-untyped-def]
    return a.status == b.status and np.array_equal(a.x, b.x) and np.array_equal(a.spend_usd, b.spend_usd)


def test_solves_leave_the_model_unchanged_and_do_not_depend_on_each_other(make_scenario) -> None:
    ops = _ops(make_scenario)
    before = fingerprint(ops.f.model)
    alpha = ops.cand["provider"].eq("alpha").to_numpy()
    base = ops.solve()
    lost = ops.solve(alpha)  # a solve with unserved demand: both lexicographic steps run
    assert (lost.unserved > 1e-6).any() and not (base.unserved > 1e-6).any()
    assert fingerprint(ops.f.model) == before
    # in another order, the same answers
    assert _same(ops.solve(alpha), lost)
    assert _same(ops.solve(), base)
    assert fingerprint(ops.f.model) == before


def test_the_operations_inputs_are_in_the_built_model(make_scenario) -> None:
    ops = _ops(make_scenario)
    m = ops.f.model
    blk = m.columns[Var.UNSERVED]
    cost = m.col("cost")[blk.start : blk.start + blk.size]
    # unserved demand is priced per coverage row by the build, from the operations inputs
    expected = 1000.0 * 100.0 * np.maximum(ops.rows["hours_per_cover"].to_numpy(), 1.0)
    assert cost == pytest.approx(expected)
    assert ops.rows["col"].tolist() == list(range(blk.start, blk.start + blk.size))
