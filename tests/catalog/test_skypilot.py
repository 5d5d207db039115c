"""SkyPilot catalog importer: shared catalog copy, header variants, malformed rows, layouts."""

from __future__ import annotations

import csv
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.catalog.schema import OFFERING_COLUMNS, REGION_COLUMNS
from fleetplan.catalog.skypilot import ImportProblem, SkyPilotImport, import_skypilot
from fleetplan.errors import InputError, UnknownNameError

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CATALOG = SHARED / "skypilot-catalog"
CATALOG_FILES = sorted(CATALOG.glob("v*/*/vms.csv")) if CATALOG.is_dir() else []

needs_catalog = pytest.mark.skipif(not CATALOG.is_dir(), reason="shared SkyPilot catalog copy not present")

HEADER = "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,GpuInfo,SpotPrice"


def canonical(name: str) -> str:
    return resolve_accelerator(name).name


def write(path: Path, text: str, *, newline: str = "\n", bom: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.replace("\n", newline).encode("utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def offering(result: SkyPilotImport, provider: str, region: str, instance: str, model: str):
    df = result.offerings
    hit = df[
        (df["provider"] == provider)
        & (df["region"] == region)
        & (df["instance_type"] == instance)
        & (df["pricing_model"] == model)
    ]
    assert len(hit) == 1, f"{provider}/{region}/{instance}/{model}: {len(hit)} rows"
    return hit.iloc[0]


# --------------------------------------------------------------------------- shared catalog


def _number(text: str) -> float | None:
    try:
        return float(text) if text.strip() else None
    except ValueError:
        return None


def _expected(path: Path) -> dict:
    """Counts for one vms.csv worked out here with the csv module, independent of the importer."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        rows = [(reader.line_num, row) for row in reader]
    out: dict = {"rows": len(rows), "problem_lines": [], "cpu_only": 0, "fractional": 0}
    out.update(unknown=Counter(), no_price=0, priced=0, od=[], spot=[])
    for line, row in rows:
        if None in row or any(v is None for v in row.values()):
            out["problem_lines"].append(line)
            continue
        if not row["Region"].strip() or not row["InstanceType"].strip():
            out["problem_lines"].append(line)
            continue
        name = row["AcceleratorName"].strip()
        if not name:
            out["cpu_only"] += 1
            continue
        count = float(row["AcceleratorCount"])
        if count != int(count):
            out["fractional"] += 1
            continue
        try:
            resolve_accelerator(name)
        except UnknownNameError:
            out["unknown"][name] += 1
            continue
        price = _number(row["Price"]) or 0.0
        spot = _number(row.get("SpotPrice") or "") or 0.0
        if price <= 0 and spot <= 0:
            out["no_price"] += 1
            continue
        out["priced"] += 1
        key = (row["Region"].strip(), row["InstanceType"].strip())
        if price > 0:
            out["od"].append(key)
        if spot > 0:
            out["spot"].append(key)
    return out


@needs_catalog
@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_every_shared_file_accounts_for_every_row(path: Path) -> None:
    exp = _expected(path)
    result = import_skypilot(path)
    assert result.files == (str(path),)
    assert [p.line for p in result.problems] == exp["problem_lines"]
    assert all(p.file == str(path) for p in result.problems)
    skipped = result.skipped
    assert skipped.get("cpu_only", 0) == exp["cpu_only"]
    assert skipped.get("fractional_accelerator", 0) == exp["fractional"]
    assert skipped.get("no_price", 0) == exp["no_price"]
    unknown = {k.split(":", 1)[1]: v for k, v in skipped.items() if k.startswith("unknown_accelerator:")}
    assert unknown == dict(exp["unknown"])

    models = result.offerings["pricing_model"].value_counts().to_dict()
    assert models.get("on_demand", 0) == len(set(exp["od"]))
    assert models.get("spot", 0) == len(set(exp["spot"]))
    candidates = len(exp["od"]) + len(exp["spot"])
    assert skipped.get("duplicate", 0) == candidates - len(result.offerings)

    # every data row is priced, skipped for a stated reason, or reported as a problem
    row_skips = exp["cpu_only"] + exp["fractional"] + exp["no_price"] + sum(exp["unknown"].values())
    assert exp["priced"] + row_skips + len(result.problems) == exp["rows"]
    assert (
        skipped.get("cpu_only", 0)
        + skipped.get("fractional_accelerator", 0)
        + skipped.get("no_price", 0)
        + sum(unknown.values())
        + len(result.problems)
        + exp["priced"]
        == exp["rows"]
    )


@needs_catalog
def test_shared_root_uses_newest_version_of_each_cloud() -> None:
    result = import_skypilot(CATALOG)
    used = {Path(f).parent.name: Path(f).parent.parent.name for f in result.files}
    assert used["ibm"] == "v5"
    assert used["do"] == used["fluidstack"] == used["paperspace"] == "v6"
    assert used["lambda"] == used["vast"] == used["primeintellect"] == "v8"
    assert "common" not in used and "slurm" not in used
    assert result.skipped["no_instance_prices:slurm"] == 1
    assert len(result.files) == len(CATALOG_FILES)

    df = result.offerings
    assert list(df.columns) == list(OFFERING_COLUMNS)
    assert {c: str(t) for c, t in df.dtypes.items()} == OFFERING_COLUMNS
    assert list(result.regions.columns) == list(REGION_COLUMNS)
    assert {c: str(t) for c, t in result.regions.dtypes.items()} == REGION_COLUMNS
    key = ["provider", "region", "instance_type", "pricing_model"]
    assert not df.duplicated(key).any()
    assert df.equals(df.sort_values(key, kind="stable").reset_index(drop=True))
    assert (df["price_usd_per_hour"] > 0).all() and (df["accelerator_count"] >= 1).all()
    assert df["spot_interruption_rate_per_hour"].isna().all() and df["capex_usd"].isna().all()
    assert set(df["pricing_model"]) <= {"on_demand", "spot"}
    # one region row per (provider, region) used by an offering
    pairs = set(map(tuple, df[["provider", "region"]].drop_duplicates().to_numpy()))
    assert set(map(tuple, result.regions[["provider", "region"]].to_numpy())) == pairs
    assert not result.regions.duplicated(["provider", "region"]).any()

    # a second import gives the same frames (deterministic)
    again = import_skypilot(CATALOG)
    pd.testing.assert_frame_equal(again.offerings, df)
    pd.testing.assert_frame_equal(again.regions, result.regions)


@needs_catalog
def test_version_folder_reads_every_cloud_in_it() -> None:
    result = import_skypilot(CATALOG / "v8")
    clouds = sorted(Path(f).parent.name for f in result.files)
    assert clouds == sorted(p.parent.name for p in CATALOG.glob("v8/*/vms.csv"))
    assert result.skipped["no_instance_prices:slurm"] == 1
    assert all(s.startswith("SkyPilot catalog v8/") for s in result.offerings["source"])


@needs_catalog
def test_known_prices_from_the_shared_files() -> None:
    result = import_skypilot(CATALOG, price_date="2026-11-01")
    # v8/lambda line 325: gpu_8x_h100_sxm5,H100,8.0,208.0,1800.0,31.92,europe-central-1
    row = offering(result, "lambda", "europe-central-1", "gpu_8x_h100_sxm5", "on_demand")
    assert row["price_usd_per_hour"] == 31.92
    assert row["accelerator"] == canonical("H100") and row["accelerator_count"] == 8
    assert row["vcpus"] == 208.0 and row["memory_gib"] == 1800.0
    assert row["source"] == "SkyPilot catalog v8/lambda/vms.csv"
    assert row["price_date"] == "2026-11-01"
    # v8/nebius line 45: gpu-h200-sxm_8gpu-128vcpu-1600gb, Price 28.00, SpotPrice 11.60
    row = offering(result, "nebius", "eu-north1", "gpu-h200-sxm_8gpu-128vcpu-1600gb", "on_demand")
    assert row["price_usd_per_hour"] == 28.0 and row["accelerator"] == canonical("H200")
    row = offering(result, "nebius", "eu-north1", "gpu-h200-sxm_8gpu-128vcpu-1600gb", "spot")
    assert row["price_usd_per_hour"] == 11.6
    # v8/vast line 14: 1x-H100_SXM-32-65536 ... 1.87,0.00,"Texas, US, NA" (spot 0 = no spot)
    row = offering(result, "vast", "texas-us-na", "1x-H100_SXM-32-65536", "on_demand")
    assert row["price_usd_per_hour"] == 1.87 and row["accelerator_count"] == 1
    assert not ((result.offerings["provider"] == "vast") & (result.offerings["pricing_model"] == "spot")).any()
    # v5/ibm line 2: gx2-8x64x1v100,V100,1.0,8,64,V100,2.497,,us-south,us-south-1 (3 AZ rows)
    row = offering(result, "ibm", "us-south", "gx2-8x64x1v100", "on_demand")
    assert row["price_usd_per_hour"] == 2.497 and row["accelerator"] == canonical("V100")
    assert row["source"] == "SkyPilot catalog v5/ibm/vms.csv"
    # v6/do line 39: gpu-h100x8-640gb,H100,8,160,1920.0,47.60,tor1
    row = offering(result, "do", "tor1", "gpu-h100x8-640gb", "on_demand")
    assert row["price_usd_per_hour"] == 47.6 and row["memory_gib"] == 1920.0
    # v8/verda line 2: 1B300.30V ... FIN-03, Price 6.99, SpotPrice 2.447
    assert offering(result, "verda", "FIN-03", "1B300.30V", "on_demand")["price_usd_per_hour"] == 6.99
    assert offering(result, "verda", "FIN-03", "1B300.30V", "spot")["price_usd_per_hour"] == 2.447
    # v8/verda line 3: 2B300.60V has only a spot price
    assert offering(result, "verda", "FIN-03", "2B300.60V", "spot")["price_usd_per_hour"] == 4.893
    assert (result.offerings["instance_type"] == "2B300.60V").sum() == 1


@needs_catalog
def test_shared_regions_and_quirks() -> None:
    result = import_skypilot(CATALOG)
    regions = result.regions.set_index(["provider", "region"])
    texas = regions.loc[("vast", "texas-us-na")]
    assert texas["display_name"] == "Texas, US, NA"
    assert texas["country"] == "US" and texas["latency_zone"] == "us-central"
    france = regions.loc[("vast", "france-fr-eu")]
    assert france["country"] == "FR" and france["tags"] == "eu"
    assert regions.loc[("primeintellect", "FI"), "country"] == "FI"
    assert regions.loc[("ibm", "eu-de"), "country"] == "DE"
    assert regions.loc[("ibm", "eu-gb"), "latency_zone"] == "uk"
    assert pd.isna(regions.loc[("ibm", "eu-gb"), "tags"])
    assert regions.loc[("lambda", "us-east-1"), "latency_zone"] == "us-east"
    assert pd.isna(regions.loc[("hyperbolic", "default"), "country"])
    assert result.regions["grid_kgco2e_per_kwh"].isna().all() and result.regions["pue"].isna().all()

    # ibm repeats each offer per availability zone: one row per region is kept
    ibm = result.offerings[result.offerings["provider"] == "ibm"]
    assert not ibm.duplicated(["region", "instance_type"]).any()
    # ibm and seeweb have rows with an empty Region upstream: reported, not dropped silently
    lines = {(Path(p.file).parent.name, p.line) for p in result.problems}
    assert ("ibm", 21) in lines and ("seeweb", 50) in lines
    assert all(p.message == "Region is empty" for p in result.problems)
    with pytest.raises(InputError) as info:
        import_skypilot(CATALOG / "v5" / "ibm", strict=True)
    assert info.value.line == 21 and info.value.file.endswith("vms.csv")


# --------------------------------------------------------------------------- malformed rows


def test_bad_price_is_a_problem_with_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "lambda" / "vms.csv",
        f"{HEADER}\n"
        "a,H100,1,8,32,2.5,us-east-1,,\n"
        "b,H100,1,8,32,abc,us-east-1,,\n"
        "c,H100,1,8,32,-3,us-east-1,,\n"
        "d,H100,1,8,32,2.0,us-east-1,,-1\n"
        "e,H100,x,8,32,2.0,us-east-1,,\n",
    )
    result = import_skypilot(path)
    assert [p.one_line() for p in result.problems] == [
        f"{path}:3: Price 'abc' is not a number",
        f"{path}:4: Price -3 is negative",
        f"{path}:5: SpotPrice -1 is negative",
        f"{path}:6: AcceleratorCount 'x' is not a number",
    ]
    assert result.problems[0] == ImportProblem(str(path), 3, "Price 'abc' is not a number")
    assert list(result.offerings["instance_type"]) == ["a"]
    with pytest.raises(InputError) as info:
        import_skypilot(path, strict=True)
    assert info.value.file == str(path) and info.value.line == 3
    assert "Price 'abc' is not a number" in str(info.value)


def test_wrong_field_count_crlf_and_quoted_fields(tmp_path: Path) -> None:
    text = (
        f"{HEADER}\n"
        "a,H100,8,208,1800,31.92,us-east-1,\"{'Gpus': [{'Name': 'H100', 'Count': 8}]}\",\n"
        'b,H100,1,8,32,2.5,us-east-1,"multi\nline, with commas",\n'
        "c,H100,1,8,32,2.5,us-east-1\n"
        "\n"
        "d,H100,1,8,32,2.5,us-east-1,,,extra\n"
        "e,H100,2,16,64,5.0,us-west-1,,4.0"
    )
    path = write(tmp_path / "cloudx" / "vms.csv", text, newline="\r\n")
    result = import_skypilot(path)
    # b spans lines 3-4, so c is on line 5; line 6 is blank; d is on line 7
    assert [(p.line, p.message) for p in result.problems] == [
        (5, "expected 9 fields as in the header, found 7"),
        (7, "expected 9 fields as in the header, found 10"),
    ]
    df = result.offerings
    assert list(df["instance_type"]) == ["a", "b", "e", "e"]
    assert list(df["pricing_model"]) == ["on_demand", "on_demand", "on_demand", "spot"]
    assert list(df["provider"].unique()) == ["cloudx"]
    assert offering(result, "cloudx", "us-east-1", "a", "on_demand")["accelerator_count"] == 8
    with pytest.raises(InputError) as info:
        import_skypilot(path, strict=True)
    assert info.value.line == 5


def test_bom_and_column_order_by_name(tmp_path: Path) -> None:
    # jarvislabs/yotta/paperspace order: Price is the last column
    path = write(
        tmp_path / "v8" / "yotta" / "vms.csv",
        "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Region,SpotPrice,Price\n"
        "1x_h100,H100,1.0,14.0,119.0,,us-east-2,,0.65",
        bom=True,
    )
    result = import_skypilot(path)
    assert result.problems == ()
    row = offering(result, "yotta", "us-east-2", "1x_h100", "on_demand")
    assert row["price_usd_per_hour"] == 0.65 and row["vcpus"] == 14.0
    assert row["source"] == "SkyPilot catalog v8/yotta/vms.csv"


def test_skip_reasons_are_counted(tmp_path: Path) -> None:
    path = write(
        tmp_path / "nebius" / "vms.csv",
        f"{HEADER}\n"
        "cpu-1,,0,4,16,0.1,eu-north1,,\n"
        "cpu-2,,,4,16,0.1,eu-north1,,\n"
        "half,H100,0.5,4,16,1.0,eu-north1,,\n"
        "odd,NotAGPU9000,1,4,16,1.0,eu-north1,,\n"
        "odd2,NotAGPU9000,2,4,16,2.0,eu-north1,,\n"
        "free,H100,1,4,16,0,eu-north1,,\n"
        "spotonly,H100,1,4,16,,eu-north1,,1.25\n"
        "nocount,H100,,4,16,1.0,eu-north1,,\n",
    )
    result = import_skypilot(path)
    assert result.skipped == {
        "cpu_only": 2,
        "fractional_accelerator": 1,
        "no_price": 1,
        "unknown_accelerator:NotAGPU9000": 2,
    }
    assert [(p.line, p.message) for p in result.problems] == [(9, "AcceleratorName 'H100' has no AcceleratorCount")]
    assert list(zip(result.offerings["instance_type"], result.offerings["pricing_model"], strict=True)) == [
        ("spotonly", "spot")
    ]


def test_duplicates_keep_the_cheapest(tmp_path: Path) -> None:
    header = HEADER + ",AvailabilityZone"
    path = write(
        tmp_path / "ibm" / "vms.csv",
        f"{header}\n"
        "gx,H100,1,8,64,3.0,us-south,,,us-south-1\n"
        "gx,H100,1,8,64,2.5,us-south,,,us-south-2\n"
        "gx,H100,1,8,64,2.5,us-south,,,us-south-3\n"
        "gx,H100,1,8,64,2.9,us-east,,,us-east-1\n",
    )
    result = import_skypilot(path)
    assert result.problems == ()
    assert result.skipped == {"duplicate": 2}
    assert offering(result, "ibm", "us-south", "gx", "on_demand")["price_usd_per_hour"] == 2.5
    assert offering(result, "ibm", "us-east", "gx", "on_demand")["price_usd_per_hour"] == 2.9


def test_empty_binary_and_foreign_files(tmp_path: Path) -> None:
    empty = write(tmp_path / "a" / "vms.csv", "")
    result = import_skypilot(empty)
    assert result.problems == (ImportProblem(str(empty), 1, "file is empty"),)
    assert result.offerings.empty and list(result.offerings.columns) == list(OFFERING_COLUMNS)
    with pytest.raises(InputError, match="empty"):
        import_skypilot(empty, strict=True)

    header_only = write(tmp_path / "b" / "vms.csv", HEADER + "\n")
    assert import_skypilot(header_only).problems == ()

    garbage = tmp_path / "c" / "vms.csv"
    garbage.parent.mkdir()
    garbage.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputError) as info:
        import_skypilot(garbage)
    assert info.value.file == str(garbage)

    latin1 = tmp_path / "d" / "vms.csv"
    latin1.parent.mkdir()
    latin1.write_bytes(HEADER.encode() + b"\na,H100,1,8,32,1.0,M\xfcnchen,,\n")
    with pytest.raises(InputError, match="UTF-8"):
        import_skypilot(latin1)

    prose = write(tmp_path / "e" / "vms.csv", "This is not, a catalog\nat all\n")
    with pytest.raises(InputError) as info:
        import_skypilot(prose)
    assert info.value.file == str(prose) and "InstanceType" in str(info.value)


def test_files_larger_than_200_mb_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big" / "vms.csv"
    big.parent.mkdir()
    with big.open("wb") as fh:  # sparse: no disk space used, nothing is read
        fh.truncate(201 * 1024 * 1024)
    with pytest.raises(InputError, match="200 MB") as info:
        import_skypilot(big)
    assert info.value.file == str(big)


# --------------------------------------------------------------------------- layouts and fields


def _tree(root: Path) -> None:
    write(root / "v6" / "lambda" / "vms.csv", f"{HEADER}\nold,H100,1,8,32,9.0,us-east-1,,\n")
    write(root / "v8" / "lambda" / "vms.csv", f"{HEADER}\nnew,H100,1,8,32,2.0,us-east-1,,\n")
    write(root / "v6" / "fluidstack" / "vms.csv", f"{HEADER}\nfs,H100,1,8,32,2.2,CANADA,,\n")
    write(root / "v8" / "common" / "accelerators.csv", "AcceleratorName,Clouds\nH100,\"['Lambda']\"\n")
    write(root / "v8" / "slurm" / "pricing.csv", "Region,Zone,PricePerVCPU\n,,0.0\n")
    (root / "v8" / "kubernetes").mkdir(parents=True)


def test_layouts_root_version_cloud_and_file(tmp_path: Path) -> None:
    _tree(tmp_path)
    root = import_skypilot(tmp_path)
    assert root.files == (
        str(tmp_path / "v6" / "fluidstack" / "vms.csv"),
        str(tmp_path / "v8" / "lambda" / "vms.csv"),
    )
    assert root.skipped == {
        "no_instance_prices:kubernetes": 1,
        "no_instance_prices:slurm": 1,
        "superseded:v6/lambda": 1,
    }
    assert sorted(root.offerings["instance_type"]) == ["fs", "new"]

    version = import_skypilot(tmp_path / "v8")
    assert version.files == (str(tmp_path / "v8" / "lambda" / "vms.csv"),)
    assert set(version.skipped) == {"no_instance_prices:kubernetes", "no_instance_prices:slurm"}

    cloud = import_skypilot(str(tmp_path / "v6" / "lambda"))
    assert list(cloud.offerings["instance_type"]) == ["old"]
    assert cloud.offerings["source"].iloc[0] == "SkyPilot catalog v6/lambda/vms.csv"

    with pytest.raises(InputError):
        import_skypilot(tmp_path / "nope")
    (tmp_path / "nothing").mkdir()
    with pytest.raises(InputError, match="no SkyPilot catalog"):
        import_skypilot(tmp_path / "nothing")


def test_price_date_default_is_file_date(tmp_path: Path) -> None:
    path = write(tmp_path / "lambda" / "vms.csv", f"{HEADER}\na,H100,1,8,32,2.0,us-east-1,,\n")
    stamp = datetime(2025, 3, 14, 12, 0, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    result = import_skypilot(path)
    assert result.offerings["price_date"].iloc[0] == "2025-03-14"
    assert import_skypilot(path, price_date="2025-06").offerings["price_date"].iloc[0] == "2025-06"
    with pytest.raises(InputError, match="price date"):
        import_skypilot(path, price_date="14/03/2025")


def test_vast_and_primeintellect_regions(tmp_path: Path) -> None:
    write(
        tmp_path / "vast" / "vms.csv",
        "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region\n"
        '1x-H100,H100,1,32,64.0,"{}",1.87,0.00,"Texas, US, NA"\n'
        '1x-H100,H100,1,32,64.0,"{}",1.90,0.00,"Hafnarfjarðarkaupstaður, IS, EU"\n'
        '1x-H100,H100,1,32,64.0,"{}",1.95,0.00,", US, NA"\n'
        '2x-H100,H100,2,32,64.0,"{}",3.50,0.00,"Bavaria, DE, EU"\n',
    )
    write(
        tmp_path / "primeintellect" / "vms.csv",
        "InstanceType,UpstreamCloudId,vCPUs,MemoryGiB,AcceleratorName,AcceleratorCount,GpuInfo,"
        "Region,AvailabilityZone,Price,SpotPrice\n"
        'lambdalabs__8xH100,gpu_8x,240.0,1800,H100,8.0,"{""Gpus"":[]}",FI,FIN-01,14.32,\n'
        'lambdalabs__8xH100,gpu_8x,240.0,1800,H100,8.0,"{""Gpus"":[]}",FI,FIN-02,14.00,\n',
    )
    result = import_skypilot(tmp_path)
    regions = result.regions.set_index(["provider", "region"])
    assert set(regions.index) == {
        ("vast", "texas-us-na"),
        ("vast", "hafnarfjardarkaupstadur-is-eu"),
        ("vast", "us-na"),
        ("vast", "bavaria-de-eu"),
        ("primeintellect", "FI"),
    }
    assert regions.loc[("vast", "hafnarfjardarkaupstadur-is-eu"), "display_name"] == ("Hafnarfjarðarkaupstaður, IS, EU")
    assert regions.loc[("vast", "hafnarfjardarkaupstadur-is-eu"), "country"] == "IS"
    assert regions.loc[("vast", "us-na"), "country"] == "US"
    assert pd.isna(regions.loc[("vast", "us-na"), "latency_zone"])
    assert regions.loc[("vast", "bavaria-de-eu"), "tags"] == "eu"
    assert regions.loc[("primeintellect", "FI"), "latency_zone"] == "eu-north"
    pi = offering(result, "primeintellect", "FI", "lambdalabs__8xH100", "on_demand")
    assert pi["price_usd_per_hour"] == 14.0
    assert result.skipped == {"duplicate": 1}


@pytest.mark.parametrize(
    ("provider", "region", "country", "zone"),
    [
        ("aws", "eu-central-1", "DE", "eu-central"),
        ("gcp", "europe-west4", "NL", "eu-west"),
        ("lambda", "us-west-2", "US", "us-west"),
        ("cudo", "se-stockholm-1", "SE", "eu-north"),
        ("shadeform", "warsaw-poland-1", "PL", "eu-central"),
        ("fluidstack", "NORTH_DAKOTA_USA", "US", "us-central"),
        ("seeweb", "ch-lug1", "CH", "eu-central"),
        ("hyperstack", "NORWAY-1", "NO", "eu-north"),
        ("do", "nyc3", "US", "us-east"),
        ("lambda", "me-west-1", None, "me"),
        ("hyperbolic", "default", None, None),
    ],
)
def test_region_country_and_zone(tmp_path: Path, provider, region, country, zone) -> None:
    path = write(tmp_path / provider / "vms.csv", f"{HEADER}\na,H100,1,8,32,2.0,{region},,\n")
    row = import_skypilot(path).regions.iloc[0]
    assert row["region"] == region and row["display_name"] == region
    assert (None if pd.isna(row["country"]) else row["country"]) == country
    assert (None if pd.isna(row["latency_zone"]) else row["latency_zone"]) == zone


def test_problem_one_line() -> None:
    assert ImportProblem("v8/x/vms.csv", 7, "Region is empty").one_line() == ("v8/x/vms.csv:7: Region is empty")
