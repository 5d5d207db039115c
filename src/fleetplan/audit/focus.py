"""Read FOCUS billing exports (1.0, 1.1, 1.2; 1.3's renamed columns) into one DuckDB table.

Contract of :func:`read_bills`:

- ``paths`` are files or folders (searched for ``*.csv``, ``*.csv.gz`` and ``*.parquet``); a path
  that does not exist, an empty folder, a 0-byte or binary file, a header that is not CSV, or a
  file missing a mandatory column is an :class:`InputError` naming the file (exit 2). Nothing is
  read beyond the first :data:`MAX_HEADER_BYTES` until the header is known to be FOCUS.
- The FOCUS version of each file is detected from its columns (the columns a version introduced).
- Rows stream through DuckDB (``read_csv``/``read_parquet``), never one pandas frame; DuckDB's
  memory is capped at :data:`DUCKDB_MEMORY_LIMIT` and spills to a temporary folder beyond it.
- Real-world quirks are accepted: ``NULL``/``null``/empty nulls, datetimes with or without ``T``
  and ``Z`` (offsets are converted to UTC), enum casing drift (``Usage-based``), quoted numbers, a
  UTF-8 BOM, CRLF, custom ``x_`` columns, header-only files.
- A row with a bad value (an unparsable number or date, an unknown charge category, a null in a
  column FOCUS says is never null, a negative usage quantity
  with a positive cost (Microsoft's exports carry negative quantity and cost together: kept), a charge
  period that ends before it starts, a currency other than USD) is left out of every figure and
  reported as a :class:`BillProblem` with its file and line, and counted. ``strict=True`` makes the
  first one an :class:`InputError`.

The table ``bill`` has the FOCUS columns the audit uses (absent optional columns are null) plus
``_file`` (index into :attr:`Bill.files`) and ``_row`` (1-based data row of the file).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from fleetplan.data.focus import INTRODUCED, MANDATORY
from fleetplan.errors import InputError

__all__ = [
    "DUCKDB_MEMORY_LIMIT",
    "MANDATORY",
    "MAX_HEADER_BYTES",
    "NEVER_NULL",
    "REQUIRED_VALUES",
    "Bill",
    "BillFile",
    "BillProblem",
    "detect_version",
    "read_bills",
]

MAX_HEADER_BYTES = 1 << 20
"""A header line longer than this (1 MiB) is not a FOCUS header."""

DUCKDB_MEMORY_LIMIT = "600MB"
"""DuckDB's memory cap while reading bills; larger work spills to a temporary folder."""

MAX_PROBLEMS_KEPT = 1000
"""Problems listed with their line; beyond this they are counted only."""

NEVER_NULL: tuple[str, ...] = (
    "BilledCost",
    "BillingAccountId",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ContractedCost",
    "EffectiveCost",
    "ListCost",
    "ProviderName",
    "ServiceCategory",
)
"""Mandatory columns the specification says never hold a null ("Allows nulls: False"). A null in one
of them is a data-quality note (:attr:`Bill.quality`); the row is left out only when the column is
one of :data:`REQUIRED_VALUES`."""

REQUIRED_VALUES: tuple[str, ...] = ("BilledCost", "EffectiveCost", "ChargeCategory", "ChargePeriodStart")
"""Columns without which a row cannot be counted: such a row is a problem, left out."""

RENAMED_1_3: dict[str, str] = {"ServiceProviderName": "ProviderName", "HostProviderName": "PublisherName"}
"""FOCUS 1.3 names read as their 1.2 columns when the 1.2 name is absent."""

DECIMAL = "DECIMAL(38,12)"
_METRICS = (
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "ListUnitPrice",
    "ContractedUnitPrice",
    "PricingQuantity",
    "ConsumedQuantity",
    "CommitmentDiscountQuantity",
)
_TIMES = ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd")
_TEXT = (
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "ConsumedUnit",
    "InvoiceIssuerName",
    "PricingCategory",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SubAccountId",
    "SubAccountName",
    "Tags",
    "x_InstanceType",
)
COLUMNS: tuple[str, ...] = _METRICS + _TIMES + _TEXT
"""The columns of the ``bill`` table, besides ``_file`` and ``_row``."""

ENUMS: dict[str, tuple[str, ...]] = {
    "ChargeCategory": ("Usage", "Purchase", "Tax", "Credit", "Adjustment"),
    "ChargeClass": ("Correction",),
    "ChargeFrequency": ("One-Time", "Recurring", "Usage-Based"),
    "PricingCategory": ("Standard", "Dynamic", "Committed", "Other"),
    "CommitmentDiscountCategory": ("Spend", "Usage"),
    "CommitmentDiscountStatus": ("Used", "Unused"),
}
"""Allowed values (FOCUS v1.2 column definitions); matched case-insensitively, stored canonical."""

_SUFFIXES = (".csv", ".csv.gz", ".parquet")


@dataclass(frozen=True)
class BillFile:
    """One file read: its name as shown, FOCUS version, data rows, rows left out."""

    path: str
    format: str  # csv | parquet
    focus_version: str
    rows: int
    rows_rejected: int
    columns_custom: tuple[str, ...]


@dataclass(frozen=True)
class BillProblem:
    """A row left out of the audit: where it is and why. ``line`` is the physical line of a CSV
    file (header = line 1) or the 1-based row of a Parquet file; ``None`` when only counted."""

    file: str
    line: int | None
    column: str | None
    message: str

    def one_line(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: {self.column + ': ' if self.column else ''}{self.message}"


@dataclass
class Bill:
    """Bills read into DuckDB. Close it (or use it as a context manager) to free the temp folder."""

    con: duckdb.DuckDBPyConnection
    files: list[BillFile]
    problems: list[BillProblem] = field(default_factory=list)
    problem_count: int = 0
    quality: list[str] = field(default_factory=list)
    _tmp: str | None = None

    @property
    def rows(self) -> int:
        return int(self.con.execute("SELECT count(*) FROM bill").fetchone()[0])  # type: ignore[index]

    def sql(self, query: str, params: Sequence[Any] | None = None) -> Any:
        """A pandas frame of ``query`` over the table ``bill`` (results are small aggregates)."""
        return self.con.execute(query, params or []).df()

    def close(self) -> None:
        try:
            self.con.close()
        finally:
            if self._tmp:
                shutil.rmtree(self._tmp, ignore_errors=True)
                self._tmp = None

    def __enter__(self) -> Bill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- files and headers


def _discover(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(
                q
                for q in p.rglob("*")
                if q.is_file() and q.name.lower().endswith(_SUFFIXES) and not q.name.startswith(".")
            )
            if not found:
                raise InputError("no billing files (*.csv, *.csv.gz, *.parquet) in this folder", file=str(raw))
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise InputError("no such file or folder", file=str(raw))
    if not out:
        raise InputError("no billing files given")
    return out


def _kind(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(4)
    if head == b"PAR1":
        return "parquet"
    if head[:2] == b"\x1f\x8b":
        return "csv.gz"
    return "csv"


def _header_csv(path: Path, display: str, gz: bool) -> list[str]:
    """The header fields of a CSV file, reading at most :data:`MAX_HEADER_BYTES`."""
    opener = gzip.open if gz else open
    try:
        with opener(path, "rb") as fh:  # type: ignore[operator]
            chunk = fh.read(MAX_HEADER_BYTES)
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read file: {exc}", file=display) from exc
    if not chunk:
        raise InputError("empty file (0 bytes): a FOCUS export has at least a header row", file=display)
    if b"\x00" in chunk:
        raise InputError("not a CSV text file (it contains NUL bytes)", file=display)
    end = chunk.find(b"\n")
    if end < 0 and len(chunk) >= MAX_HEADER_BYTES:
        raise InputError(f"no header line within the first {MAX_HEADER_BYTES // 1024} KiB", file=display, line=1)
    line = chunk if end < 0 else chunk[:end]
    try:
        text = line.decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError as exc:
        raise InputError("not a CSV text file (the header is not UTF-8)", file=display, line=1) from exc
    fields = next(csv.reader(io.StringIO(text)), [])
    return [f.strip() for f in fields]


def _header_parquet(con: duckdb.DuckDBPyConnection, path: Path, display: str) -> list[str]:
    try:
        rows = con.execute("SELECT name FROM parquet_schema(?) WHERE num_children IS NULL", [str(path)]).fetchall()
    except duckdb.Error as exc:
        raise InputError(f"not a readable Parquet file ({_short(exc)})", file=display) from exc
    return [r[0] for r in rows]


def detect_version(columns: Iterable[str]) -> str:
    """FOCUS version of a column set: the newest version whose added columns appear ("1.0" if none)."""
    cols = set(columns)
    for version in ("1.2", "1.1"):
        if cols & set(INTRODUCED[version]):
            return version
    return "1.0"


def _resolve_columns(header: list[str], display: str) -> dict[str, str]:
    """Map of our column name -> the file's column name; InputError on missing mandatory columns."""
    present = {h: h for h in header if h}
    for new, old in RENAMED_1_3.items():
        if old not in present and new in present:
            present[old] = new
    missing = [c for c in MANDATORY if c not in present]
    if missing:
        raise InputError(
            f"not a FOCUS export: missing mandatory column{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            file=display,
            line=1,
        )
    return {c: present[c] for c in COLUMNS if c in present}


def _short(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:200]


# --------------------------------------------------------------------------- loading


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _select_list(mapping: dict[str, str], *, typed_by_reader: bool) -> str:
    """The SELECT expressions turning a file's columns into the ``bill`` table's columns."""
    out = []
    for col in COLUMNS:
        src = mapping.get(col)
        if src is None:
            kind = DECIMAL if col in _METRICS else "TIMESTAMPTZ" if col in _TIMES else "VARCHAR"
            out.append(f"CAST(NULL AS {kind}) AS {col}")
            continue
        expr = _quote(src)
        if not typed_by_reader:  # Parquet: cast here; failures become nulls flagged below
            expr = _parquet_text(src)
            if col in _METRICS:
                expr = f"TRY_CAST({expr} AS {DECIMAL})"
            elif col in _TIMES:
                expr = f"TRY_CAST({expr} AS TIMESTAMPTZ)"
        if col in ENUMS:
            cases = " ".join(f"WHEN '{v.lower()}' THEN '{v}'" for v in ENUMS[col])
            expr = f"CASE lower(trim({expr})) {cases} ELSE nullif(trim({expr}), '') END"
        elif col in _TEXT:
            expr = f"nullif(trim({expr}), '')"
        out.append(f"{expr} AS {col}")
    return ", ".join(out)


def _parquet_text(src: str) -> str:
    """A Parquet column as text with the null spellings of CSV exports (empty, NULL, null) as null."""
    return f"nullif(nullif(nullif(trim(CAST({_quote(src)} AS VARCHAR)), ''), 'NULL'), 'null')"


def _problem_sql() -> str:
    """A SQL expression naming the first semantic problem of a row, or NULL."""
    checks = [f"WHEN {c} IS NULL THEN '{c}: null, but every figure needs it'" for c in REQUIRED_VALUES]
    checks += [
        f"WHEN {col} NOT IN ({', '.join(repr(v) for v in vals)}) THEN '{col}: unknown value ' || {col}"
        for col, vals in ENUMS.items()
    ]
    checks += [
        "WHEN upper(BillingCurrency) <> 'USD' "
        "THEN 'BillingCurrency: ' || BillingCurrency || ' (fleetplan audits USD bills)'",
        "WHEN ChargePeriodEnd < ChargePeriodStart THEN 'ChargePeriodEnd: before ChargePeriodStart'",
        "WHEN BillingPeriodEnd < BillingPeriodStart THEN 'BillingPeriodEnd: before BillingPeriodStart'",
        "WHEN ChargeClass IS NULL AND ChargeCategory = 'Usage' AND ConsumedQuantity < 0 AND BilledCost > 0 "
        "THEN 'ConsumedQuantity: negative usage quantity with a positive cost (not a correction)'",
        "WHEN ChargeClass IS NULL AND ChargeCategory = 'Usage' AND PricingQuantity < 0 AND BilledCost > 0 "
        "THEN 'PricingQuantity: negative quantity with a positive cost (not a correction)'",
    ]
    return "CASE " + " ".join(checks) + " ELSE NULL END"


def _csv_reader(path: Path, header: list[str]) -> str:
    types = {}
    known = {**{c: DECIMAL for c in _METRICS}, **{c: "TIMESTAMPTZ" for c in _TIMES}}
    renamed = {new: old for new, old in RENAMED_1_3.items()}
    for h in header:
        types[h] = known.get(renamed.get(h, h), "VARCHAR")
    cols = "{" + ", ".join(f"{_sql_str(k)}: '{v}'" for k, v in types.items()) + "}"
    return (
        f"read_csv({_sql_str(str(path))}, header=true, auto_detect=false, delim=',', quote='\"', escape='\"', "
        f"nullstr=['NULL', 'null', ''], columns={cols}, store_rejects=true, "
        f"rejects_table='rejects', rejects_scan='rejects_scan', compression='auto')"
    )


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _new_connection(tmp: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = {_sql_str(tmp)}")
    con.execute("SET preserve_insertion_order = true")
    cols = ", ".join(
        f"{c} {DECIMAL if c in _METRICS else 'TIMESTAMPTZ' if c in _TIMES else 'VARCHAR'}" for c in COLUMNS
    )
    con.execute(f"CREATE TABLE bill (_file INTEGER, _row BIGINT, {cols})")
    con.execute("CREATE TABLE flagged (_file INTEGER, _row BIGINT, problem VARCHAR)")
    return con


def read_bills(paths: Iterable[str | Path], *, strict: bool = False) -> Bill:
    """Read FOCUS exports into a :class:`Bill` (see the module docstring for the contract)."""
    found = _discover(paths)
    tmp = tempfile.mkdtemp(prefix="fleetplan-audit-")
    con = _new_connection(tmp)
    bill = Bill(con=con, files=[], _tmp=tmp)
    try:
        for i, path in enumerate(found):
            _load_file(bill, i, path, str(path), strict=strict)
        bill.quality = _quality_notes(bill)
    except BaseException:
        bill.close()
        raise
    return bill


def _quality_notes(bill: Bill) -> list[str]:
    """Nulls where FOCUS requires a value, in columns the audit can do without: counted, kept."""
    cols = [c for c in NEVER_NULL if c not in REQUIRED_VALUES]
    counts = bill.con.execute(
        "SELECT " + ", ".join(f"count(*) FILTER ({c} IS NULL)" for c in cols) + " FROM bill"
    ).fetchone()
    return [
        f"{c}: null in {n:,} row{'s' if n != 1 else ''} (FOCUS requires a value; kept, counted as unknown)"
        for c, n in zip(cols, counts or (), strict=True)
        if n
    ]


def _load_file(bill: Bill, index: int, path: Path, display: str, *, strict: bool) -> None:
    con = bill.con
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", file=display) from exc
    if size == 0:
        raise InputError("empty file (0 bytes): a FOCUS export has at least a header row", file=display)
    kind = _kind(path)
    if kind == "parquet":
        header = _header_parquet(con, path, display)
    else:
        header = _header_csv(path, display, gz=kind == "csv.gz")
    mapping = _resolve_columns(header, display)
    version = detect_version(header)
    custom = tuple(h for h in header if h.startswith("x_"))
    if kind == "parquet":
        source = f"read_parquet({_sql_str(str(path))}, file_row_number=true)"
        row_expr = "file_row_number + 1"
        select = _select_list(mapping, typed_by_reader=False)
    else:
        source = _csv_reader(path, header)
        row_expr = "row_number() OVER ()"
        select = _select_list(mapping, typed_by_reader=True)
    before = _count(con, "bill")
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE staged AS "
            f"SELECT {index} AS _file, {row_expr} AS _row, {select} FROM {source}"
        )
    except duckdb.Error as exc:
        raise InputError(f"cannot read as FOCUS {kind.split('.')[0].upper()} ({_short(exc)})", file=display) from exc
    rejects = _rejects(bill, kind, header)
    if kind == "parquet":
        _flag_parquet_casts(bill, index, source, mapping)
    con.execute(
        f"INSERT INTO flagged SELECT _file, _row, problem FROM (SELECT _file, _row, {_problem_sql()} AS problem "
        f"FROM staged WHERE _row NOT IN (SELECT _row FROM flagged WHERE _file = {index})) WHERE problem IS NOT NULL"
    )
    n_flagged = _count(con, "flagged", f"_file = {index}")
    if rejects or n_flagged:
        _report(bill, index, path, display, kind, rejects, n_flagged, strict=strict)
    con.execute(
        f"INSERT INTO bill SELECT * FROM staged WHERE _row NOT IN (SELECT _row FROM flagged WHERE _file = {index})"
    )
    rows = _count(con, "bill") - before
    bill.files.append(
        BillFile(display, "parquet" if kind == "parquet" else "csv", version, rows, len(rejects) + n_flagged, custom)
    )
    con.execute("DROP TABLE staged")


def _count(con: duckdb.DuckDBPyConnection, table: str, where: str = "true") -> int:
    return int(con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0])  # type: ignore[index]


def _rejects(bill: Bill, kind: str, header: list[str]) -> dict[int, tuple[str | None, str]]:
    """Records DuckDB's CSV reader refused (wrong field count, unparsable values), keyed by record
    number (the header is record 1): ``(column, message)``."""
    if kind == "parquet":
        return {}
    rows = bill.con.execute(
        "SELECT line, column_name, error_type, error_message, csv_line FROM rejects ORDER BY line"
    ).fetchall()
    out: dict[int, tuple[str | None, str]] = {}
    for record, column, error_type, message, csv_line in rows:
        if int(record) not in out:
            text = _reject_message(str(error_type), str(message))
            col = _cast_column(header, str(message), str(csv_line or "")) or column
            out[int(record)] = (RENAMED_1_3.get(col, col) if col else None, text)
    bill.con.execute("DELETE FROM rejects")
    bill.con.execute("DELETE FROM rejects_scan")
    return out


def _cast_column(header: list[str], message: str, csv_line: str) -> str | None:
    """The column whose value failed to cast: DuckDB's ``column_name`` (and the column its message
    names) can be another one when the scan projects columns, so find the value in the line."""
    m = re.search(r'Could not convert string "(.*?)" to', message)
    if not m:
        return None
    try:
        fields = next(csv.reader(io.StringIO(csv_line.strip("\r\n"))), [])
    except csv.Error:
        return None
    typed = {c for c in (*_METRICS, *_TIMES)}
    typed |= {new for new, old in RENAMED_1_3.items() if old in typed}
    hits = [h for h, v in zip(header, fields, strict=False) if v == m.group(1) and h in typed]
    return hits[0] if hits else None


def _reject_message(error_type: str, message: str) -> str:
    if error_type == "CAST":
        m = re.search(r'Could not convert string "(.*?)" to \'(\w+)', message)
        if m:
            kind = {"TIMESTAMP": "a date-time", "TIMESTAMP WITH TIME ZONE": "a date-time"}.get(m.group(2), "a number")
            if "TIMESTAMP" in m.group(2):
                kind = "a date-time"
            return f"{m.group(1)!r} is not {kind}"
    return message.strip().splitlines()[0][:200]


def _flag_parquet_casts(bill: Bill, index: int, source: str, mapping: dict[str, str]) -> None:
    """Parquet values that do not cast (text where a number or date-time belongs) are flagged."""
    for col in (*_METRICS, *_TIMES):
        src = mapping.get(col)
        if src is None:
            continue
        kind, what = (DECIMAL, "a number") if col in _METRICS else ("TIMESTAMPTZ", "a date-time")
        q = _parquet_text(src)
        bill.con.execute(
            f"INSERT INTO flagged SELECT {index}, file_row_number + 1, '{col}: ' || CAST({q} AS VARCHAR) || "
            f"' is not {what}' FROM {source} WHERE {q} IS NOT NULL AND TRY_CAST({q} AS {kind}) IS NULL"
        )


def _report(
    bill: Bill,
    index: int,
    path: Path,
    display: str,
    kind: str,
    rejects: dict[int, tuple[str | None, str]],
    n_flagged: int,
    *,
    strict: bool,
) -> None:
    """Problems of one file in line order: refused records and flagged rows, with their lines."""
    flagged = bill.con.execute(
        f"SELECT _row, problem FROM flagged WHERE _file = {index} ORDER BY _row LIMIT {MAX_PROBLEMS_KEPT}"
    ).fetchall()
    wanted = {int(r) for r, _ in flagged}
    if kind == "parquet":
        row_lines, record_lines = {r: r for r in wanted}, {}
    else:
        row_lines, record_lines = _physical_lines(path, wanted, set(rejects), gz=kind == "csv.gz")
    found: list[BillProblem] = [
        BillProblem(display, record_lines.get(rec, rec), col, msg) for rec, (col, msg) in rejects.items()
    ]
    for r, p in flagged:
        col, _, msg = str(p).partition(": ")
        found.append(BillProblem(display, row_lines.get(int(r)), col, msg))
    found.sort(key=lambda pr: pr.line or 0)
    for problem in found:
        _add_problem(bill, problem, strict=strict)
    bill.problem_count += max(0, n_flagged - len(flagged))


def _physical_lines(
    path: Path, rows: set[int], records: set[int], *, gz: bool
) -> tuple[dict[int, int], dict[int, int]]:
    """Physical start lines of accepted data rows (1-based, as DuckDB numbers the rows it kept) and
    of records (header = record 1, as DuckDB numbers the ones it refused). Quoted fields may span
    lines, so lines are counted by reading the file, only when it has problems."""
    row_lines: dict[int, int] = {}
    record_lines: dict[int, int] = {}
    last_row, last_record = max(rows, default=0), max(records, default=0)
    opener = gzip.open if gz else open
    with opener(path, "rt", encoding="utf-8-sig", newline="", errors="replace") as fh:  # type: ignore[operator]
        reader = csv.reader(fh)
        next(reader, None)
        ordinal, record = 0, 1
        start = reader.line_num + 1
        try:
            for _ in reader:
                record += 1
                if record in records:
                    record_lines[record] = start
                else:
                    ordinal += 1
                    if ordinal in rows:
                        row_lines[ordinal] = start
                if ordinal >= last_row and record >= last_record:
                    break
                start = reader.line_num + 1
        except csv.Error:
            pass
    return row_lines, record_lines


def _add_problem(bill: Bill, problem: BillProblem, *, strict: bool) -> None:
    if strict:
        raise InputError(
            f"{problem.message} (--strict stops at the first bad row)",
            file=problem.file,
            line=problem.line,
            path=problem.column,
        )
    bill.problem_count += 1
    if len(bill.problems) < MAX_PROBLEMS_KEPT:
        bill.problems.append(problem)
