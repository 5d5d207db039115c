"""Import GPU offerings from a SkyPilot catalog (the ``~/.sky/catalogs/v8`` layout).

A SkyPilot catalog holds one ``<cloud>/vms.csv`` per cloud. Each row is an instance type in a
region with an on-demand ``Price`` and an optional ``SpotPrice``, both USD per hour for the whole
instance. Column order differs between clouds, so every column is found by its header name.

Every data row ends in exactly one of three places:

* it yields offerings (an ``on_demand`` row for a positive Price, a ``spot`` row for a positive
  SpotPrice), of which duplicates of the same (provider, region, instance type, pricing model)
  are dropped, keeping the cheapest, and counted as ``skipped["duplicate"]`` (per offering);
* it is left out for a stated reason and counted in ``skipped``: ``cpu_only``,
  ``fractional_accelerator``, ``unknown_accelerator:<name>`` or ``no_price``;
* it is malformed and reported as an :class:`ImportProblem` (or raises with ``strict=True``).

Catalog folders without a ``vms.csv`` (slurm, kubernetes) are counted as
``skipped["no_instance_prices:<cloud>"]``; older versions of a cloud shadowed by a newer one as
``skipped["superseded:<version>/<cloud>"]``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fleetplan.catalog.csvio import csv_records, is_price_date, read_csv_text
from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.catalog.schema import OFFERING_COLUMNS, REGION_COLUMNS
from fleetplan.errors import InputError, UnknownNameError
from fleetplan.model.geo import EU_MEMBERS

__all__ = ["IMPORT_SCHEMA", "ImportProblem", "SkyPilotImport", "import_skypilot", "import_summary"]

_VERSION_RE = re.compile(r"^v(\d+)$")
_NOT_A_CLOUD = frozenset({"common"})
_REQUIRED = (
    "InstanceType",
    "AcceleratorName",
    "AcceleratorCount",
    "vCPUs",
    "MemoryGiB",
    "Price",
    "Region",
)
_OPTIONAL = ("SpotPrice", "AvailabilityZone")
_NUMERIC = ("AcceleratorCount", "vCPUs", "MemoryGiB", "Price", "SpotPrice")
_KEY = ["provider", "region", "instance_type", "pricing_model"]


@dataclass(frozen=True)
class ImportProblem:
    """A malformed catalog row that was skipped."""

    file: str
    line: int
    message: str

    def one_line(self) -> str:
        """``file:line: message``."""
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class SkyPilotImport:
    """The result of :func:`import_skypilot`."""

    offerings: pd.DataFrame
    regions: pd.DataFrame
    problems: tuple[ImportProblem, ...] = ()
    skipped: dict[str, int] = field(default_factory=dict)
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class _CatalogFile:
    path: Path
    display: str
    provider: str
    version: str | None


# --------------------------------------------------------------------------- finding files


def _version_number(name: str) -> int | None:
    match = _VERSION_RE.match(name)
    return int(match.group(1)) if match else None


def _subfolders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def _join(shown: str, *parts: str) -> str:
    return str(Path(shown).joinpath(*parts))


def _discover(root: Path, shown: str, skipped: Counter[str]) -> list[_CatalogFile]:
    if root.is_file():
        parent = root.parent.resolve()
        version = parent.parent.name if _version_number(parent.parent.name) is not None else None
        return [_CatalogFile(root, shown, parent.name.lower(), version)]
    if not root.is_dir():
        raise InputError("no such file or folder", file=shown)
    if (root / "vms.csv").is_file():
        here = root.resolve()
        version = here.parent.name if _version_number(here.parent.name) is not None else None
        return [_CatalogFile(root / "vms.csv", _join(shown, "vms.csv"), here.name.lower(), version)]

    versions = [d for d in _subfolders(root) if _version_number(d.name) is not None]
    if versions:
        versions.sort(key=lambda d: _version_number(d.name) or 0, reverse=True)
        chosen: dict[str, _CatalogFile] = {}
        without_prices: set[str] = set()
        for vdir in versions:
            for cloud_dir in _subfolders(vdir):
                cloud = cloud_dir.name.lower()
                if cloud in _NOT_A_CLOUD:
                    continue
                if not (cloud_dir / "vms.csv").is_file():
                    without_prices.add(cloud)
                elif cloud in chosen:
                    skipped[f"superseded:{vdir.name}/{cloud}"] += 1
                else:
                    display = _join(shown, vdir.name, cloud_dir.name, "vms.csv")
                    chosen[cloud] = _CatalogFile(cloud_dir / "vms.csv", display, cloud, vdir.name)
        for cloud in sorted(without_prices - set(chosen)):
            skipped[f"no_instance_prices:{cloud}"] += 1
        files = [chosen[c] for c in sorted(chosen)]
    else:
        here = root.resolve()
        version = here.name if _version_number(here.name) is not None else None
        files = []
        for cloud_dir in _subfolders(root):
            cloud = cloud_dir.name.lower()
            if cloud in _NOT_A_CLOUD:
                continue
            if (cloud_dir / "vms.csv").is_file():
                display = _join(shown, cloud_dir.name, "vms.csv")
                files.append(_CatalogFile(cloud_dir / "vms.csv", display, cloud, version))
            else:
                skipped[f"no_instance_prices:{cloud}"] += 1
    if not files and not skipped:
        raise InputError(
            "no SkyPilot catalog here: expected <cloud>/vms.csv files, a version folder such as v8, or a vms.csv file",
            file=shown,
        )
    return files


# --------------------------------------------------------------------------- regions


def _each(words: str, value: str) -> dict[str, str]:
    """``_each("DE AT", "x")`` -> ``{"DE": "x", "AT": "x"}``."""
    return dict.fromkeys(words.split(), value)


_COUNTRY_ZONE: dict[str, str] = {
    "CA": "ca",
    **_each("MX BR AR CL CO PE UY CR PA", "latam"),
    "GB": "uk",
    **_each("IE FR BE NL LU ES PT", "eu-west"),
    **_each("DE CH AT PL CZ SK HU SI HR IT BG RO RS GR", "eu-central"),
    **_each("SE NO FI DK IS EE LV LT", "eu-north"),
    **_each("AE IL SA QA BH OM KW", "me"),
    **_each("ZA NG KE EG MA", "africa"),
    **_each("IN PK BD LK", "apac-south"),
    **_each("SG MY TH VN ID PH", "apac-southeast"),
    **_each("JP KR TW HK CN", "apac-east"),
    **_each("AU NZ", "oceania"),
}
_KNOWN_COUNTRIES = frozenset({*_COUNTRY_ZONE, "US"})

# Tokens that start region names but are continents, not ISO country codes.
_NOT_COUNTRY_PREFIX = frozenset({"eu", "me", "ap", "sa", "af", "as", "na", "oc", "il"})

_COUNTRY_NAMES: dict[str, str] = {
    "usa": "US",
    "unitedstates": "US",
    "canada": "CA",
    "poland": "PL",
    "france": "FR",
    "india": "IN",
    "japan": "JP",
    "finland": "FI",
    "norway": "NO",
    "sweden": "SE",
    "germany": "DE",
    "iceland": "IS",
    "netherlands": "NL",
    "uk": "GB",
    "unitedkingdom": "GB",
    "england": "GB",
    "ireland": "IE",
    "spain": "ES",
    "italy": "IT",
    "switzerland": "CH",
    "singapore": "SG",
    "australia": "AU",
    "brazil": "BR",
    "mexico": "MX",
    "korea": "KR",
    "southkorea": "KR",
    "taiwan": "TW",
    "israel": "IL",
}

_US_WEST = "california sanjose carlsbad losangeles sanfrancisco oregon washington seattle arizona "
_US_WEST += "phoenix utah saltlakecity nevada lasvegas colorado denver wyoming casper idaho montana"
_US_CENTRAL = "texas dallas houston austin kansas kansascity wichita desmoines iowa chicago illinois "
_US_CENTRAL += "michigan oklahoma northdakota southdakota minnesota missouri nebraska wisconsin"
_US_EAST = "newyork virginia culpeper dulles ashburn beltsville maryland georgia atlanta newjersey "
_US_EAST += "northcarolina southcarolina pennsylvania massachusetts florida ohio columbus"
_US_PLACES: dict[str, str] = {
    **_each(_US_WEST, "us-west"),
    **_each(_US_CENTRAL, "us-central"),
    **_each(_US_EAST, "us-east"),
}
_US_DIRECTIONS = {
    "east": "us-east",
    "northeast": "us-east",
    "southeast": "us-east",
    "west": "us-west",
    "northwest": "us-west",
    "southwest": "us-west",
    "central": "us-central",
    "northcentral": "us-central",
    "southcentral": "us-central",
    "midwest": "us-central",
    "south": "us-central",
}
_EU_DIRECTIONS = {"west": "eu-west", "central": "eu-central", "north": "eu-north"}
_ASIA_DIRECTIONS = {
    "east": "apac-east",
    "northeast": "apac-east",
    "southeast": "apac-southeast",
    "south": "apac-south",
}


def _exact(table: str) -> dict[str, str]:
    """``"name=CC name=CC/zone"`` -> ``{name: "CC/zone"}``."""
    return dict(item.split("=", 1) for item in table.split())


# Regions whose location is published by the provider; value "CC" or "CC/zone" (US needs a zone).
_PROVIDER_REGIONS: dict[str, dict[str, str]] = {
    "aws": _exact(
        "us-east-1=US/us-east us-east-2=US/us-east us-west-1=US/us-west us-west-2=US/us-west "
        "af-south-1=ZA ap-east-1=HK ap-south-1=IN ap-south-2=IN ap-southeast-1=SG "
        "ap-southeast-2=AU ap-southeast-3=ID ap-southeast-4=AU ap-southeast-5=MY "
        "ap-southeast-7=TH ap-northeast-1=JP ap-northeast-2=KR ap-northeast-3=JP "
        "ca-central-1=CA ca-west-1=CA eu-central-1=DE eu-central-2=CH eu-west-1=IE eu-west-2=GB "
        "eu-west-3=FR eu-south-1=IT eu-south-2=ES eu-north-1=SE il-central-1=IL me-central-1=AE "
        "me-south-1=BH mx-central-1=MX sa-east-1=BR"
    ),
    "gcp": _exact(
        "asia-east1=TW asia-east2=HK asia-northeast1=JP asia-northeast2=JP asia-northeast3=KR "
        "asia-south1=IN asia-south2=IN asia-southeast1=SG asia-southeast2=ID asia-southeast3=TH "
        "australia-southeast1=AU australia-southeast2=AU europe-central2=PL europe-north1=FI "
        "europe-north2=SE europe-southwest1=ES europe-west1=BE europe-west2=GB europe-west3=DE "
        "europe-west4=NL europe-west6=CH europe-west8=IT europe-west9=FR europe-west10=DE "
        "europe-west12=IT me-central1=QA me-central2=SA me-west1=IL "
        "northamerica-northeast1=CA northamerica-northeast2=CA northamerica-south1=MX "
        "southamerica-east1=BR southamerica-west1=CL africa-south1=ZA"
    ),
    "nebius": _exact("eu-north1=FI eu-west1=FR us-central1=US/us-central"),
    "do": _exact(
        "nyc1=US/us-east nyc2=US/us-east nyc3=US/us-east sfo1=US/us-west sfo2=US/us-west "
        "sfo3=US/us-west atl1=US/us-east tor1=CA ams2=NL ams3=NL fra1=DE lon1=GB sgp1=SG "
        "blr1=IN syd1=AU"
    ),
    "paperspace": {
        "east coast (ny2)": "US/us-east",
        "west coast (ca1)": "US/us-west",
        "europe (ams1)": "NL",
    },
    "jarvislabs": _exact("in1=IN in2=IN"),
    "verda": _exact("fin-01=FI fin-02=FI fin-03=FI ice-01=IS"),
}

_TRANSLITERATE = str.maketrans(
    {
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "Th",
        "æ": "ae",
        "Æ": "AE",
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "ı": "i",
    }
)


def _slug(text: str) -> str:
    """``"Hafnarfjarðarkaupstaður, IS, EU"`` -> ``"hafnarfjardarkaupstadur-is-eu"``."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _us_zone(tokens: list[str]) -> str:
    candidates = [*tokens, *(a + b for a, b in pairwise(tokens))]
    candidates += [a + b + c for a, b, c in zip(tokens, tokens[1:], tokens[2:], strict=False)]
    for token in candidates:
        if token in _US_PLACES:
            return _US_PLACES[token]
    for token in tokens[1:2]:
        if token in _US_DIRECTIONS:
            return _US_DIRECTIONS[token]
    return ""


def _facts(country: str, zone: str = "") -> tuple[str, str]:
    return country, zone or _COUNTRY_ZONE.get(country, "")


def _from_name(region: str) -> tuple[str, str]:
    """(country, latency zone) from a region name such as ``us-east-1`` or ``warsaw-poland-1``."""
    tokens = [re.sub(r"\d+$", "", t) for t in re.split(r"[^a-z0-9]+", region.lower())]
    tokens = [t for t in tokens if len(t) > 1]
    if not tokens:
        return "", ""
    head, second = tokens[0], (tokens[1] if len(tokens) > 1 else "")
    if head in ("us", "usa"):
        return "US", _us_zone(tokens)
    if head in ("eu", "europe"):
        if second.upper() in _KNOWN_COUNTRIES and second not in ("us",):
            return _facts("GB" if second == "uk" else second.upper())
        return "", _EU_DIRECTIONS.get(second, "")
    if head in ("asia", "ap"):
        zone = _ASIA_DIRECTIONS.get(second, "")
        return ("IN", zone) if zone == "apac-south" else ("", zone)
    if head == "australia":
        return _facts("AU")
    if head == "me":
        return "", "me"
    if head in ("af", "africa"):
        return "", "africa"
    if head in ("sa", "southamerica"):
        return "", "latam"
    if head not in _NOT_COUNTRY_PREFIX and head.upper() in _KNOWN_COUNTRIES:
        return _facts(head.upper())
    if head == "uk":
        return _facts("GB")
    for i, token in enumerate(tokens):
        pair = token + tokens[i + 1] if i + 1 < len(tokens) else ""
        country = _COUNTRY_NAMES.get(pair) or _COUNTRY_NAMES.get(token)
        if country == "US":
            return "US", _us_zone(tokens)
        if country:
            return _facts(country)
    return "", ""


def _region_facts(provider: str, region: str, display: str) -> tuple[str, str]:
    """(ISO country, latency zone) of a region; blank strings where not certain."""
    exact = _PROVIDER_REGIONS.get(provider, {}).get(region.lower())
    if exact:
        country, _, zone = exact.partition("/")
        return _facts(country, zone)
    if provider == "vast":
        parts = [p.strip() for p in display.split(",")]
        country = parts[-2].upper() if len(parts) >= 3 else ""
        if country not in _KNOWN_COUNTRIES:
            return "", ""
        if country == "US":
            return "US", _us_zone([_slug(parts[0]).replace("-", "")])
        return _facts(country)
    if provider == "primeintellect":
        country = region.strip().upper()
        return _facts(country) if country in _KNOWN_COUNTRIES else ("", "")
    return _from_name(region)


def _region_key(provider: str, raw: str) -> str:
    return _slug(raw) if provider == "vast" else raw


def _regions_frame(offerings: pd.DataFrame, displays: pd.Series) -> pd.DataFrame:
    table = (
        pd.DataFrame({"provider": offerings["provider"], "region": offerings["region"], "display": displays})
        .sort_values(["provider", "region", "display"], kind="stable")
        .drop_duplicates(["provider", "region"])
    )
    rows = []
    for provider, region, display in table.itertuples(index=False, name=None):
        country, zone = _region_facts(provider, region, display)
        rows.append(
            {
                "provider": provider,
                "region": region,
                "display_name": display,
                "country": country or pd.NA,
                "latency_zone": zone or pd.NA,
                "tags": "eu" if country in EU_MEMBERS else pd.NA,
                "grid_kgco2e_per_kwh": np.nan,
                "grid_source": pd.NA,
                "pue": np.nan,
                "pue_source": pd.NA,
            }
        )
    frame = pd.DataFrame(rows, columns=list(REGION_COLUMNS))
    return frame.astype(REGION_COLUMNS).reset_index(drop=True)


# --------------------------------------------------------------------------- parsing


def _numbers(texts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(values, bad) where bad marks non-empty texts that are not finite numbers."""
    values = pd.to_numeric(texts.mask(texts == ""), errors="coerce").astype("float64")
    bad = (texts != "") & ~np.isfinite(values)
    return values.where(~bad), bad


@dataclass
class _FileResult:
    candidates: pd.DataFrame
    problems: list[ImportProblem]


def _read_file(
    cf: _CatalogFile,
    order: int,
    price_date: str | None,
    skipped: Counter[str],
    resolved: dict[str, str | None],
) -> _FileResult:
    text = read_csv_text(cf.path, cf.display)
    records = csv_records(text, cf.display)
    first = next(records, None)
    if first is None:
        return _FileResult(pd.DataFrame(), [ImportProblem(cf.display, 1, "file is empty")])
    header_line, header = first
    names = [h.strip() for h in header]
    lookup: dict[str, int] = {}
    for i, name in enumerate(names):
        if name.lower() in lookup:
            raise InputError(f"column {name!r} appears twice", file=cf.display, line=header_line)
        lookup[name.lower()] = i
    missing = [c for c in _REQUIRED if c.lower() not in lookup]
    if missing:
        raise InputError(
            f"missing column {missing[0]!r}: not a SkyPilot vms.csv (needs " + ", ".join(_REQUIRED) + ")",
            file=cf.display,
            line=header_line,
        )

    problems: list[ImportProblem] = []
    lines: list[int] = []
    rows: list[list[str]] = []
    for line, fields in records:
        if len(fields) != len(names):
            problems.append(
                ImportProblem(
                    cf.display,
                    line,
                    f"expected {len(names)} fields as in the header, found {len(fields)}",
                )
            )
            continue
        lines.append(line)
        rows.append(fields)

    wanted = [c for c in (*_REQUIRED, *_OPTIONAL) if c.lower() in lookup]
    raw = pd.DataFrame(
        {c: [r[lookup[c.lower()]].strip() for r in rows] for c in wanted},
        dtype=object,
        index=pd.RangeIndex(len(rows)),
    )
    for c in _OPTIONAL:
        if c not in raw:
            raw[c] = ""
    raw["line"] = lines

    values: dict[str, pd.Series] = {}
    messages: list[list[str]] = [[] for _ in range(len(raw))]

    def report(mask: pd.Series, template: str, column: str = "") -> None:
        for i in np.flatnonzero(mask.to_numpy(dtype=bool)):
            messages[i].append(template.format(raw.at[i, column] if column else ""))

    report(raw["InstanceType"] == "", "InstanceType is empty")
    report(raw["Region"] == "", "Region is empty")
    for column in _NUMERIC:
        numbers, bad = _numbers(raw[column])
        values[column] = numbers
        report(bad, f"{column} {{!r}} is not a number", column)
        report(numbers < 0, f"{column} {{}} is negative", column)
    name = raw["AcceleratorName"]
    count = values["AcceleratorCount"]
    count_ok = ~_numbers(raw["AcceleratorCount"])[1] & ~(count < 0)
    no_count = (name != "") & count_ok & ~(count > 0)
    report(no_count, "AcceleratorName {!r} has no AcceleratorCount", "AcceleratorName")
    no_name = (name == "") & (count > 0)
    report(no_name, "AcceleratorCount {} given without AcceleratorName", "AcceleratorCount")

    bad_rows = np.array([bool(m) for m in messages], dtype=bool)
    for i in np.flatnonzero(bad_rows):
        problems.append(ImportProblem(cf.display, int(raw.at[i, "line"]), "; ".join(messages[i])))
    problems.sort(key=lambda p: p.line)

    valid = pd.Series(~bad_rows, index=raw.index)
    cpu_only = valid & (name == "")
    gpu = valid & (name != "")
    fractional = gpu & (count % 1 != 0)
    whole = gpu & ~fractional
    for accel in name[whole].unique():
        if accel not in resolved:
            try:
                resolved[accel] = resolve_accelerator(accel).name
            except UnknownNameError:
                resolved[accel] = None
    canonical = name.map(lambda n: resolved.get(n)).where(whole)
    unknown = whole & canonical.isna()
    known = whole & ~unknown
    price, spot = values["Price"], values["SpotPrice"]
    has_od, has_spot = price > 0, spot > 0
    no_price = known & ~has_od & ~has_spot

    skipped["cpu_only"] += int(cpu_only.sum())
    skipped["fractional_accelerator"] += int(fractional.sum())
    for accel, n in name[unknown].value_counts(sort=False).items():
        skipped[f"unknown_accelerator:{accel}"] += int(n)
    skipped["no_price"] += int(no_price.sum())

    date = price_date or datetime.fromtimestamp(cf.path.stat().st_mtime, tz=UTC).strftime("%Y-%m-%d")
    source = f"SkyPilot catalog {cf.version + '/' if cf.version else ''}{cf.provider}/{cf.path.name}"
    display_region = raw["Region"]
    base = pd.DataFrame(
        {
            "provider": cf.provider,
            "region": display_region.map(lambda r: _region_key(cf.provider, r)),
            "instance_type": raw["InstanceType"],
            "accelerator": canonical,
            "accelerator_count": count,
            "vcpus": values["vCPUs"],
            "memory_gib": values["MemoryGiB"],
            "price_date": date,
            "source": source,
            "display_region": display_region,
            "order": order,
            "line": raw["line"],
        }
    )
    od_mask, spot_mask = known & has_od, known & has_spot
    on_demand = base[od_mask].assign(pricing_model="on_demand", price_usd_per_hour=price[od_mask])
    spot_rows = base[spot_mask].assign(pricing_model="spot", price_usd_per_hour=spot[spot_mask])
    return _FileResult(pd.concat([on_demand, spot_rows], ignore_index=True), problems)


# --------------------------------------------------------------------------- public API


def _empty_offerings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in OFFERING_COLUMNS.items()})


def import_skypilot(path: str | Path, *, strict: bool = False, price_date: str | None = None) -> SkyPilotImport:
    """Import every ``<cloud>/vms.csv`` under ``path`` as GPU offerings.

    ``path`` is a version folder (``~/.sky/catalogs/v8``), a folder of version folders (for each
    cloud the newest version is used), a single cloud folder or a single ``vms.csv`` file.
    Malformed rows become :class:`ImportProblem` entries, or with ``strict=True`` raise
    :class:`InputError` for the first one. ``price_date`` (``YYYY-MM-DD`` or ``YYYY-MM``)
    defaults to each file's modification date.
    """
    if price_date is not None and not is_price_date(price_date):
        raise InputError(f"price date {price_date!r} is not YYYY-MM-DD or YYYY-MM")
    shown = str(path)
    skipped: Counter[str] = Counter()
    files = _discover(Path(path), shown, skipped)

    problems: list[ImportProblem] = []
    parts: list[pd.DataFrame] = []
    resolved: dict[str, str | None] = {}
    for order, cf in enumerate(files):
        result = _read_file(cf, order, price_date, skipped, resolved)
        if strict and result.problems:
            first = result.problems[0]
            raise InputError(first.message, file=first.file, line=first.line)
        problems.extend(result.problems)
        if len(result.candidates):
            parts.append(result.candidates)

    if parts:
        candidates = pd.concat(parts, ignore_index=True)
        candidates = candidates.sort_values([*_KEY, "price_usd_per_hour", "order", "line"], kind="stable")
        kept = candidates.drop_duplicates(_KEY, keep="first")
        skipped["duplicate"] += len(candidates) - len(kept)
        kept = kept.reset_index(drop=True)
        offerings = kept.assign(**{c: np.nan for c in OFFERING_COLUMNS if c not in kept.columns})[
            list(OFFERING_COLUMNS)
        ].astype(OFFERING_COLUMNS)
        regions = _regions_frame(offerings, kept["display_region"])
    else:
        offerings = _empty_offerings()
        regions = pd.DataFrame({c: pd.Series(dtype=t) for c, t in REGION_COLUMNS.items()})

    return SkyPilotImport(
        offerings=offerings.reset_index(drop=True),
        regions=regions,
        problems=tuple(problems),
        skipped={k: v for k, v in sorted(skipped.items()) if v},
        files=tuple(cf.display for cf in files),
    )


IMPORT_SCHEMA = "fleetplan.catalog_import/1"


def import_summary(result: SkyPilotImport, output: str | Path) -> dict[str, Any]:
    """The ``fleetplan.catalog_import/1`` document of an import written to ``output``: files read,
    offerings per provider, rows left out on purpose (by reason) and malformed rows skipped."""
    by_provider = result.offerings.groupby("provider").size().sort_index()
    return {
        "schema": IMPORT_SCHEMA,
        "output": str(output),
        "files": list(result.files),
        "offerings": len(result.offerings),
        "offerings_by_provider": {str(k): int(v) for k, v in by_provider.items()},
        "skipped": dict(sorted(result.skipped.items())),
        "problems": [p.one_line() for p in result.problems],
    }
