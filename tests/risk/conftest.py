"""Tiny hand-checkable scenarios for the risk tests (the optimizer tests' fixture and helpers)."""

from tests.optimize.conftest import (  # noqa: F401
    BATCH_8B,
    OWN_SITE,
    MakeScenario,
    make_scenario,
    offering,
    own_server,
)
