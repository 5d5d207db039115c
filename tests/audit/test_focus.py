"""Reading FOCUS exports: the real sample, the spec's examples, quirks and a malformed-bill corpus."""

from __future__ import annotations

import csv
import gzip
import io
import resource
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from fleetplan.audit import analyze_bill, detect_version, read_bills
from fleetplan.audit.focus import INTRODUCED, MANDATORY
from fleetplan.errors import InputError

SAMPLE = Path("focus", "focus-sample-data-1.0", "focus_sample.csv")
EXAMPLES = Path("focus", "focus-spec-v1.2-examples")


def _recompute(path: Path, column: str) -> Decimal:
    """An independent sum of one cost column: Python's csv module and Decimal, NULL as nothing."""
    total = Decimal(0)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            value = row[column].strip()
            if value and value.upper() != "NULL":
                total += Decimal(value)
    return total


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, list(reader)


def _write(path: Path, header: list[str], rows: list[list[str]], *, newline: str = "\n", bom: bool = False) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))
    return path


def test_real_sample_totals_equal_an_independent_recomputation_to_the_cent(shared_data: Path) -> None:
    path = shared_data / SAMPLE
    with read_bills([path]) as bill:
        a = analyze_bill(bill)
    assert bill.files[0].focus_version == "1.0"
    assert a.totals["rows"] == 1000 and a.problem_count == 0
    for key, column in (("cash_usd", "BilledCost"), ("amortized_usd", "EffectiveCost"), ("list_usd", "ListCost")):
        assert a.totals[key] == float(_recompute(path, column).quantize(Decimal("0.01")))
    by_provider = a.spend["provider"].set_index("provider")["rows"].to_dict()
    assert by_provider == {"aws": 942, "azure": 51, "oci": 7}  # the sample's README: AWS 942, Microsoft 51, Oracle 7
    # casing drift is folded: "Usage-based" (7 rows) reads as "Usage-Based"
    with read_bills([path]) as bill:
        freq = dict(bill.con.execute("SELECT ChargeFrequency, count(*) FROM bill GROUP BY 1").fetchall())
    assert freq.get("Usage-Based", 0) + freq.get("One-Time", 0) + freq.get("Recurring", 0) == 1000


def test_version_is_detected_from_the_columns(shared_data: Path) -> None:
    header_10, _ = _rows(shared_data / SAMPLE)
    header_11, _ = _rows(
        shared_data / EXAMPLES / "saas_examples" / "simple_agreements" / "simple_saas_agreements_a2.csv"
    )
    assert detect_version(header_10) == "1.0"
    assert detect_version(header_11) == "1.1"
    assert detect_version([*header_11, INTRODUCED["1.2"][0]]) == "1.2"


def test_quirks_bom_crlf_gzip_parquet_and_folders_read_the_same(shared_data: Path, tmp_path: Path) -> None:
    header, rows = _rows(shared_data / SAMPLE)
    plain = _write(tmp_path / "plain.csv", header, rows)
    quirky = _write(tmp_path / "quirky.csv", header, rows, newline="\r\n", bom=True)
    gz = tmp_path / "bill.csv.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    pq = tmp_path / "bill.parquet"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_csv('{plain}', all_varchar=true)) TO '{pq}' (FORMAT parquet)")
    totals = []
    for p in (plain, quirky, gz, pq):
        with read_bills([p]) as bill:
            totals.append(analyze_bill(bill).totals["cash_usd"])
    assert len(set(totals)) == 1
    folder = tmp_path / "folder"
    folder.mkdir()
    _write(folder / "a.csv", header, rows[:400])
    _write(folder / "b.csv", header, rows[400:])
    with read_bills([folder]) as bill:
        assert [f.rows for f in bill.files] == [400, 600]
        assert analyze_bill(bill).totals["cash_usd"] == totals[0]


def _padded_example(shared_data: Path, name: str, tmp_path: Path) -> Path:
    """A spec example with the mandatory columns it omits filled in (the examples show only the
    columns their point needs)."""
    header, rows = _rows(shared_data / EXAMPLES / "commitment_discount_scenarios" / name)
    fill = {
        "BillingAccountId": "acct",
        "BillingAccountName": "acct",
        "BillingCurrency": "USD",
        "ChargeClass": "",
        "ChargeDescription": "",
        "ContractedCost": "0",
        "InvoiceIssuerName": "Example",
        "ListCost": "0",
        "PricingQuantity": "1",
        "PricingUnit": "Hour",
        "ProviderName": "Example",
        "PublisherName": "Example",
        "ServiceCategory": "Compute",
        "ServiceName": "VM",
    }
    extra = [c for c in MANDATORY if c not in header]
    rows = [[*r, *[fill[c] for c in extra]] for r in rows]
    return _write(tmp_path / name, [*header, *extra], rows)


def test_commitment_examples_give_the_documented_amortization(shared_data: Path, tmp_path: Path) -> None:
    # Purchase scenario 1: an 8,760 USD one-time purchase is cash now, amortized later (EffectiveCost 0).
    with read_bills([_padded_example(shared_data, "commitment_discount_purchase_scenario_1.csv", tmp_path)]) as bill:
        a = analyze_bill(bill)
    assert (a.totals["cash_usd"], a.totals["amortized_usd"]) == (8760.0, 0.0)
    # Usage scenarios 1-3: an hour of commitment fully used, fully unused, and 0.75 used / 0.25 unused.
    for name, utilization, unused in (("1", 1.0, 0.0), ("2", 0.0, 1.0), ("3", 0.75, 0.25)):
        path = _padded_example(shared_data, f"commitment_discount_usage_scenario_{name}.csv", tmp_path)
        with read_bills([path]) as bill:
            a = analyze_bill(bill)
        assert a.commitment_totals["utilization"] == pytest.approx(utilization)
        assert a.commitment_totals["unused_usd"] == pytest.approx(unused)
        assert a.totals["cash_usd"] == 0.0 and a.totals["amortized_usd"] == 1.0  # amortized, not billed, in the hour
    # Usage scenario 4: a covered hour and an on-demand hour; coverage is half the compute cost.
    with read_bills([_padded_example(shared_data, "commitment_discount_usage_scenario_4.csv", tmp_path)]) as bill:
        a = analyze_bill(bill)
    c = a.commitment_totals
    assert c["utilization"] == pytest.approx(1.0)
    assert c["compute_coverage"] == pytest.approx(1.0 / 1.5)


# --------------------------------------------------------------------------- malformed bills


@pytest.fixture
def good(shared_data: Path) -> tuple[list[str], list[list[str]]]:
    return _rows(shared_data / SAMPLE)


def test_missing_mandatory_column_names_the_file_and_the_columns(good, tmp_path: Path) -> None:
    header, rows = good
    drop = {header.index("BilledCost"), header.index("ServiceName")}
    path = _write(
        tmp_path / "bill.csv",
        [h for i, h in enumerate(header) if i not in drop],
        [[v for i, v in enumerate(r) if i not in drop] for r in rows],
    )
    with pytest.raises(InputError) as err:
        read_bills([path])
    msg = err.value.one_line()
    assert str(path) in msg and "BilledCost" in msg and "ServiceName" in msg and err.value.exit_code == 2


def test_bad_values_are_reported_with_their_line_and_left_out(good, tmp_path: Path) -> None:
    header, rows = good
    rows = [list(r) for r in rows[:50]]
    col = header.index
    rows[9][col("BilledCost")] = "12,5 EUR"  # line 11
    rows[19][col("ChargePeriodStart")] = "2024-13-45 00:00:00"  # line 21
    rows[29][col("ChargeCategory")] = "Refund"  # line 31
    rows[39][col("ConsumedQuantity")] = "-3"  # line 41 (its cost stays positive)
    rows[39][col("BilledCost")] = "1.0"
    path = _write(tmp_path / "bill.csv", header, rows)
    with read_bills([path]) as bill:
        lines = {p.line: p for p in bill.problems}
        assert set(lines) == {11, 21, 31, 41}
        assert lines[11].column == "BilledCost" and "not a number" in lines[11].message
        assert lines[21].column == "ChargePeriodStart" and "date-time" in lines[21].message
        assert lines[31].column == "ChargeCategory" and "Refund" in lines[31].message
        assert lines[41].column == "ConsumedQuantity"
        assert bill.problem_count == 4 and bill.rows == 46
        assert bill.files[0].rows_rejected == 4
    with pytest.raises(InputError) as err:
        read_bills([path], strict=True)
    assert f"{path}:11" in err.value.one_line()


def test_a_quoted_multi_line_description_keeps_later_line_numbers_right(good, tmp_path: Path) -> None:
    header, rows = good
    rows = [list(r) for r in rows[:20]]
    rows[2][header.index("ChargeDescription")] = "first line\nsecond line"  # record 4 spans lines 4-5
    rows[9][header.index("EffectiveCost")] = "n/a"  # record 11 starts on line 12
    path = _write(tmp_path / "bill.csv", header, rows)
    with read_bills([path]) as bill:
        assert [p.line for p in bill.problems] == [12]


def test_semantic_problem_line_after_many_rows_is_exact(good, tmp_path: Path) -> None:
    """DuckDB reads big files in parallel; the reported line must still be the file's."""
    header, rows = good
    big = [list(rows[i % len(rows)]) for i in range(120_000)]
    big[100_000][header.index("ChargeCategory")] = "Bogus"  # data row 100,001 = line 100,002
    path = _write(tmp_path / "big.csv", header, big)
    with read_bills([path]) as bill:
        assert [(p.line, p.column) for p in bill.problems] == [(100_002, "ChargeCategory")]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty file"),
        (b"\x00\x01\x02garbage\x00" * 100, "NUL bytes"),
        (b"BilledCost;EffectiveCost\n1;2\n", "missing mandatory column"),
        (b"\xff\xfe" + "BilledCost".encode("utf-16-le"), "not"),
    ],
    ids=["zero-bytes", "binary", "semicolons", "utf16"],
)
def test_unreadable_files_are_one_line_errors(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bill.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_bills([path])
    assert expected in err.value.one_line() and str(path) in err.value.one_line()


def test_a_2gb_sparse_file_is_refused_quickly_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as fh:
        fh.truncate(2 * 1024**3)  # sparse: 2 GB of NUL bytes, no disk used
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(InputError, match="NUL bytes"):
        read_bills([path])
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 64 * 1024  # reads the first MiB, not the file


def test_a_header_line_without_end_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bill.csv"
    path.write_bytes(b"A" * (2 << 20))
    with pytest.raises(InputError, match="no header line"):
        read_bills([path])


def test_header_only_file_is_an_empty_bill(good, tmp_path: Path) -> None:
    header, _ = good
    path = _write(tmp_path / "bill.csv", header, [])
    with read_bills([path]) as bill:
        a = analyze_bill(bill)
    assert a.totals["rows"] == 0 and a.totals["cash_usd"] == 0.0


def test_missing_paths_and_empty_folders_are_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_bills([tmp_path / "nope.csv"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no billing files"):
        read_bills([tmp_path / "empty"])


def test_focus_1_3_provider_names_are_read_as_1_2(good, tmp_path: Path) -> None:
    header, rows = good
    renamed = [
        "ServiceProviderName" if h == "ProviderName" else "HostProviderName" if h == "PublisherName" else h
        for h in header
    ]
    path = _write(tmp_path / "bill.csv", renamed, rows)
    with read_bills([path]) as bill:
        assert analyze_bill(bill).spend["provider"]["provider"].tolist() == ["aws", "azure", "oci"]
