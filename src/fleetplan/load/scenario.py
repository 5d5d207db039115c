"""Load a scenario YAML: safe parse -> typed model -> catalog -> reference checks.

Contract: :func:`load_scenario` returns a valid :class:`Scenario` whose catalog is resolved
(``scenario_catalog(sc)``), or raises :class:`ScenarioError` carrying every problem found, each an
:class:`InputError` that names the file, the field path and the YAML line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fleetplan.catalog.assemble import build_catalog
from fleetplan.errors import InputError, did_you_mean
from fleetplan.load.errors_map import errors_from_validation
from fleetplan.load.references import check_references
from fleetplan.load.yaml_safe import LineMap, YamlLimits, parse_yaml_text, read_yaml
from fleetplan.model.catalog import Catalog
from fleetplan.model.scenario import Scenario

__all__ = ["ScenarioError", "load_scenario", "load_scenario_text", "parse_scenario", "scenario_catalog"]


class ScenarioError(InputError):
    """One or more problems in a scenario file; ``errors`` lists them all (the first is the message)."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(first.message, file=first.file, path=first.path, line=first.line)


def _fail(errors: list[InputError]) -> None:
    if errors:
        raise ScenarioError(errors)


def parse_scenario(data: Any, lines: LineMap, file: str, base_dir: Path | None = None) -> Scenario:
    """Validate parsed YAML ``data`` into a :class:`Scenario` and resolve its catalog."""
    if not isinstance(data, dict):
        got = "an empty file" if data is None else type(data).__name__
        raise ScenarioError([InputError(f"expected a mapping of scenario keys, got {got}", file=file, line=1)])
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(errors_from_validation(exc, data, lines, file, Scenario)) from None

    def err(path: tuple[str | int, ...], message: str) -> InputError:
        return InputError(message, file=file, path=list(path), line=lines.line_of(path))

    base = base_dir or Path.cwd()
    src = sc.catalog
    errors: list[InputError] = []
    skypilot = None
    if src.skypilot is not None:
        skypilot = (base / src.skypilot).resolve() if not Path(src.skypilot).is_absolute() else Path(src.skypilot)
        if not skypilot.exists():
            errors.append(err(("catalog", "skypilot"), f"SkyPilot catalog folder {src.skypilot!r} not found"))
    files = []
    for i, f in enumerate(src.files):
        p = base / f
        if not p.is_file():
            errors.append(err(("catalog", "files", i), f"catalog file {f!r} not found"))
        files.append(p)
    _fail(errors)
    catalog = build_catalog(
        builtin=src.builtin,
        skypilot=skypilot,
        files=files,
        providers=sc.providers,
        regions=sc.regions,
        keep_providers=None,
    )
    if src.providers is not None:
        known = set(catalog.providers["provider"])
        for i, name in enumerate(src.providers):
            if name not in known:
                errors.append(err(("catalog", "providers", i), f"unknown provider {name!r}{did_you_mean(name, known)}"))
        _fail(errors)
        keep = set(src.providers) | {p.name for p in sc.providers} | {s.provider for s in sc.sites}
        offerings = catalog.offerings[catalog.offerings["provider"].isin(keep)].reset_index(drop=True)
        catalog = Catalog(offerings, catalog.regions, catalog.providers, catalog.sources)
    errors = [err(path, message) for path, message in check_references(sc, catalog)]
    errors.sort(key=lambda e: e.line or 0)
    _fail(errors)
    sc._catalog = catalog  # type: ignore[attr-defined]
    sc._source = file  # type: ignore[attr-defined]
    return sc


def load_scenario(path: str | Path, limits: YamlLimits | None = None) -> Scenario:
    """Read, validate and cross-check the scenario at ``path``."""
    data, lines = read_yaml(path, limits)
    return parse_scenario(data, lines, str(path), Path(path).resolve().parent)


def load_scenario_text(text: str, file: str = "<string>", base_dir: Path | None = None) -> Scenario:
    """Like :func:`load_scenario` for YAML given as text (tests, notebooks, the web app)."""
    data, lines = parse_yaml_text(text, file)
    return parse_scenario(data, lines, file, base_dir)


def scenario_catalog(sc: Scenario) -> Catalog:
    """The catalog resolved for ``sc`` at load time (built from its ``catalog`` section if absent)."""
    cat = getattr(sc, "_catalog", None)
    if cat is None:
        src = sc.catalog
        cat = build_catalog(builtin=src.builtin, providers=sc.providers, regions=sc.regions)
        sc._catalog = cat  # type: ignore[attr-defined]
    return cat
