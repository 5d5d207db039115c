"""Read and write offering catalogs as CSV files (the ``OFFERING_COLUMNS`` format).

This is the format the SkyPilot importer writes and users may edit by hand, so reading validates
every cell and reports the file, line and column of the first bad value. Writing is atomic: the
rows go to a temporary file in the target folder, which then replaces the target in one step.

The two helpers :func:`read_csv_text` and :func:`csv_records` are shared with the importers: they
bound memory, reject binary files and yield records with their physical line numbers.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd

from fleetplan._io import open_atomic
from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.catalog.schema import OFFERING_COLUMNS
from fleetplan.errors import InputError, UnknownNameError, did_you_mean
from fleetplan.model.base import PRICING_MODELS

__all__ = [
    "MAX_FILE_BYTES",
    "csv_records",
    "is_price_date",
    "read_csv_text",
    "read_offerings_csv",
    "write_offerings_csv",
]

MAX_FILE_BYTES = 200 * 1024 * 1024
"""Largest CSV file read into memory (200 MB)."""

_REQUIRED_TEXT = ("provider", "region", "instance_type", "accelerator", "pricing_model")
_REQUIRED_NUMBER = ("price_usd_per_hour",)
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


# --------------------------------------------------------------------------- shared helpers


def read_csv_text(path: Path, display: str) -> str:
    """The text of a CSV file: size-bounded, UTF-8 (a BOM is dropped), never binary.

    Raises :class:`InputError` naming ``display`` when the file cannot be read, is larger than
    :data:`MAX_FILE_BYTES`, contains NUL bytes or is not UTF-8.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", file=display) from exc
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"file is {size / 1e6:.0f} MB; files larger than {MAX_FILE_BYTES // (1024 * 1024)} MB are refused",
            file=display,
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", file=display) from exc
    if b"\x00" in data:
        raise InputError("not a CSV text file (it contains NUL bytes)", file=display)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"not a CSV text file (invalid UTF-8 at byte {exc.start})", file=display, line=line) from exc


def csv_records(text: str, display: str) -> Iterator[tuple[int, list[str]]]:
    """``(line, fields)`` for every non-blank CSV record of ``text``.

    ``line`` is the 1-based physical line where the record starts, so records with quoted
    newlines and files with CRLF or CR line ends are numbered as an editor shows them.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    previous_end = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(f"not a valid CSV file: {exc}", file=display, line=previous_end + 1) from exc
        start = previous_end + 1
        previous_end = reader.line_num
        if fields:
            yield start, fields


def is_price_date(text: str) -> bool:
    """True when ``text`` is an ISO date ``YYYY-MM-DD`` or month ``YYYY-MM``."""
    match = _DATE_RE.match(text)
    if not match:
        return False
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- reading


def _parse_float(text: str) -> float | None:
    """The finite float in ``text``, or None when it is not a plain finite number."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_offerings_csv(path: str | Path) -> pd.DataFrame:
    """Read an offering catalog CSV with exactly the ``OFFERING_COLUMNS`` columns.

    Column order is free; every column must be present and no other column is allowed. Blank
    cells are missing values, except in provider, region, instance_type, accelerator,
    pricing_model and price_usd_per_hour, which are required. Accelerator names are resolved to
    their canonical names. Rows keep the file's order.

    Raises :class:`InputError` naming the file, line and column of the first bad value.
    """
    display = str(path)
    text = read_csv_text(Path(path), display)
    records = csv_records(text, display)
    first = next(records, None)
    if first is None:
        raise InputError(
            "file is empty; expected a header with columns " + ", ".join(OFFERING_COLUMNS),
            file=display,
            line=1,
        )
    header_line, header = first
    names = [h.strip() for h in header]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"column {name!r} appears twice", file=display, line=header_line)
        seen.add(name)
        if name not in OFFERING_COLUMNS:
            raise InputError(
                f"unknown column {name!r}{did_you_mean(name, OFFERING_COLUMNS)}",
                file=display,
                line=header_line,
                path=name,
            )
    for name in OFFERING_COLUMNS:
        if name not in seen:
            raise InputError(f"missing column {name!r}", file=display, line=header_line, path=name)
    index = {name: i for i, name in enumerate(names)}

    columns: dict[str, list] = {name: [] for name in OFFERING_COLUMNS}
    resolved: dict[str, str] = {}
    keys: dict[tuple[str, str, str, str], int] = {}
    for line, fields in records:
        if len(fields) != len(names):
            raise InputError(
                f"expected {len(names)} fields as in the header, found {len(fields)}",
                file=display,
                line=line,
            )
        for name, dtype in OFFERING_COLUMNS.items():
            raw = fields[index[name]].strip()
            columns[name].append(_parse_cell(name, dtype, raw, display, line, resolved))
        key = (
            columns["provider"][-1],
            columns["region"][-1],
            columns["instance_type"][-1],
            columns["pricing_model"][-1],
        )
        if key in keys:
            raise InputError(
                f"duplicate offering {'/'.join(key)} (first on line {keys[key]})",
                file=display,
                line=line,
            )
        keys[key] = line

    frame = pd.DataFrame(columns)
    return frame.astype(OFFERING_COLUMNS)[list(OFFERING_COLUMNS)]


def _parse_cell(name: str, dtype: str, raw: str, display: str, line: int, resolved: dict[str, str]) -> object:
    def fail(message: str) -> InputError:
        return InputError(message, file=display, line=line, path=name)

    if dtype == "string":
        if not raw:
            if name in _REQUIRED_TEXT:
                raise fail("value is required")
            return pd.NA
        if name == "accelerator":
            if raw not in resolved:
                try:
                    resolved[raw] = resolve_accelerator(raw).name
                except UnknownNameError as exc:
                    raise fail(str(exc)) from exc
            return resolved[raw]
        if name == "pricing_model":
            model = raw.lower()
            if model not in PRICING_MODELS:
                raise fail(f"pricing model {raw!r} is not one of {', '.join(PRICING_MODELS)}")
            return model
        if name == "price_date" and not is_price_date(raw):
            raise fail(f"date {raw!r} is not YYYY-MM-DD or YYYY-MM")
        return raw

    if not raw:
        if name in _REQUIRED_NUMBER or dtype == "int64":
            raise fail("value is required")
        return math.nan
    value = _parse_float(raw)
    if value is None:
        raise fail(f"{raw!r} is not a number")
    if value < 0:
        raise fail(f"{raw} is negative")
    if dtype == "int64":
        if value != int(value) or value < 1:
            raise fail(f"{raw} is not a whole number of at least 1")
        return int(value)
    if name == "lifetime_years" and value == 0:
        raise fail("lifetime must be positive")
    return value


# --------------------------------------------------------------------------- writing


def _format_cell(value: object, dtype: str) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if dtype == "string":
        return str(value)
    if dtype == "int64":
        number = float(value)  # type: ignore[arg-type]
        if not math.isfinite(number) or number != int(number):
            raise ValueError(f"{value!r} is not a whole number")
        return str(int(number))
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return ""
    if math.isinf(number):
        raise ValueError(f"{value!r} is not a finite number")
    return repr(number)


def write_offerings_csv(df: pd.DataFrame, path: str | Path) -> None:
    """Write ``df`` (exactly the ``OFFERING_COLUMNS`` columns) to ``path`` atomically.

    Floats are written with Python's shortest exact representation, so
    :func:`read_offerings_csv` gives back equal values; missing values are blank cells. The
    rows go to a temporary file beside ``path`` that replaces it only when everything was
    written, so a failure leaves any previous file untouched and no partial file behind.
    """
    missing = [c for c in OFFERING_COLUMNS if c not in df.columns]
    extra = [c for c in df.columns if c not in OFFERING_COLUMNS]
    if missing or extra:
        raise ValueError(f"offerings frame columns differ: missing {missing}, unexpected {extra}")
    dtypes = list(OFFERING_COLUMNS.values())
    with open_atomic(path, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(list(OFFERING_COLUMNS))
        values = df[list(OFFERING_COLUMNS)].itertuples(index=False, name=None)
        for row in values:
            writer.writerow([_format_cell(v, t) for v, t in zip(row, dtypes, strict=True)])
