"""Synthetic FOCUS bills: exact row count, same bytes per seed, the version's columns, a truth that
DuckDB recomputes from the written file to the cent, FOCUS cost relations, CSV/gzip/Parquet alike."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from fleetplan.catalog.builtin import builtin_offerings
from fleetplan.generate import (
    FOCUS_MANDATORY_COLUMNS,
    GenerateError,
    focus_columns,
    generate_bill,
    write_bill_truth,
)

ROWS = 2_500
PROVIDER = {"AWS": "aws", "Microsoft": "azure", "Google Cloud": "gcp", "Oracle": "oci"}
CENT = 0.005 + 1e-6


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bills")


@pytest.fixture(scope="module")
def csv_bill(out: Path) -> tuple[Path, dict[str, Any]]:
    path = out / "bill.csv"
    return path, generate_bill(path, rows=ROWS, seed=3)


def _read(path: Path, *, nulls: str = "") -> str:
    """DuckDB's reader of ``path``; CSV columns typed from the whole file."""
    if path.name.endswith(".parquet"):
        return f"read_parquet('{path}')"
    return f"read_csv('{path}', header = true, sample_size = -1, nullstr = '{nulls}')"


def test_exact_rows_and_same_bytes_per_seed(csv_bill: tuple[Path, dict[str, Any]], out: Path) -> None:
    path, truth = csv_bill
    assert duckdb.sql(f"SELECT count(*) FROM {_read(path)}").fetchall() == [(ROWS,)]
    assert truth["rows"] == ROWS == sum(truth["row_kinds"].values())
    again = out / "again.csv"
    assert generate_bill(again, rows=ROWS, seed=3) == truth
    assert again.read_bytes() == path.read_bytes()
    other = out / "other.csv"
    generate_bill(other, rows=ROWS, seed=4)
    assert other.read_bytes() != path.read_bytes()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


@pytest.mark.parametrize(("version", "count"), [("1.0", 43), ("1.1", 50), ("1.2", 57)])
def test_columns_are_the_versions_set(out: Path, version: str, count: int) -> None:
    cols = focus_columns(version)
    assert len(cols) == count and list(cols) == sorted(cols)
    assert set(FOCUS_MANDATORY_COLUMNS) <= set(cols) and len(FOCUS_MANDATORY_COLUMNS) == 21
    path = out / f"v{version}.csv"
    generate_bill(path, rows=400, providers=("aws", "gcp"), months=1, version=version)
    header = path.read_text().split("\n", 1)[0].split(",")
    assert header == [*cols, "x_InstanceType"]
    assert ("SkuPriceDetails" in header) == (version != "1.0")
    assert ("InvoiceId" in header) == (version == "1.2")


def _recomputed(path: Path, *, nulls: str = "") -> dict[str, Any]:
    """The truth's figures, summed by DuckDB from the written file (and the catalog, for accelerators)."""
    src = _read(path, nulls=nulls)
    con = duckdb.connect()
    con.execute(f"CREATE TABLE bill AS SELECT * FROM {src}")
    sums = ", ".join(f"sum({c})::DOUBLE" for c in ("BilledCost", "ContractedCost", "EffectiveCost", "ListCost"))
    names = ("billed_cost_usd", "contracted_cost_usd", "effective_cost_usd", "list_cost_usd")
    totals = dict(zip(names, con.execute(f"SELECT {sums} FROM bill").fetchone(), strict=True))
    by_provider = {
        PROVIDER[p]: dict(zip(names, v, strict=True))
        for p, *v in con.execute(f"SELECT ProviderName, {sums} FROM bill GROUP BY 1").fetchall()
    }
    by_pricing = {
        p or "(null)": dict(zip(names, v, strict=True))
        for p, *v in con.execute(f"SELECT PricingCategory, {sums} FROM bill GROUP BY 1").fetchall()
    }
    cat = builtin_offerings()[["provider", "instance_type", "accelerator", "accelerator_count"]].drop_duplicates()
    con.register("cat", cat)
    acc: dict[str, dict[str, float]] = {}
    rows = con.execute(
        """SELECT ProviderName, cat.accelerator, sum(ConsumedQuantity * cat.accelerator_count)
           FROM bill JOIN cat ON cat.instance_type = bill.x_InstanceType
           WHERE ChargeCategory = 'Usage' AND coalesce(CommitmentDiscountStatus, '') <> 'Unused'
           GROUP BY 1, 2"""
    ).fetchall()
    for p, a, h in rows:
        acc.setdefault(PROVIDER[p], {})[a] = float(h)
    commitments = {
        cid: (int(u or 0), int(n or 0))
        for cid, u, n in con.execute(
            """SELECT CommitmentDiscountId,
                      sum(ConsumedQuantity) FILTER (CommitmentDiscountStatus = 'Used'),
                      sum(PricingQuantity) FILTER (CommitmentDiscountStatus = 'Unused')
               FROM bill WHERE ChargeCategory = 'Usage' AND CommitmentDiscountId IS NOT NULL GROUP BY 1"""
        ).fetchall()
    }
    return {
        "totals": totals,
        "by_provider": by_provider,
        "by_pricing_category": by_pricing,
        "acc": acc,
        "c": commitments,
    }


def _close(a: dict[str, float], b: dict[str, float]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert abs(a[k] - b[k]) <= CENT, (k, a[k], b[k])


def test_truth_is_what_the_file_says(csv_bill: tuple[Path, dict[str, Any]]) -> None:
    path, truth = csv_bill
    got = _recomputed(path)
    _close(truth["totals"], got["totals"])
    assert truth["by_provider"].keys() == got["by_provider"].keys() == {"aws", "azure", "gcp", "oci"}
    for p in truth["by_provider"]:
        _close(truth["by_provider"][p], got["by_provider"][p])
    assert truth["by_pricing_category"].keys() == {"Standard", "Dynamic", "Committed", "(null)"}
    for c in truth["by_pricing_category"]:
        _close(truth["by_pricing_category"][c], got["by_pricing_category"][c])
    assert truth["accelerator_hours"].keys() == got["acc"].keys()
    for p, accs in truth["accelerator_hours"].items():
        _close(accs, got["acc"][p])
    assert truth["commitments"]
    for c in truth["commitments"]:
        assert got["c"][c["id"]] == (c["used_hours"], c["unused_hours"])
        assert c["provider"] in truth["providers"] and c["count"] >= 1
    assert 0.3 < truth["ai_share_of_effective_cost"] < 0.9


def test_focus_cost_semantics(csv_bill: tuple[Path, dict[str, Any]]) -> None:
    path, truth = csv_bill
    con = duckdb.connect()
    con.execute(f"CREATE TABLE bill AS SELECT * FROM {_read(path)}")

    def one(sql: str) -> Any:
        return con.execute(sql).fetchone()[0]

    assert (
        one("SELECT count(*) FROM bill WHERE NOT (ListCost >= ContractedCost AND ContractedCost >= EffectiveCost)") == 0
    )
    # commitments: the purchase carries the cash, usage rows the amortized cost
    assert one("SELECT max(abs(EffectiveCost)) FROM bill WHERE ChargeCategory = 'Purchase'") == 0
    assert one("SELECT max(abs(BilledCost)) FROM bill WHERE PricingCategory = 'Committed'") == 0
    assert (
        one("SELECT count(*) FROM bill WHERE CommitmentDiscountStatus = 'Unused' AND ConsumedQuantity IS NOT NULL") == 0
    )
    assert one("SELECT min(BilledCost) FROM bill WHERE ChargeCategory IN ('Credit', 'Adjustment')") < 0
    assert one("SELECT count(*) FROM bill WHERE ChargeClass = 'Correction'") == 1
    per_commitment = 0.0
    for c in truth["commitments"]:
        hours = c["used_hours"] + c["unused_hours"]
        amortized = one(f"SELECT sum(EffectiveCost) FROM bill WHERE CommitmentDiscountId = '{c['id']}'")
        assert abs(amortized - hours * c["rate_usd_per_hour"]) <= CENT
        per_commitment += amortized
    assert per_commitment > 0
    # the instance type is in x_InstanceType and in the description; CPU VMs are not in the catalog
    meter = "replace(replace(x_InstanceType, 'Standard_', ''), '_', ' ')"
    described = f"contains(ChargeDescription, x_InstanceType) OR contains(ChargeDescription, {meter})"
    assert one(f"SELECT count(*) FROM bill WHERE x_InstanceType IS NOT NULL AND NOT ({described})") == 0
    catalog = sorted(set(builtin_offerings()["instance_type"]))
    query = (
        "SELECT DISTINCT x_InstanceType FROM bill WHERE ServiceCategory = 'Compute' AND ChargeCategory = 'Usage' "
        "AND x_InstanceType NOT IN (SELECT unnest($1))"
    )
    cpu = {r[0] for r in con.execute(query, [catalog]).fetchall()}
    assert cpu and "m7i.4xlarge" in cpu
    assert (
        one("SELECT count(*) FROM bill WHERE NOT regexp_matches(ChargePeriodStart::VARCHAR, '^\\d{4}-\\d\\d-\\d\\d')")
        == 0
    )
    head = path.read_text().split("\n", 2)[1]
    assert "T00:00:00Z" in head
    tags = [json.loads(t) for (t,) in con.execute("SELECT Tags FROM bill WHERE Tags IS NOT NULL LIMIT 50").fetchall()]
    assert tags and all(set(t) == {"team", "project", "env"} for t in tags)


def test_gzip_and_parquet_hold_the_same_bill(csv_bill: tuple[Path, dict[str, Any]], out: Path) -> None:
    path, truth = csv_bill
    gz, pq = out / "bill.csv.gz", out / "bill.parquet"
    assert {**generate_bill(gz, rows=ROWS, seed=3), "format": "csv"} == truth
    assert gzip.decompress(gz.read_bytes()) == path.read_bytes()
    assert {**generate_bill(pq, rows=ROWS, seed=3), "format": "csv"} == truth
    cols = (
        "ChargeDescription, BilledCost::DOUBLE, EffectiveCost::DOUBLE, ConsumedQuantity::DOUBLE, "
        "ChargePeriodStart::TIMESTAMP"
    )
    a = duckdb.sql(f"SELECT {cols} FROM {_read(path)}").fetchall()
    b = duckdb.sql(f"SELECT {cols} FROM {_read(pq)}").fetchall()
    assert a == b
    _close(truth["totals"], _recomputed(pq)["totals"])


def test_quirks(out: Path, csv_bill: tuple[Path, dict[str, Any]]) -> None:
    path = out / "quirks.csv"
    truth = generate_bill(path, rows=ROWS, seed=3, quirks=True)
    assert {**truth, "quirks": False} == csv_bill[1]
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == ROWS + 1 == data.count(b"\n")
    text = data.decode("utf-8-sig")
    assert ",NULL," in text and "T00:00:00Z" not in text and "-01 00:00:00" in text
    assert "Usage-based" in text and "Usage-Based" in text
    header, first = list(csv.reader(io.StringIO(text)))[:2]
    assert f',"{first[header.index("ListUnitPrice")]}",' in text.split("\r\n")[1]
    _close(truth["totals"], _recomputed(path, nulls="NULL")["totals"])


def test_errors_and_truth_file(out: Path, csv_bill: tuple[Path, dict[str, Any]]) -> None:
    with pytest.raises(GenerateError, match="--quirks applies to CSV"):
        generate_bill(out / "q.parquet", quirks=True)
    with pytest.raises(GenerateError, match="--rows must be at least"):
        generate_bill(out / "few.csv", rows=20)
    with pytest.raises(GenerateError, match="unknown provider 'lambda'"):
        generate_bill(out / "p.csv", providers=("aws", "lambda"))
    with pytest.raises(GenerateError, match=r"must end in \.csv, \.csv\.gz or \.parquet"):
        generate_bill(out / "b.json")
    assert not list(out.glob("few.csv*")) and not list(out.glob(".few*"))
    written = write_bill_truth(csv_bill[1], out / "truth.json")
    assert json.loads(written.read_text()) == csv_bill[1]
