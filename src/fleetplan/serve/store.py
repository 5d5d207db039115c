"""The dashboard's store: scenarios (every saved version), plans, runs; SQLite by default, PostgreSQL by URL.

Contract: :class:`Store` opens a database URL, brings its schema to the newest Alembic migration
(shipped in ``fleetplan/serve/migrations``) and returns plain frozen records, never ORM objects.
Every write commits before the method returns, so a killed server loses nothing that a method
returned. SQLite runs in WAL mode (readers never wait for the one writer) with foreign keys on.
Only one server process should use one database: :meth:`Store.fail_interrupted_runs`, called at
startup, marks every run left ``queued`` or ``running`` as failed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

__all__ = [
    "DEFAULT_DB",
    "RUN_STATES",
    "PlanRecord",
    "RunRecord",
    "ScenarioRecord",
    "Store",
    "VersionRecord",
    "database_url",
]

DEFAULT_DB = "sqlite:///fleetplan.db"
"""A SQLite file in the working directory."""
RUN_STATES = ("queued", "running", "done", "failed", "cancelled")
INTERRUPTED = "interrupted: the server stopped during the run"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """The tables (the migrations in ``migrations/versions`` create the same)."""


class ScenarioRow(Base):
    __tablename__ = "scenarios"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=_now)
    updated_at: Mapped[datetime] = mapped_column(default=_now)


class VersionRow(Base):
    __tablename__ = "scenario_versions"
    __table_args__ = (sa.UniqueConstraint("scenario_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(sa.ForeignKey("scenarios.id"), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(500))
    yaml_text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=_now)


class RunRow(Base):
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("scenario_versions.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(16), index=True)
    time_limit_s: Mapped[float]
    mip_rel_gap: Mapped[float]
    stage: Mapped[str | None] = mapped_column(sa.String(500))
    elapsed_s: Mapped[float | None]
    incumbent_usd: Mapped[float | None]
    bound_usd: Mapped[float | None]
    gap: Mapped[float | None]
    error: Mapped[str | None] = mapped_column(sa.Text)
    plan_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=_now)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class PlanRow(Base):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("scenario_versions.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("runs.id"))
    scenario_name: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[str] = mapped_column(sa.String(32))
    total_usd: Mapped[float] = mapped_column(index=True)
    gap: Mapped[float | None]
    verified: Mapped[bool] = mapped_column(index=True)
    document: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=_now, index=True)


@dataclass(frozen=True)
class ScenarioRecord:
    """A scenario: its newest version's name and the number of versions saved."""

    id: int
    name: str
    versions: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class VersionRecord:
    """One saved version of a scenario's YAML (``version`` counts from 1)."""

    id: int
    scenario_id: int
    version: int
    name: str
    yaml_text: str
    created_at: datetime


@dataclass(frozen=True)
class RunRecord:
    """A plan run: its state (:data:`RUN_STATES`), live progress while running, the error or the plan."""

    id: int
    scenario_id: int
    version: int
    version_id: int
    state: str
    time_limit_s: float
    mip_rel_gap: float
    stage: str | None
    elapsed_s: float | None
    incumbent_usd: float | None
    bound_usd: float | None
    gap: float | None
    error: str | None
    plan_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (times as ISO 8601 UTC)."""
        return {k: (v.isoformat() + "Z" if isinstance(v, datetime) else v) for k, v in vars(self).items()}


@dataclass(frozen=True)
class PlanRecord:
    """A stored plan's key figures; :meth:`Store.plan_document` has the ``fleetplan.plan/1`` document."""

    id: int
    scenario_id: int
    version: int
    version_id: int
    run_id: int | None
    scenario_name: str
    status: str
    total_usd: float
    gap: float | None
    verified: bool
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (times as ISO 8601 UTC)."""
        return {k: (v.isoformat() + "Z" if isinstance(v, datetime) else v) for k, v in vars(self).items()}


def database_url(db: str | None) -> str:
    """The SQLAlchemy URL of ``db``: a URL, or a file path taken as SQLite; ``postgresql://`` uses psycopg 3."""
    if not db:
        return DEFAULT_DB
    if "://" not in db:
        return f"sqlite:///{db}"
    for prefix in ("postgresql://", "postgres://"):
        if db.startswith(prefix):
            return "postgresql+psycopg://" + db[len(prefix) :]
    return db


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def migrate(engine: sa.Engine) -> None:
    """Upgrade the database of ``engine`` to the newest migration (idempotent)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Store:
    """The dashboard's database; see the module docstring for the contract."""

    def __init__(self, url: str | None = None) -> None:
        self.url = database_url(url)
        sa_url = sa.make_url(self.url)
        self.is_sqlite = sa_url.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine = sa.create_engine(sa_url, **kwargs)
        if self.is_sqlite:
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        migrate(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def display_url(self) -> str:
        """The URL with any password hidden."""
        return sa.make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._session() as s, s.begin():
            yield s

    # scenarios ---------------------------------------------------------------------------------

    def add_version(self, name: str, yaml_text: str, scenario_id: int | None = None) -> VersionRecord:
        """Save ``yaml_text`` as a new scenario (``scenario_id`` None) or its next version; raises KeyError."""
        with self._tx() as s:
            if scenario_id is None:
                sc = ScenarioRow(name=name)
                s.add(sc)
                s.flush()
                number = 1
            else:
                sc = s.get(ScenarioRow, scenario_id, with_for_update=not self.is_sqlite)
                if sc is None:
                    raise KeyError(scenario_id)
                last = s.scalar(sa.select(sa.func.max(VersionRow.version)).where(VersionRow.scenario_id == sc.id))
                number = (last or 0) + 1
                sc.name = name
                sc.updated_at = _now()
            row = VersionRow(scenario_id=sc.id, version=number, name=name, yaml_text=yaml_text)
            s.add(row)
            s.flush()
            return _version(row)

    def scenarios(self) -> list[ScenarioRecord]:
        """Every scenario, the most recently saved first."""
        count = sa.func.count(VersionRow.id)
        q = (
            sa.select(ScenarioRow, count)
            .join(VersionRow, VersionRow.scenario_id == ScenarioRow.id)
            .group_by(ScenarioRow.id)
            .order_by(ScenarioRow.updated_at.desc(), ScenarioRow.id.desc())
        )
        with self._tx() as s:
            return [_scenario(sc, n) for sc, n in s.execute(q)]

    def scenario(self, scenario_id: int) -> ScenarioRecord | None:
        """One scenario, or None."""
        with self._tx() as s:
            sc = s.get(ScenarioRow, scenario_id)
            if sc is None:
                return None
            n = s.scalar(sa.select(sa.func.count(VersionRow.id)).where(VersionRow.scenario_id == scenario_id))
            return _scenario(sc, n or 0)

    def versions(self, scenario_id: int) -> list[VersionRecord]:
        """Every version of a scenario, oldest first (empty when there is no such scenario)."""
        q = sa.select(VersionRow).where(VersionRow.scenario_id == scenario_id).order_by(VersionRow.version)
        with self._tx() as s:
            return [_version(v) for v in s.scalars(q)]

    def version(self, scenario_id: int, version: int | None = None) -> VersionRecord | None:
        """Version ``version`` of a scenario (its newest when None), or None."""
        q = sa.select(VersionRow).where(VersionRow.scenario_id == scenario_id)
        q = q.where(VersionRow.version == version) if version is not None else q.order_by(VersionRow.version.desc())
        with self._tx() as s:
            row = s.scalars(q.limit(1)).first()
            return _version(row) if row else None

    def version_by_id(self, version_id: int) -> VersionRecord | None:
        """A version by its row id, or None."""
        with self._tx() as s:
            row = s.get(VersionRow, version_id)
            return _version(row) if row else None

    # runs --------------------------------------------------------------------------------------

    def add_run(self, version_id: int, *, time_limit_s: float, mip_rel_gap: float) -> RunRecord:
        """A new ``queued`` run of a scenario version."""
        with self._tx() as s:
            row = RunRow(version_id=version_id, state="queued", time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
            s.add(row)
            s.flush()
            run_id = row.id
        return self.run(run_id)  # type: ignore[return-value]

    def run(self, run_id: int) -> RunRecord | None:
        """One run, or None."""
        rows = self._runs(RunRow.id == run_id)
        return rows[0] if rows else None

    def runs(self, scenario_id: int | None = None, *, limit: int = 200) -> list[RunRecord]:
        """Runs, newest first; of one scenario when ``scenario_id`` is given."""
        where = VersionRow.scenario_id == scenario_id if scenario_id is not None else sa.true()
        return self._runs(where, limit=limit)

    def _runs(self, where: Any, *, limit: int = 200) -> list[RunRecord]:
        q = (
            sa.select(RunRow, VersionRow.scenario_id, VersionRow.version)
            .join(VersionRow, VersionRow.id == RunRow.version_id)
            .where(where)
            .order_by(RunRow.id.desc())
            .limit(limit)
        )
        with self._tx() as s:
            return [_run(r, sid, v) for r, sid, v in s.execute(q)]

    def update_run(self, run_id: int, *, only_if: tuple[str, ...] | None = None, **fields: Any) -> bool:
        """Set ``fields`` of a run (when its state is one of ``only_if``); True when a row changed."""
        bad = set(fields) - set(RunRow.__table__.columns.keys())
        if bad:
            raise ValueError(f"unknown run fields {sorted(bad)}")
        q = sa.update(RunRow).where(RunRow.id == run_id).values(**fields)
        if only_if is not None:
            q = q.where(RunRow.state.in_(only_if))
        with self._tx() as s:
            return s.execute(q).rowcount > 0

    def fail_interrupted_runs(self, reason: str = INTERRUPTED) -> int:
        """Mark every ``queued`` or ``running`` run failed with ``reason`` (at startup); the number marked."""
        q = (
            sa.update(RunRow)
            .where(RunRow.state.in_(("queued", "running")))
            .values(state="failed", error=reason, finished_at=_now())
        )
        with self._tx() as s:
            return s.execute(q).rowcount

    # plans -------------------------------------------------------------------------------------

    def add_plan(self, version_id: int, document: dict[str, Any], run_id: int | None = None) -> PlanRecord:
        """Store a ``fleetplan.plan/1`` document with its key figures; with ``run_id`` the run becomes ``done``."""
        totals = document.get("totals") or {}
        solver = document.get("solver") or {}
        verification = document.get("verification") or {}
        with self._tx() as s:
            row = PlanRow(
                version_id=version_id,
                run_id=run_id,
                scenario_name=str(document.get("scenario", ""))[:500],
                status=str(document.get("status", "")),
                total_usd=float(totals.get("total_usd") or 0.0),
                gap=solver.get("gap"),
                verified=bool(verification.get("ok")),
                document=json.dumps(document, allow_nan=False),
            )
            s.add(row)
            s.flush()
            if run_id is not None:
                s.execute(
                    sa.update(RunRow)
                    .where(RunRow.id == run_id)
                    .values(
                        state="done",
                        plan_id=row.id,
                        finished_at=_now(),
                        error=None,
                        incumbent_usd=solver.get("objective_usd"),
                        bound_usd=solver.get("dual_bound_usd"),
                        gap=solver.get("gap"),
                        elapsed_s=solver.get("time_s"),
                    )
                )
            plan_id = row.id
        return self.plan(plan_id)  # type: ignore[return-value]

    def plan(self, plan_id: int) -> PlanRecord | None:
        """One plan's key figures, or None."""
        rows = self._plans(PlanRow.id == plan_id)
        return rows[0] if rows else None

    def plans(self, scenario_id: int | None = None, *, limit: int = 500) -> list[PlanRecord]:
        """Plans' key figures, newest first; of one scenario when ``scenario_id`` is given."""
        where = VersionRow.scenario_id == scenario_id if scenario_id is not None else sa.true()
        return self._plans(where, limit=limit)

    def _plans(self, where: Any, *, limit: int = 500) -> list[PlanRecord]:
        cols = [c for c in PlanRow.__table__.columns if c.name != "document"]
        q = (
            sa.select(*cols, VersionRow.scenario_id, VersionRow.version)
            .join(VersionRow, VersionRow.id == PlanRow.version_id)
            .where(where)
            .order_by(PlanRow.id.desc())
            .limit(limit)
        )
        with self._tx() as s:
            return [
                PlanRecord(
                    id=r.id,
                    scenario_id=r.scenario_id,
                    version=r.version,
                    version_id=r.version_id,
                    run_id=r.run_id,
                    scenario_name=r.scenario_name,
                    status=r.status,
                    total_usd=r.total_usd,
                    gap=r.gap,
                    verified=r.verified,
                    created_at=r.created_at,
                )
                for r in s.execute(q)
            ]

    def plan_document(self, plan_id: int) -> dict[str, Any] | None:
        """The stored ``fleetplan.plan/1`` document, or None."""
        with self._tx() as s:
            text = s.scalar(sa.select(PlanRow.document).where(PlanRow.id == plan_id))
        return json.loads(text) if text is not None else None


def _scenario(row: ScenarioRow, versions: int) -> ScenarioRecord:
    return ScenarioRecord(row.id, row.name, versions, row.created_at, row.updated_at)


def _version(row: VersionRow) -> VersionRecord:
    return VersionRecord(row.id, row.scenario_id, row.version, row.name, row.yaml_text, row.created_at)


def _run(row: RunRow, scenario_id: int, version: int) -> RunRecord:
    return RunRecord(
        id=row.id,
        scenario_id=scenario_id,
        version=version,
        version_id=row.version_id,
        state=row.state,
        time_limit_s=row.time_limit_s,
        mip_rel_gap=row.mip_rel_gap,
        stage=row.stage,
        elapsed_s=row.elapsed_s,
        incumbent_usd=row.incumbent_usd,
        bound_usd=row.bound_usd,
        gap=row.gap,
        error=row.error,
        plan_id=row.plan_id,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )
