"""Run the ``fleetplan`` command in-process, the way the console entry point does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from fleetplan.cli import main
from tests.scenarios import (  # noqa: F401
    BATCH_8B,
    OWN_SITE,
    MakeScenario,
    make_scenario,
    offering,
    own_server,
)


@dataclass(frozen=True)
class Result:
    """Exit code and the two output streams of one ``fleetplan`` run."""

    code: int
    stdout: str
    stderr: str


Fleetplan = Callable[..., Result]


@pytest.fixture
def fleetplan(capsys: pytest.CaptureFixture[str]) -> Fleetplan:
    """``fleetplan(*args)`` runs ``fleetplan ARGS`` through :func:`fleetplan.cli.main`."""

    def run(*args: str | Path) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run
