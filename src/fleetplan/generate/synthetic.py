"""Synthetic scenarios for benchmarks and scale tests: realistic, feasible, deterministic per seed.

:func:`generate_scenario` returns the YAML document (a plain ``dict``) of a scenario with ``N``
workloads over ``T`` quarters on ``P`` providers of the builtin catalog plus the organization's own
data centers and store edge network. The mix follows what enterprise AI portfolios look like:

* workloads: serving endpoints (about 45 %), batch inference (30 %), fine-tunes (17 %) and
  pre-training runs (8 %); model sizes from 1B to 405B parameters (a fifth of them MoE), drawn
  with small models most common; demand, growth, SLOs and time windows drawn per kind;
* requirements: accelerator allow-lists for about half of them, latency zones that exist among the
  chosen providers, residency (US or EU) for some, about 5 % regulated data (on-prem or sovereign
  clouds only), about 5 % critical services, interruptible batch and fine-tunes, optional workloads
  with a value, in-store edge serving;
* owned sites: a US and an EU data center with existing DGX A100 servers, H100/MI300X servers to
  buy and power envelopes sized to the regulated demand, and a store edge network of L4 boxes;
* every policy family: provider and chip-vendor share caps (default and per name), minimum
  providers and N-1 for critical services, per-period budgets (default and overrides), a carbon
  budget (horizon and per period), residency by sensitivity, an excluded provider, and the
  builtin onboarding costs.

Budgets and the carbon budget are set from a quick estimate (cheapest on-demand price and a
typical grid per accelerator-hour of the sized demand) with ample headroom, so that every
generated scenario has a feasible plan while the constraints still exist in the model.

Randomness comes from :class:`random.Random` seeded with ``seed`` (stable across platforms and
Python versions); nothing depends on dictionary or set iteration order, so the same arguments
give the same document, byte for byte once written.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from fleetplan._io import write_text_atomic
from fleetplan.catalog.builtin import builtin_offerings, builtin_providers, builtin_regions
from fleetplan.model.geo import EU_COUNTRIES
from fleetplan.model.period import hours_per_period, period_labels
from fleetplan.model.scenario import Horizon, Scenario
from fleetplan.model.workload import Workload
from fleetplan.sizing import SizingError, size_workload

__all__ = [
    "ALWAYS_PROVIDERS",
    "MAX_WORKLOADS",
    "GenerateError",
    "generate_scenario",
    "scenario_yaml",
    "selectable_providers",
    "write_scenario",
]

MAX_WORKLOADS = 100_000
"""The scenario schema's limit on workloads."""

ALWAYS_PROVIDERS: tuple[str, ...] = ("aws", "azure", "gcp")
"""Hyperscalers that every generated scenario includes first (as many as ``providers`` allows)."""

EXCLUDED_PROVIDER = "vast"
"""A marketplace that security review has not approved (``policy.excluded_providers``)."""

OWN_DC = "acme-dc"
OWN_EDGE = "acme-stores"
START = "2027Q1"

# name, params, active params (None = dense), layers, hidden, heads, kv heads, weight (frequency)
_MODELS: tuple[tuple[str, float, float | None, int, int, int, int, float], ...] = (
    ("1b", 1.24e9, None, 16, 2048, 32, 8, 10),
    ("3b", 3.21e9, None, 28, 3072, 24, 8, 14),
    ("8b", 8.03e9, None, 32, 4096, 32, 8, 26),
    ("14b", 14.7e9, None, 40, 5120, 40, 10, 10),
    ("32b", 32.8e9, None, 64, 5120, 40, 8, 9),
    ("70b", 70.6e9, None, 80, 8192, 64, 8, 10),
    ("405b", 405.9e9, None, 126, 16384, 128, 8, 1.5),
    ("moe-47b", 46.7e9, 12.9e9, 32, 4096, 32, 8, 6),
    ("moe-141b", 141.0e9, 39.0e9, 56, 6144, 48, 8, 3),
    ("moe-235b", 235.0e9, 22.0e9, 94, 4096, 64, 4, 2.5),
    ("moe-30b", 30.5e9, 3.3e9, 48, 2048, 32, 4, 8),
)

# accelerator allow-lists a platform team might write (None: any accelerator)
_SERVE_ACCS: tuple[tuple[str, ...] | None, ...] = (
    None,
    None,
    ("H100-SXM", "H200", "A100-80GB", "L40S", "L4"),
    ("H100-SXM", "H200", "B200", "MI300X"),
    ("L4", "L40S", "A10G", "A100-80GB", "H100-SXM"),
    ("A100-80GB", "H100-SXM", "H200", "MI300X", "TPU-v6e"),
    ("H100-SXM", "H200", "A100-80GB", "Inferentia2", "L40S"),
)
_TRAIN_ACCS: tuple[tuple[str, ...], ...] = (
    ("H100-SXM", "H200", "A100-80GB", "MI300X"),
    ("H100-SXM", "H200", "B200"),
    ("H100-SXM", "A100-80GB", "TPU-v5p", "Trainium2"),
    ("H200", "B200", "MI300X", "H100-SXM"),
)
_BATCH_ACCS: tuple[tuple[str, ...] | None, ...] = (
    None,
    ("L4", "L40S", "A10G", "T4", "A100-40GB"),
    ("H100-SXM", "H200", "A100-80GB", "L40S"),
    ("A100-80GB", "H100-SXM", "MI300X", "L40S", "TPU-v5e"),
)

_SERVE_USES = (
    "chat",
    "assistant",
    "search",
    "rerank",
    "summarize",
    "extract",
    "classify",
    "copilot",
    "agent",
    "translate",
    "support",
    "rag",
)
_BATCH_USES = (
    "embed",
    "summaries",
    "tagging",
    "descriptions",
    "eval",
    "synthetic-data",
    "moderation",
    "transcripts",
    "enrichment",
)
_TRAIN_USES = (
    "domain-pretrain",
    "code-pretrain",
    "speech-pretrain",
    "continued-pretrain",
    "distill",
)
_FT_USES = ("support-ft", "sql-ft", "catalog-ft", "legal-ft", "agent-ft", "reward-model", "dpo")

# hours one accelerator of each class is busy per unit of work (rough, used only for budgets)
_TYPICAL_GRID = 0.45  # kgCO2e/kWh, the high end of the catalog's grids
_TYPICAL_KWH_PER_ACC_HOUR = 0.7 * 1.8 * 1.6  # kW TDP x server overhead x PUE, H100 class


class GenerateError(ValueError):
    """Arguments outside what the generator supports (the CLI reports it as bad input, exit 2)."""


def _builtin_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return builtin_offerings(), builtin_regions(), builtin_providers()


def _onboarding_usd(providers: list[str]) -> float:
    """Built-in onboarding cost (USD) of ``providers``, summed."""
    _, _, prov = _builtin_tables()
    cost = prov.set_index("provider")["onboarding_cost_usd"]
    return float(cost.reindex(providers).fillna(0.0).sum())


def selectable_providers() -> list[str]:
    """Builtin providers a scenario may select: rentable ones, the excluded marketplace left out."""
    off, _, prov = _builtin_tables()
    rentable = set(off.loc[off["pricing_model"] != "owned", "provider"])
    kinds = dict(zip(prov["provider"], prov["kind"], strict=True))
    names = sorted(p for p in rentable if kinds.get(p) in ("cloud", "gpu_cloud", "edge") and p != EXCLUDED_PROVIDER)
    return names


def _pick_providers(rng: random.Random, count: int) -> list[str]:
    names = selectable_providers()
    if not 1 <= count <= len(names):
        raise GenerateError(f"--providers must be between 1 and {len(names)} (builtin catalog), got {count}")
    chosen = [p for p in ALWAYS_PROVIDERS if p in names][:count]
    rest = [p for p in names if p not in chosen]
    chosen += rng.sample(rest, count - len(chosen))
    return sorted(chosen)


def _weighted(rng: random.Random, items: Sequence[Any], weights: Sequence[float]) -> Any:
    return rng.choices(list(items), weights=list(weights), k=1)[0]


def _lognormal(rng: random.Random, low: float, high: float) -> float:
    """Log-uniform-ish draw between ``low`` and ``high`` (mass toward the geometric middle)."""
    a, b = math.log(low), math.log(high)
    x = (rng.random() + rng.random()) / 2
    return math.exp(a + (b - a) * x)


def _sig(x: float, digits: int = 3) -> float:
    """Round to ``digits`` significant digits (short, stable YAML)."""
    if x == 0:
        return 0.0
    return float(f"{x:.{digits}g}")


def _model(rng: random.Random, max_params: float = 1e13) -> tuple[str, dict[str, Any]]:
    choices = [m for m in _MODELS if m[1] <= max_params]
    name, params, active, layers, hidden, heads, kv, _w = _weighted(rng, choices, [m[7] for m in choices])
    spec: dict[str, Any] = {"params": params}
    if active is not None:
        spec["active_params"] = active
    spec.update({"layers": layers, "hidden_size": hidden, "heads": heads, "kv_heads": kv})
    return name, spec


def _window(rng: random.Random, labels: list[str], length: int) -> dict[str, str]:
    length = max(1, min(length, len(labels)))
    start = rng.randrange(0, len(labels) - length + 1)
    return {"start": labels[start], "end": labels[start + length - 1]}


def _zones_by_provider(providers: list[str]) -> dict[str, list[str]]:
    off, reg, _ = _builtin_tables()
    off = off[(off["pricing_model"] != "owned") & off["provider"].isin(providers)]
    m = (
        off[["provider", "region"]]
        .drop_duplicates()
        .merge(reg[["provider", "region", "latency_zone"]], on=["provider", "region"], how="left")
    )
    out: dict[str, list[str]] = {}
    for zone, g in m.dropna(subset=["latency_zone"]).groupby("latency_zone", sort=True):
        out[str(zone)] = sorted(set(g["provider"]))
    return out


def _server_types() -> list[dict[str, Any]]:
    return [
        {
            "name": "dgx-a100",
            "accelerator": "A100-80GB",
            "accelerators_per_server": 8,
            "capex_usd": 199000,
            "lead_time_periods": 2,
            "lifetime_years": 5,
            "power_overhead_factor": 2.0,
            "rack_units": 6,
            "opex_usd_per_year": 12000,
            "source": "NVIDIA DGX A100 datasheet (6.5 kW, 6U); launch list price",
        },
        {
            "name": "hgx-h100",
            "accelerator": "H100-SXM",
            "accelerators_per_server": 8,
            "capex_usd": 275000,
            "lead_time_periods": 2,
            "lifetime_years": 5,
            "power_overhead_factor": 1.8,
            "rack_units": 8,
            "opex_usd_per_year": 18000,
            "source": "builtin catalog reference price hgx-h100-8gpu",
        },
        {
            "name": "mi300x-8",
            "accelerator": "MI300X",
            "accelerators_per_server": 8,
            "capex_usd": 175000,
            "lead_time_periods": 2,
            "lifetime_years": 5,
            "power_overhead_factor": 1.8,
            "rack_units": 8,
            "opex_usd_per_year": 15000,
            "source": "builtin catalog reference price mi300x-8gpu",
        },
        {
            "name": "edge-l4",
            "accelerator": "L4",
            "accelerators_per_server": 1,
            "capex_usd": 6000,
            "lead_time_periods": 1,
            "lifetime_years": 5,
            "power_overhead_factor": 4.0,
            "rack_units": 1,
            "opex_usd_per_year": 600,
            "source": "builtin catalog reference price edge-1xl4",
        },
    ]


def _serve(rng: random.Random, i: int, labels: list[str], zones: dict[str, list[str]]) -> dict[str, Any]:
    use = rng.choice(_SERVE_USES)
    mname, spec = _model(rng)
    w: dict[str, Any] = {"name": f"serve-{use}-{mname}-{i:05d}", "kind": "serve", "model": spec}
    w["precision"] = _weighted(rng, ["bf16", "fp8", "int8", "int4"], [4, 4, 1, 1])
    rps = _sig(_lognormal(rng, 0.5, 150.0 if spec["params"] < 5e10 else 40.0))
    in_tok = rng.choice([200, 500, 1000, 1500, 3000, 8000])
    out_tok = rng.choice([8, 50, 150, 250, 400, 800])
    w["demand"] = {
        "peak_rps": rps,
        "input_tokens": in_tok,
        "output_tokens": out_tok,
        "growth_per_period": _sig(rng.uniform(0.0, 0.15), 2),
        "headroom": rng.choice([0.2, 0.25, 0.3]),
    }
    w["slo"] = {
        "ttft_ms": rng.choice([500, 1000, 2000, 4000]),
        "tpot_ms": rng.choice([40, 60, 80, 120]),
    }
    accs = rng.choice(_SERVE_ACCS)
    if accs is not None:
        w["accelerators"] = list(accs)
    if rng.random() < 0.8:  # long-lived service; some launch later in the horizon
        if rng.random() < 0.25 and len(labels) > 2:
            w["window"] = {"start": labels[rng.randrange(1, len(labels) - 1)]}
    else:
        w["window"] = _window(rng, labels, rng.randint(2, max(2, len(labels))))
    r = rng.random()
    # latency zones where at least two providers have capacity (critical services need two)
    multi = [z for z, ps in zones.items() if len(ps) >= 2] or list(zones)
    if r < 0.45 and multi:
        home = rng.choice(multi)
        near = {
            "us-east": "us-central",
            "us-central": "us-east",
            "us-west": "us-central",
            "eu-west": "eu-central",
            "eu-central": "eu-west",
            "eu-north": "eu-west",
        }.get(home)
        w["latency_zones"] = [home] + ([near] if near in zones and rng.random() < 0.6 else [])
    if r > 0.8:
        w["residency"] = [rng.choice(["US", "eu"])]
    if spec["params"] > 2e11:  # frontier-size models: 8-GPU H200/B200/MI300X nodes, anywhere
        w["precision"] = "fp8"
        for key in ("accelerators", "latency_zones", "residency"):
            w.pop(key, None)
    return w


def _batch(rng: random.Random, i: int, labels: list[str]) -> dict[str, Any]:
    use = rng.choice(_BATCH_USES)
    mname, spec = _model(rng, max_params=1.5e11)
    w: dict[str, Any] = {"name": f"batch-{use}-{mname}-{i:05d}", "kind": "batch", "model": spec}
    w["precision"] = _weighted(rng, ["bf16", "fp8"], [1, 1])
    small = spec["params"] < 1.5e10
    w["demand"] = {
        "tokens_per_period": _sig(_lognormal(rng, 2e8, 1e12 if small else 1e11)),
        "input_tokens": rng.choice([256, 512, 1000, 2000, 4000]),
        "output_tokens": rng.choice([1, 50, 200, 400]),
        "growth_per_period": _sig(rng.uniform(0.0, 0.1), 2),
    }
    accs = rng.choice(_BATCH_ACCS)
    if accs is not None:
        w["accelerators"] = list(accs)
    if rng.random() < 0.3:
        w["window"] = _window(rng, labels, rng.randint(1, max(1, len(labels))))
    w["interruptible"] = rng.random() < 0.85
    if rng.random() < 0.15:
        w["residency"] = ["eu"]
    return w


def _train(rng: random.Random, i: int, labels: list[str]) -> dict[str, Any]:
    use = rng.choice(_TRAIN_USES)
    mname, spec = _model(rng, max_params=8e10)
    w: dict[str, Any] = {"name": f"train-{use}-{mname}-{i:05d}", "kind": "train", "model": spec}
    ratio = rng.choice([20, 40, 100, 200])
    big = spec["params"] > 3e10
    w["tokens"] = _sig(min(spec.get("active_params", spec["params"]) * ratio, 1e12 if big else 4e12), 2)
    w["model"]["context_tokens"] = rng.choice([4096, 8192])
    w["window"] = _window(rng, labels, rng.randint(2, 3) if big else rng.randint(1, 3))
    w["accelerators"] = list(rng.choice(_TRAIN_ACCS))
    w["interruptible"] = False
    return w


def _finetune(rng: random.Random, i: int, labels: list[str]) -> dict[str, Any]:
    use = rng.choice(_FT_USES)
    mname, spec = _model(rng, max_params=1.5e11)
    w: dict[str, Any] = {"name": f"ft-{use}-{mname}-{i:05d}", "kind": "finetune", "model": spec}
    w["method"] = _weighted(rng, ["lora", "qlora", "full"], [5, 2, 3 if spec["params"] < 2e10 else 0.5])
    w["tokens"] = _sig(_lognormal(rng, 5e7, 5e9), 2)
    w["window"] = _window(rng, labels, rng.randint(1, 2))
    if rng.random() < 0.5:
        w["accelerators"] = list(rng.choice(_TRAIN_ACCS))
    w["interruptible"] = rng.random() < 0.7
    return w


def _edge(rng: random.Random, i: int) -> dict[str, Any]:
    use = rng.choice(("kiosk", "shelf-vision", "voice", "assist"))
    _name, params, _a, layers, hidden, heads, kv, _w = _MODELS[rng.choice([0, 1])]
    return {
        "name": f"edge-{use}-{i:05d}",
        "kind": "serve",
        "model": {
            "params": params,
            "layers": layers,
            "hidden_size": hidden,
            "heads": heads,
            "kv_heads": kv,
        },
        "precision": "int4",
        "demand": {
            "peak_rps": _sig(rng.uniform(2, 20)),
            "input_tokens": 400,
            "output_tokens": 120,
            "growth_per_period": _sig(rng.uniform(0.0, 0.05), 2),
        },
        "slo": {"ttft_ms": 800, "tpot_ms": 80},
        "sites": ["stores-us"],
        "providers": [OWN_EDGE],
        "criticality": "high",
    }


def _workloads(
    rng: random.Random, n: int, labels: list[str], zones: dict[str, list[str]], providers: list[str]
) -> list[dict[str, Any]]:
    kinds = ["serve", "batch", "finetune", "train"]
    weights = [45, 30, 17, 8]
    out: list[dict[str, Any]] = []
    n_edge = max(1, n // 40)
    for i in range(n):
        if i < n_edge:
            out.append(_edge(rng, i))
            continue
        kind = _weighted(rng, kinds, weights)
        if kind == "serve":
            w = _serve(rng, i, labels, zones)
        elif kind == "batch":
            w = _batch(rng, i, labels)
        elif kind == "finetune":
            w = _finetune(rng, i, labels)
        else:
            w = _train(rng, i, labels)
        # sensitivity, criticality, options
        r = rng.random()
        if r < 0.05 and spec_params(w) <= 7.1e10 and w["kind"] != "train":
            w["sensitivity"] = "regulated"
            w.pop("accelerators", None)
            w.pop("latency_zones", None)
            w.pop("residency", None)
            w["criticality"] = "high"
        else:
            w["sensitivity"] = _weighted(rng, ["public", "internal", "confidential"], [2, 6, 2])
            if w["kind"] == "serve":
                c = rng.random()
                w["criticality"] = "critical" if c < 0.12 else "high" if c < 0.35 else "medium" if c < 0.85 else "low"
            else:
                w["criticality"] = _weighted(rng, ["low", "medium", "high"], [3, 6, 1])
        if w["criticality"] == "critical":
            w.pop("residency", None)
            zs = w.get("latency_zones")
            if zs and len({p for z in zs for p in zones.get(z, [])}) < 3:
                w.pop("latency_zones")
        if w["kind"] != "train" and w["criticality"] in ("low", "medium") and rng.random() < 0.06:
            w["optional"] = True
            w["value_usd"] = float(rng.choice([5_000, 20_000, 50_000, 150_000, 500_000]))
        if w["kind"] == "batch" and rng.random() < 0.1:
            w["pricing_models"] = ["on_demand", "spot", "owned"]
        out.append(w)
    return out


def spec_params(w: dict[str, Any]) -> float:
    """Total parameters of a generated workload's model."""
    return float(w["model"]["params"])


def _estimates(
    doc: dict[str, Any], sizing: pd.DataFrame, providers: list[str]
) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Rough spend (USD) and emissions (tCO2e) per period, and regulated accelerators per site, of
    running every workload on its cheapest on-demand accelerator (used to set budgets and power)."""
    sc = Scenario.model_validate(doc)
    return _estimates_from(sc, sizing, providers)


def _repair(doc: dict[str, Any]) -> pd.DataFrame:
    """Make every workload fit some allowed accelerator: relax SLOs, then the allow-list, then the
    model (a generated portfolio asks for nothing that no hardware can do)."""
    horizon = Horizon.model_validate(doc["horizon"])
    frames = []
    for i, w in enumerate(doc["workloads"]):
        for step in range(4):
            try:
                frames.append(size_workload(Workload.model_validate(w), horizon))
                break
            except SizingError:
                if step == 0 and "slo" in w:
                    w["slo"] = {"ttft_ms": 8000, "tpot_ms": 150}
                elif step <= 1 and "accelerators" in w:
                    w.pop("accelerators")
                else:
                    _name, spec = _model(random.Random(i), max_params=1e10)
                    w["model"] = spec
                    w.pop("slo", None)
        doc["workloads"][i] = w
    frames = [f for f in frames if not f.empty]
    sizing = pd.concat(frames, ignore_index=True)
    _repair_placement(doc, sizing)
    return sizing


def _rentable(providers: list[str]) -> pd.DataFrame:
    """Rentable offerings of ``providers``: provider, zone, country, eu, sovereign, neocloud, kind,
    accelerator, accelerator_count (one row per distinct combination)."""
    off, reg, prov = _builtin_tables()
    off = off[(off["pricing_model"] != "owned") & off["provider"].isin(providers)]
    m = off.merge(
        reg[["provider", "region", "latency_zone", "country", "tags"]],
        on=["provider", "region"],
        how="left",
    )
    ptags = dict(zip(prov["provider"], prov["tags"].fillna(""), strict=True))
    kinds = dict(zip(prov["provider"], prov["kind"], strict=True))
    tags = [
        f"{ptags.get(p, '')};{t if isinstance(t, str) else ''}" for p, t in zip(m["provider"], m["tags"], strict=True)
    ]
    return (
        pd.DataFrame(
            {
                "provider": m["provider"],
                "zone": m["latency_zone"],
                "country": m["country"],
                "eu": m["country"].isin(EU_COUNTRIES).to_numpy(),
                "sovereign": ["sovereign" in t for t in tags],
                "neocloud": ["neocloud" in t for t in tags],
                "cloud": m["provider"].map(kinds).eq("cloud").to_numpy(),
                "accelerator": m["accelerator"],
                "count": m["accelerator_count"],
            }
        )
        .drop_duplicates()
        .reset_index(drop=True)
    )


def _eligible_providers(w: dict[str, Any], rent: pd.DataFrame, per_replica: dict[str, float]) -> int:
    """Distinct rented providers that could host ``w`` (a light candidate eligibility check)."""
    r = rent[rent["accelerator"].isin(list(per_replica))]
    if w.get("accelerators"):
        r = r[r["accelerator"].isin(w["accelerators"])]
    if w.get("latency_zones"):
        r = r[r["zone"].isin(w["latency_zones"])]
    for res in w.get("residency") or []:
        r = r[r["eu"]] if res == "eu" else r[r["country"].eq(res)]
    if w.get("sensitivity") == "regulated":
        r = r[r["sovereign"]]
    elif w.get("sensitivity") == "confidential":
        r = r[r["cloud"] | r["neocloud"] | r["sovereign"]]
    if w["kind"] == "serve":
        r = r[r["count"].to_numpy() >= r["accelerator"].map(per_replica).to_numpy()]
    return int(r["provider"].nunique())


def _repair_placement(doc: dict[str, Any], sizing: pd.DataFrame) -> None:
    """Relax requirements (latency zones, then residency, then the allow-list) of any workload that
    too few chosen providers can host: one for most, three for critical services (N-1 plus
    diversity), none needed for regulated and edge work (owned sites carry it)."""
    rent = _rentable(doc["catalog"]["providers"])
    fits = sizing[sizing["fits"]]
    k = fits.drop_duplicates(["workload", "accelerator"]).groupby("workload")
    per = {name: dict(zip(g["accelerator"], g["accelerators_per_replica"].astype(float), strict=True)) for name, g in k}
    for w in doc["workloads"]:
        if w.get("sites") or w.get("sensitivity") == "regulated":
            continue
        need = 3 if w.get("criticality") == "critical" else 1
        for key in ("latency_zones", "residency", "accelerators"):
            if _eligible_providers(w, rent, per.get(w["name"], {})) >= need:
                break
            w.pop(key, None)


def _estimates_from(
    sc: Any, sizing: pd.DataFrame, providers: list[str]
) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    off, _, _ = _builtin_tables()
    od = off[(off["pricing_model"] == "on_demand") & off["provider"].isin(providers)]
    price = (od["price_usd_per_hour"] / od["accelerator_count"]).groupby(od["accelerator"]).min()
    # owned fallback price (annualized capex per accelerator-hour) for accelerators no cloud rents
    owned = {
        "A100-80GB": 199000 / 8 / 5 / 8760 * 1.5,
        "H100-SXM": 275000 / 8 / 5 / 8760 * 1.5,
        "MI300X": 175000 / 8 / 5 / 8760 * 1.5,
        "L4": 6000 / 5 / 8760 * 1.5,
    }
    sz = sizing[sizing["fits"]].copy()
    sz["usd_h"] = sz["accelerator"].map(price).fillna(sz["accelerator"].map(owned))
    sz = sz.dropna(subset=["usd_h"])
    hours = hours_per_period(sc.horizon.period)
    sz["acc_h"] = sz["concurrent_accelerators"].astype(float) * hours
    if "replicas" in sz:
        serve = sz["kind"].eq("serve")
        sz.loc[serve, "acc_h"] = (
            np.ceil(sz.loc[serve, "replicas"].astype(float))
            * sz.loc[serve, "accelerators_per_replica"].astype(float)
            * hours
        )
    sz["usd"] = sz["acc_h"] * sz["usd_h"]
    best = sz.loc[sz.groupby(["workload", "period"])["usd"].idxmin()]
    labels = sc.horizon.labels()
    crit = {w.name for w in sc.workloads if w.criticality == "critical"}
    factor = np.where(best["workload"].isin(crit), 2.0, 1.0)  # N-1: a second copy of critical work
    usd = (best["usd"] * factor).groupby(best["period"]).sum().reindex(labels, fill_value=0.0).to_numpy()
    kwh = best["acc_h"] * factor * _TYPICAL_KWH_PER_ACC_HOUR
    co2 = (kwh * _TYPICAL_GRID / 1000).groupby(best["period"]).sum().reindex(labels, fill_value=0.0).to_numpy()
    # regulated and edge demand in H100 / L4 equivalents, peak period
    reg = {w.name for w in sc.workloads if w.sensitivity == "regulated"}
    edge = {w.name for w in sc.workloads if w.sites == ["stores-us"]}
    # regulated work that cannot run on the existing A100s (e.g. FP8 serving) needs H100s from day one
    on_a100 = set(sizing.loc[sizing["fits"] & sizing["accelerator"].eq("A100-80GB"), "workload"])
    need: dict[str, float] = {}
    for key, names, acc in (
        ("regulated", reg, "H100-SXM"),
        ("regulated_a100", reg, "A100-80GB"),
        ("regulated_h100_only", reg - on_a100, "H100-SXM"),
        ("edge", edge, "L4"),
    ):
        sub = sizing[sizing["fits"] & sizing["workload"].isin(names) & sizing["accelerator"].eq(acc)]
        if sub.empty:
            need[key] = 0.0
            continue
        conc = pd.Series(
            np.where(
                sub["kind"].eq("serve"),
                np.ceil(sub["replicas"].astype(float)) * sub["accelerators_per_replica"].astype(float),
                sub["concurrent_accelerators"].astype(float),
            ),
            index=sub.index,
        )
        need[key] = float(conc.groupby(sub["period"]).sum().max())
    return usd, co2, need


def generate_scenario(workloads: int, providers: int, periods: int, seed: int = 0) -> dict[str, Any]:
    """A synthetic scenario document (see the module docstring) with ``workloads`` workloads over
    ``periods`` quarters on ``providers`` builtin providers; deterministic per ``seed``."""
    if not 1 <= workloads <= MAX_WORKLOADS:
        raise GenerateError(f"--workloads must be between 1 and {MAX_WORKLOADS:,}, got {workloads}")
    if not 1 <= periods <= 120:
        raise GenerateError(f"--periods must be between 1 and 120, got {periods}")
    if seed < 0:
        raise GenerateError(f"--seed must be 0 or more, got {seed}")
    rng = random.Random(seed)
    chosen = _pick_providers(rng, providers)
    labels = period_labels(START, periods, "quarter")
    zones = _zones_by_provider(chosen)
    wl = _workloads(rng, workloads, labels, zones, chosen)

    scale = max(1.0, workloads / 100)
    doc: dict[str, Any] = {
        "schema": "fleetplan.scenario/1",
        "name": f"synthetic-{workloads}w-{providers}p-{periods}t-seed{seed}",
        "description": (
            f"Synthetic enterprise AI portfolio (fleetplan generate): {workloads} workloads "
            f"over {periods} quarters on {providers} catalog providers plus owned data centers "
            "and a store edge network."
        ),
        "currency": "USD",
        "horizon": {"start": START, "periods": periods, "period": "quarter"},
        "discount_rate_per_year": 0.08,
        "review_cycle_periods": 1,
        "catalog": {"builtin": True, "providers": chosen},
        "providers": [
            {
                "name": OWN_DC,
                "display_name": "Acme data centers",
                "kind": "onprem",
                "tags": ["us", "eu"],
            },
            {
                "name": OWN_EDGE,
                "display_name": "Acme store edge network",
                "kind": "edge",
                "tags": ["us"],
            },
        ],
        "onboarded_providers": sorted({chosen[0], OWN_DC, OWN_EDGE} | ({"aws"} & set(chosen))),
        "server_types": _server_types(),
        "sites": [],  # filled below, once regulated demand is known
        "workloads": wl,
        "policy": {},
        "objective": {"carbon_price_usd_per_tco2e": 0.0, "capex": "annualized"},
        "contacts": [
            {
                "tier": 1,
                "name": "Platform on-call",
                "role": "SRE",
                "email": "platform-oncall@acme.example",
            },
            {
                "tier": 2,
                "name": "Head of AI Platform",
                "role": "Director",
                "email": "ai-platform@acme.example",
            },
        ],
    }
    doc["sites"] = _sites(scale, 0.0, 0.0)
    sizing = _repair(doc)
    usd, co2, need = _estimates(doc, sizing, chosen)
    doc["sites"] = _sites(scale, need["regulated"], need["edge"], need["regulated_a100"], need["regulated_h100_only"])

    n_cloud = len(chosen)
    share = 0.5 if n_cloud >= 6 else 0.7 if n_cloud >= 4 else 0.9 if n_cloud >= 2 else 0.99
    gpu_clouds = sorted(p for p in chosen if p not in ALWAYS_PROVIDERS)
    peak = float(max(usd.max(), 1.0))
    budgets = {labels[t]: _sig(max(3.0 * usd[t], 1.5 * peak), 3) for t in range(periods) if t % 4 == 3}
    # onboarding is paid in the first period: leave room for every provider not yet onboarded
    onboarding = _onboarding_usd(sorted(set(chosen) - set(doc["onboarded_providers"])))
    if onboarding > 0:
        budgets[labels[0]] = _sig(max(2.5 * peak + onboarding, budgets.get(labels[0], 0.0)), 3)
    budgets = dict(sorted(budgets.items()))
    doc["policy"] = {
        "max_provider_share": share,
        "provider_share_caps": {gpu_clouds[0]: 0.3} if gpu_clouds and n_cloud >= 4 else {},
        "max_chip_vendor_share": 0.95,
        "chip_vendor_share_caps": {"AMD": 0.5, "Google": 0.5},
        "min_providers_critical": 2,
        "min_provider_share_critical": 0.2,
        "n_minus_1": True,
        "budget_usd_per_period": _sig(2.5 * peak, 3),
        "budgets_usd": budgets,
        "carbon_budget_tco2e": _sig(3.0 * float(co2.sum()) + 10.0, 3),
        "carbon_budget_tco2e_per_period": _sig(3.0 * float(co2.max()) + 10.0, 3),
        "residency": {
            "regulated": {"kinds": ["onprem", "colo"], "tags": ["sovereign"]},
            "confidential": {
                "kinds": ["cloud", "onprem", "colo", "edge"],
                "tags": ["neocloud", "sovereign"],
            },
        },
        "allowed_pricing_models": ["on_demand", "spot", "reserved_1y", "reserved_3y", "owned"],
        "excluded_providers": [EXCLUDED_PROVIDER],
    }
    return doc


def _sites(
    scale: float, regulated_accs: float, edge_accs: float, regulated_a100: float = 0.0, h100_only: float = 0.0
) -> list[dict[str, Any]]:
    """Owned sites. Existing servers carry the regulated demand from the first period, with half
    again as headroom: A100s for the work that fits them, H100s for the rest (purchases arrive
    only after their lead time). Power leaves room for the regulated demand twice over in H100s."""
    a100 = max(4, round(8 * scale**0.7), math.ceil(1.5 * regulated_a100 / 8))
    h100 = math.ceil(1.5 * h100_only / 8)
    h100_kw = 8 * 0.7 * 1.8 * 1.4  # one hgx-h100 server at PUE 1.4
    need_servers = math.ceil(2.0 * regulated_accs / 8) + 2
    existing_kw = a100 * 8 * 0.4 * 2.0 * 1.4 + h100 * h100_kw
    us_kw = _sig(existing_kw + need_servers * h100_kw * 0.6 + 50, 3)
    eu_kw = _sig(existing_kw / 2 + need_servers * h100_kw * 0.6 + 50, 3)
    boxes = max(20, math.ceil(edge_accs * 1.2))
    return [
        {
            "name": "dc-us-east",
            "provider": OWN_DC,
            "country": "US",
            "latency_zone": "us-east",
            "tags": ["us"],
            "power_capacity_kw": us_kw,
            "pue": 1.4,
            "electricity_usd_per_kwh": 0.09,
            "grid_kgco2e_per_kwh": 0.379,
            "existing": [{"server_type": "dgx-a100", "count": a100, "purchased": "2024Q3"}]
            + ([{"server_type": "hgx-h100", "count": h100, "purchased": "2026Q2"}] if h100 else []),
            "buyable": ["hgx-h100", "mi300x-8", "dgx-a100"],
        },
        {
            "name": "dc-eu-central",
            "provider": OWN_DC,
            "country": "DE",
            "latency_zone": "eu-central",
            "tags": ["eu"],
            "power_capacity_kw": eu_kw,
            "pue": 1.3,
            "electricity_usd_per_kwh": 0.18,
            "grid_kgco2e_per_kwh": 0.381,
            "renewable_share": 0.3,
            "existing": [{"server_type": "dgx-a100", "count": max(2, a100 // 2), "purchased": "2025Q1"}],
            "buyable": ["hgx-h100", "mi300x-8"],
        },
        {
            "name": "stores-us",
            "provider": OWN_EDGE,
            "country": "US",
            "latency_zone": "us-east",
            "tags": ["us", "edge"],
            "power_capacity_kw": _sig(boxes * 0.072 * 4.0 * 1.2 * 1.6 + 5, 3),
            "pue": 1.2,
            "electricity_usd_per_kwh": 0.14,
            "grid_kgco2e_per_kwh": 0.369,
            "existing": [{"server_type": "edge-l4", "count": boxes, "purchased": "2025Q4"}],
            "buyable": ["edge-l4"],
        },
    ]


def scenario_yaml(doc: dict[str, Any], *, command: str | None = None) -> str:
    """The YAML text of a generated scenario (a header comment, then the document)."""
    head = "# fleetplan synthetic scenario (generated; edit freely).\n"
    if command:
        head += f"# reproduce: {command}\n"
    body = yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=120, allow_unicode=False)
    return head + body


def write_scenario(doc: dict[str, Any], path: str | Path, *, command: str | None = None) -> Path:
    """Write ``doc`` to ``path`` atomically (temp file in the same folder, then rename)."""
    return write_text_atomic(path, scenario_yaml(doc, command=command))
