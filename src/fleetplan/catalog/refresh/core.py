"""``refresh_catalog``: fetch the chosen price lists and turn them into offering rows.

Contract: returns a :class:`RefreshResult` (offerings in the ``OFFERING_COLUMNS`` format, every
problem, every left-out row counted by reason, every unmapped SKU) or raises
:class:`~fleetplan.catalog.refresh.http.SourceError` when a price list cannot be fetched or read,
and :class:`~fleetplan.errors.InputError` for bad arguments, or with ``strict=True`` for an
unmapped SKU or a problem. Nothing is written: the caller writes the offerings (atomically), so
a failed refresh leaves no half-written catalog.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from fleetplan.catalog.builtin import builtin_offerings
from fleetplan.catalog.refresh import aws, azure, gcp
from fleetplan.catalog.refresh.http import Fetcher
from fleetplan.catalog.refresh.records import COMMITMENTS, RefreshProblem, SourceResult, to_offerings
from fleetplan.errors import InputError

__all__ = [
    "REFRESH_SCHEMA",
    "SOURCES",
    "RefreshResult",
    "default_regions",
    "refresh_catalog",
    "refresh_summary",
    "split_regions",
]

SOURCES = ("azure", "aws", "gcp")
REFRESH_SCHEMA = "fleetplan.catalog_refresh/1"
_REGION_SHAPES = {
    "aws": re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$"),
    "gcp": re.compile(r"^[a-z]+-[a-z]+\d+$"),
    "azure": re.compile(r"^[a-z]+[a-z0-9]*$"),
}


@dataclass(frozen=True)
class RefreshResult:
    """The result of :func:`refresh_catalog`."""

    offerings: pd.DataFrame
    price_date: str
    problems: tuple[RefreshProblem, ...] = ()
    skipped: dict[str, int] = field(default_factory=dict)
    unmapped: dict[str, int] = field(default_factory=dict)
    urls: tuple[str, ...] = ()
    regions: dict[str, tuple[str, ...]] = field(default_factory=dict)


def default_regions(source: str) -> tuple[str, ...]:
    """The regions the bundled catalog has for ``source`` (the refresh default)."""
    frame = builtin_offerings()
    return tuple(sorted(set(frame.loc[frame["provider"] == source, "region"])))


def split_regions(values: Sequence[str], sources: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Regions per source from ``--regions`` values: ``provider:region`` or a plain region name,
    which goes to each chosen source whose region names look like it (``us-east-1`` is AWS,
    ``us-central1`` GCP, ``eastus`` Azure). Sources without a region get :func:`default_regions`.
    """
    chosen: dict[str, list[str]] = {s: [] for s in sources}
    for value in values:
        for part in (p.strip() for p in value.split(",")):
            if not part:
                continue
            provider, sep, region = part.partition(":")
            if sep:
                if provider not in chosen:
                    raise InputError(f"region {part!r}: {provider!r} is not a chosen source ({', '.join(sources)})")
                chosen[provider].append(region)
                continue
            owners = [s for s in sources if _REGION_SHAPES[s].match(part)]
            if not owners:
                raise InputError(
                    f"region {part!r} does not look like a region of {', '.join(sources)}; write it as provider:region"
                )
            for s in owners:
                chosen[s].append(part)
    return {s: tuple(dict.fromkeys(r)) or default_regions(s) for s, r in chosen.items()}


def refresh_catalog(
    fetcher: Fetcher,
    sources: Sequence[str],
    *,
    regions: Mapping[str, Sequence[str]] | None = None,
    urls: Mapping[str, str] | None = None,
    gcp_api_key: str | None = None,
    aws_format: str = "csv",
    commitments: str = "cheapest",
    strict: bool = False,
) -> RefreshResult:
    """Fetch ``sources`` (``azure``, ``aws``, ``gcp``) for their ``regions`` and return the offerings.

    ``urls`` overrides a source's base URL (a mirror or a recorded-response server);
    ``commitments`` picks which commitment prices fill the reserved rows (:data:`COMMITMENTS`).
    See the module docstring for what is raised.
    """
    unknown = [s for s in sources if s not in SOURCES]
    if unknown or not sources:
        raise InputError(f"choose sources from {', '.join(SOURCES)} (got {', '.join(sources) or 'none'})")
    if commitments not in COMMITMENTS:
        raise InputError(f"commitments {commitments!r} is not one of {', '.join(COMMITMENTS)}")
    if aws_format not in ("csv", "json"):
        raise InputError(f"AWS offer file format {aws_format!r} is not csv or json")
    if "gcp" in sources and not gcp_api_key:
        raise InputError("gcp needs an API key (name the environment variable that holds it)")
    per_source = dict(regions or {})
    for s in sources:
        per_source[s] = tuple(per_source.get(s) or default_regions(s))
    urls = dict(urls or {})
    results: list[SourceResult] = []
    for s in sources:
        if s == "azure":
            results.append(azure.fetch_azure(fetcher, per_source[s], base_url=urls.get(s) or azure.DEFAULT_URL))
        elif s == "aws":
            results.append(
                aws.fetch_aws(fetcher, per_source[s], base_url=urls.get(s) or aws.DEFAULT_URL, file_format=aws_format)
            )
        else:
            results.append(
                gcp.fetch_gcp(
                    fetcher, per_source[s], api_key=gcp_api_key or "", base_url=urls.get(s) or gcp.DEFAULT_URL
                )
            )
    price_date = fetcher.fetch_date.isoformat()
    records = [r for res in results for r in res.records]
    offerings, untrusted = to_offerings(records, price_date=price_date, commitments=commitments)
    problems = [p for res in results for p in res.problems] + untrusted
    skipped: Counter[str] = Counter()
    unmapped: Counter[str] = Counter()
    for res in results:
        skipped.update(res.skipped)
        unmapped.update(res.unmapped)
    if strict and unmapped:
        names = ", ".join(sorted(unmapped))
        raise InputError(f"{len(unmapped)} accelerator SKUs are not in the instance table: {names}")
    if strict and problems:
        raise InputError(f"{len(problems)} prices could not be read; first: {problems[0].one_line()}")
    return RefreshResult(
        offerings=offerings,
        price_date=price_date,
        problems=tuple(problems),
        skipped={k: v for k, v in sorted(skipped.items()) if v},
        unmapped=dict(sorted(unmapped.items())),
        urls=tuple(dict.fromkeys(u for res in results for u in res.urls)),
        regions={s: tuple(per_source[s]) for s in sources},
    )


def refresh_summary(result: RefreshResult, output: str | Path) -> dict[str, Any]:
    """The ``fleetplan.catalog_refresh/1`` document of a refresh written to ``output``."""
    frame = result.offerings
    by = frame.groupby(["provider", "pricing_model"]).size()
    counts: dict[str, dict[str, int]] = {}
    for (provider, model), n in by.items():
        counts.setdefault(str(provider), {})[str(model)] = int(n)
    return {
        "schema": REFRESH_SCHEMA,
        "output": str(output),
        "price_date": result.price_date,
        "regions": {k: list(v) for k, v in result.regions.items()},
        "urls": list(result.urls),
        "offerings": len(frame),
        "offerings_by_provider": counts,
        "skipped": dict(result.skipped),
        "unmapped": dict(result.unmapped),
        "problems": [p.one_line() for p in result.problems],
    }
