"""A throwaway PostgreSQL server for the store tests: ``initdb`` + ``pg_ctl`` on a temp dir and a free port.

:func:`start_postgres` returns a :class:`Postgres` (its URL and a ``stop()``), or raises
:class:`Unavailable` with the reason (no server binaries, no psycopg, initdb failed). As root the
server runs as the ``postgres`` system user (``runuser``/``su``), since PostgreSQL refuses root.
The binaries are found on ``PATH`` or under ``/usr/lib/postgresql/*/bin`` (Debian's layout).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Postgres", "Unavailable", "start_postgres"]


class Unavailable(Exception):
    """Why no PostgreSQL server could be started here."""


@dataclass
class Postgres:
    """A running server: its SQLAlchemy URL; ``stop()`` ends it and removes its files."""

    url: str
    data: Path
    pg_ctl: str
    user: str | None

    def stop(self) -> None:
        _run([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"], self.user, check=False)
        shutil.rmtree(self.data.parent, ignore_errors=True)


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    hits = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return hits[-1] if hits else None


def _run(cmd: list[str], user: str | None, *, check: bool = True) -> subprocess.CompletedProcess[str]:
    if user is not None:
        cmd = ["runuser", "-u", user, "--", *cmd] if shutil.which("runuser") else ["su", user, "-s", "/bin/sh", "-c",
               " ".join(f"'{c}'" for c in cmd)]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=check)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_postgres() -> Postgres:
    """Start a server (see the module docstring); raises Unavailable with the reason."""
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise Unavailable("psycopg not installed (pip install -e '.[serve]')") from exc
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise Unavailable("PostgreSQL server binaries (initdb, pg_ctl) not found; .ci/run installs them as root")
    user = None
    if os.geteuid() == 0:
        try:
            entry = pwd.getpwnam("postgres")
        except KeyError as exc:
            raise Unavailable("running as root and there is no 'postgres' user to run the server") from exc
        user = "postgres"
    root = Path(tempfile.mkdtemp(prefix="fleetplan-pg-"))
    data = root / "data"
    if user is not None:
        os.chown(root, entry.pw_uid, entry.pw_gid)
    try:
        _run([initdb, "-D", str(data), "-U", "fleetplan", "--auth=trust", "-E", "UTF8", "--no-sync"], user)
        port = _free_port()
        opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run([pg_ctl, "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "-t", "30", "start"], user)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        out = getattr(exc, "stderr", "") or str(exc)
        shutil.rmtree(root, ignore_errors=True)
        raise Unavailable(
            f"could not start PostgreSQL: {out.strip().splitlines()[-1] if out.strip() else exc}"
        ) from exc
    return Postgres(f"postgresql://fleetplan@127.0.0.1:{port}/postgres", data, pg_ctl, user)
