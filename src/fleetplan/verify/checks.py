"""Independent verifier: re-check every rule and every total of a plan from the scenario alone.

It reads the scenario, its catalog, the sizing of its workloads and the plan's tables. It never
reads the optimizer's candidate table or matrices (it imports nothing from
:mod:`fleetplan.optimize`), and it recomputes prices, efficiencies, energy and costs with its own
code, row by row, so that a bug in the model builder shows up here. The facts it checks against
are shared, not copied: the planning assumptions (:mod:`fleetplan.data.assumptions`) and the rules
over input types (:func:`~fleetplan.model.site.server_kw`,
:func:`~fleetplan.model.site.lifetime_periods`, :func:`~fleetplan.model.scenario.server_spend`,
:func:`~fleetplan.model.scenario.own_providers`, :func:`~fleetplan.model.policy.min_providers`,
:func:`~fleetplan.model.base.reservation_term_periods`). The formulation keeps vectorized copies
of the server rules; ``tests/optimize/test_vectorized_rules.py`` checks that they agree.

The recomputed costs are one ledger (:class:`PlanCosts`): a row per cost item and period. The
verifier's totals, and the plan summaries built on them (spend by provider and chip vendor,
policy status), are sums over that ledger.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.data.assumptions import (
    DEFAULT_CLOUD_SERVER_OVERHEAD,
    DEFAULT_SPOT_RATE_PER_HOUR,
    DEFAULT_UTILIZATION,
    EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR,
    FALLBACK_GRID_KGCO2E_PER_KWH,
    FALLBACK_PUE,
    SPOT_RESTART_HOURS,
)
from fleetplan.load.scenario import scenario_catalog
from fleetplan.model.base import reservation_term_periods
from fleetplan.model.commitment import Commitment, committed_usd_per_period, covered_periods, credit_limit_usd
from fleetplan.model.geo import EU_COUNTRIES
from fleetplan.model.period import format_period, hours_per_period, parse_period
from fleetplan.model.plan import Plan, Verification
from fleetplan.model.policy import min_providers
from fleetplan.model.scenario import Scenario, own_providers, server_spend
from fleetplan.model.site import lifetime_periods, server_kw
from fleetplan.model.team import adoption_terms, stack_for
from fleetplan.model.workload import Workload
from fleetplan.verify.rollout import check_rollout

__all__ = [
    "COMMITMENT_CHECKS",
    "COST_CATEGORIES",
    "LEDGER_COLUMNS",
    "SKILLS_CHECKS",
    "PlanCosts",
    "ledger_sum",
    "recompute_costs",
    "verify_plan",
]

REL_TOL = 1e-5
COVER_TOL = 1e-4
SHARE_TOL = 1e-4
"""Spend shares may exceed their cap by 0.01 percentage point (solver feasibility tolerances)."""


COST_CATEGORIES = (
    "rented_usd",
    "reserved_usd",
    "owned_energy_usd",
    "purchases_usd",
    "onboarding_usd",
    "skills_usd",
    "existing_opex_usd",
    "committed_usd",
)
"""The cost categories of the ledger, in the column order of ``PlanCosts.by_period``."""

COMMITMENT_CHECKS = (
    "existing reservations run at most count x accelerators x hours per period",
    "savings plans cover at most C / (1 - discount) and the provider's on-demand spend, vendor by vendor",
    "existing commitments: committed cost in every period they cover",
)
"""What :func:`verify_plan` checks of ``scenario.commitments`` (and ``plan.commitments``)."""

SKILLS_CHECKS = (
    "software stacks: every stack the allocations use is adopted at least its lead time before",
    "software stacks: every adoption is paid at its recomputed cost in the period it starts",
)
"""What :func:`verify_plan` checks of ``scenario.team`` (and ``plan.skills``)."""

LEDGER_COLUMNS = ("period", "category", "provider", "region", "vendor", "pricing_model", "workload", "usd")


@dataclass(frozen=True)
class PlanCosts:
    """A plan's recomputed costs: the ledger, and its sums per period and category and by owner.

    ``ledger`` has one row per cost item and period it is paid in (:data:`LEDGER_COLUMNS`):
    ``category`` is one of :data:`COST_CATEGORIES`; ``region`` is the cloud region or, for owned
    servers, the site; ``vendor`` is the chip vendor and ``pricing_model`` is ``owned`` for
    servers; ``workload`` is set on allocations only; onboarding rows have no region, vendor or
    pricing model; skills rows (one per adopted stack, in the period adoption starts) neither. An
    allocation drawing on a reservation has a row of 0 USD (the reservation's
    rows carry the cost); so has one run by an existing reservation (pricing model
    ``committed``). Every existing commitment has a ``committed_usd`` row in every period it
    covers (pricing model ``committed`` for a reservation, ``savings_plan`` for a savings plan,
    which has no vendor), and a savings plan's credit is a negative ``rented_usd`` row (pricing
    model ``savings_plan``) per chip vendor it covers, of the credit the plan claims
    (``plan.credits``, checked by :func:`verify_plan`): a vendor's net spend is its on-demand
    spend less the credits on it, never below zero, and the committed fee is nobody's, so vendor
    shares lie in [0, 1] and, with the fee's share, sum to 1. Rows are in the order the verifier
    adds them up.

    ``by_period``: period x category (+ total_usd, energy_kwh, co2e_t); ``by_provider`` and
    ``by_vendor``: horizon USD (:func:`ledger_sum` of the ledger).
    """

    by_period: pd.DataFrame
    by_provider: dict[str, float]
    by_vendor: dict[str, float]
    ledger: pd.DataFrame


def ledger_sum(ledger: pd.DataFrame, column: str) -> dict[str, float]:
    """USD of ``ledger`` grouped by ``column``, keys in order of first appearance; rows without a
    value in ``column`` are left out. Sums run row by row in ledger order, so they are the
    verifier's own totals to the last digit."""
    out: dict[str, float] = defaultdict(float)
    for key, usd in zip(ledger[column].tolist(), ledger["usd"].tolist(), strict=True):
        if not pd.isna(key):
            out[key] += usd
    return dict(out)


class _Facts:
    """Lookups the checks need, built from the scenario and its catalog only."""

    def __init__(self, sc: Scenario) -> None:
        self.sc = sc
        cat = scenario_catalog(sc)
        self.labels = sc.horizon.labels()
        self.t_of = {p: i for i, p in enumerate(self.labels)}
        self.H = hours_per_period(sc.horizon.period)
        self.first = parse_period(sc.horizon.start, sc.horizon.period)
        off = cat.offerings
        self.offer = {(r.provider, r.region, r.instance_type, r.pricing_model): r for r in off.itertuples(index=False)}
        self.region = {(r.provider, r.region): r for r in cat.regions.itertuples(index=False)}
        kinds = dict(zip(cat.providers["provider"], cat.providers["kind"], strict=True))
        ptags = dict(zip(cat.providers["provider"], cat.providers["tags"], strict=True))
        for p in sc.providers:
            kinds[p.name] = p.kind
            ptags[p.name] = ";".join(p.tags)
        self.kind = kinds
        self.ptags = ptags
        self.onboarding = dict(
            zip(cat.providers["provider"], cat.providers["onboarding_cost_usd"].fillna(0.0), strict=True)
        )
        self.sites = {s.name: s for s in sc.sites}
        self.types = {t.name: t for t in sc.server_types}
        self.workloads = {w.name: w for w in sc.workloads}
        self.providers = {p.name: p for p in sc.providers}
        self.adoption = adoption_terms(sc.team, sc.horizon.period)
        obj = sc.objective
        self.embodied_kg = 0.0
        if obj.include_embodied:
            given = obj.embodied_kgco2e_per_accelerator_hour
            self.embodied_kg = EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR if given is None else float(given)

    def offer_of(self, provider: str, region: str | None, instance_type: str | None) -> object | None:
        """The catalog row of an instance: its on-demand offering, else any offering of it."""
        for pm in ("on_demand", "reserved_1y", "reserved_3y", "spot"):
            o = self.offer.get((provider, region, instance_type, pm))
            if o is not None:
                return o
        return None

    def tags_of(self, row: pd.Series) -> set[str]:
        tags: set[str] = set()
        raw = self.ptags.get(row["provider"])
        if isinstance(raw, str):
            tags |= {t.strip().lower() for t in raw.split(";") if t.strip()}
        if isinstance(row["site"], str):
            site = self.sites[row["site"]]
            tags |= {t.lower() for t in site.tags}
            country = site.country
        else:
            reg = self.region.get((row["provider"], row["region"]))
            if reg is not None and isinstance(reg.tags, str):
                tags |= {t.strip().lower() for t in reg.tags.split(";") if t.strip()}
            country = reg.country if reg is not None else None
        if country in EU_COUNTRIES:
            tags.add("eu")
        return tags

    def country_zone(self, row: pd.Series) -> tuple[str | None, str | None]:
        if isinstance(row["site"], str):
            s = self.sites[row["site"]]
            return s.country, s.latency_zone
        reg = self.region.get((row["provider"], row["region"]))
        if reg is None:
            return None, None
        c = reg.country if isinstance(reg.country, str) else None
        z = reg.latency_zone if isinstance(reg.latency_zone, str) else None
        return c, z


def _kwh_per_acc_hour(f: _Facts, row: pd.Series) -> tuple[float, float, float]:
    """(kWh per accelerator-hour, grid kg/kWh x (1 - renewables), electricity $/kWh).

    Utilization: the workload's power_utilization, else the owned site's, else the provider's,
    else the default. Server overhead: the server type's (owned), else the provider's, else the
    default for rented capacity (:mod:`fleetplan.data.assumptions`).
    """
    acc = resolve_accelerator(row["accelerator"])
    w = f.workloads.get(row["workload"])
    prov = f.providers.get(row["provider"])
    site = f.sites[row["site"]] if isinstance(row["site"], str) else None
    util = next(
        (
            u
            for u in (
                getattr(w, "power_utilization", None),
                getattr(site, "utilization", None),
                getattr(prov, "utilization", None),
            )
            if u is not None
        ),
        DEFAULT_UTILIZATION,
    )
    if site is not None:
        st = f.types[row["server_type"]]
        grid = site.grid_kgco2e_per_kwh if site.grid_kgco2e_per_kwh is not None else FALLBACK_GRID_KGCO2E_PER_KWH
        kwh = acc.tdp_w * util * st.power_overhead_factor * site.pue / 1000
        return kwh, grid * (1 - site.renewable_share), site.electricity_usd_per_kwh
    overhead = (
        prov.server_overhead if prov is not None and prov.server_overhead is not None else DEFAULT_CLOUD_SERVER_OVERHEAD
    )
    reg = f.region.get((row["provider"], row["region"]))
    pue = reg.pue if reg is not None and not pd.isna(reg.pue) else FALLBACK_PUE
    grid = (
        reg.grid_kgco2e_per_kwh
        if reg is not None and not pd.isna(reg.grid_kgco2e_per_kwh)
        else FALLBACK_GRID_KGCO2E_PER_KWH
    )
    return acc.tdp_w * util * overhead * pue / 1000, grid, 0.0


def _efficiency(f: _Facts, w: Workload, row: pd.Series, offer: object | None, gang: float) -> float:
    if row["pricing_model"] != "spot" or offer is None:
        return 1.0
    rate = getattr(offer, "spot_interruption_rate_per_hour", float("nan"))
    rate = DEFAULT_SPOT_RATE_PER_HOUR if rate is None or pd.isna(rate) else float(rate)
    instances = max(1.0, math.ceil(gang / int(offer.accelerator_count)))  # type: ignore[attr-defined]
    return 1.0 / (1.0 + rate * instances * (w.checkpoint_interval_hours / 2 + SPOT_RESTART_HOURS))


def recompute_costs(sc: Scenario, plan: Plan) -> PlanCosts:
    """The cost ledger of ``plan``, recomputed from the catalog, the scenario and the plan's tables,
    with its sums per period and category and by owner."""
    f = _Facts(sc)
    T = len(f.labels)
    energy = np.zeros(T)
    co2 = np.zeros(T)
    rows: list[tuple[object, ...]] = []

    def add(
        t: int,
        category: str,
        provider: str,
        region: str | None,
        vendor: str | None,
        pm: str | None,
        usd: float,
        workload: str | None = None,
    ) -> None:
        rows.append((t, category, provider, region, vendor, pm, workload, usd))

    for _, row in plan.allocations.iterrows():
        t = f.t_of[row["period"]]
        hours = float(row["accelerator_hours"])
        kwh, grid, usd_kwh = _kwh_per_acc_hour(f, row)
        e = hours * kwh
        energy[t] += e
        co2[t] += (e * grid + hours * f.embodied_kg) / 1000
        vendor = resolve_accelerator(row["accelerator"]).vendor
        pm = row["pricing_model"]
        if pm == "owned":
            usd, category = e * usd_kwh, "owned_energy_usd"
        elif pm == "committed":  # run by an existing reservation, whose rows carry the cost
            usd, category = 0.0, "committed_usd"
        elif pm in ("on_demand", "spot"):
            o = f.offer.get((row["provider"], row["region"], row["instance_type"], pm))
            usd = 0.0 if o is None else hours * o.price_usd_per_hour / o.accelerator_count  # unknown: reported
            category = "rented_usd"
        else:  # drawn from a reservation, whose rows carry the cost
            usd, category = 0.0, "reserved_usd"
        add(t, category, row["provider"], row["region"], vendor, pm, usd, row["workload"])
    for _, r in plan.reservations.iterrows():
        o = f.offer.get((r["provider"], r["region"], r["instance_type"], r["pricing_model"]))
        if o is None:  # reported by verify_plan
            continue
        s = f.t_of[r["start_period"]]
        usd = r["instances"] * o.price_usd_per_hour * f.H
        vendor = resolve_accelerator(o.accelerator).vendor
        for t in range(s, min(s + int(r["term_periods"]), T)):
            add(t, "reserved_usd", r["provider"], r["region"], vendor, r["pricing_model"], usd)
    for _, r in plan.purchases.iterrows():
        st = f.types[r["server_type"]]
        vendor = resolve_accelerator(st.accelerator).vendor
        t_in, t_order = f.t_of[r["period_in_service"]], f.t_of[r["period_ordered"]]
        for t, usd in server_spend(sc, st, r["servers"], in_service=t_in, ordered=t_order):
            add(t, "purchases_usd", r["provider"], r["site"], vendor, "owned", usd)
    for p in plan.onboarded:
        add(0, "onboarding_usd", p, None, None, None, float(f.onboarding.get(p, 0.0)))
    for r in _adoptions(plan):
        terms = f.adoption.get(str(r["stack"]))
        if terms is not None and r["period"] in f.t_of:  # else reported by verify_plan
            add(f.t_of[r["period"]], "skills_usd", None, None, None, None, terms.cost_usd)  # type: ignore[arg-type]
    hz = sc.horizon
    for c in sc.commitments:
        usd = committed_usd_per_period(c, hz.period)
        if c.kind == "reservation":
            o = f.offer_of(c.provider, c.region, c.instance_type)
            vendor = None if o is None else resolve_accelerator(o.accelerator).vendor
            pm = "committed"
        else:
            vendor, pm = None, "savings_plan"
        for t in covered_periods(c, hz.start, hz.periods, hz.period):
            add(t, "committed_usd", c.provider, c.region, vendor, pm, usd)
    if len(plan.credits):  # each savings plan's credit lowers the spend of the vendor it covers
        for r in plan.credits.itertuples(index=False):
            if r.period in f.t_of and not pd.isna(r.credit_used_usd) and r.credit_used_usd:
                add(
                    f.t_of[r.period],
                    "rented_usd",
                    r.provider,
                    None,
                    r.vendor,
                    "savings_plan",
                    -float(r.credit_used_usd),
                )
    elif len(plan.commitments):  # a plan without the split (reported by verify_plan): no vendor
        for r in plan.commitments.itertuples(index=False):
            credit = r.credit_used_usd
            if r.kind == "savings_plan" and r.period in f.t_of and not pd.isna(credit) and credit:
                add(f.t_of[r.period], "rented_usd", r.provider, None, None, "savings_plan", -float(credit))
    for site in sc.sites:
        for hw in site.existing:
            st = f.types[hw.server_type]
            start = parse_period(hw.purchased, sc.horizon.period) - f.first
            vendor = resolve_accelerator(st.accelerator).vendor
            for t, usd in server_spend(sc, st, hw.count, in_service=start):
                add(t, "existing_opex_usd", site.provider, site.name, vendor, "owned", usd)

    t_idx = [r[0] for r in rows]
    ledger = pd.DataFrame(
        {
            "period": [f.labels[t] for t in t_idx],
            **{c: [r[i] for r in rows] for i, c in enumerate(LEDGER_COLUMNS[1:-1], start=1)},
            "usd": np.array([r[-1] for r in rows], dtype=float),
        },
        columns=list(LEDGER_COLUMNS),
    )
    per = {c: np.zeros(T) for c in COST_CATEGORIES}
    for t, category, usd in zip(t_idx, ledger["category"].tolist(), ledger["usd"].tolist(), strict=True):
        per[category][t] += usd
    df = pd.DataFrame({"period": f.labels, **per})
    df["total_usd"] = df[list(COST_CATEGORIES)].sum(axis=1)
    df["energy_kwh"] = energy
    df["co2e_t"] = co2
    return PlanCosts(df, ledger_sum(ledger, "provider"), ledger_sum(ledger, "vendor"), ledger)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= REL_TOL * max(1.0, abs(a), abs(b))


def verify_plan(
    sc: Scenario, plan: Plan, sizing: pd.DataFrame, *, check_totals: bool = True, costs: PlanCosts | None = None
) -> Verification:
    """Check ``plan`` against every rule of ``sc``; list each violation in the user's terms.

    ``costs``: :func:`recompute_costs` of this ``plan``, when the caller already has it (it is
    not computed a second time).
    """
    f = _Facts(sc)
    v: list[str] = []
    checks: list[str] = []
    alloc = plan.allocations
    T = len(f.labels)
    pol = sc.policy
    dropped = set(plan.dropped_workloads)

    # needs per (workload, accelerator, period) from sizing
    need: dict[tuple[str, str, str], float] = {}
    gang: dict[tuple[str, str], float] = {}
    for r in sizing.itertuples(index=False):
        if not r.fits:
            continue
        amount = r.replicas if r.kind == "serve" else r.accelerator_hours
        need[(r.workload, r.accelerator, r.period)] = float(amount)
        gang[(r.workload, r.accelerator)] = float(r.accelerators_per_replica)

    # 1. eligibility and coverage ------------------------------------------------------------
    checks.append("eligibility: accelerator, pricing model, spot, provider, site, residency, latency zone")
    checks.append("coverage: every active workload-period fully served (or the optional workload dropped)")
    cover: dict[tuple[str, str], float] = defaultdict(float)
    cover_by_p: dict[tuple[str, str, str], float] = defaultdict(float)
    hours_used: dict[tuple, float] = defaultdict(float)
    replicas_at: dict[tuple, float] = defaultdict(float)
    for _, row in alloc.iterrows():
        w = f.workloads.get(row["workload"])
        if w is None:
            v.append(f"allocation names unknown workload {row['workload']!r}")
            continue
        v.extend(_eligibility(f, w, row))
        offer = None
        if row["pricing_model"] != "owned":
            offer = f.offer.get((row["provider"], row["region"], row["instance_type"], _paid_as(row["pricing_model"])))
            if offer is None:
                v.append(
                    f"{w.name}: offering {row['provider']}/{row['region']}/{row['instance_type']} "
                    f"({row['pricing_model']}) is not in the catalog"
                )
                continue
        # the accelerator the row is sized and costed on is the one its offering or server type carries
        st = f.types.get(row["server_type"]) if offer is None else None
        carried = offer.accelerator if offer is not None else getattr(st, "accelerator", None)
        if carried is None or resolve_accelerator(carried).name != resolve_accelerator(row["accelerator"]).name:
            v.append(f"{w.name}: {row['instance_type']} carries {carried}, not {row['accelerator']}")
            continue
        key = (w.name, row["accelerator"], row["period"])
        if key not in need or need[key] <= 0:
            v.append(f"{w.name}: runs in {row['period']} on {row['accelerator']}, where it has no sized demand")
            continue
        k = gang[(w.name, row["accelerator"])]
        eff = _efficiency(f, w, row, offer, k)
        if w.kind == "serve":
            reps = float(row["replicas"])
            # whole replicas per placement; how their hours are paid (on demand or which
            # reservation) may split them
            spot = row["pricing_model"] == "spot"
            placement = (w.name, row["period"], row["provider"], row["region"], row["instance_type"], row["site"], spot)
            replicas_at[placement] += reps
            if offer is not None and k > int(offer.accelerator_count):
                v.append(
                    f"{w.name}: a replica needs {int(k)} x {row['accelerator']} but {row['instance_type']} has "
                    f"{int(offer.accelerator_count)}"
                )
            covered = reps * eff / need[key]
            hours = reps * k * f.H
            if not _close(hours, float(row["accelerator_hours"])):
                v.append(
                    f"{w.name} {row['period']}: accelerator-hours {row['accelerator_hours']:.1f} != replicas x "
                    f"{int(k)} x {f.H:.0f} h"
                )
        else:
            hours = float(row["accelerator_hours"])
            covered = hours * eff / need[key]
        cover[(w.name, row["period"])] += covered
        cover_by_p[(w.name, row["period"], row["provider"])] += covered
        owner = row["site"] if isinstance(row["site"], str) else None
        hours_used[
            (row["provider"], row["region"], row["instance_type"], row["pricing_model"], owner, row["period"])
        ] += hours
    for (wname, period, provider, _region, instance, site, _spot), reps in replicas_at.items():
        if abs(reps - round(reps)) > 1e-6:
            where = site if isinstance(site, str) else instance
            v.append(f"{wname} {period}: {reps:g} replicas on {provider} {where} is not a whole number")
    active = {(r.workload, r.period) for r in sizing.itertuples(index=False) if r.fits}
    for wname, period in sorted(active):
        if wname in dropped:
            continue
        got = cover.get((wname, period), 0.0)
        if got < 1 - COVER_TOL:
            v.append(f"workload {wname}: {period} demand only {got:.1%} covered")
    for wname in dropped:
        w = f.workloads[wname]
        if not w.optional:
            v.append(f"workload {wname} is required but was dropped")
        elif any(r == wname for r in alloc["workload"]):
            v.append(f"workload {wname} is dropped but still has allocations")

    # 2. capacity: availability, reservations, owned, power, space -------------------------------
    checks.append("availability caps per offering and period")
    checks.append("reserved capacity covers use; reservations pay their whole term")
    checks.append("owned capacity = existing + purchases after lead time - retirements")
    checks.append("site power (kW, installed peak and average draw) and space (rack units)")
    reserved: dict[tuple, np.ndarray] = defaultdict(lambda: np.zeros(T))
    for _, r in plan.reservations.iterrows():
        o = f.offer.get((r["provider"], r["region"], r["instance_type"], r["pricing_model"]))
        if o is None:
            v.append(f"reservation of unknown offering {r['provider']}/{r['instance_type']}")
            continue
        term = reservation_term_periods(r["pricing_model"], sc.horizon.period)
        if term != int(r["term_periods"]):
            v.append(
                f"reservation {r['instance_type']} {r['pricing_model']}: term {r['term_periods']} periods, "
                f"expected {term}"
            )
        s = f.t_of[r["start_period"]]
        reserved[(r["provider"], r["region"], r["instance_type"], r["pricing_model"])][
            s : s + int(r["term_periods"])
        ] += r["instances"]
    for key, hours in hours_used.items():
        prov, reg, inst, pm, site, period = key
        t = f.t_of[period]
        if site is None and pm == "committed":  # the organization's own hours: see the commitment checks
            continue
        if site is None:
            o = f.offer[(prov, reg, inst, pm)]
            cap = o.availability_max_instances
            if cap is not None and not pd.isna(cap) and hours > cap * o.accelerator_count * f.H * (1 + REL_TOL):
                v.append(
                    f"{prov}/{reg}/{inst} {pm} {period}: uses {hours:,.0f} accelerator-hours, availability cap "
                    f"is {cap * o.accelerator_count * f.H:,.0f}"
                )
            if pm.startswith("reserved"):
                have = reserved[(prov, reg, inst, pm)][t] * o.accelerator_count * f.H
                if hours > have * (1 + REL_TOL) + 1e-6:
                    v.append(
                        f"{prov}/{reg}/{inst} {pm} {period}: uses {hours:,.0f} accelerator-hours but only "
                        f"{have:,.0f} are reserved"
                    )
    servers = _servers_in_service(f, plan, v)
    owned_used: dict[tuple[str, str, str], float] = defaultdict(float)
    for (_prov, _reg, inst, _pm, site, period), hours in hours_used.items():
        if site is not None:  # every owned row, also on a server type the site has no pool of
            owned_used[(site, inst, period)] += hours
    for (site, st_name, period), used in sorted(owned_used.items()):
        count = servers.get((site, st_name), np.zeros(T))[f.t_of[period]]
        cap = count * f.types[st_name].accelerators_per_server * f.H
        if used > cap * (1 + REL_TOL) + 1e-6:
            v.append(
                f"site {site} {period}: {st_name} used {used:,.0f} accelerator-hours, "
                f"{int(count)} servers in service give {cap:,.0f}"
            )
    for site in sc.sites:
        existing_kw = np.zeros(T)
        kw = np.zeros(T)
        ru = np.zeros(T)
        for (s_name, st_name), count in servers.items():
            if s_name != site.name:
                continue
            st = f.types[st_name]
            one_kw = server_kw(st, resolve_accelerator(st.accelerator), site.pue)
            kw += count * one_kw
            ru += count * st.rack_units
            existing_kw += _existing_count(f, site, st_name) * one_kw
        avg_kw = np.zeros(T)
        at_site = alloc[alloc["site"] == site.name] if len(alloc) else alloc
        for _, row in at_site.iterrows():
            avg_kw[f.t_of[row["period"]]] += float(row["accelerator_hours"]) * _kwh_per_acc_hour(f, row)[0] / f.H
        for t in range(T):
            limit = max(site.power_capacity_kw, existing_kw[t])
            if kw[t] > limit * (1 + REL_TOL) + 1e-6:
                v.append(
                    f"site {site.name} {f.labels[t]}: installed servers draw {kw[t]:,.1f} kW, power capacity "
                    f"is {site.power_capacity_kw:,.1f} kW"
                )
            if avg_kw[t] > limit * (1 + REL_TOL) + 1e-6:
                v.append(
                    f"site {site.name} {f.labels[t]}: average draw {avg_kw[t]:,.1f} kW exceeds the power "
                    f"capacity {site.power_capacity_kw:,.1f} kW"
                )
            if site.space_rack_units is not None and ru[t] > site.space_rack_units + 1e-6:
                v.append(
                    f"site {site.name} {f.labels[t]}: {ru[t]:.0f} rack units installed, "
                    f"space is {site.space_rack_units}"
                )

    # 3. training placed whole ---------------------------------------------------------------------
    checks.append("training runs placed whole: one provider-region, one accelerator type")
    for wname, grp in alloc[alloc["kind"].isin(["train", "finetune"])].groupby("workload"):
        places = {(p, r, a) for p, r, a in zip(grp["provider"], grp["region"], grp["accelerator"], strict=True)}
        if len(places) > 1:
            v.append(
                f"training run {wname} is split across {len(places)} placements: "
                + ", ".join(f"{p}/{r}/{a}" for p, r, a in sorted(places))
            )

    # 4. spend and policies ------------------------------------------------------------------------
    if costs is None:
        costs = recompute_costs(sc, plan)
    total = float(costs.by_period["total_usd"].sum())
    checks.append("provider and chip-vendor spend-share caps")
    for name, usd in sorted(costs.by_provider.items()):
        cap = pol.provider_share_caps.get(name, pol.max_provider_share)
        if cap is not None and total > 0 and usd > (cap + SHARE_TOL) * total:
            v.append(f"provider {name} holds {usd / total:.1%} of spend, cap is {cap:.0%}")
    for name, usd in sorted(costs.by_vendor.items()):
        cap = pol.chip_vendor_share_caps.get(name, pol.max_chip_vendor_share)
        if cap is not None and total > 0 and usd > (cap + SHARE_TOL) * total:
            v.append(f"chip vendor {name} holds {usd / total:.1%} of spend, cap is {cap:.0%}")
    checks.append("minimum distinct providers for critical workloads")
    for w in sc.workloads:
        m = min_providers(w, pol)
        if m <= 1 or w.name in dropped:
            continue
        provs = {p for (wn, _t, p), c in cover_by_p.items() if wn == w.name}
        counted = [
            p
            for p in provs
            if all(
                cover_by_p.get((w.name, per, p), 0.0) >= pol.min_provider_share_critical - COVER_TOL
                for (wn, per) in active
                if wn == w.name
            )
        ]
        if len(counted) < m:
            v.append(
                f"critical workload {w.name} runs on {len(counted)} provider(s) carrying at least "
                f"{pol.min_provider_share_critical:.0%} each; policy asks for {m}"
            )
    if pol.n_minus_1:
        checks.append("N-1: critical demand served with any one provider lost")
        for w in sc.workloads:
            if w.criticality != "critical" or w.name in dropped:
                continue
            for wn, period in sorted(active):
                if wn != w.name:
                    continue
                provs = {p for (a, b, p) in cover_by_p if a == wn and b == period}
                for p in sorted(provs):
                    rest = cover.get((wn, period), 0.0) - cover_by_p[(wn, period, p)]
                    if rest < 1 - COVER_TOL:
                        v.append(f"N-1: losing {p} leaves {w.name} {period} at {rest:.1%} of demand")
    checks.append("budgets per period")
    for t, label in enumerate(f.labels):
        budget = pol.budgets_usd.get(label, pol.budget_usd_per_period)
        spent = float(costs.by_period["total_usd"].iloc[t])
        if budget is not None and spent > budget * (1 + REL_TOL) + 1e-6:
            v.append(f"budget {label} exceeded: spend ${spent:,.0f} vs budget ${budget:,.0f}")
    checks.append("carbon budgets")
    co2 = costs.by_period["co2e_t"].to_numpy()
    if pol.carbon_budget_tco2e is not None and co2.sum() > pol.carbon_budget_tco2e * (1 + REL_TOL) + 1e-9:
        v.append(f"carbon budget exceeded: {co2.sum():,.1f} tCO2e vs {pol.carbon_budget_tco2e:,.1f}")
    if pol.carbon_budget_tco2e_per_period is not None:
        for t, label in enumerate(f.labels):
            if co2[t] > pol.carbon_budget_tco2e_per_period * (1 + REL_TOL) + 1e-9:
                v.append(
                    f"carbon budget {label} exceeded: {co2[t]:,.1f} tCO2e vs {pol.carbon_budget_tco2e_per_period:,.1f}"
                )
    checks.append("onboarding: every newly used provider with an onboarding cost is paid for")
    own = own_providers(sc) | set(plan.onboarded)
    used_providers = set(alloc["provider"]) | set(plan.reservations["provider"])
    for p in sorted(used_providers - own):
        if f.onboarding.get(p, 0.0) > 0:
            v.append(f"provider {p} is used but its onboarding (${f.onboarding[p]:,.0f}) is not in the plan")

    _check_commitments(f, plan, checks, v)
    check_rollout(sc, plan, checks, v)
    _check_skills(f, plan, checks, v)

    # 5. totals ------------------------------------------------------------------------------------
    if check_totals:
        checks.append("reported totals match the recomputation (cost per period and category, energy, carbon)")
        mine = costs.by_period
        for col in (*COST_CATEGORIES, "total_usd", "energy_kwh", "co2e_t"):
            a = mine[col].to_numpy()
            b = plan.costs[col].to_numpy()
            for t in range(T):
                if not _close(float(a[t]), float(b[t])):
                    v.append(f"reported {col} for {f.labels[t]} is {b[t]:,.2f}, recomputed {a[t]:,.2f}")
    return Verification(ok=not v, checks=tuple(checks), violations=tuple(dict.fromkeys(v)))


def _paid_as(pricing_model: str) -> str:
    """The catalog pricing model an allocation is placed as: hours run by an existing reservation
    (``committed``) are on-demand placements of its instance."""
    return "on_demand" if pricing_model == "committed" else pricing_model


def _check_commitments(f: _Facts, plan: Plan, checks: list[str], v: list[str]) -> None:
    """Existing commitments: reservations run at most their capacity, savings plans cover at most
    their limit and the provider's on-demand spend, and the plan lists every committed cost."""
    sc, H = f.sc, f.H
    if not sc.commitments and not len(plan.commitments):
        return
    hz = sc.horizon
    checks.extend(COMMITMENT_CHECKS)
    alloc, table = plan.allocations, plan.commitments
    by_name = {c.name: c for c in sc.commitments}
    listed: dict[tuple[str, str], pd.Series] = {}
    for _, r in table.iterrows():
        c = by_name.get(r["commitment"])
        if c is None or r["period"] not in f.t_of:
            v.append(f"plan lists unknown commitment {r['commitment']!r} in {r['period']}")
            continue
        listed[(c.name, r["period"])] = r
    # reservations: capacity per instance and period, and per commitment
    cap: dict[tuple, float] = defaultdict(float)
    names: dict[tuple, list[str]] = defaultdict(list)
    for c in sc.commitments:
        if c.kind != "reservation":
            continue
        o = f.offer_of(c.provider, c.region, c.instance_type)
        per = 0.0 if o is None else c.count * int(o.accelerator_count) * H  # type: ignore[attr-defined]
        for t in covered_periods(c, hz.start, hz.periods, hz.period):
            key = (c.provider, c.region, c.instance_type, f.labels[t])
            cap[key] += per
            names[key].append(c.name)
            r = listed.get((c.name, f.labels[t]))
            used = 0.0 if r is None or pd.isna(r["used_hours"]) else float(r["used_hours"])
            if used > per * (1 + REL_TOL) + 1e-6:
                v.append(
                    f"existing reservation {c.name} {f.labels[t]}: uses {used:,.0f} accelerator-hours, "
                    f"its {c.count} x {c.instance_type} hold {per:,.0f}"
                )
    run: dict[tuple, float] = defaultdict(float)
    if len(alloc):
        mine = alloc[alloc["pricing_model"] == "committed"]
        for prov, reg, inst, period, hours in zip(
            mine["provider"],
            mine["region"],
            mine["instance_type"],
            mine["period"],
            mine["accelerator_hours"],
            strict=True,
        ):
            run[(prov, reg, inst, period)] += float(hours)
    for key, hours in sorted(run.items()):
        have = cap.get(key, 0.0)
        if hours > have * (1 + REL_TOL) + 1e-6:
            held = ", ".join(names.get(key, [])) or "none covers this period"
            v.append(
                f"{key[0]}/{key[1]}/{key[2]} {key[3]}: allocations run {hours:,.0f} accelerator-hours on "
                f"existing reservations ({held}), which hold {have:,.0f}"
            )
    # savings plans: within C / (1 - d), together within the provider's on-demand spend, and the
    # credits by vendor within that vendor's on-demand spend there
    od_spend: dict[tuple[str, str], float] = defaultdict(float)
    od_vendor: dict[tuple[str, str, str], float] = defaultdict(float)
    if len(alloc):
        for _, row in alloc[alloc["pricing_model"] == "on_demand"].iterrows():
            o = f.offer.get((row["provider"], row["region"], row["instance_type"], "on_demand"))
            if o is not None:
                usd = float(row["accelerator_hours"]) * o.price_usd_per_hour / o.accelerator_count
                od_spend[(row["provider"], row["period"])] += usd
                od_vendor[(row["provider"], resolve_accelerator(o.accelerator).vendor, row["period"])] += usd
    credit: dict[tuple[str, str], float] = defaultdict(float)
    for c in sc.commitments:
        if c.kind != "savings_plan":
            continue
        limit = credit_limit_usd(c, hz.period)
        covered = {f.labels[t] for t in covered_periods(c, hz.start, hz.periods, hz.period)}
        for (name, period), r in listed.items():
            if name != c.name:
                continue
            got = 0.0 if pd.isna(r["credit_used_usd"]) else float(r["credit_used_usd"])
            if got < -1e-6 or (period not in covered and got > 1e-6):
                v.append(f"savings plan {c.name} {period}: credits ${got:,.2f} outside the periods it covers")
            elif got > limit * (1 + REL_TOL) + 1e-6:
                v.append(
                    f"savings plan {c.name} {period}: covers ${got:,.0f} of on-demand spend, its limit is "
                    f"${limit:,.0f} (C / (1 - {c.discount:g}))"
                )
            credit[(c.provider, period)] += got
    for (prov, period), got in sorted(credit.items()):
        spent = od_spend.get((prov, period), 0.0)
        if got > spent * (1 + REL_TOL) + 1e-6:
            v.append(
                f"savings plans of {prov} {period}: cover ${got:,.0f} but the plan's on-demand spend there "
                f"is ${spent:,.0f}"
            )
    _check_credit_split(plan, listed, by_name, od_vendor, v)
    # committed cost: every commitment listed with its cost in every period it covers
    for c in sc.commitments:
        usd = committed_usd_per_period(c, hz.period)
        for t in covered_periods(c, hz.start, hz.periods, hz.period):
            r = listed.get((c.name, f.labels[t]))
            if r is None:
                v.append(f"commitment {c.name}: its committed cost for {f.labels[t]} (${usd:,.0f}) is not in the plan")
            elif not _close(float(r["committed_usd"]), usd):
                v.append(
                    f"commitment {c.name} {f.labels[t]}: committed cost ${float(r['committed_usd']):,.0f}, "
                    f"recomputed ${usd:,.0f}"
                )


def _check_credit_split(
    plan: Plan,
    listed: dict[tuple[str, str], pd.Series],
    by_name: dict[str, Commitment],
    od_vendor: dict[tuple[str, str, str], float],
    v: list[str],
) -> None:
    """Savings plans' credits by chip vendor (``plan.credits``): of a savings plan, summing to its
    ``credit_used_usd`` in the commitments table, and per (provider, vendor, period) within that
    vendor's on-demand spend at the provider."""
    split: dict[tuple[str, str], float] = defaultdict(float)
    by_vendor: dict[tuple[str, str, str], float] = defaultdict(float)
    for r in plan.credits.itertuples(index=False):
        c = by_name.get(r.commitment)
        got = 0.0 if pd.isna(r.credit_used_usd) else float(r.credit_used_usd)
        if c is None or c.kind != "savings_plan" or c.provider != r.provider:
            v.append(f"plan credits {r.provider} {r.vendor} {r.period} to {r.commitment!r}, not a savings plan of it")
            continue
        if got < -1e-6:
            v.append(f"savings plan {r.commitment} {r.period}: negative credit ${got:,.2f} on {r.vendor}")
        split[(r.commitment, r.period)] += got
        by_vendor[(r.provider, r.vendor, r.period)] += got
    for (name, period), r in listed.items():
        if by_name[name].kind != "savings_plan":
            continue
        total = 0.0 if pd.isna(r["credit_used_usd"]) else float(r["credit_used_usd"])
        parts = split.get((name, period), 0.0)
        if not _close(parts, total) and abs(parts - total) > 1e-6:
            v.append(
                f"savings plan {name} {period}: credits by chip vendor sum to ${parts:,.2f}, "
                f"the commitments table says ${total:,.2f}"
            )
    for (prov, vendor, period), got in sorted(by_vendor.items()):
        spent = od_vendor.get((prov, vendor, period), 0.0)
        if got > spent * (1 + REL_TOL) + 1e-6:
            v.append(
                f"savings plans of {prov} {period}: cover ${got:,.0f} of {vendor} on-demand spend, which is "
                f"${spent:,.0f}"
            )


def _adoptions(plan: Plan) -> list[dict[str, object]]:
    """The plan's ``skills`` rows (none when the plan has no such table)."""
    sk = plan.skills
    return [] if sk is None or not len(sk) else sk.to_dict("records")


def _stacks_used(f: _Facts, plan: Plan) -> dict[str, dict[str, object]]:
    """Per software stack the allocations use: the first period index, the accelerators and the
    periods (indices), recomputed from each allocation's accelerator
    (:func:`~fleetplan.model.team.stack_for`)."""
    out: dict[str, dict[str, object]] = {}
    alloc = plan.allocations
    if not len(alloc):
        return out
    of = {a: stack_for(resolve_accelerator(a)) for a in alloc["accelerator"].astype(str).unique()}
    for acc, period in zip(alloc["accelerator"].astype(str), alloc["period"], strict=True):
        k = of[acc]
        t = f.t_of.get(period)
        if k is None or t is None:
            continue
        use = out.setdefault(k, {"first": t, "accelerators": set(), "periods": set()})
        use["first"] = min(int(use["first"]), t)  # type: ignore[call-overload]
        use["accelerators"].add(acc)  # type: ignore[attr-defined]
        use["periods"].add(t)  # type: ignore[attr-defined]
    return out


def _check_skills(f: _Facts, plan: Plan, checks: list[str], v: list[str]) -> None:
    """Software stacks: the allocations use a stack the team must adopt only from its adoption
    period + lead on, and every adoption listed is a stack to adopt, once, in the horizon, at its
    recomputed cost."""
    listed = _adoptions(plan)
    if f.sc.team is None and not listed:
        return
    checks.extend(SKILLS_CHECKS)
    start: dict[str, int] = {}
    for r in listed:
        k, period = str(r["stack"]), r["period"]
        terms = f.adoption.get(k)
        if terms is None:
            v.append(f"plan adopts stack {k}, which the team need not adopt (expert, or no such stack)")
            continue
        if period not in f.t_of:
            v.append(f"plan adopts stack {k} in {period}, outside the horizon")
            continue
        if k in start:
            v.append(f"plan adopts stack {k} twice")
            continue
        start[k] = f.t_of[period]  # type: ignore[index]
        if not _close(float(r["cost_usd"]), terms.cost_usd):  # type: ignore[arg-type]
            v.append(
                f"adoption of stack {k} in {period}: cost ${float(r['cost_usd']):,.0f}, "  # type: ignore[arg-type]
                f"recomputed ${terms.cost_usd:,.0f} (team level {terms.level})"
            )
    for k, use in sorted(_stacks_used(f, plan).items()):
        terms = f.adoption.get(k)
        if terms is None:
            continue
        first = int(use["first"])  # type: ignore[call-overload]
        accs = ", ".join(sorted(use["accelerators"]))  # type: ignore[call-overload]
        if k not in start:
            v.append(
                f"stack {k} (team level {terms.level}) runs {accs} from {f.labels[first]}, "
                "but the plan does not adopt it"
            )
        elif first < start[k] + terms.lead_periods:
            ready = start[k] + terms.lead_periods
            when = f.labels[ready] if ready < len(f.labels) else "after the horizon"
            v.append(
                f"stack {k} runs {accs} in {f.labels[first]}, before it is ready ({when}: adopted from "
                f"{f.labels[start[k]]} with a lead of {terms.lead_periods} period(s))"
            )


def _existing_count(f: _Facts, site: object, st_name: str) -> np.ndarray:
    T = len(f.labels)
    out = np.zeros(T)
    st = f.types[st_name]
    for hw in site.existing:  # type: ignore[attr-defined]
        if hw.server_type != st_name:
            continue
        start = parse_period(hw.purchased, f.sc.horizon.period) - f.first
        end = start + lifetime_periods(st, f.sc.horizon.period)
        for t in range(max(start, 0), min(end, T)):
            out[t] += hw.count
    return out


def _servers_in_service(f: _Facts, plan: Plan, v: list[str]) -> dict[tuple[str, str], np.ndarray]:
    T = len(f.labels)
    out: dict[tuple[str, str], np.ndarray] = {}
    for site in f.sc.sites:
        names = {hw.server_type for hw in site.existing} | set(site.buyable)
        for name in names:
            out[(site.name, name)] = _existing_count(f, site, name)
    for _, r in plan.purchases.iterrows():
        site = f.sites.get(r["site"])
        if site is None or r["server_type"] not in site.buyable:
            v.append(f"purchase of {r['server_type']} at {r['site']}: not buyable there")
            continue
        st = f.types[r["server_type"]]
        order = f.t_of[r["period_ordered"]]
        service = f.t_of.get(r["period_in_service"])
        if service is None or service != order + st.lead_time_periods:
            v.append(
                f"purchase of {r['server_type']} at {r['site']} ordered {r['period_ordered']}: in service "
                f"{r['period_in_service']}, lead time says "
                f"{format_period(f.first + order + st.lead_time_periods, f.sc.horizon.period)}"
            )
            continue
        life = lifetime_periods(st, f.sc.horizon.period)
        out[(r["site"], r["server_type"])][service : min(service + life, T)] += r["servers"]
    return out


def _eligibility(f: _Facts, w: Workload, row: pd.Series) -> list[str]:
    out: list[str] = []
    where = f"{w.name} on {row['provider']}/{row['region']}/{row['instance_type']} ({row['pricing_model']})"
    if w.accelerators is not None and row["accelerator"] not in {resolve_accelerator(a).name for a in w.accelerators}:
        out.append(f"{where}: accelerator {row['accelerator']} is not allowed")
    allowed = set(f.sc.policy.allowed_pricing_models) & set(w.pricing_models or f.sc.policy.allowed_pricing_models)
    if _paid_as(row["pricing_model"]) not in allowed:
        out.append(f"{where}: pricing model not allowed")
    if row["pricing_model"] == "spot" and not w.interruptible:
        out.append(f"{where}: spot for a workload that does not tolerate interruption")
    if w.providers is not None and row["provider"] not in w.providers:
        out.append(f"{where}: provider not allowed for this workload")
    if row["provider"] in f.sc.policy.excluded_providers:
        out.append(f"{where}: provider excluded by policy")
    if w.sites is not None and isinstance(row["site"], str) and row["site"] not in w.sites:
        out.append(f"{where}: site not allowed for this workload")
    tags = f.tags_of(row)
    country, zone = f.country_zone(row)
    rule = f.sc.policy.residency.get(w.sensitivity)
    if rule is not None:
        ok = f.kind.get(row["provider"]) in rule.kinds or bool(tags & {t.lower() for t in rule.tags})
        if rule.countries is not None:
            ok = ok and country in rule.countries
        if not ok:
            out.append(f"{where}: sensitivity {w.sensitivity} does not allow this placement")
    if w.residency is not None:
        wanted = set(w.residency)
        if not (country in wanted or tags & {r.lower() for r in wanted}):
            out.append(f"{where}: outside residency {', '.join(w.residency)}")
    if w.latency_zones is not None and zone not in w.latency_zones:
        out.append(f"{where}: latency zone {zone} not in {', '.join(w.latency_zones)}")
    return out
