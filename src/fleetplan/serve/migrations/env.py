"""Alembic environment: migrates the connection that :func:`fleetplan.serve.store.migrate` hands over."""

from __future__ import annotations

from alembic import context

from fleetplan.serve.store import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through fleetplan.serve.store.migrate (it passes the connection)")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
