"""``fleetplan serve``: the web dashboard (scenarios, plan runs, plans, history, compare) on one port.

Binds 127.0.0.1 unless told otherwise and refuses any other address without ``--token``; the store is
a SQLite file (``fleetplan.db`` in the working directory) unless ``--db`` gives another file or a
``postgresql://`` URL. Bad options are InputErrors (exit 2) reported by ``main``.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from fleetplan.cli._console import echo
from fleetplan.errors import InputError

__all__ = ["TOKEN_ENV", "check_bind", "serve"]

TOKEN_ENV = "FLEETPLAN_TOKEN"


def check_bind(host: str, token: str | None) -> None:
    """Raise InputError when ``host`` is not loopback and no token guards the server."""
    from fleetplan.serve.app import is_loopback

    if not token and not is_loopback(host):
        raise InputError(
            f"refusing to listen on {host} without a token: anyone who can reach it could read and run plans "
            f"(give --token or set {TOKEN_ENV})",
            path="--host",
        )


def serve(
    host: Annotated[str, typer.Option("--host", help="address to listen on (non-local needs --token)")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port", min=0, max=65535)] = 8080,
    db: Annotated[
        str | None,
        typer.Option("--db", help="SQLite file or database URL (postgresql://user@host/db); default ./fleetplan.db"),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option("--token", help=f"require this token on every request (or set {TOKEN_ENV})", show_default=False),
    ] = None,
    solves: Annotated[int, typer.Option("--solves", help="plans solved at the same time; more wait", min=1)] = 1,
) -> None:
    """Serve the dashboard: upload and edit scenarios, run plans with live progress, read, compare
    and download plans. Stops on Ctrl-C; a run cut off by a stop is marked failed at the next start."""
    import uvicorn

    from fleetplan.serve.app import create_app

    token = token or os.environ.get(TOKEN_ENV) or None
    check_bind(host, token)
    app = create_app(db, token=token, max_concurrent_solves=solves)
    shown = f"[{host}]" if ":" in host else host
    echo(f"fleetplan dashboard on http://{shown}:{port}/ (database {app.state.store.display_url})", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
