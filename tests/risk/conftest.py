"""Tiny hand-checkable scenarios for the risk tests (the optimizer tests' fixture and helpers)."""

from tests.optimize.conftest import BATCH_8B, MakeScenario, make_scenario, offering  # noqa: F401
