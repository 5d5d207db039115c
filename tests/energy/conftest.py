"""Small scenarios for the energy tests: the optimizer tests' tiny catalog and scenario factory."""

from __future__ import annotations

from tests.optimize.conftest import BASE, BATCH_8B, make_scenario, offering  # noqa: F401
