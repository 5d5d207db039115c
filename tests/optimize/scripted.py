"""A solver that replays canned results: tests of the planner's fallbacks pass it as ``solver``."""

from __future__ import annotations

from typing import Any

import numpy as np

from fleetplan.model.plan import SolveResult
from fleetplan.optimize.solver import SolverOptions
from fleetplan.optimize.sparse import SparseModel

Reply = SolveResult | tuple[Any, ...]


class ScriptedSolver:
    """Replays ``results`` in call order, whatever the model: ``solve`` takes the next one as
    (result, x), ``solve_relaxation`` as (result, x, duals); a bare :class:`SolveResult` has no
    values. ``calls`` records each call's method name and keyword arguments; a call past the end
    of the script fails the test."""

    def __init__(self, *results: Reply) -> None:
        self.results: list[Reply] = list(results)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _next(self, method: str, size: int, **kw: Any) -> tuple[Any, ...]:
        self.calls.append((method, kw))
        assert self.results, f"unexpected {method} call (the script has no more results)"
        reply = self.results.pop(0)
        if isinstance(reply, SolveResult):
            reply = (reply,)
        assert len(reply) <= size, f"{method} expects at most {size} values, the script gives {len(reply)}"
        return tuple(reply) + (None,) * (size - len(reply))

    def solve(
        self,
        model: SparseModel,
        options: SolverOptions | None = None,
        *,
        start: np.ndarray | None = None,
        bounds: tuple[np.ndarray, np.ndarray] | None = None,
        cost: np.ndarray | None = None,
        integer: np.ndarray | None = None,
    ) -> tuple[SolveResult, np.ndarray | None]:
        result, x = self._next("solve", 2, options=options, start=start, bounds=bounds, cost=cost, integer=integer)
        return result, x

    def solve_relaxation(
        self, model: SparseModel, options: SolverOptions | None = None
    ) -> tuple[SolveResult, np.ndarray | None, np.ndarray | None]:
        result, x, duals = self._next("solve_relaxation", 3, options=options)
        return result, x, duals
