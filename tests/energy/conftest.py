"""Small scenarios for the energy tests: the shared tiny catalog and scenario factory."""

from __future__ import annotations

from tests.scenarios import BASE, BATCH_8B, make_scenario, offering  # noqa: F401
