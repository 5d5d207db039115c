"""The store, the same tests on SQLite and on a real PostgreSQL server: versions, runs, plans, restart."""

from __future__ import annotations

from importlib import resources

import pytest
import sqlalchemy as sa

from fleetplan.serve.store import Store, database_url


@pytest.fixture(scope="module")
def plan_doc() -> dict:
    """A small hand-made plan document with the key figures the store indexes."""
    return {
        "schema": "fleetplan.plan/1",
        "scenario": "<b>Test</b>",
        "status": "optimal",
        "totals": {"total_usd": 1234.5},
        "solver": {"gap": 0.002, "objective_usd": 1234.5, "dual_bound_usd": 1232.0, "time_s": 0.4},
        "verification": {"ok": True},
        "periods": ["2027Q1"],
    }


def test_every_saved_version_is_kept(db_url: str) -> None:
    store = Store(db_url)
    first = store.add_version("alpha", "a: 1\n")
    second = store.add_version("beta", "a: 2\n", first.scenario_id)
    other = store.add_version("gamma", "b: 1\n")
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert [v.yaml_text for v in store.versions(first.scenario_id)] == ["a: 1\n", "a: 2\n"]
    assert store.version(first.scenario_id).version == 2  # newest
    assert store.version(first.scenario_id, 1).name == "alpha"
    sc = store.scenario(first.scenario_id)
    assert (sc.name, sc.versions) == ("beta", 2)
    assert {s.name for s in store.scenarios()} == {"beta", "gamma"}
    with pytest.raises(KeyError):
        store.add_version("x", "y", 999)
    store.close()


def test_runs_progress_and_plans(db_url: str, plan_doc: dict) -> None:
    store = Store(db_url)
    v = store.add_version("alpha", "a: 1\n")
    run = store.add_run(v.id, time_limit_s=5, mip_rel_gap=0.01)
    assert run.state == "queued" and run.scenario_id == v.scenario_id
    assert store.update_run(run.id, only_if=("queued",), state="running", incumbent_usd=2000.0, gap=0.5)
    assert not store.update_run(run.id, only_if=("queued",), state="cancelled")
    plan = store.add_plan(v.id, plan_doc, run_id=run.id)
    assert (plan.total_usd, plan.gap, plan.verified, plan.scenario_name) == (1234.5, 0.002, True, "<b>Test</b>")
    done = store.run(run.id)
    assert (done.state, done.plan_id, done.incumbent_usd, done.bound_usd) == ("done", plan.id, 1234.5, 1232.0)
    assert store.plan_document(plan.id) == plan_doc
    assert [p.id for p in store.plans(v.scenario_id)] == [plan.id]
    assert store.plan(999) is None and store.plan_document(999) is None and store.run(999) is None
    with pytest.raises(ValueError):
        store.update_run(run.id, bogus=1)
    store.close()


def test_a_restart_keeps_everything_and_fails_interrupted_runs(db_url: str, plan_doc: dict) -> None:
    store = Store(db_url)
    v = store.add_version("alpha", "a: 1\n")
    finished = store.add_run(v.id, time_limit_s=5, mip_rel_gap=0.01)
    plan = store.add_plan(v.id, plan_doc, run_id=finished.id)
    running = store.add_run(v.id, time_limit_s=5, mip_rel_gap=0.01)
    store.update_run(running.id, state="running")
    queued = store.add_run(v.id, time_limit_s=5, mip_rel_gap=0.01)
    store.close()

    again = Store(db_url)  # migrations run again: a no-op
    assert again.fail_interrupted_runs() == 2
    assert again.run(running.id).state == "failed" and "interrupted" in again.run(running.id).error
    assert again.run(queued.id).state == "failed"
    assert again.run(finished.id).state == "done"
    assert again.plan_document(plan.id) == plan_doc
    assert again.versions(v.scenario_id)[0].yaml_text == "a: 1\n"
    again.close()


def test_the_schema_is_the_migrations(db_url: str) -> None:
    store = Store(db_url)
    inspector = sa.inspect(store.engine)
    assert {"scenarios", "scenario_versions", "runs", "plans", "alembic_version"} <= set(inspector.get_table_names())
    indexed = {c for ix in inspector.get_indexes("plans") for c in ix["column_names"]}
    assert {"total_usd", "verified", "created_at"} <= indexed
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0001"
    store.close()


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:
    store = Store(str(tmp_path / "f.db"))
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    store.close()


def test_database_urls() -> None:
    assert database_url(None) == "sqlite:///fleetplan.db"
    assert database_url("plans.db") == "sqlite:///plans.db"
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


def test_migrations_ship_in_the_package() -> None:
    versions = resources.files("fleetplan.serve").joinpath("migrations", "versions")
    assert versions.joinpath("0001_initial.py").is_file()
