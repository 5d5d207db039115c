"""Cross-reference and meaning checks on a parsed scenario: names resolve, periods make sense.

Each check yields ``(path, message)`` pairs; the loader attaches file and line. The checks only
read the scenario and the assembled catalog, never the optimizer.
"""

from __future__ import annotations

from collections.abc import Iterator

from fleetplan.catalog.hardware import load_accelerators, resolve_accelerator
from fleetplan.errors import UnknownNameError, did_you_mean
from fleetplan.model.base import OWN_PROVIDER_KINDS
from fleetplan.model.catalog import Catalog
from fleetplan.model.period import parse_period
from fleetplan.model.scenario import Scenario

__all__ = ["Issue", "check_references"]

Issue = tuple[tuple[str | int, ...], str]


def _unknown(kind: str, name: str, known: set[str] | list[str]) -> str:
    return f"unknown {kind} {name!r}{did_you_mean(name, known)}"


def _duplicates(names: list[str], section: str) -> Iterator[Issue]:
    seen: set[str] = set()
    for i, n in enumerate(names):
        if n in seen:
            yield (section, i, "name"), f"duplicate name {n!r}"
        seen.add(n)


def check_references(sc: Scenario, catalog: Catalog) -> list[Issue]:
    """All reference and meaning problems of ``sc`` against ``catalog``, in document order."""
    issues: list[Issue] = []
    issues += _check_horizon(sc)
    if issues:
        return issues
    providers = set(catalog.providers["provider"].astype(str))
    kinds = dict(zip(catalog.providers["provider"], catalog.providers["kind"], strict=True))
    issues += _check_catalog_and_providers(sc, providers)
    issues += _check_sites(sc, providers, kinds)
    issues += _check_workloads(sc, catalog, providers)
    issues += _check_policy(sc, providers)
    issues += _check_commitments(sc, catalog, providers)
    return issues


def _check_horizon(sc: Scenario) -> list[Issue]:
    try:
        parse_period(sc.horizon.start, sc.horizon.period)
    except ValueError as exc:
        return [(("horizon", "start"), str(exc))]
    return []


def _period(sc: Scenario, label: str) -> int | None:
    try:
        return parse_period(label, sc.horizon.period)
    except ValueError:
        return None


def _check_catalog_and_providers(sc: Scenario, providers: set[str]) -> Iterator[Issue]:
    yield from _duplicates([p.name for p in sc.providers], "providers")
    for i, name in enumerate(sc.onboarded_providers):
        if name not in providers:
            yield ("onboarded_providers", i), _unknown("provider", name, providers)
    for i, r in enumerate(sc.regions):
        if r.provider not in providers:
            yield ("regions", i, "provider"), _unknown("provider", r.provider, providers)


def _check_sites(sc: Scenario, providers: set[str], kinds: dict[str, str]) -> Iterator[Issue]:
    types = {t.name for t in sc.server_types}
    yield from _duplicates([t.name for t in sc.server_types], "server_types")
    yield from _duplicates([s.name for s in sc.sites], "sites")
    for i, t in enumerate(sc.server_types):
        try:
            acc = resolve_accelerator(t.accelerator)
        except UnknownNameError as exc:
            yield ("server_types", i, "accelerator"), str(exc)
            continue
        if t.accelerators_per_server > 4 * acc.max_per_node:
            yield (
                ("server_types", i, "accelerators_per_server"),
                f"{t.accelerators_per_server} x {acc.name} in one server exceeds what one server holds "
                f"({acc.max_per_node})",
            )
    for i, s in enumerate(sc.sites):
        if s.provider not in providers:
            yield ("sites", i, "provider"), _unknown("provider", s.provider, providers)
        elif kinds.get(s.provider) not in OWN_PROVIDER_KINDS:
            yield (
                ("sites", i, "provider"),
                f"provider {s.provider!r} is of kind {kinds.get(s.provider)!r}; "
                "owned sites need a provider of kind onprem, colo or edge",
            )
        for j, hw in enumerate(s.existing):
            if hw.server_type not in types:
                yield ("sites", i, "existing", j, "server_type"), _unknown("server type", hw.server_type, types)
            if _period(sc, hw.purchased) is None:
                yield (
                    ("sites", i, "existing", j, "purchased"),
                    (f"{hw.purchased!r} is not a period label like '2024Q2' or a year"),
                )
        for j, name in enumerate(s.buyable):
            if name not in types:
                yield ("sites", i, "buyable", j), _unknown("server type", name, types)


def _zones(sc: Scenario, catalog: Catalog) -> set[str]:
    zones = {str(z) for z in catalog.regions["latency_zone"].dropna()}
    zones |= {s.latency_zone for s in sc.sites if s.latency_zone}
    zones |= {r.latency_zone for r in sc.regions if r.latency_zone}
    return zones


def _check_workloads(sc: Scenario, catalog: Catalog, providers: set[str]) -> Iterator[Issue]:
    sites = {s.name for s in sc.sites}
    zones = _zones(sc, catalog)
    first = parse_period(sc.horizon.start, sc.horizon.period)
    last = first + sc.horizon.periods - 1
    accelerators = load_accelerators()
    yield from _duplicates([w.name for w in sc.workloads], "workloads")
    for i, w in enumerate(sc.workloads):
        base = ("workloads", i)
        for j, name in enumerate(w.accelerators or []):
            try:
                resolve_accelerator(name)
            except UnknownNameError:
                yield (*base, "accelerators", j), _unknown("accelerator", name, accelerators)
        for j, name in enumerate(w.providers or []):
            if name not in providers:
                yield (*base, "providers", j), _unknown("provider", name, providers)
        for j, name in enumerate(w.sites or []):
            if name not in sites:
                yield (*base, "sites", j), _unknown("site", name, sites)
        for j, zone in enumerate(w.latency_zones or []):
            if zone not in zones:
                yield (*base, "latency_zones", j), _unknown("latency zone", zone, sorted(zones))
        if w.model.active_params is not None and w.model.active_params > w.model.params:
            yield (
                (*base, "model", "active_params"),
                (f"active_params {w.model.active_params:g} exceeds params {w.model.params:g}"),
            )
        start = end = None
        for part in ("start", "end"):
            label = getattr(w.window, part)
            if label is None:
                continue
            p = _period(sc, label)
            if p is None:
                yield (*base, "window", part), f"{label!r} is not a {sc.horizon.period} label"
            elif part == "start":
                start = p
            else:
                end = p
        if start is not None and end is not None and end < start:
            yield (*base, "window", "end"), f"window ends ({w.window.end}) before it starts ({w.window.start})"
        elif (start is not None and start > last) or (end is not None and end < first):
            yield (
                (*base, "window"),
                (f"window lies outside the horizon {sc.horizon.labels()[0]}..{sc.horizon.labels()[-1]}"),
            )
        yield from _check_kind(sc, w, base, first, last)


def _check_kind(sc, w, base, first: int, last: int) -> Iterator[Issue]:  # type: ignore[no-untyped-def]
    if w.kind in ("train", "finetune") and w.tokens is None:
        yield (*base, "tokens"), f"required for {w.kind} workloads (training tokens)"
    if w.kind == "serve" and w.demand.peak_rps is None and not w.demand.per_period:
        yield (*base, "demand", "peak_rps"), "required for serve workloads (peak requests per second)"
    if w.kind == "batch" and w.demand.tokens_per_period is None and not w.demand.per_period:
        yield (*base, "demand", "tokens_per_period"), "required for batch workloads"
    if w.kind != "serve" and (w.slo.ttft_ms or w.slo.tpot_ms):
        yield (*base, "slo"), f"latency SLOs apply to serve workloads, not {w.kind}"
    if w.optional and w.value_usd is None:
        yield (*base, "value_usd"), "optional workloads need a value_usd (what serving them is worth)"
    for label in w.demand.per_period:
        p = _period(sc, label)
        if p is None or not first <= p <= last:
            yield (*base, "demand", "per_period", label), f"{label!r} is not a period of the horizon"


def _check_policy(sc: Scenario, providers: set[str]) -> Iterator[Issue]:
    pol = sc.policy
    vendors = {a.vendor for a in load_accelerators().values()}
    for name in pol.provider_share_caps:
        if name not in providers:
            yield ("policy", "provider_share_caps", name), _unknown("provider", name, providers)
    for name in pol.chip_vendor_share_caps:
        if name not in vendors:
            yield ("policy", "chip_vendor_share_caps", name), _unknown("chip vendor", name, vendors)
    for i, name in enumerate(pol.excluded_providers):
        if name not in providers:
            yield ("policy", "excluded_providers", i), _unknown("provider", name, providers)
    labels = set(sc.horizon.labels())
    for label in pol.budgets_usd:
        if label not in labels:
            yield ("policy", "budgets_usd", label), f"{label!r} is not a period of the horizon"


def _check_commitments(sc: Scenario, catalog: Catalog, providers: set[str]) -> Iterator[Issue]:
    """Unique names, known providers, a reservation's instance type in its provider's region
    (and sold on demand there: its hours are drawn by on-demand placements), a period label for
    ``ends``. A commitment that ended before the horizon is accepted: the planner notes it."""
    yield from _duplicates([c.name for c in sc.commitments], "commitments")
    off = catalog.offerings
    for i, c in enumerate(sc.commitments):
        base = ("commitments", i)
        if _period(sc, c.ends) is None:
            yield (*base, "ends"), f"{c.ends!r} is not a {sc.horizon.period} label"
        if c.provider not in providers:
            yield (*base, "provider"), _unknown("provider", c.provider, providers)
            continue
        if c.kind != "reservation":
            continue
        mine = off[off["provider"] == c.provider]
        regions = set(mine["region"].astype(str))
        if c.region not in regions:
            yield (*base, "region"), _unknown(f"region of {c.provider}", str(c.region), regions)
            continue
        here = mine[mine["region"] == c.region]
        types = set(here["instance_type"].astype(str))
        if c.instance_type not in types:
            where = f"instance type in {c.provider}/{c.region}"
            yield (*base, "instance_type"), _unknown(where, str(c.instance_type), types)
        elif not (here["instance_type"].eq(c.instance_type) & here["pricing_model"].eq("on_demand")).any():
            yield (
                (*base, "instance_type"),
                f"{c.provider}/{c.region}/{c.instance_type} has no on-demand offering in the catalog; "
                "an existing reservation runs the on-demand placements of its instance",
            )
