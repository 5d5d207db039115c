"""Export a plan to the engines that run the work: SkyPilot (tasks, SkyServe services), dstack
(fleets, tasks, services) and Kueue (flavors, queues, cohort, priorities), and re-check the folder.

:func:`export_plan` renders one engine's files for the chosen periods of a ``fleetplan.plan/1``
document; :func:`write_export` writes them whole or not at all; :func:`check_export` re-validates a
folder offline (bundled SkyPilot and Kueue schemas, structural dstack checks).
:func:`failover_order` reads the failover order from a ``fleetplan.risk/1`` document.
"""

from fleetplan.export.check import CheckResult, check_export
from fleetplan.export.folder import EXPORT_SCHEMA, Export, export_plan, write_export
from fleetplan.export.names import ENGINES
from fleetplan.export.placements import failover_order, select_periods

__all__ = [
    "ENGINES",
    "EXPORT_SCHEMA",
    "CheckResult",
    "Export",
    "check_export",
    "export_plan",
    "failover_order",
    "select_periods",
    "write_export",
]
