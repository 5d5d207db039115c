"""Tiny hand-checkable scenarios for the risk tests (the shared fixture and helpers)."""

from tests.scenarios import (  # noqa: F401
    BATCH_8B,
    OWN_SITE,
    MakeScenario,
    make_scenario,
    offering,
    own_server,
)
