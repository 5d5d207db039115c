"""Every package's ``__all__`` is exactly its public names, in ruff's order (constants, classes,
then the rest), so that adding a name to a package is a visible, mergeable one-line change.

Public names are those a package binds that do not start with ``_`` and are not submodules
(``__version__`` at the top level is public too). Machinery (the operations model, YAML parsing,
sizing helpers) is imported from its own module, not from the package.
"""

from __future__ import annotations

import importlib
import inspect
import re

import pytest

PACKAGES = (
    "fleetplan",
    "fleetplan.catalog",
    "fleetplan.catalog.refresh",
    "fleetplan.cli",
    "fleetplan.energy",
    "fleetplan.export",
    "fleetplan.generate",
    "fleetplan.load",
    "fleetplan.model",
    "fleetplan.optimize",
    "fleetplan.optimize.backends",
    "fleetplan.replan",
    "fleetplan.report",
    "fleetplan.risk",
    "fleetplan.serve",
    "fleetplan.sizing",
    "fleetplan.sweep",
    "fleetplan.verify",
)
INCLUDED_PRIVATE = {"__version__"}


def _order(name: str) -> tuple[int, list[object]]:
    """ruff's ``__all__`` order (RUF022, isort style): SCREAMING_CASE, CamelCase, the rest; a
    natural sort within each."""
    group = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return group, [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _public(module: object) -> list[str]:
    return [
        name
        for name, member in vars(module).items()
        if (not name.startswith("_") or name in INCLUDED_PRIVATE)
        and not inspect.ismodule(member)
        and type(member).__module__ != "__future__"  # ``from __future__ import annotations``
    ]


@pytest.mark.parametrize("package", PACKAGES)
def test_all_lists_exactly_the_public_names(package: str) -> None:
    pkg = importlib.import_module(package)
    assert pkg.__all__ == sorted(_public(pkg), key=_order)


def test_the_top_level_offers_what_users_call() -> None:
    import fleetplan as fp

    assert set(fp.__all__) >= {
        "FleetplanError",
        "InputError",
        "Plan",
        "Scenario",
        "__version__",
        "analyze_risk",
        "load_scenario",
        "optimize",
        "plan_to_dict",
        "size_workloads",
    }


def test_machinery_stays_in_its_module() -> None:
    import fleetplan.risk
    import fleetplan.sizing

    assert not {"OpsModel", "OpsResult", "build_ops_model", "apply_shock", "scenario_copy"} & set(
        fleetplan.risk.__all__
    )
    assert not {"model_shape", "default_mfu", "kv_cache_bytes_per_token"} & set(fleetplan.sizing.__all__)
