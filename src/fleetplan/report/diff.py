"""``fleetplan.diff/1``: what changes between two plan documents (``fleetplan.plan/1``).

:func:`diff_plans` compares an old and a new plan document, as written by ``fleetplan plan --json``,
section by section: totals, periods, spend by provider, pricing model and chip vendor, where each
workload runs, purchases, reservations, onboarding, existing commitments and policies. It reads
only the documents (no scenario, no solver), so plans from two scenarios, two catalog versions or
two solver runs can be compared.

Contracts:

* A section missing from either document (an older plan without ``commitments``, a hand-written
  one without ``policies``) counts as empty; it is never an error. A value of the wrong type in a
  section that is present is an :class:`~fleetplan.errors.InputError` naming ``old`` or ``new``
  and the field path.
* Money is in the plans' currency, in keys ending ``_usd``; percentages end ``_pct`` (percent,
  not a fraction) and are ``None`` when the old figure is zero.
* Rows are sorted by their natural keys (periods by label, providers by name, workloads by name),
  so the same two documents always give the same document, byte for byte.
* Figures are compared with a tolerance of ``1e-6`` absolute or ``1e-9`` relative, so solver
  noise in the last digits is not reported as a change.

Matching: purchases on (site, server_type, period_ordered); reservations on (provider, region,
instance_type, pricing_model, start_period); onboarding on the provider; existing commitments on
(commitment, period); policies on (policy, scope). Rows sharing a key within one plan are merged:
their counts, dollars and hours added up. A workload's cost is the sum of its allocations'
``cost_usd`` (capacity run on a reservation costs nothing there: the reservation carries the rent).
A workload *moved* in a period when both plans place it then but on different options (provider,
region, site, server type, instance type, accelerator, pricing model); its ``from`` and ``to`` are
the placements of those periods in the old and the new plan (a workload that keeps its old
placement and gains one has both in ``to``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from fleetplan.errors import InputError
from fleetplan.optimize.extract import COMMITMENT_COLUMNS, RESERVATION_COLUMNS

__all__ = ["DIFF_SCHEMA", "diff_plans"]

DIFF_SCHEMA = "fleetplan.diff/1"

PLACEMENT_FIELDS = ("provider", "region", "site", "server_type", "instance_type", "accelerator", "pricing_model")
"""What identifies where an allocation runs (``option_id`` is an index into one scenario's options,
not comparable across plans)."""

PURCHASE_KEY = ("site", "server_type", "period_ordered")
PURCHASE_FIELDS = ("accelerator", "period_in_service", "servers", "capex_usd")
RESERVATION_KEY = ("provider", "region", "instance_type", "pricing_model", "start_period")
RESERVATION_FIELDS = tuple(c for c in RESERVATION_COLUMNS if c not in (*RESERVATION_KEY, "option_id"))
COMMITMENT_KEY = ("commitment", "period")
COMMITMENT_FIELDS = tuple(c for c in COMMITMENT_COLUMNS if c not in COMMITMENT_KEY)
"""The compared fields of a reservation or commitment row: the plan's own columns
(:mod:`fleetplan.optimize.extract`) less the row's key."""

_ABS_TOL = 1e-6
_REL_TOL = 1e-9


class _Doc:
    """Typed, forgiving access to one plan document; ``side`` (``old`` or ``new``) names it in errors."""

    def __init__(self, doc: Mapping[str, Any], side: str) -> None:
        if not isinstance(doc, Mapping):
            raise InputError("not a plan document (a JSON object)", path=side)
        self.doc = doc
        self.side = side

    def fail(self, message: str, *path: str | int) -> InputError:
        return InputError(message, path=[self.side, *path])

    def mapping(self, *path: str) -> Mapping[str, Any]:
        """The object at ``path``; absent or null is empty."""
        value: Any = self.doc
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
            if value is None:
                return {}
        if not isinstance(value, Mapping):
            raise self.fail("not an object", *path)
        return value

    def rows(self, key: str) -> list[Mapping[str, Any]]:
        """The list of objects at ``key``; absent or null is empty."""
        value = self.doc.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail("not a list", key)
        for i, row in enumerate(value):
            if not isinstance(row, Mapping):
                raise self.fail("not an object", key, i)
        return value

    def names(self, key: str) -> list[str]:
        """The list of names at ``key``; absent or null is empty."""
        value = self.doc.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail("not a list", key)
        return [str(v) for v in value]

    def number(self, value: Any, *path: str | int) -> float | None:
        """``value`` as a float; null stays None; anything else but a number is an error."""
        if value is None:
            return None
        if not _is_number(value):
            raise self.fail(f"not a number: {value!r}", *path)
        return float(value)


def _additive(field: str) -> bool:
    """Quantities that add up over rows sharing a key (counts, dollars, hours; not terms or percentages)."""
    return field in ("instances", "accelerators", "servers") or field.endswith(("_usd", "_hours"))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return math.isclose(a, b, rel_tol=_REL_TOL, abs_tol=_ABS_TOL)
    return bool(a == b)


def _pct(old: float, new: float) -> float | None:
    return 100.0 * (new - old) / abs(old) if old else None


def _change(old: float, new: float) -> dict[str, Any]:
    """``old_usd``, ``new_usd``, ``delta_usd`` (exactly 0 within the tolerance) and ``delta_pct``."""
    delta = 0.0 if _same(old, new) else new - old
    return {"old_usd": old, "new_usd": new, "delta_usd": delta, "delta_pct": _pct(old, new) if delta else 0.0}


def _sort_key(value: Any) -> tuple[int, str]:
    """Rows sort by their keys with None first, whatever the key's type."""
    return (0, "") if value is None else (1, str(value))


def _plan_summary(d: _Doc) -> dict[str, Any]:
    totals = d.mapping("totals")
    verification = d.doc.get("verification")
    return {
        "scenario": d.doc.get("scenario"),
        "status": d.doc.get("status"),
        "gap": d.number(d.mapping("solver").get("gap"), "solver", "gap"),
        "verification_ok": verification.get("ok") if isinstance(verification, Mapping) else None,
        "periods": d.names("periods"),
        "total_usd": d.number(totals.get("total_usd"), "totals", "total_usd") or 0.0,
        "discounted_usd": d.number(totals.get("discounted_usd"), "totals", "discounted_usd") or 0.0,
    }


def _by_name(
    old: Mapping[str, float], new: Mapping[str, float], name: str, extra: Callable[[str], dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    rows = []
    for key in sorted(set(old) | set(new)):
        rows.append({name: key, **_change(old.get(key, 0.0), new.get(key, 0.0)), **(extra(key) if extra else {})})
    return rows


def _period_costs(d: _Doc) -> dict[str, float]:
    out: dict[str, list[float]] = {}
    for i, row in enumerate(d.rows("costs")):
        period = str(row.get("period"))
        out.setdefault(period, []).append(d.number(row.get("total_usd"), "costs", i, "total_usd") or 0.0)
    return {p: math.fsum(v) for p, v in out.items()}


def _spend(d: _Doc, key: str) -> tuple[dict[str, float], dict[str, float | None]]:
    """Spend and share per name of a ``spend_by_*`` section."""
    spend: dict[str, float] = {}
    share: dict[str, float | None] = {}
    for name, entry in d.mapping(key).items():
        if not isinstance(entry, Mapping):
            raise d.fail("not an object", key, name)
        spend[str(name)] = d.number(entry.get("spend_usd"), key, name, "spend_usd") or 0.0
        share[str(name)] = d.number(entry.get("share"), key, name, "share")
    return spend, share


def _spend_rows(old: _Doc, new: _Doc, key: str, name: str) -> list[dict[str, Any]]:
    (o_usd, o_share), (n_usd, n_share) = _spend(old, key), _spend(new, key)
    return _by_name(o_usd, n_usd, name, lambda k: {"old_share": o_share.get(k, 0.0), "new_share": n_share.get(k, 0.0)})


# --- workloads ------------------------------------------------------------------------------------


def _placement(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(row.get(f) for f in PLACEMENT_FIELDS)


def _allocations(d: _Doc) -> dict[str, dict[str, dict[tuple[Any, ...], tuple[float, float]]]]:
    """workload -> period -> placement -> (accelerator_hours, cost_usd), duplicates added up."""
    out: dict[str, dict[str, dict[tuple[Any, ...], tuple[float, float]]]] = {}
    for i, row in enumerate(d.rows("allocations")):
        hours = d.number(row.get("accelerator_hours"), "allocations", i, "accelerator_hours") or 0.0
        cost = d.number(row.get("cost_usd"), "allocations", i, "cost_usd") or 0.0
        cell = out.setdefault(str(row.get("workload")), {}).setdefault(str(row.get("period")), {})
        h0, c0 = cell.get(_placement(row), (0.0, 0.0))
        cell[_placement(row)] = (h0 + hours, c0 + cost)
    return out


def _placements(cell: Mapping[tuple[Any, ...], tuple[float, float]]) -> list[dict[str, Any]]:
    return [
        {**dict(zip(PLACEMENT_FIELDS, key, strict=True)), "accelerator_hours": hours, "cost_usd": cost}
        for key, (hours, cost) in sorted(cell.items(), key=lambda kv: [_sort_key(v) for v in kv[0]])
    ]


def _where(keys: Iterable[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Distinct placements, without amounts, sorted."""
    return [
        dict(zip(PLACEMENT_FIELDS, key, strict=True))
        for key in sorted(set(keys), key=lambda k: [_sort_key(v) for v in k])
    ]


def _workloads(old: _Doc, new: _Doc) -> list[dict[str, Any]]:
    o_all, n_all = _allocations(old), _allocations(new)
    rows = []
    for name in sorted(set(o_all) | set(n_all)):
        o_w, n_w = o_all.get(name, {}), n_all.get(name, {})
        periods = []
        moved_from: set[tuple[Any, ...]] = set()
        moved_to: set[tuple[Any, ...]] = set()
        resized = False  # accelerator-hours of a placement changed
        for period in sorted(set(o_w) | set(n_w)):
            o_cell, n_cell = o_w.get(period, {}), n_w.get(period, {})
            moved = bool(o_cell) and bool(n_cell) and set(o_cell) != set(n_cell)
            resized = resized or any(
                not _same(o_cell.get(k, (0.0, 0.0))[0], n_cell.get(k, (0.0, 0.0))[0]) for k in set(o_cell) | set(n_cell)
            )
            if moved:
                moved_from |= set(o_cell)
                moved_to |= set(n_cell)
            o_usd = math.fsum(c for _, c in o_cell.values())
            n_usd = math.fsum(c for _, c in n_cell.values())
            periods.append(
                {
                    "period": period,
                    "moved": moved,
                    **_change(o_usd, n_usd),
                    "old": _placements(o_cell),
                    "new": _placements(n_cell),
                }
            )
        o_usd = math.fsum(p["old_usd"] for p in periods)
        n_usd = math.fsum(p["new_usd"] for p in periods)
        if not o_w:
            status = "added"
        elif not n_w:
            status = "removed"
        elif moved_from or moved_to:
            status = "moved"
        elif resized or any(p["delta_usd"] for p in periods):
            status = "changed"
        else:
            status = "unchanged"
        rows.append(
            {
                "workload": name,
                "status": status,
                "moved": status == "moved",
                "moved_periods": [p["period"] for p in periods if p["moved"]],
                "from": _where(moved_from),
                "to": _where(moved_to),
                **_change(o_usd, n_usd),
                "periods": periods,
            }
        )
    return rows


# --- investments, commitments, policies -----------------------------------------------------------


def _keyed(d: _Doc, section: str, key: Sequence[str], fields: Sequence[str]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Rows of ``section`` by their natural key, with ``fields``; of rows sharing a key, the first
    row's fields, with counts, dollars and hours added up."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in d.rows(section):
        k = tuple(row.get(f) for f in key)
        values = {f: row.get(f) for f in fields}
        if k in out:
            prev = out[k]
            for f, v in values.items():
                if _additive(f) and _is_number(v) and _is_number(prev[f]):
                    prev[f] = prev[f] + v
        else:
            out[k] = values
    return out


def _compare_keyed(
    old: _Doc, new: _Doc, section: str, key: Sequence[str], fields: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """``added``, ``removed`` and ``changed`` rows of a section matched on ``key``.

    A changed row has the key's fields, ``old`` and ``new`` (its ``fields``) and ``changed`` (the
    names of the fields that differ)."""
    o_rows, n_rows = _keyed(old, section, key, fields), _keyed(new, section, key, fields)
    added, removed, changed = [], [], []
    for k in sorted(set(o_rows) | set(n_rows), key=lambda k: [_sort_key(v) for v in k]):
        ident = dict(zip(key, k, strict=True))
        if k not in o_rows:
            added.append({**ident, **n_rows[k]})
        elif k not in n_rows:
            removed.append({**ident, **o_rows[k]})
        else:
            diff = [f for f in fields if not _same(o_rows[k].get(f), n_rows[k].get(f))]
            if diff:
                changed.append({**ident, "changed": diff, "old": o_rows[k], "new": n_rows[k]})
    return {"added": added, "removed": removed, "changed": changed}


def _names(old: Iterable[str], new: Iterable[str]) -> dict[str, list[str]]:
    o, n = set(old), set(new)
    return {"old": sorted(o), "new": sorted(n), "added": sorted(n - o), "removed": sorted(o - n)}


def _binding_label(binding: Any) -> str:
    return "binding" if binding else "slack"


def _policies(old: _Doc, new: _Doc) -> dict[str, list[dict[str, Any]]]:
    """Policies whose binding or satisfied status changed, and those only one plan has."""

    def index(d: _Doc) -> dict[tuple[str, str], dict[str, Any]]:
        out = {}
        for i, row in enumerate(d.rows("policies")):
            out[(str(row.get("policy")), str(row.get("scope")))] = {
                "unit": row.get("unit"),
                "limit": d.number(row.get("limit"), "policies", i, "limit"),
                "value": d.number(row.get("value"), "policies", i, "value"),
                "binding": bool(row.get("binding")),
                "satisfied": bool(row.get("satisfied")),
            }
        return out

    o_pol, n_pol = index(old), index(new)
    added, removed, changed = [], [], []
    for key in sorted(set(o_pol) | set(n_pol)):
        ident = {"policy": key[0], "scope": key[1]}
        if key not in o_pol:
            added.append({**ident, **n_pol[key]})
        elif key not in n_pol:
            removed.append({**ident, **o_pol[key]})
        else:
            o, n = o_pol[key], n_pol[key]
            if o["binding"] != n["binding"] or o["satisfied"] != n["satisfied"]:
                changed.append(
                    {
                        **ident,
                        "unit": n["unit"],
                        "binding": f"{_binding_label(o['binding'])}_to_{_binding_label(n['binding'])}"
                        if o["binding"] != n["binding"]
                        else _binding_label(n["binding"]),
                        "satisfied_changed": o["satisfied"] != n["satisfied"],
                        "old": {f: o[f] for f in ("limit", "value", "binding", "satisfied")},
                        "new": {f: n[f] for f in ("limit", "value", "binding", "satisfied")},
                    }
                )
    return {"added": added, "removed": removed, "changed": changed}


def diff_plans(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The ``fleetplan.diff/1`` document from ``old`` to ``new`` (two ``fleetplan.plan/1`` documents).

    Sections, in order: ``old`` and ``new`` (scenario, status, proven gap, verification, periods,
    totals), ``summary`` (counts), ``total`` and ``discounted`` (old/new/delta USD and %),
    ``periods``, ``by_provider``, ``by_pricing_model``, ``by_vendor``, ``workloads``,
    ``dropped_workloads``, ``purchases``, ``reservations``, ``onboarding``, ``commitments`` and
    ``policies``. Pure: reads its arguments only and never modifies them. Raises InputError (path
    starting ``old`` or ``new``) on a value of the wrong type; absent sections count as empty.
    """
    o, n = _Doc(old, "old"), _Doc(new, "new")
    o_sum, n_sum = _plan_summary(o), _plan_summary(n)
    o_per, n_per = _period_costs(o), _period_costs(n)
    for doc, per in ((o_sum, o_per), (n_sum, n_per)):
        for p in doc["periods"]:
            per.setdefault(p, 0.0)
    workloads = _workloads(o, n)
    purchases = _compare_keyed(o, n, "purchases", PURCHASE_KEY, PURCHASE_FIELDS)
    reservations = _compare_keyed(o, n, "reservations", RESERVATION_KEY, RESERVATION_FIELDS)
    commitments = _compare_keyed(o, n, "commitments", COMMITMENT_KEY, COMMITMENT_FIELDS)
    onboarding = _names(o.names("onboarded_providers"), n.names("onboarded_providers"))
    dropped = _names(o.names("dropped_workloads"), n.names("dropped_workloads"))
    policies = _policies(o, n)
    currency = new.get("currency") or old.get("currency")

    def count(status: str) -> int:
        return sum(1 for w in workloads if w["status"] == status)

    return {
        "schema": DIFF_SCHEMA,
        "currency": currency,
        "old": o_sum,
        "new": n_sum,
        "summary": {
            "workloads_moved": count("moved"),
            "workloads_changed": count("changed"),
            "workloads_added": count("added"),
            "workloads_removed": count("removed"),
            "workloads_unchanged": count("unchanged"),
            "purchases_added": len(purchases["added"]),
            "purchases_removed": len(purchases["removed"]),
            "purchases_changed": len(purchases["changed"]),
            "reservations_added": len(reservations["added"]),
            "reservations_removed": len(reservations["removed"]),
            "reservations_changed": len(reservations["changed"]),
            "providers_onboarded_added": len(onboarding["added"]),
            "providers_onboarded_removed": len(onboarding["removed"]),
            "policies_changed": len(policies["changed"]) + len(policies["added"]) + len(policies["removed"]),
        },
        "total": _change(o_sum["total_usd"], n_sum["total_usd"]),
        "discounted": _change(o_sum["discounted_usd"], n_sum["discounted_usd"]),
        "periods": _by_name(o_per, n_per, "period"),
        "by_provider": _spend_rows(o, n, "spend_by_provider", "provider"),
        "by_pricing_model": _spend_rows(o, n, "spend_by_pricing_model", "pricing_model"),
        "by_vendor": _spend_rows(o, n, "spend_by_vendor", "vendor"),
        "workloads": workloads,
        "dropped_workloads": dropped,
        "purchases": purchases,
        "reservations": reservations,
        "onboarding": onboarding,
        "commitments": commitments,
        "policies": policies,
    }
