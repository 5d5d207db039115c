"""The catalog: offerings, providers and regions, accelerator facts, CSV and SkyPilot import.

Fresh prices from the providers' price lists live in :mod:`fleetplan.catalog.refresh` (imported
on its own: it brings the HTTP client); :func:`diff_offerings` compares two catalogs.

:func:`build_catalog` joins the bundled tables, a SkyPilot folder and extra CSVs into one
:class:`~fleetplan.model.catalog.Catalog`; :func:`filter_offerings` lists it cheapest first.
"""

from fleetplan.catalog.assemble import build_catalog
from fleetplan.catalog.csvio import read_offerings_csv, write_offerings_csv
from fleetplan.catalog.diff import CatalogDiff, catalog_diff_json, diff_offerings
from fleetplan.catalog.hardware import accelerator_table, load_accelerators, resolve_accelerator
from fleetplan.catalog.listing import filter_offerings, offerings_json
from fleetplan.catalog.skypilot import ImportProblem, SkyPilotImport, import_skypilot, import_summary

__all__ = [
    "CatalogDiff",
    "ImportProblem",
    "SkyPilotImport",
    "accelerator_table",
    "build_catalog",
    "catalog_diff_json",
    "diff_offerings",
    "filter_offerings",
    "import_skypilot",
    "import_summary",
    "load_accelerators",
    "offerings_json",
    "read_offerings_csv",
    "resolve_accelerator",
    "write_offerings_csv",
]
