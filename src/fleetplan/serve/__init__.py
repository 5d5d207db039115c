"""``fleetplan serve``: a web dashboard over a store of scenarios, runs and plans.

:mod:`~fleetplan.serve.store` keeps scenarios (every version), runs and plans in SQLite or
PostgreSQL; :mod:`~fleetplan.serve.worker` runs plans in a bounded pool of solver processes;
:mod:`~fleetplan.serve.app` is the FastAPI application (JSON API and server-rendered pages).
"""

from __future__ import annotations

from fleetplan.serve.store import Store

__all__ = ["Store"]
