"""Small hand-checkable scenarios with their own tiny catalog: the shared ones of ``tests/scenarios.py``."""

from tests.scenarios import (  # noqa: F401
    BASE,
    BATCH_8B,
    OWN_SITE,
    MakeScenario,
    make_scenario,
    offering,
    offering_rows,
    own_server,
    write_scenario,
)
