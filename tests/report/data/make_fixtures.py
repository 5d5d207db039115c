"""Write the fixtures of ``tests/report/test_diff.py``: two plans of the carbon-budget example and their diff.

``old.plan.json``  the example without its carbon budget (the cheapest plan)
``new.plan.json``  the example as bundled (25 tCO2e over the year)
``golden.diff.json``  ``diff_plans(old, new)``

Run from the repository root: ``PYTHONPATH=src:. python tests/report/data/make_fixtures.py`` (about
ten seconds). The plans are solved once and committed, so the golden test needs no solver; a solver
upgrade may give slightly different plans, which only matters when this script is run again. After
a deliberate change to the diff document, refresh only the golden file with
``FLEETPLAN_UPDATE_GOLDEN=1 pytest tests/report/test_diff.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from fleetplan._format import json_text
from fleetplan._io import write_text_atomic
from fleetplan.load import load_scenario_text
from fleetplan.optimize import optimize
from fleetplan.report import diff_plans, plan_to_dict

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parents[2] / "src" / "fleetplan" / "data" / "examples" / "carbon-budget.yaml"
TIME_LIMIT_S = 20.0


def without_budget(text: str) -> str:
    """The example's YAML with its ``policy`` section emptied and its name saying so."""
    text, n_policy = re.subn(r"^policy:\n  carbon_budget_tco2e: .*$", "policy: {}", text, flags=re.M)
    text, n_name = re.subn(r"^name: .*$", "name: Fabrikam 2027 without a carbon budget", text, flags=re.M)
    if (n_policy, n_name) != (1, 1):
        raise SystemExit(f"{EXAMPLE.name} changed: update without_budget()")
    return text


def plan_document(text: str) -> dict:
    """The ``fleetplan.plan/1`` document of the scenario ``text``, as ``fleetplan plan --json`` writes it."""
    plan = optimize(load_scenario_text(text, EXAMPLE.name, EXAMPLE.parent), time_limit_s=TIME_LIMIT_S)
    return json.loads(json_text(plan_to_dict(plan)))


def main() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    old, new = plan_document(without_budget(text)), plan_document(text)
    write_text_atomic(HERE / "old.plan.json", json_text(old))
    write_text_atomic(HERE / "new.plan.json", json_text(new))
    write_text_atomic(HERE / "golden.diff.json", json_text(diff_plans(old, new)))


if __name__ == "__main__":
    main()
