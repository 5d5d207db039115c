"""Alembic migrations of the dashboard's store, run by :func:`fleetplan.serve.store.migrate` at startup."""
