"""Tiny hand-checkable scenarios for the verifier tests (the shared fixture of ``tests/scenarios.py``)."""

from tests.scenarios import make_scenario  # noqa: F401
