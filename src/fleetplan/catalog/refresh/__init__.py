"""Fresh prices from the providers' public price lists: Azure Retail Prices, AWS offer files, and
the Google Cloud Billing Catalog.

:func:`refresh_catalog` fetches through a :class:`Fetcher` (``httpx``, retries, a dated cache) and
returns offerings that :func:`~fleetplan.catalog.csvio.write_offerings_csv` writes; nothing here
touches the network at import time, and tests hand the fetcher an ``httpx.MockTransport`` client.
"""

from fleetplan.catalog.refresh.core import (
    REFRESH_SCHEMA,
    SOURCES,
    RefreshResult,
    default_regions,
    refresh_catalog,
    refresh_summary,
    split_regions,
)
from fleetplan.catalog.refresh.http import Fetcher, SourceError
from fleetplan.catalog.refresh.records import (
    COMMITMENTS,
    HOURS_PER_YEAR,
    PriceRecord,
    RefreshProblem,
    instance_table,
    term_hourly,
)

__all__ = [
    "COMMITMENTS",
    "HOURS_PER_YEAR",
    "REFRESH_SCHEMA",
    "SOURCES",
    "Fetcher",
    "PriceRecord",
    "RefreshProblem",
    "RefreshResult",
    "SourceError",
    "default_regions",
    "instance_table",
    "refresh_catalog",
    "refresh_summary",
    "split_regions",
    "term_hourly",
]
