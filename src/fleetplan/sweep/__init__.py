"""What-ifs at scale: plan a scenario over a grid or a sample of its inputs, on any executor.

>>> from fleetplan.sweep import load_sweep, run_sweep, summarize   # doctest: +SKIP
>>> spec = load_sweep("sweep.yaml", sc)                              # doctest: +SKIP
>>> with executor_from_spec("local", 2) as ex:                       # doctest: +SKIP
...     result = run_sweep(sc, spec, "sweep/", ex, time_limit_s=10,
...                        finalize=lambda r: summarize(r, spec, sc.name))

The sweep file (:mod:`fleetplan.sweep.spec`), the run and its files on disk
(:mod:`fleetplan.sweep.run`), the analysis (:mod:`fleetplan.sweep.analysis`) and the pictures
(:mod:`fleetplan.sweep.pictures`).
"""

from fleetplan.sweep.analysis import Decision, Sensitivity, pareto_front, robust_decisions, tornado
from fleetplan.sweep.run import SWEEP_SCHEMA, SweepResult, read_points, run_sweep
from fleetplan.sweep.spec import Point, SweepSpec, load_sweep, load_sweep_text, point_scenario
from fleetplan.sweep.summary import summarize

__all__ = [
    "SWEEP_SCHEMA",
    "Decision",
    "Point",
    "Sensitivity",
    "SweepResult",
    "SweepSpec",
    "load_sweep",
    "load_sweep_text",
    "pareto_front",
    "point_scenario",
    "read_points",
    "robust_decisions",
    "run_sweep",
    "summarize",
    "tornado",
]
