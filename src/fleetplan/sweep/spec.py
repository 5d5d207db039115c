"""The sweep file: which scenario inputs vary, over which values, combined how.

Contract: :func:`load_sweep` returns a :class:`SweepSpec` whose every parameter names something
that exists in the scenario and whose every value (of a grid) or every sampled point makes a
valid scenario; otherwise it raises :class:`InputError` naming the sweep file, the YAML line and
the parameter (exit code 2). :func:`point_scenario` then builds the scenario of one point.

A sweep file::

    design: grid                 # grid (default) | one_at_a_time | latin_hypercube | monte_carlo
    n: 50                        # points of latin_hypercube / monte_carlo
    seed: 0
    parameters:
      policy.max_provider_share: [0.5, 0.6, 0.7]
      objective.carbon_price_usd_per_tco2e: {range: [0, 200, 25]}     # 0, 25, ..., 200
      prices: {provider: {aws: [0.8, 1.0]}, accelerator: {H100-SXM: {uniform: [0.7, 1.0]}}}
      growth: {"*": [1, 2]}      # multiplies every workload's demand growth (or name one)
      demand: {chat-us: [0.8, 1.2]}
      shock: [none, "vendor_delay:AMD:2", "price:aws:30%"]
      policy.n_minus_1: [false, true]
    base: {policy.max_provider_share: 0.6}   # the centre of the tornado chart

Parameters are named by their path in the scenario (``workloads.chat-us.growth_per_period``:
list items by index or by ``name``), nested mappings and dotted keys alike. Special names:
``prices.provider.P`` and ``prices.accelerator.A`` multiply catalog prices (an accelerator's
also its server types' capex), ``growth.W`` (``*``: every workload) multiplies its
``demand.growth_per_period``, ``demand.W`` its demand (``peak_rps``, ``tokens_per_period``,
``per_period``; a fine-tune's ``tokens`` are not demand), and
``shock`` applies a shock as ``fleetplan risk --shock`` writes it (``none``: no shock; the
scenario is changed as in ``--replan-shocks``; ``spot_cap`` needs a plan and is refused).

Values: a list, ``{values: [...]}``, ``{range: [start, stop, step]}`` (stop included), and, for
sampled designs only, ``{choice: [...]}``, ``{uniform: [lo, hi]}``, ``{normal: [mean, sd]}`` or
``{lognormal: [mu, sigma]}`` (of the logarithm), each with an optional ``clip: [lo, hi]``.
Sampled designs treat a list or range as equally likely choices. Point ids number the points in
design order; the same file always gives the same points.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError
from scipy import stats

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.errors import InputError, UnknownNameError, did_you_mean
from fleetplan.load.references import check_references
from fleetplan.load.scenario import scenario_catalog
from fleetplan.load.yaml_safe import LineMap, parse_yaml_text, read_yaml
from fleetplan.model.catalog import Catalog
from fleetplan.model.risk import PriceShock, Shock, SpotCap, VendorDelay
from fleetplan.model.scenario import Scenario
from fleetplan.risk.shocks import apply_shock, parse_shock, validate_shock

__all__ = [
    "DESIGNS",
    "DISTRIBUTIONS",
    "Parameter",
    "Point",
    "SweepSpec",
    "load_sweep",
    "load_sweep_text",
    "point_scenario",
]

DESIGNS = ("grid", "one_at_a_time", "latin_hypercube", "monte_carlo")
DISTRIBUTIONS = ("uniform", "normal", "lognormal")
_DISCRETE = ("values", "range", "choice")
_LEAF_KEYS = {*_DISCRETE, *DISTRIBUTIONS}
_TOP_KEYS = ("schema", "design", "n", "seed", "time_limit_s", "parameters", "base")
SPEC_SCHEMA = "fleetplan.sweep-spec/1"
MAX_POINTS = 100_000
NO_SHOCK = "none"


@dataclass(frozen=True)
class Parameter:
    """One varied input. ``kind``: ``path`` (a scenario field), ``price_provider``,
    ``price_accelerator``, ``growth``, ``demand`` or ``shock``; ``target`` the path or the name it acts on.
    ``values``: the discrete values (list, range, choice); ``dist``: ``(name, a, b)`` of a
    continuous distribution; ``clip``: bounds of sampled values; ``base``: the tornado's centre."""

    name: str
    kind: str
    target: tuple[str | int, ...]
    values: tuple[Any, ...] | None
    dist: tuple[str, float, float] | None
    clip: tuple[float, float] | None
    base: Any
    line: int | None

    def sample(self, u: np.ndarray) -> list[Any]:
        """Values at the quantiles ``u`` in [0, 1): an index into ``values``, or the distribution's
        inverse CDF (clipped)."""
        if self.values is not None:
            idx = np.minimum((u * len(self.values)).astype(int), len(self.values) - 1)
            return [self.values[i] for i in idx]
        assert self.dist is not None
        name, a, b = self.dist
        if name == "uniform":
            x = a + (b - a) * u
        elif name == "normal":
            x = stats.norm.ppf(u, loc=a, scale=b)
        else:
            x = np.exp(stats.norm.ppf(u, loc=a, scale=b))
        if self.clip is not None:
            x = np.clip(x, *self.clip)
        return [float(v) for v in x]


@dataclass(frozen=True)
class Point:
    """One point of the sweep: its id (position in design order) and a value per parameter."""

    id: int
    values: dict[str, Any]


@dataclass(frozen=True)
class SweepSpec:
    """A parsed sweep file: design, parameters (file order), points and where it came from."""

    design: str
    parameters: tuple[Parameter, ...]
    points: tuple[Point, ...]
    n: int | None = None
    seed: int = 0
    time_limit_s: float | None = None
    file: str = "<string>"
    text_sha256: str = ""
    base_id: int | None = None
    """The point whose values are every parameter's base (grid and one_at_a_time), else None."""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "design": self.design,
            "n": self.n,
            "seed": self.seed,
            "points": len(self.points),
            "base_point": self.base_id,
            "parameters": [
                {
                    "name": p.name,
                    "kind": p.kind,
                    "values": list(p.values) if p.values is not None else None,
                    "distribution": None if p.dist is None else {"name": p.dist[0], "a": p.dist[1], "b": p.dist[2]},
                    "clip": list(p.clip) if p.clip else None,
                    "base": p.base,
                }
                for p in self.parameters
            ],
        }


def load_sweep(path: str | Path, sc: Scenario) -> SweepSpec:
    """Read and check the sweep file at ``path`` against ``sc`` (see the module docstring)."""
    data, lines = read_yaml(path)
    return _parse(data, lines, str(path), sc, Path(path).read_bytes())


def load_sweep_text(text: str, sc: Scenario, file: str = "<string>") -> SweepSpec:
    """Like :func:`load_sweep` for YAML given as text."""
    data, lines = parse_yaml_text(text, file)
    return _parse(data, lines, file, sc, text.encode())


# Parsing ------------------------------------------------------------------------------------------


class _Ctx:
    def __init__(self, file: str, lines: LineMap) -> None:
        self.file, self.lines = file, lines

    def err(self, path: Sequence[str | int], message: str) -> InputError:
        return InputError(message, file=self.file, path=list(path), line=self.lines.line_of(path))


def _parse(data: Any, lines: LineMap, file: str, sc: Scenario, raw: bytes) -> SweepSpec:
    ctx = _Ctx(file, lines)
    if not isinstance(data, dict):
        raise InputError("expected a mapping with a 'parameters' key", file=file, line=1)
    for key in data:
        if key not in _TOP_KEYS:
            raise ctx.err([key], f"unknown key {key!r}{did_you_mean(str(key), _TOP_KEYS)}")
    if data.get("schema", SPEC_SCHEMA) != SPEC_SCHEMA:
        raise ctx.err(["schema"], f"expected {SPEC_SCHEMA!r}")
    design = data.get("design", "grid")
    if design not in DESIGNS:
        raise ctx.err(["design"], f"{design!r} is not a design; expected one of {', '.join(DESIGNS)}")
    seed = _int(ctx, data, "seed", 0, 0)
    n = _int(ctx, data, "n", None, 1)
    sampled = design in ("latin_hypercube", "monte_carlo")
    if sampled and n is None:
        raise ctx.err(["design"], f"design {design} needs n, the number of points")
    if not sampled and n is not None:
        raise ctx.err(["n"], f"n applies to latin_hypercube and monte_carlo, not {design}")
    tl = data.get("time_limit_s")
    if tl is not None and (isinstance(tl, bool) or not isinstance(tl, (int, float)) or tl <= 0):
        raise ctx.err(["time_limit_s"], f"must be a positive number of seconds (got {tl!r})")
    raw_params = data.get("parameters")
    if not isinstance(raw_params, dict) or not raw_params:
        raise ctx.err(["parameters"], "expected a mapping of parameter paths to values")
    leaves = list(_leaves(ctx, raw_params, ("parameters",), ()))
    base_in = data.get("base") or {}
    if not isinstance(base_in, dict):
        raise ctx.err(["base"], "expected a mapping of parameter names to their base values")
    base_flat = {".".join(str(s) for s in k): (v, ("base", *k)) for k, v, _ in _leaves(ctx, base_in, ("base",), ())}
    params = [_parameter(ctx, sc, name, where, value, sampled) for name, value, where in leaves]
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        dup = next(n_ for n_ in names if names.count(n_) > 1)
        raise ctx.err(leaves[names.index(dup)][2], f"parameter {dup!r} given twice")
    for bname, (_v, where) in base_flat.items():
        if bname not in names:
            raise ctx.err(where, f"base names {bname!r}, which is not a parameter{did_you_mean(bname, names)}")
    params = [_with_base(ctx, sc, p, base_flat.get(p.name)) for p in params]
    points, base_id = _design_points(ctx, design, params, n, seed)
    if len(points) > MAX_POINTS:
        raise ctx.err(["parameters"], f"{len(points):,} points; at most {MAX_POINTS:,} per sweep")
    for pt in points if sampled else ():
        _check_point(ctx, sc, params, pt)
    return SweepSpec(
        design=design,
        parameters=tuple(params),
        points=tuple(points),
        n=n,
        seed=seed,
        time_limit_s=float(tl) if tl is not None else None,
        file=file,
        text_sha256=hashlib.sha256(raw).hexdigest(),
        base_id=base_id,
    )


def _int(ctx: _Ctx, data: dict[str, Any], key: str, default: int | None, low: int) -> int | None:
    v = data.get(key, default)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise ctx.err([key], f"must be an integer of at least {low} (got {v!r})")
    return v


def _leaves(ctx: _Ctx, node: dict[str, Any], where: tuple[str | int, ...], prefix: tuple[str, ...]) -> Any:
    """``(name parts, value spec, yaml path)`` of every leaf: a list, a scalar or a value mapping."""
    for key, value in node.items():
        parts = (*prefix, *str(key).split("."))
        here = (*where, key)
        if isinstance(value, dict) and not (set(value) & _LEAF_KEYS) and value:
            yield from _leaves(ctx, value, here, parts)
        else:
            yield (parts if where[0] == "base" else ".".join(parts)), value, here


def _number(ctx: _Ctx, where: Sequence[str | int], v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ctx.err(where, f"expected a number, got {v!r}")
    return float(v)


def _pair(ctx: _Ctx, where: Sequence[str | int], v: Any, what: str) -> tuple[float, float]:
    if not isinstance(v, list) or len(v) != 2:
        raise ctx.err(where, f"expected [{what}]")
    return _number(ctx, where, v[0]), _number(ctx, where, v[1])


_Values = tuple[tuple[Any, ...] | None, tuple[str, float, float] | None, tuple[float, float] | None]


def _values(ctx: _Ctx, where: tuple[str | int, ...], spec: Any, sampled: bool) -> _Values:
    """``(values, None, None)`` of a discrete leaf, ``(None, (name, a, b), clip)`` of a distribution."""
    if isinstance(spec, list):
        if not spec:
            raise ctx.err(where, "expected at least one value")
        return tuple(spec), None, None
    if not isinstance(spec, dict):
        return (spec,), None, None
    keys = set(spec) - {"clip", "base"}
    if len(keys) != 1:
        raise ctx.err(where, f"expected one of {', '.join(sorted(_LEAF_KEYS))} (and optional clip, base)")
    (kind,) = keys
    if kind not in _LEAF_KEYS:
        raise ctx.err((*where, kind), f"unknown key {kind!r}{did_you_mean(kind, _LEAF_KEYS)}")
    body, at = spec[kind], (*where, kind)
    if kind in ("values", "choice"):
        if kind == "choice" and not sampled:
            raise ctx.err(
                at, "choice draws at random: use it with latin_hypercube or monte_carlo (a grid takes a list)"
            )
        return _values(ctx, at, body if isinstance(body, list) else [body], sampled)
    if kind == "range":
        if not isinstance(body, list) or len(body) != 3:
            raise ctx.err(at, "expected [start, stop, step]")
        start, stop, step = (_number(ctx, at, x) for x in body)
        if step <= 0 or stop < start:
            raise ctx.err(at, "expected start <= stop and a positive step")
        count = math.floor((stop - start) / step + 1e-9) + 1
        if count > MAX_POINTS:
            raise ctx.err(at, f"{count:,} values; at most {MAX_POINTS:,}")
        ints = all(float(x).is_integer() for x in body)
        vals = tuple(int(start + i * step) if ints else round(start + i * step, 12) for i in range(count))
        return vals, None, None
    if not sampled:
        raise ctx.err(at, f"a {kind} distribution needs design latin_hypercube or monte_carlo")
    a, b = _pair(ctx, at, body, "lo, hi" if kind == "uniform" else "mean, sd" if kind == "normal" else "mu, sigma")
    if (kind == "uniform" and b < a) or (kind != "uniform" and b <= 0):
        raise ctx.err(at, "expected lo <= hi" if kind == "uniform" else "the spread must be positive")
    clip = _pair(ctx, (*where, "clip"), spec["clip"], "lo, hi") if "clip" in spec else None
    return None, (kind, a, b), clip


def _parameter(ctx: _Ctx, sc: Scenario, name: str, where: tuple[str | int, ...], spec: Any, sampled: bool) -> Parameter:
    values, dist, clip = _values(ctx, where, spec, sampled)
    base = spec.get("base") if isinstance(spec, dict) else None
    parts = name.split(".")
    if parts[0] == "prices":
        if len(parts) != 3 or parts[1] not in ("provider", "accelerator"):
            raise ctx.err(where, f"{name!r}: expected prices.provider.NAME or prices.accelerator.NAME")
        kind_ = f"price_{parts[1]}"
        target: tuple[str | int, ...] = (_price_target(ctx, sc, where, parts[1], parts[2]),)
        _check_multipliers(ctx, where, values, dist)
    elif parts[0] in ("growth", "demand"):
        if len(parts) != 2:
            raise ctx.err(where, f"{name!r}: expected {parts[0]}.WORKLOAD or {parts[0]}.* (every workload)")
        known = [w.name for w in sc.workloads]
        if parts[1] != "*" and parts[1] not in known:
            raise ctx.err(where, f"unknown workload {parts[1]!r}{did_you_mean(parts[1], known)}")
        kind_, target = parts[0], (parts[1],)
        _check_multipliers(ctx, where, values, dist)
    elif name in ("shock", "shocks"):
        if values is None:
            raise ctx.err(where, "shocks take a list of values such as none or price:aws:30%")
        kind_, target = "shock", ()
        for v in values:
            _shock(ctx, sc, where, v)
    else:
        kind_, target = "path", _resolve_path(ctx, sc, where, parts)
    p = Parameter(name, kind_, target, values, dist, clip, base, ctx.lines.line_of(where))
    if values is not None and not sampled:
        for v in values:  # each value alone on the base scenario
            _check_point(ctx, sc, [p], Point(-1, {name: v}))
    return p


def _check_multipliers(ctx: _Ctx, where: Sequence[str | int], values: Any, dist: Any) -> None:
    for v in values or ():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0:
            raise ctx.err(where, f"a multiplier must be a number >= 0, got {v!r}")


def _price_target(ctx: _Ctx, sc: Scenario, where: Sequence[str | int], what: str, name: str) -> str:
    cat = scenario_catalog(sc)
    if what == "provider":
        known = sorted(set(cat.offerings["provider"].astype(str)))
        if name not in known:
            raise ctx.err(
                where, f"no offering of provider {name!r} in the scenario's catalog{did_you_mean(name, known)}"
            )
        return name
    try:
        acc = resolve_accelerator(name).name
    except UnknownNameError as exc:
        raise ctx.err(where, str(exc)) from None
    if acc not in set(cat.offerings["accelerator"].astype(str)) and acc not in {s.accelerator for s in sc.server_types}:
        raise ctx.err(where, f"accelerator {acc!r} is neither offered in the catalog nor a server type's")
    return acc


def _shock(ctx: _Ctx, sc: Scenario, where: Sequence[str | int], text: Any) -> Shock | None:
    if text is None or str(text).strip().lower() == NO_SHOCK:
        return None
    try:
        shock = parse_shock(str(text))
        if isinstance(shock, SpotCap):
            raise InputError("spot_cap is measured against a plan's spot use; a sweep takes vendor_delay or price")
        validate_shock(sc, shock, "shock")
    except InputError as exc:
        raise ctx.err(where, f"shock {text!r}: {exc.message}") from None
    return shock


def _resolve_path(ctx: _Ctx, sc: Scenario, where: Sequence[str | int], parts: list[str]) -> tuple[str | int, ...]:
    """The path into the scenario's data: field names checked against the model, list items by
    index or ``name``; a mapping field takes any key."""
    if parts[0] == "catalog":
        raise ctx.err(where, "catalog settings are fixed for a sweep; vary prices with prices.provider/accelerator")
    node: Any = sc
    out: list[str | int] = []
    for i, part in enumerate(parts):
        shown = ".".join(parts[: i + 1])
        if isinstance(node, BaseModel):
            fields = {f.alias or n: n for n, f in type(node).model_fields.items()}
            if part not in fields:
                raise ctx.err(where, f"{shown!r} is not in the scenario model{did_you_mean(part, fields)}")
            out.append(part)
            node = getattr(node, fields[part])
        elif isinstance(node, list):
            names = [getattr(x, "name", None) for x in node]
            if part.isdigit() and int(part) < len(node):
                idx = int(part)
            elif part in names:
                idx = names.index(part)
            else:
                raise ctx.err(where, f"{shown!r}: no item {part!r}{did_you_mean(part, [n for n in names if n])}")
            out.append(idx)
            node = node[idx]
        elif isinstance(node, dict) and i == len(parts) - 1:
            out.append(part)
            node = None
        elif isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        else:
            raise ctx.err(where, f"{shown!r} is not in the scenario model (nothing below {'.'.join(parts[:i])!r})")
    return tuple(out)


def _with_base(ctx: _Ctx, sc: Scenario, p: Parameter, given: tuple[Any, Any] | None) -> Parameter:
    """``p`` with its base: the sweep's ``base`` entry, the leaf's own ``base``, the scenario's
    current value (1 for multipliers, none for shocks) when it is among the values, else the
    middle value."""
    base = given[0] if given is not None else p.base
    if base is None:
        current: Any
        if p.kind == "path":
            current = sc.model_dump(by_alias=True)
            for part in p.target:
                current = current.get(part) if isinstance(current, dict) else current[part]
        else:
            current = NO_SHOCK if p.kind == "shock" else 1
        if p.values is None:
            base = current
        else:
            base = next((v for v in p.values if v == current), p.values[len(p.values) // 2])
    if p.values is not None and base not in p.values and p.kind != "path":
        where = given[1] if given is not None else None
        raise ctx.err(where or [], f"base {base!r} of {p.name!r} is not among its values")
    return Parameter(p.name, p.kind, p.target, p.values, p.dist, p.clip, base, p.line)


def _design_points(
    ctx: _Ctx, design: str, params: list[Parameter], n: int | None, seed: int
) -> tuple[list[Point], int | None]:
    names = [p.name for p in params]
    if design == "grid":
        combos = itertools.product(*[p.values or () for p in params])
        points = [Point(i, dict(zip(names, c, strict=True))) for i, c in enumerate(combos)]
        base = {p.name: p.base for p in params}
        base_id = next((pt.id for pt in points if pt.values == base), None)
        return points, base_id
    if design == "one_at_a_time":
        base = {p.name: p.base for p in params}
        points = [Point(0, dict(base))]
        for p in params:
            for v in p.values or ():
                if v != p.base:
                    points.append(Point(len(points), {**base, p.name: v}))
        return points, 0
    assert n is not None
    rng = np.random.default_rng(seed)
    cols: list[list[Any]] = []
    for p in params:
        u = (rng.permutation(n) + rng.random(n)) / n if design == "latin_hypercube" else rng.random(n)
        cols.append(p.sample(u))
    return [Point(i, {nm: col[i] for nm, col in zip(names, cols, strict=True)}) for i in range(n)], None


def _check_point(ctx: _Ctx, sc: Scenario, params: Sequence[Parameter], pt: Point) -> None:
    try:
        point_scenario(sc, params, pt.values)
    except InputError as exc:
        bad = next((p for p in params if p.name in str(exc.path or "")), params[0])
        shown = ", ".join(f"{k}={v!r}" for k, v in pt.values.items())
        raise InputError(
            f"the scenario is invalid at {shown}: {exc.path}: {exc.message}"
            + ("" if len(params) == 1 else " (clip the distribution?)"),
            file=ctx.file,
            path=bad.name,
            line=bad.line,
        ) from None


# Applying a point ---------------------------------------------------------------------------------


def point_scenario(sc: Scenario, params: Sequence[Parameter], values: Mapping[str, Any]) -> Scenario:
    """A new scenario: ``sc`` with each parameter set to its value in ``values``.

    Raises :class:`InputError` (path = the scenario field) when the result is not a valid scenario.
    """
    data = sc.model_dump(by_alias=True)
    price: dict[str, dict[str, float]] = {"provider": {}, "accelerator": {}}
    shocks: list[Shock] = []
    for p in params:
        v = values[p.name]
        if p.kind == "path":
            _set(data, p.target, v)
        elif p.kind in ("growth", "demand"):
            for w in data["workloads"]:
                d = w.get("demand")
                if p.target[0] not in ("*", w["name"]) or not isinstance(d, dict):
                    continue
                if p.kind == "growth":
                    d["growth_per_period"] = float(d.get("growth_per_period", 0.0)) * float(v)
                    continue
                for key in ("peak_rps", "tokens_per_period"):
                    if d.get(key) is not None:
                        d[key] = float(d[key]) * float(v)
                d["per_period"] = {k: float(x) * float(v) for k, x in (d.get("per_period") or {}).items()}
        elif p.kind in ("price_provider", "price_accelerator"):
            what = p.kind.removeprefix("price_")
            key = str(p.target[0])
            price[what][key] = price[what].get(key, 1.0) * float(v)
            if what == "accelerator":
                for st in data.get("server_types", []):
                    if resolve_accelerator(st["accelerator"]).name == key:
                        st["capex_usd"] = float(st["capex_usd"]) * float(v)
        elif p.kind == "shock" and v is not None and str(v).strip().lower() != NO_SHOCK:
            shocks.append(parse_shock(str(v)))
    try:
        out = Scenario.model_validate(data)
    except ValidationError as exc:
        e = exc.errors(include_url=False)[0]
        raise InputError(e["msg"], path=[str(x) for x in e["loc"]]) from None
    cat = scenario_catalog(sc)
    out._source = sc._source  # type: ignore[attr-defined]
    out._catalog = _priced(cat, price)  # type: ignore[attr-defined]
    issues = check_references(out, out._catalog)
    if issues:
        path, message = issues[0]
        raise InputError(message, path=list(path))
    for shock in shocks:
        # vendor_delay and price shocks change the scenario without looking at a plan
        assert isinstance(shock, (PriceShock, VendorDelay))
        out = apply_shock(out, None, shock)  # type: ignore[arg-type]
    return out


def _set(data: Any, path: Sequence[str | int], value: Any) -> None:
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _priced(cat: Catalog, mult: dict[str, dict[str, float]]) -> Catalog:
    if not mult["provider"] and not mult["accelerator"]:
        return cat
    off = cat.offerings.copy()
    factor = np.ones(len(off))
    for prov, m in mult["provider"].items():
        factor *= np.where(off["provider"].astype(str) == prov, m, 1.0)
    for acc, m in mult["accelerator"].items():
        factor *= np.where(off["accelerator"].astype(str) == acc, m, 1.0)
    off["price_usd_per_hour"] = off["price_usd_per_hour"] * factor
    if "capex_usd" in off.columns:
        off["capex_usd"] = off["capex_usd"] * factor
    if "usd_per_accelerator_hour" in off.columns:
        off["usd_per_accelerator_hour"] = off["price_usd_per_hour"] / off["accelerator_count"]
    return Catalog(off, cat.regions, cat.providers, cat.sources)


def fingerprint(sc: Scenario, spec: SweepSpec) -> str:
    """A hash of what decides the points' results: the scenario's inputs and the sweep's points."""
    doc = {
        "scenario": sc.model_dump(mode="json", by_alias=True),
        "points": [pt.values for pt in spec.points],
        "parameters": spec.to_dict()["parameters"],
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()[:16]
