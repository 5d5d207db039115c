"""What the organization already runs: the providers, chip vendors and accelerators that are not
new to it, so that a rollout policy (:class:`~fleetplan.model.policy.Rollout`) pilots the rest.

One rule, read by the planner (``optimize.families``: the rollout families) and the verifier
alike.
"""

from __future__ import annotations

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.load.scenario import scenario_catalog
from fleetplan.model.policy import ROLLOUT_KINDS, RolloutKind
from fleetplan.model.scenario import Scenario, own_providers

__all__ = ["known_entities"]


def known_entities(sc: Scenario) -> dict[RolloutKind, frozenset[str]]:
    """Per kind (provider, vendor, accelerator), what is not new to the organization.

    Providers: :func:`~fleetplan.model.scenario.own_providers` (the scenario's own and
    ``onboarded_providers``), the provider of every site with existing servers and of every
    existing commitment. Vendors and accelerators: those of the existing servers
    (``sites[].existing``) and of the instances existing reservations hold
    (``commitments``), plus ``policy.rollout.known_vendors`` / ``known_accelerators``.
    Accelerator names are canonical (:func:`~fleetplan.catalog.hardware.resolve_accelerator`).
    """
    types = {t.name: t for t in sc.server_types}
    providers = set(own_providers(sc)) | {c.provider for c in sc.commitments}
    accelerators: set[str] = set()
    vendors: set[str] = set()
    for site in sc.sites:
        if site.existing:
            providers.add(site.provider)
        for hw in site.existing:
            acc = resolve_accelerator(types[hw.server_type].accelerator)
            accelerators.add(acc.name)
            vendors.add(acc.vendor)
    reservations = [c for c in sc.commitments if c.kind == "reservation"]
    if reservations:
        off = scenario_catalog(sc).offerings
        held = dict(
            zip(zip(off["provider"], off["region"], off["instance_type"], strict=True), off["accelerator"], strict=True)
        )
        for c in reservations:
            name = held.get((c.provider, c.region, c.instance_type))
            if isinstance(name, str):
                acc = resolve_accelerator(name)
                accelerators.add(acc.name)
                vendors.add(acc.vendor)
    ro = sc.policy.rollout
    if ro is not None:
        vendors |= set(ro.known_vendors)
        accelerators |= {resolve_accelerator(a).name for a in ro.known_accelerators}
    known: dict[RolloutKind, set[str]] = {"provider": providers, "vendor": vendors, "accelerator": accelerators}
    return {k: frozenset(known[k]) for k in ROLLOUT_KINDS}
