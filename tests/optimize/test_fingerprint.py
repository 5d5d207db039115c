"""Model fingerprints: ``build_model`` on fixture scenarios gives the same matrices, bounds, costs and
integrality as when the fingerprints were recorded (no solve).

A refactor of the formulation must not change the model it builds. If a change of the model is
intended, print the new fingerprints (``python -m tests.optimize.test_fingerprint``), check the plan
figures they lead to, and update ``EXPECTED`` in the same commit, saying why.

The example's plain, elastic and unmerged cases build it without its ``policy.rollout`` (the model as
before rollout policies); ``example-rollout*`` build it as bundled. The ``example-cuda-shop`` cases
give the example (without its rollout) a CUDA-only team; without a ``team`` the model is as before.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fleetplan.load import load_scenario
from fleetplan.model.scenario import Scenario

EXPECTED = {
    "example": {
        "columns": "200caabcf97da6bf",
        "rows": "4f8f545fa3a4c48a",
        "matrix": "be6f52db446d9163",
        "row_bounds": "b47e13c3fac13b6c",
        "col_bounds": "1dab363de51cdd55",
        "cost": "c9bdb44b176c95c6",
        "integer": "8ca13320d8ab8cde",
    },
    "example-elastic": {
        "columns": "23147a596c583a55",
        "rows": "92ecba75fe9b68f1",
        "matrix": "fe2795435b0e3e8f",
        "row_bounds": "f1dc22b6d29b40a3",
        "col_bounds": "f5499500dada35e5",
        "cost": "ebe7f3225e43aecf",
        "integer": "cb6796d7d0fa7712",
    },
    "example-operations": {
        "columns": "23909c436f1b8edd",
        "rows": "5a92bf360974bf9e",
        "matrix": "98dab16402b2da78",
        "row_bounds": "ae66894f0394becf",
        "col_bounds": "0adf8523d8f3b292",
        "cost": "5ed38723b152179c",
        "integer": "3d8a7e408fde2745",
    },
    "example-rollout": {
        "columns": "7684921f7efa7dc7",
        "rows": "2e202f54674f7025",
        "matrix": "23c751dcb9683c24",
        "row_bounds": "f2735558be9f6df5",
        "col_bounds": "19afd4ded1ecd15f",
        "cost": "a455d7f60d914cd8",
        "integer": "eba5bc9da354121d",
    },
    "example-rollout-elastic": {
        "columns": "76b72df4c27152bb",
        "rows": "02119bc7ed0d9c5d",
        "matrix": "b7945c10e15189df",
        "row_bounds": "b1bc98a28dd58b0e",
        "col_bounds": "36b1e36158340ac0",
        "cost": "fb4d295be5176815",
        "integer": "bf8c072d650b4e2a",
    },
    "example-unmerged-pools": {
        "columns": "0917b6608c253f99",
        "rows": "ba6f7da23e29a0b1",
        "matrix": "d013d339e7c1ecfe",
        "row_bounds": "952ee591014ae335",
        "col_bounds": "5b787ed6cd184db4",
        "cost": "e71415b44d78fbfc",
        "integer": "5441f8f2c2cfe4a7",
    },
    "example-cuda-shop": {
        "columns": "e552da4541548389",
        "rows": "a9cf9f10418b07cc",
        "matrix": "c225055787f7eecd",
        "row_bounds": "5cc72d666e99c2ea",
        "col_bounds": "5c102bc416ecd7cb",
        "cost": "470c7cd31cfa7b79",
        "integer": "f88399d12eb3c7fd",
    },
    "example-cuda-shop-elastic": {
        "columns": "39ce72c5b5f327f3",
        "rows": "417b407148d67d9c",
        "matrix": "60cf788a882a565a",
        "row_bounds": "4833cc57e47a74e1",
        "col_bounds": "2d3d2e447b9a8bca",
        "cost": "731e76e2fb8931c8",
        "integer": "d0a76ad6fe059cdd",
    },
    "example-cuda-shop-operations": {
        "columns": "7f70c2ee7dcb3d20",
        "rows": "09e54aed37c3452d",
        "matrix": "cea888ec92b3853b",
        "row_bounds": "32d84ef4e047a8f7",
        "col_bounds": "af6494180a6cf163",
        "cost": "66840d09bcd15f91",
        "integer": "5497f9a97b7fadd0",
    },
    "example-cuda-shop-unmerged-pools": {
        "columns": "50d7bb7d3fa20d8a",
        "rows": "d039cc9d604e143b",
        "matrix": "bab657b50e74494d",
        "row_bounds": "0e296ba6865641e0",
        "col_bounds": "4a0747f0753f704b",
        "cost": "3063571769a88dfe",
        "integer": "31d670552f611357",
    },
    "generated-100": {
        "columns": "f4a9820c40ad0b4e",
        "rows": "a4476118ca6a9426",
        "matrix": "ee33cd3858f74d3a",
        "row_bounds": "9f9f46e19b48cae2",
        "col_bounds": "d028208b8c582981",
        "cost": "c10201be32a9de3d",
        "integer": "02fe8d41f6cd4a48",
    },
}


def _quantize(a: np.ndarray) -> bytes:
    """Floats rounded to 10 significant digits (a refactor may reorder a product), as bytes."""
    a = np.asarray(a, dtype=float)
    out = np.where(np.isfinite(a), a, np.where(np.isnan(a), 0.123456789e300, np.sign(a) * 1e300))
    mant, exp = np.frexp(out)
    mant = np.round(mant * 2**34) / 2**34
    return np.ascontiguousarray(np.ldexp(mant, exp)).tobytes()


def fingerprint(model) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """One short hash per part of a built :class:`SparseModel` (structure, matrix, bounds, costs)."""
    a = model.matrix(scaled=False).tocsc()
    a.sort_indices()
    lo, up = model.row_bounds(scaled=False)
    parts = {
        "columns": repr([(b.name, b.start, b.size) for b in model.columns.values()]).encode(),
        "rows": repr([(b.name, b.start, b.size) for b in model.rows.values()]).encode(),
        "matrix": a.indptr.astype(np.int64).tobytes() + a.indices.astype(np.int64).tobytes() + _quantize(a.data),
        "row_bounds": _quantize(lo) + _quantize(up),
        "col_bounds": _quantize(model.col("lower")) + _quantize(model.col("upper")),
        "cost": _quantize(model.col("cost")),
        "integer": model.col("integer").astype(np.int8).tobytes(),
    }
    return {k: hashlib.sha256(v).hexdigest()[:16] for k, v in parts.items()}


def _example() -> Scenario:
    path = resources.files("fleetplan.data").joinpath("examples", "enterprise.yaml")
    return load_scenario(Path(str(path)))


def _without_rollout(sc: Scenario) -> Scenario:
    """``sc`` without its ``policy.rollout``: the model as it was before rollout policies existed
    (the example's fingerprints before it had one, unchanged)."""
    return sc.model_copy(update={"policy": sc.policy.model_copy(update={"rollout": None})})


def _generated(tmp: Path) -> Scenario:
    from fleetplan.generate import generate_scenario, write_scenario

    return load_scenario(write_scenario(generate_scenario(100, 8, 12, 0), tmp / "g100.yaml", command="test"))


def _inputs(sc: Scenario):  # type: ignore[no-untyped-def]
    from fleetplan.load.scenario import scenario_catalog
    from fleetplan.optimize.candidates import build_candidates
    from fleetplan.optimize.options import build_options
    from fleetplan.sizing import size_workloads

    options = build_options(sc, scenario_catalog(sc))
    cand = build_candidates(sc, options, size_workloads(sc), prune=True).table
    return cand, options


def _built(sc: Scenario, **kw) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from fleetplan.optimize.formulation import build_model

    cand, options = _inputs(sc)
    return fingerprint(build_model(sc, cand, options, **kw).model)


def _operations(sc: Scenario) -> dict[str, str]:
    """The operations model of a synthetic plan: the first reservation and purchase the model
    offers, the first optional workload dropped, every catalog provider of the plan onboarded."""
    from fleetplan.model.plan import Plan, SolveResult, SolveStatus
    from fleetplan.optimize.formulation import build_model
    from fleetplan.risk.operations import build_ops_model

    cand, options = _inputs(sc)
    f = build_model(sc, cand, options)
    labels = sc.horizon.labels()
    r = f.reservations.iloc[0]
    opt = options.set_index("option_id").loc[int(r["option_id"])]
    reservations = pd.DataFrame(
        [
            {
                "option_id": int(r["option_id"]),
                "provider": opt["provider"],
                "start_period": labels[int(r["start"])],
                "instances": 2,
            }
        ]
    )
    p = f.purchases.iloc[0]
    purchases = pd.DataFrame(
        [
            {
                "site": p["site"],
                "server_type": p["server_type"],
                "provider": next(x.provider for x in sc.sites if x.name == p["site"]),
                "period_ordered": labels[int(p["order"])],
                "servers": 3,
            }
        ]
    )
    optional = [w.name for w in sc.workloads if w.optional][:1]
    plan = Plan(
        scenario_name=sc.name,
        periods=labels,
        currency=sc.currency,
        allocations=pd.DataFrame(
            columns=["workload", "period", "option_id", "replicas", "coverage", "kind", "provider"]
        ),
        purchases=purchases,
        reservations=reservations,
        costs=pd.DataFrame(),
        onboarded=[],
        dropped_workloads=optional,
        solve=SolveResult(
            status=SolveStatus.OPTIMAL,
            termination="synthetic",
            objective_usd=0.0,
            dual_bound_usd=0.0,
            gap=0.0,
            time_s=0.0,
            nodes=0,
            variables=0,
            constraints=0,
            integer_variables=0,
        ),
    )
    return fingerprint(build_ops_model(sc, plan).f.model)


def _cuda_shop(sc: Scenario) -> Scenario:
    """The scenario with a CUDA-only team (every other stack at ``none``): the stacks' adoption
    columns and rows (the bundled example has its ``team`` commented out)."""
    from fleetplan.model.team import Team

    team = Team(skills={"cuda": "expert", "rocm": "none", "xla": "none", "neuron": "none", "synapseai": "none"})
    return sc.model_copy(update={"team": team})


CASES = {
    "example-cuda-shop": lambda tmp: _built(_cuda_shop(_without_rollout(_example()))),
    "example-cuda-shop-elastic": lambda tmp: _built(_cuda_shop(_without_rollout(_example())), elastic=True),
    "example-cuda-shop-unmerged-pools": lambda tmp: _built(
        _cuda_shop(_without_rollout(_example())), pool_pricing=False
    ),
    "example-cuda-shop-operations": lambda tmp: _operations(_cuda_shop(_without_rollout(_example()))),
    "example": lambda tmp: _built(_without_rollout(_example())),
    "example-elastic": lambda tmp: _built(_without_rollout(_example()), elastic=True),
    "example-unmerged-pools": lambda tmp: _built(_without_rollout(_example()), pool_pricing=False),
    "example-operations": lambda tmp: _operations(_example()),  # operations mode builds no rollout rows
    "example-rollout": lambda tmp: _built(_example()),
    "example-rollout-elastic": lambda tmp: _built(_example(), elastic=True),
    "generated-100": lambda tmp: _built(_generated(tmp)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_model_fingerprint_is_unchanged(case: str, tmp_path: Path) -> None:
    assert CASES[case](tmp_path) == EXPECTED[case]


if __name__ == "__main__":  # print the current fingerprints, to update EXPECTED deliberately
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        for name in sorted(CASES):
            print(f"    {name!r}: {CASES[name](Path(d))!r},")
