"""Supply shocks: a chip vendor's deliveries slip, a provider raises prices, spot capacity dries up.

Two ways to measure a shock:

``operations`` (default, seconds): the plan's investments stay as they are and operations are
re-optimized (:mod:`fleetplan.risk.operations`); the workloads the shock touches may move, the
others
keep their placements. This is the shock hitting the plan that was bought.

* vendor delay: the plan's server orders whose accelerators come from the vendor are shifted ``k``
  periods later (orders that would then arrive after the horizon are lost); cloud capacity is not
  affected;
* price: the provider's on-demand/spot (or the listed) prices rise by ``increase``; running
  reservations keep their contracted price;
* spot cap: each spot offering's availability shrinks to ``share`` x the plan's peak use of it.

``replan`` (a full optimization each): the scenario is changed and planned again, as if the shock
were known in advance: server types of the vendor get ``lead_time_periods + k``, the provider's
offerings (all listed pricing models, reservations included) cost ``1 + increase`` times as much,
spot offerings get an availability cap of ``share`` x the plan's peak instances.

Both report the change in horizon spend, provider shares and unserved accelerator-hours. In
``operations`` mode the change is measured against the same workloads re-planned without the shock
(operations mode sets policies aside; that saving is not the shock's).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from fleetplan.catalog.hardware import load_accelerators, resolve_accelerator
from fleetplan.errors import FleetplanError, InputError, did_you_mean
from fleetplan.load.scenario import scenario_catalog
from fleetplan.model.catalog import Catalog
from fleetplan.model.period import hours_per_period
from fleetplan.model.plan import Plan
from fleetplan.model.risk import PriceShock, Shock, SpotCap, VendorDelay
from fleetplan.model.scenario import Scenario
from fleetplan.optimize import InfeasibleError, optimize
from fleetplan.optimize.solver import Solver
from fleetplan.risk.nminus1 import scenario_copy
from fleetplan.risk.operations import OpsModel, OpsResult, build_ops_model, worst_gap
from fleetplan.verify.accounting import spend_by

__all__ = [
    "ShockImpact",
    "apply_shock",
    "default_shocks",
    "parse_shock",
    "shock_impact",
    "shock_name",
]


@dataclass
class ShockImpact:
    """A shock's effect on the plan."""

    name: str
    kind: str
    mode: str
    status: str
    total_usd_before: float
    total_usd_after: float | None
    provider_shares_before: dict[str, float]
    provider_shares_after: dict[str, float]
    unserved_accelerator_hours: float = 0.0
    unserved_critical_accelerator_hours: float = 0.0
    unserved_workloads: list[str] = field(default_factory=list)
    note: str = ""
    gap: float | None = None
    """The largest relative gap of the solves behind the figures (0 when proven)."""

    @property
    def delta_usd(self) -> float | None:
        return None if self.total_usd_after is None else self.total_usd_after - self.total_usd_before


def shock_name(shock: Shock) -> str:
    """A readable default name: ``nvidia-delay-2``, ``aws-price+30%``, ``spot-cap-50%``."""
    if shock.name:
        return shock.name
    if isinstance(shock, VendorDelay):
        plural = "s" if shock.periods > 1 else ""
        return f"{shock.vendor.lower()} delivery +{shock.periods} period{plural}"
    if isinstance(shock, PriceShock):
        return f"{shock.provider} price {shock.increase:+.0%}"
    return f"spot capped at {shock.share:.0%}" + (f" ({', '.join(shock.providers)})" if shock.providers else "")


def parse_shock(text: str) -> Shock:
    """Parse ``vendor_delay:VENDOR:PERIODS``, ``price:PROVIDER:INCREASE`` (0.3 or 30%) or
    ``spot_cap:SHARE[:PROVIDER,...]``."""
    parts = text.split(":")
    try:
        if parts[0] == "vendor_delay" and len(parts) == 3:
            return VendorDelay(kind="vendor_delay", vendor=parts[1], periods=int(parts[2]))
        if parts[0] == "price" and len(parts) == 3:
            inc = parts[2].strip()
            value = float(inc[:-1]) / 100 if inc.endswith("%") else float(inc)
            return PriceShock(kind="price", provider=parts[1], increase=value)
        if parts[0] == "spot_cap" and len(parts) in (2, 3):
            share = parts[1].strip()
            value = float(share[:-1]) / 100 if share.endswith("%") else float(share)
            provs = [p for p in parts[2].split(",") if p] if len(parts) == 3 else None
            return SpotCap(kind="spot_cap", share=value, providers=provs)
    except (ValueError, TypeError) as exc:
        raise InputError(f"bad --shock {text!r}: {str(exc).splitlines()[0]}", path="--shock") from None
    raise InputError(
        f"bad --shock {text!r}: expected vendor_delay:VENDOR:PERIODS, price:PROVIDER:INCREASE "
        "or spot_cap:SHARE[:PROVIDERS]",
        path="--shock",
    )


def _vendor(sc: Scenario, name: str, where: str) -> str:
    vendors = {a.vendor.lower(): a.vendor for a in load_accelerators().values()}
    if name.lower() not in vendors:
        raise InputError(
            f"unknown chip vendor {name!r}{did_you_mean(name, vendors.values())}",
            file=getattr(sc, "_source", None),
            path=where,
        )
    return vendors[name.lower()]


def _check_providers(sc: Scenario, names: list[str], where: str) -> None:
    cat = scenario_catalog(sc)
    known = set(cat.providers["provider"].astype(str)) | {p.name for p in sc.providers}
    for n in names:
        if n not in known:
            raise InputError(
                f"unknown provider {n!r}{did_you_mean(n, known)}",
                file=getattr(sc, "_source", None),
                path=where,
            )


def validate_shock(sc: Scenario, shock: Shock, where: str) -> None:
    """Raise :class:`InputError` when a shock names an unknown vendor or provider."""
    if isinstance(shock, VendorDelay):
        _vendor(sc, shock.vendor, f"{where}.vendor")
    elif isinstance(shock, PriceShock):
        _check_providers(sc, [shock.provider], f"{where}.provider")
    elif shock.providers:
        _check_providers(sc, shock.providers, f"{where}.providers")


def default_shocks(sc: Scenario, plan: Plan) -> list[Shock]:
    """Shocks worth a look: each purchased chip vendor's deliveries slip two periods,
    the provider with the most rented spend raises prices 30 %, spot capacity halves."""
    out: list[Shock] = []
    vendors = sorted({resolve_accelerator(a).vendor for a in plan.purchases["accelerator"]})
    out += [VendorDelay(kind="vendor_delay", vendor=v, periods=2) for v in vendors]
    rented = plan.allocations[plan.allocations["pricing_model"].isin(["on_demand", "spot"])]
    if len(rented):
        top = rented.groupby("provider")["cost_usd"].sum().sort_values(ascending=False, kind="stable")
        out.append(PriceShock(kind="price", provider=str(top.index[0]), increase=0.3))
    if (plan.allocations["pricing_model"] == "spot").any():
        out.append(SpotCap(kind="spot_cap", share=0.5))
    return out


def _shares(spend: dict[str, float]) -> dict[str, float]:
    total = sum(v for v in spend.values() if v > 0)
    return {k: v / total for k, v in sorted(spend.items(), key=lambda kv: -kv[1]) if total > 0 and v > 0}


def _peak_spot_accelerators(sc: Scenario, plan: Plan) -> dict[int, float]:
    """Peak concurrent accelerators the plan runs on each spot option."""
    a = plan.allocations[plan.allocations["pricing_model"] == "spot"]
    if a.empty:
        return {}
    H = hours_per_period(sc.horizon.period)
    per = a.groupby(["option_id", "period"])["accelerator_hours"].sum() / H
    return {int(o): float(v) for o, v in per.groupby(level=0).max().items()}


def _unserved(om: OpsModel, res: OpsResult) -> tuple[float, float, list[str]]:
    rows = om.rows
    hours = np.nan_to_num(res.unserved) * rows["hours_per_cover"].to_numpy()
    crit = (rows["criticality"] == "critical").to_numpy()
    by_w = pd.Series(hours, index=rows["workload"]).groupby(level=0).sum()
    names = sorted(str(w) for w, v in by_w.items() if v > 1e-6)
    return float(hours.sum()), float((hours * crit).sum()), names


def shock_impact(
    sc: Scenario,
    plan: Plan,
    shock: Shock,
    *,
    mode: str = "operations",
    time_limit_s: float = 30.0,
    mip_rel_gap: float = 1e-3,
    sizing: pd.DataFrame | None = None,
    base: OpsModel | None = None,
    solver: Solver | None = None,
) -> ShockImpact:
    """Apply ``shock`` to ``plan`` (operations) or the scenario (replan); measure the change.

    ``solver`` runs the re-plan or the operations re-solves (default: HiGHS).
    """
    name = shock_name(shock)
    before = plan.spend_by_owner.get("provider") or spend_by(plan, "provider").to_dict()
    total_before = plan.total_usd
    if mode == "replan":
        shocked = apply_shock(sc, plan, shock)
        try:
            # an auxiliary solve: it ends at its limit, with or without a plan
            new = optimize(
                shocked,
                time_limit_s=time_limit_s,
                mip_rel_gap=max(mip_rel_gap, 5e-3),
                baselines=False,
                lp_bound=False,
                solver=solver,
                abatement=False,
                first_plan_grace_s=0.0,
            )
        except FleetplanError as exc:
            return ShockImpact(
                name,
                shock.kind,
                mode,
                "infeasible" if isinstance(exc, InfeasibleError) else "failed",
                total_before,
                None,
                _shares(before),
                {},
                note=str(exc),
            )
        return ShockImpact(
            name,
            shock.kind,
            mode,
            new.solve.status.value,
            total_before,
            new.total_usd,
            _shares(before),
            _shares(new.spend_by_owner.get("provider", {})),
            gap=new.solve.gap,
        )
    try:
        om, affected = _ops_for(sc, plan, shock, time_limit_s, mip_rel_gap, sizing, solver)
        base = base or build_ops_model(
            sc, plan, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, sizing=sizing, solver=solver
        )
    except FleetplanError as exc:
        return ShockImpact(name, shock.kind, mode, "failed", total_before, None, _shares(before), {}, note=str(exc))
    free = om.free_mask(None, affected)
    # both solves start from the plan as reproduced in operations mode (the shocked model has the
    # same columns; where the shock makes that start infeasible, the solver drops it)
    plan_x = base.solve().x
    same = _layout(om) == _layout(base)
    res = om.solve(None, free, start=plan_x if same else None)
    # reference: the same workloads re-planned without the shock (operations mode sets policies
    # aside; that saving is not the shock's)
    ref = base.solve(None, free, start=plan_x)
    if not res.ok or res.x is None or not ref.ok or ref.x is None:
        return ShockImpact(
            name,
            shock.kind,
            mode,
            f"no solution ({res.status if not res.ok else ref.status})",
            total_before,
            None,
            _shares(before),
            {},
        )
    un, un_crit, names = _unserved(om, res)
    note = ""
    if isinstance(shock, VendorDelay) and not affected.any():
        note = f"the plan buys no {shock.vendor} servers"
    elif isinstance(shock, VendorDelay):
        note = "servers arrive later: less capex falls inside the horizon"
    delta = float(res.spend_usd.sum() - ref.spend_usd.sum())
    after = dict(before)
    shocked, unshocked = om.spend_by_provider(res.x), base.spend_by_provider(ref.x)
    for p in set(shocked) | set(unshocked):
        after[p] = after.get(p, 0.0) + shocked.get(p, 0.0) - unshocked.get(p, 0.0)
    stopped = [r.status for r in (res, ref) if r.status != "optimal"]
    return ShockImpact(
        name,
        shock.kind,
        mode,
        stopped[0] if stopped else res.status,
        total_before,
        total_before + delta,
        _shares(before),
        _shares(after),
        un,
        un_crit,
        names,
        note,
        gap=worst_gap(res.gap, ref.gap),
    )


def _layout(om: OpsModel) -> tuple[tuple[str, int], ...]:
    return tuple((name, block.size) for name, block in om.f.model.columns.items())


def _ops_for(
    sc: Scenario,
    plan: Plan,
    shock: Shock,
    time_limit_s: float,
    mip_rel_gap: float,
    sizing: pd.DataFrame | None,
    solver: Solver | None,
) -> tuple[OpsModel, np.ndarray]:
    kw: dict[str, object] = {
        "time_limit_s": time_limit_s,
        "mip_rel_gap": mip_rel_gap,
        "sizing": sizing,
        "solver": solver,
    }
    if isinstance(shock, VendorDelay):
        vendor = _vendor(sc, shock.vendor, "shock.vendor")
        delayed = {
            st.name: shock.periods for st in sc.server_types if resolve_accelerator(st.accelerator).vendor == vendor
        }
        bought = set(plan.purchases["server_type"]) & set(delayed)
        om = build_ops_model(sc, plan, delay_server_types=delayed, **kw)  # type: ignore[arg-type]
        affected = om.cand["server_type"].isin(bought).to_numpy() & om.cand["source"].eq("owned").to_numpy()
        return om, affected
    if isinstance(shock, PriceShock):
        models = set(shock.pricing_models) & {"on_demand", "spot"}

        def price(c: pd.DataFrame) -> pd.DataFrame:
            c = c.copy()
            hit = c["provider"].eq(shock.provider) & c["pricing_model"].isin(models)
            c.loc[hit, "cost_usd"] = c.loc[hit, "cost_usd"] * (1.0 + shock.increase)
            return c

        om = build_ops_model(sc, plan, transform=price, **kw)  # type: ignore[arg-type]
        affected = (om.cand["provider"].eq(shock.provider) & om.cand["pricing_model"].isin(models)).to_numpy()
        return om, affected
    peak = _peak_spot_accelerators(sc, plan)

    def cap(c: pd.DataFrame) -> pd.DataFrame:
        c = c.copy()
        hit = c["pricing_model"].eq("spot")
        if shock.providers:
            hit &= c["provider"].isin(shock.providers)
        c.loc[hit, "avail_accelerators"] = [shock.share * peak.get(int(o), 0.0) for o in c.loc[hit, "option_id"]]
        return c

    om = build_ops_model(sc, plan, transform=cap, **kw)  # type: ignore[arg-type]
    hit = om.cand["pricing_model"].eq("spot")
    if shock.providers:
        hit &= om.cand["provider"].isin(shock.providers)
    return om, hit.to_numpy()


def apply_shock(sc: Scenario, plan: Plan, shock: Shock) -> Scenario:
    """A copy of ``sc`` with ``shock`` written into its inputs (for ``replan``)."""
    out = scenario_copy(sc)
    cat: Catalog = scenario_catalog(sc)
    if isinstance(shock, VendorDelay):
        vendor = _vendor(sc, shock.vendor, "shock.vendor")
        for st in out.server_types:
            if resolve_accelerator(st.accelerator).vendor == vendor:
                st.lead_time_periods = min(st.lead_time_periods + shock.periods, 40)
        return out
    off = cat.offerings.copy()
    if isinstance(shock, PriceShock):
        hit = off["provider"].eq(shock.provider) & off["pricing_model"].isin(shock.pricing_models)
        off.loc[hit, "price_usd_per_hour"] = off.loc[hit, "price_usd_per_hour"] * (1.0 + shock.increase)
    else:
        peak = _peak_spot_accelerators(sc, plan)
        by_key = {}
        for r in (
            plan.allocations[plan.allocations["pricing_model"] == "spot"].drop_duplicates("option_id").itertuples()
        ):
            by_key[(r.provider, r.region, r.instance_type)] = peak.get(int(r.option_id), 0.0)
        hit = off["pricing_model"].eq("spot")
        if shock.providers:
            hit &= off["provider"].isin(shock.providers)
        caps = [
            shock.share * by_key.get((p, g, i), 0.0) / max(int(c), 1)
            for p, g, i, c in zip(
                off.loc[hit, "provider"],
                off.loc[hit, "region"],
                off.loc[hit, "instance_type"],
                off.loc[hit, "accelerator_count"],
                strict=True,
            )
        ]
        off.loc[hit, "availability_max_instances"] = caps
    if "usd_per_accelerator_hour" in off.columns:
        off["usd_per_accelerator_hour"] = off["price_usd_per_hour"] / off["accelerator_count"]
    out._catalog = Catalog(off, cat.regions, cat.providers, cat.sources)
    return out
