"""Fixtures of the dashboard tests: the small example, stores on SQLite and PostgreSQL, an in-process client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from tests.serve.postgres import Unavailable, start_postgres

REQUIRE_PG_ENV = "FLEETPLAN_REQUIRE_POSTGRES"


@pytest.fixture(scope="session")
def example_text() -> str:
    """The bundled carbon-budget example (plans in a few seconds)."""
    return resources.files("fleetplan.data").joinpath("examples", "carbon-budget.yaml").read_text("utf-8")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server's URL; skips with the reason where none can start (fails when
    ``FLEETPLAN_REQUIRE_POSTGRES`` is set, as ``.ci/run`` does once it installed PostgreSQL)."""
    try:
        pg = start_postgres()
    except Unavailable as exc:
        if os.environ.get(REQUIRE_PG_ENV):
            pytest.fail(f"{exc} (and {REQUIRE_PG_ENV} is set)", pytrace=False)
        pytest.skip(str(exc))
    yield pg.url
    pg.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh empty database: a SQLite file, then a new PostgreSQL database on the shared server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    import sqlalchemy as sa

    from fleetplan.serve.store import database_url

    base = request.getfixturevalue("postgres_url")
    name = f"t{abs(hash(request.node.nodeid)) % 10**12}"
    admin = sa.create_engine(database_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
