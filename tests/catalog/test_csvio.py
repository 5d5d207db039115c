"""Offering catalog CSV: round trip, validation with file/line/column, atomic writes."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetplan.catalog import csvio
from fleetplan.catalog.csvio import read_offerings_csv, write_offerings_csv
from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.catalog.schema import OFFERING_COLUMNS
from fleetplan.catalog.skypilot import import_skypilot
from fleetplan.errors import InputError
from fleetplan.model.base import PRICING_MODELS

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CATALOG = SHARED / "skypilot-catalog"

HEADER = ",".join(OFFERING_COLUMNS)


def frame(rows: list[dict]) -> pd.DataFrame:
    full = [{c: r.get(c) for c in OFFERING_COLUMNS} for r in rows]
    df = pd.DataFrame(full, columns=list(OFFERING_COLUMNS))
    for c, t in OFFERING_COLUMNS.items():
        if t == "float64":
            df[c] = pd.to_numeric(df[c]).astype("float64")
    return df.astype(OFFERING_COLUMNS)


def sample() -> pd.DataFrame:
    h100 = resolve_accelerator("H100").name
    return frame(
        [
            {
                "provider": "lambda",
                "region": "us-east-1",
                "instance_type": "gpu_8x_h100_sxm5",
                "accelerator": h100,
                "accelerator_count": 8,
                "pricing_model": "on_demand",
                "price_usd_per_hour": 31.92,
                "vcpus": 208.0,
                "memory_gib": 1800.0,
                "price_date": "2026-11-01",
                "source": "SkyPilot catalog v8/lambda/vms.csv",
            },
            {
                "provider": "onprem",
                "region": "Texas, US, NA",
                "instance_type": 'dgx "h100", rack 1\nrow 2',
                "accelerator": h100,
                "accelerator_count": 8,
                "pricing_model": "owned",
                "price_usd_per_hour": 0.1 + 0.2,
                "capex_usd": 300000.0,
                "lifetime_years": 5.0,
                "lead_time_periods": 2.0,
                "availability_max_instances": 16.0,
                "price_date": "2026-11",
                "source": None,
            },
            {
                "provider": "nebius",
                "region": "eu-north1",
                "instance_type": "gpu-h100-sxm",
                "accelerator": h100,
                "accelerator_count": 1,
                "pricing_model": "spot",
                "price_usd_per_hour": 1e-05,
                "spot_interruption_rate_per_hour": 0.015,
            },
        ]
    )


def write_text(path: Path, text: str, *, newline: str = "\n", bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.replace("\n", newline).encode())
    return path


# --------------------------------------------------------------------------- round trip


def test_round_trip_sample(tmp_path: Path) -> None:
    df = sample()
    path = tmp_path / "offerings.csv"
    write_offerings_csv(df, path)
    back = read_offerings_csv(path)
    pd.testing.assert_frame_equal(back, df)
    assert {c: str(t) for c, t in back.dtypes.items()} == OFFERING_COLUMNS
    assert back["price_usd_per_hour"].iloc[1] == 0.1 + 0.2  # exact, not rounded
    assert path.read_text().splitlines()[0] == HEADER
    assert os.listdir(tmp_path) == ["offerings.csv"]


@pytest.mark.skipif(not CATALOG.is_dir(), reason="shared SkyPilot catalog copy not present")
def test_round_trip_shared_import(tmp_path: Path) -> None:
    imported = import_skypilot(CATALOG).offerings
    assert len(imported) > 0
    path = tmp_path / "skypilot.csv"
    write_offerings_csv(imported, path)
    pd.testing.assert_frame_equal(read_offerings_csv(path), imported)
    # writing again over the file gives the same bytes
    first = path.read_bytes()
    write_offerings_csv(read_offerings_csv(path), path)
    assert path.read_bytes() == first


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() == s and s != "")
_price = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)
_optional = st.one_of(st.none(), _price)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "provider": _text,
                "region": _text,
                "instance_type": _text,
                "accelerator_count": st.integers(min_value=1, max_value=64),
                "pricing_model": st.sampled_from(PRICING_MODELS),
                "price_usd_per_hour": _price,
                "capex_usd": _optional,
                "vcpus": _optional,
                "source": st.one_of(st.none(), _text),
            }
        ),
        max_size=6,
        unique_by=lambda r: (r["provider"], r["region"], r["instance_type"], r["pricing_model"]),
    )
)
def test_round_trip_property(tmp_path: Path, rows: list[dict]) -> None:
    h100 = resolve_accelerator("H100").name
    df = frame([{**r, "accelerator": h100} for r in rows])
    path = tmp_path / "prop.csv"
    write_offerings_csv(df, path)
    pd.testing.assert_frame_equal(read_offerings_csv(path), df)


def test_reader_accepts_bom_crlf_any_column_order_and_aliases(tmp_path: Path) -> None:
    columns = list(reversed(OFFERING_COLUMNS))
    values = {c: "" for c in columns}
    values.update(
        provider="lambda",
        region="us-east-1",
        instance_type="x",
        accelerator="h100",
        accelerator_count="8.0",
        pricing_model="On_Demand",
        price_usd_per_hour="2.5",
    )
    text = ",".join(columns) + "\n" + ",".join(values[c] for c in columns)
    path = write_text(tmp_path / "o.csv", text, newline="\r\n", bom=True)
    df = read_offerings_csv(path)
    assert df["accelerator"].iloc[0] == resolve_accelerator("H100").name
    assert df["accelerator_count"].iloc[0] == 8 and df["pricing_model"].iloc[0] == "on_demand"
    assert math.isnan(df["capex_usd"].iloc[0]) and pd.isna(df["source"].iloc[0])
    assert list(df.columns) == list(OFFERING_COLUMNS)


# --------------------------------------------------------------------------- validation


def _row(**over: str) -> str:
    values = {c: "" for c in OFFERING_COLUMNS}
    values.update(
        provider="lambda",
        region="us-east-1",
        instance_type="x",
        accelerator="H100",
        accelerator_count="1",
        pricing_model="on_demand",
        price_usd_per_hour="2.5",
    )
    values.update(over)
    return ",".join(values[c] for c in OFFERING_COLUMNS)


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (_row(price_usd_per_hour="abc"), "price_usd_per_hour", "'abc' is not a number"),
        (_row(price_usd_per_hour=""), "price_usd_per_hour", "required"),
        (_row(capex_usd="-5"), "capex_usd", "negative"),
        (_row(vcpus="inf"), "vcpus", "not a number"),
        (_row(accelerator_count="1.5"), "accelerator_count", "whole number"),
        (_row(accelerator_count="0"), "accelerator_count", "whole number"),
        (_row(pricing_model="reserved"), "pricing_model", "not one of"),
        (_row(accelerator="NotAGPU9000"), "accelerator", "unknown accelerator"),
        (_row(region=""), "region", "required"),
        (_row(price_date="Nov 2026"), "price_date", "YYYY-MM-DD"),
        (_row(price_date="2026-13-01"), "price_date", "YYYY-MM-DD"),
    ],
)
def test_bad_values_name_file_line_and_column(tmp_path: Path, row, column, fragment) -> None:
    path = write_text(tmp_path / "bad.csv", f"{HEADER}\n{_row()}\n{row}\n")
    with pytest.raises(InputError) as info:
        read_offerings_csv(path)
    err = info.value
    assert (err.file, err.line, err.path) == (str(path), 3, column)
    assert fragment in err.message
    assert err.one_line().startswith(f"{path}:3: {column}: ")


def test_header_errors(tmp_path: Path) -> None:
    path = write_text(tmp_path / "u.csv", HEADER + ",colour\n")
    with pytest.raises(InputError, match="unknown column 'colour'") as info:
        read_offerings_csv(path)
    assert info.value.file == str(path) and info.value.path == "colour"

    path = write_text(tmp_path / "m.csv", HEADER.replace(",memory_gib", "") + "\n")
    with pytest.raises(InputError, match="missing column 'memory_gib'") as info:
        read_offerings_csv(path)
    assert info.value.path == "memory_gib"

    path = write_text(tmp_path / "t.csv", HEADER.replace("vcpus", "vcpu") + "\n")
    with pytest.raises(InputError, match="did you mean 'vcpus'"):
        read_offerings_csv(path)

    with pytest.raises(InputError, match="empty"):
        read_offerings_csv(write_text(tmp_path / "e.csv", ""))


def test_structure_errors(tmp_path: Path) -> None:
    path = write_text(tmp_path / "f.csv", f"{HEADER}\n{_row()},extra\n")
    with pytest.raises(InputError, match="found 17") as info:
        read_offerings_csv(path)
    assert info.value.line == 2

    path = write_text(tmp_path / "d.csv", f"{HEADER}\n{_row()}\n\n{_row()}\n")
    with pytest.raises(InputError, match="first on line 2") as info:
        read_offerings_csv(path)
    assert info.value.line == 4

    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\x00\x01\x02PK")
    with pytest.raises(InputError, match="NUL") as info:
        read_offerings_csv(binary)
    assert info.value.file == str(binary)


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_text(tmp_path / "o.csv", f"{HEADER}\n{_row()}\n")
    monkeypatch.setattr(csvio, "MAX_FILE_BYTES", 100)
    with pytest.raises(InputError, match="refused"):
        read_offerings_csv(path)


# --------------------------------------------------------------------------- atomic writes


def test_failed_write_leaves_previous_file_and_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "offerings.csv"
    path.write_text("previous content\n")
    df = sample()
    bad = df.astype({"accelerator_count": "float64"})
    bad.loc[2, "accelerator_count"] = 1.5  # fails while the third row is written
    with pytest.raises(ValueError, match="whole number"):
        write_offerings_csv(bad, path)
    assert path.read_text() == "previous content\n"
    assert os.listdir(tmp_path) == ["offerings.csv"]


def test_failed_replace_leaves_no_partial_file(tmp_path: Path) -> None:
    path = tmp_path / "taken.csv"
    path.mkdir()  # a folder where the file should go: the final rename fails
    with pytest.raises(OSError):
        write_offerings_csv(sample(), path)
    assert os.listdir(tmp_path) == ["taken.csv"] and os.listdir(path) == []


def test_write_checks_columns(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="missing"):
        write_offerings_csv(sample().drop(columns=["source"]), tmp_path / "x.csv")
    with pytest.raises(ValueError, match="unexpected"):
        write_offerings_csv(sample().assign(extra=1), tmp_path / "x.csv")
    assert os.listdir(tmp_path) == []
