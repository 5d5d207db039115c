"""Facts a user relies on in the bundled data tables (src/fleetplan/data/*.csv).

The tables are read with plain pandas so these tests do not depend on the loaders.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest

ALLOWED_PRICING = {"on_demand", "spot", "reserved_1y", "reserved_3y", "owned"}
ALLOWED_KINDS = {"cloud", "gpu_cloud", "onprem", "colo", "edge"}
PROVIDER_TAGS = {
    "hyperscaler",
    "sovereign",
    "eu",
    "us",
    "asia",
    "neocloud",
    "marketplace",
    "reference",
}
LATENCY_ZONES = {
    "us-east",
    "us-central",
    "us-west",
    "ca",
    "latam",
    "eu-west",
    "eu-central",
    "eu-north",
    "uk",
    "me",
    "africa",
    "apac-south",
    "apac-southeast",
    "apac-east",
    "oceania",
}
REQUIRED_ACCELERATORS = [
    "T4",
    "L4",
    "A10G",
    "A10",
    "L40S",
    "L40",
    "A40",
    "RTX6000-Ada",
    "RTX4000-Ada",
    "A6000",
    "RTX4090",
    "A100-40GB",
    "A100-80GB",
    "A100-80GB-PCIe",
    "H100-SXM",
    "H100-PCIe",
    "H100-NVL",
    "H200",
    "GH200",
    "B200",
    "GB200",
    "H800",
    "V100",
    "V100-32GB",
    "MI250X",
    "MI300X",
    "MI325X",
    "TPU-v4",
    "TPU-v5e",
    "TPU-v5p",
    "TPU-v6e",
    "Trainium",
    "Trainium2",
    "Inferentia2",
    "Gaudi2",
    "Gaudi3",
]
MUST_BE_OFFERED = [
    "T4",
    "L4",
    "A10G",
    "L40S",
    "A100-40GB",
    "A100-80GB",
    "H100-SXM",
    "H100-PCIe",
    "H200",
    "B200",
    "MI250X",
    "MI300X",
    "MI325X",
    "TPU-v4",
    "TPU-v5e",
    "TPU-v5p",
    "TPU-v6e",
    "Trainium",
    "Trainium2",
    "Inferentia2",
    "Gaudi2",
    "Gaudi3",
    "V100",
    "H800",
]
# SkyPilot accelerator names that must resolve to a specific canonical chip.
SKYPILOT_ALIASES = {
    "A100": "A100-40GB",
    "A100-80GB": "A100-80GB",
    "H100": "H100-SXM",
    "H100-MEGA": "H100-SXM",
    "H200": "H200",
    "tpu-v5litepod": "TPU-v5e",
    "tpu-v5e": "TPU-v5e",
    "tpu-v6e": "TPU-v6e",
    "tpu-v4": "TPU-v4",
    "tpu-v5p": "TPU-v5p",
    "RTX6000-Ada": "RTX6000-Ada",
    "RTXA6000": "A6000",
    "A6000": "A6000",
    "MI300X": "MI300X",
    "A10G": "A10G",
    "L4": "L4",
    "L40S": "L40S",
    "T4": "T4",
    "V100": "V100",
    "V100-32GB": "V100-32GB",
    "GH200": "GH200",
    "B200": "B200",
    "H100-NVL": "H100-NVL",
    "A100-80GB-SXM": "A100-80GB",
    "H100-SXM": "H100-SXM",
    "H200-SXM": "H200",
    "GAUDI2": "Gaudi2",
    "RTX4090": "RTX4090",
    "L40": "L40",
    "A40": "A40",
    "A10": "A10",
}
NUMERIC_FACTS = [
    "bf16_tflops",
    "fp8_tflops",
    "int8_tops",
    "memory_gb",
    "memory_bandwidth_tbps",
    "tdp_w",
    "interconnect_gb_s",
    "max_per_node",
    "approx_price_usd",
]


def _read(name: str) -> pd.DataFrame:
    """Read a bundled table through the package resources, or next to the sources as a fallback."""
    try:
        from importlib import resources

        raw = resources.files("fleetplan.data").joinpath(name).read_bytes()
    except Exception:  # package not importable (e.g. sibling modules mid-edit): read by path
        raw = (Path(__file__).resolve().parents[2] / "src" / "fleetplan" / "data" / name).read_bytes()
    return pd.read_csv(io.BytesIO(raw), keep_default_na=True)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _split(cell: object) -> list[str]:
    if pd.isna(cell):
        return []
    return [x.strip() for x in str(cell).split(";") if x.strip()]


@pytest.fixture(scope="module")
def acc() -> pd.DataFrame:
    return _read("accelerators.csv")


@pytest.fixture(scope="module")
def off() -> pd.DataFrame:
    return _read("offerings.csv")


@pytest.fixture(scope="module")
def reg() -> pd.DataFrame:
    return _read("regions.csv")


@pytest.fixture(scope="module")
def prov() -> pd.DataFrame:
    return _read("providers.csv")


# ----------------------------------------------------------------------------- all tables


@pytest.mark.parametrize(
    "name", ["accelerators.csv", "offerings.csv", "regions.csv", "providers.csv", "assumptions.csv"]
)
def test_every_row_has_a_source(name: str) -> None:
    df = _read(name)
    assert len(df) > 0
    cols = ["grid_source", "pue_source"] if name == "regions.csv" else ["source"]
    for col in cols:
        src = df[col].fillna("").astype(str).str.strip()
        assert (src != "").all(), df[src == ""].head()


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        (
            "accelerators.csv",
            "name,vendor,family,bf16_tflops,fp8_tflops,int8_tops,memory_gb,memory_bandwidth_tbps,tdp_w,"
            "interconnect_gb_s,max_per_node,approx_price_usd,release_year,aliases,uncertain_fields,source",
        ),
        ("providers.csv", "provider,display_name,kind,tags,onboarding_cost_usd,url,source"),
        ("assumptions.csv", "name,value,unit,source"),
        (
            "regions.csv",
            "provider,region,display_name,country,latency_zone,tags,grid_kgco2e_per_kwh,grid_source,pue,pue_source",
        ),
        (
            "offerings.csv",
            "provider,region,instance_type,accelerator,accelerator_count,pricing_model,price_usd_per_hour,"
            "capex_usd,lifetime_years,lead_time_periods,availability_max_instances,"
            "spot_interruption_rate_per_hour,vcpus,memory_gib,price_date,source",
        ),
    ],
)
def test_columns_exact(name: str, columns: str) -> None:
    assert list(_read(name).columns) == columns.split(",")


@pytest.mark.parametrize(
    "name", ["accelerators.csv", "offerings.csv", "regions.csv", "providers.csv", "assumptions.csv"]
)
def test_no_local_paths_in_tables(name: str) -> None:
    df = _read(name)
    text = df.astype(str).to_csv(index=False)
    for marker in ("/work/", "/tmp/", "/home/", "C:\\"):
        assert marker not in text


# ----------------------------------------------------------------------------- accelerators


def test_required_accelerators_present(acc: pd.DataFrame) -> None:
    missing = set(REQUIRED_ACCELERATORS) - set(acc["name"])
    assert not missing


def test_accelerator_names_unique(acc: pd.DataFrame) -> None:
    assert not acc["name"].duplicated().any()


def test_accelerator_numeric_facts_positive(acc: pd.DataFrame) -> None:
    for col in NUMERIC_FACTS:
        vals = acc[col].dropna()
        assert (vals > 0).all(), (col, acc.loc[acc[col] <= 0, "name"].tolist())
    for col in ("bf16_tflops", "memory_gb", "memory_bandwidth_tbps", "tdp_w", "max_per_node"):
        assert acc[col].notna().all(), (col, acc.loc[acc[col].isna(), "name"].tolist())


def test_fp8_at_least_bf16(acc: pd.DataFrame) -> None:
    both = acc.dropna(subset=["fp8_tflops"])
    bad = both[both["fp8_tflops"] < both["bf16_tflops"]]
    assert bad.empty, bad["name"].tolist()


def test_uncertain_fields_name_real_columns(acc: pd.DataFrame) -> None:
    for _, row in acc.iterrows():
        for field in _split(row["uncertain_fields"]):
            assert field in acc.columns, (row["name"], field)


def test_cloud_only_chips_flag_estimated_tdp(acc: pd.DataFrame) -> None:
    for name in ("TPU-v5e", "TPU-v5p", "TPU-v6e", "Trainium", "Trainium2", "Inferentia2"):
        row = acc.set_index("name").loc[name]
        assert "tdp_w" in _split(row["uncertain_fields"]), name
        assert "estimate" in row["source"].lower(), name


def test_no_normalized_alias_collides_across_chips(acc: pd.DataFrame) -> None:
    owner: dict[str, str] = {}
    for _, row in acc.iterrows():
        for alias in [row["name"], *_split(row["aliases"])]:
            key = _norm(alias)
            assert key, (row["name"], alias)
            prev = owner.setdefault(key, row["name"])
            assert prev == row["name"], f"{alias!r} maps to both {prev} and {row['name']}"


def test_skypilot_names_resolve(acc: pd.DataFrame) -> None:
    index = {}
    for _, row in acc.iterrows():
        for alias in [row["name"], *_split(row["aliases"])]:
            index[_norm(alias)] = row["name"]
    for sky, canonical in SKYPILOT_ALIASES.items():
        assert index.get(_norm(sky)) == canonical, sky


# ----------------------------------------------------------------------------- providers


def test_providers_well_formed(prov: pd.DataFrame) -> None:
    assert not prov["provider"].duplicated().any()
    assert prov["provider"].str.fullmatch(r"[a-z0-9-]+").all()
    assert set(prov["kind"]) <= ALLOWED_KINDS
    for tags in prov["tags"]:
        assert set(_split(tags)) <= PROVIDER_TAGS, tags
    assert (prov["onboarding_cost_usd"] > 0).all()
    assert prov["source"].str.contains("estimate").all()


def test_reference_providers_present(prov: pd.DataFrame) -> None:
    p = prov.set_index("provider")
    assert p.loc["onprem-reference", "kind"] == "onprem"
    assert p.loc["edge-reference", "kind"] == "edge"
    assert "reference" in _split(p.loc["onprem-reference", "tags"])


# ----------------------------------------------------------------------------- regions


def test_region_keys_unique(reg: pd.DataFrame) -> None:
    assert not reg.duplicated(["provider", "region"]).any()


def test_region_values_in_range(reg: pd.DataFrame) -> None:
    assert reg["grid_kgco2e_per_kwh"].between(0.0, 1.2).all()
    assert reg["pue"].between(1.0, 2.0).all()
    assert reg["country"].str.fullmatch(r"[A-Z]{2}").all()
    assert set(reg["latency_zone"]) <= LATENCY_ZONES
    assert reg["grid_source"].fillna("").str.strip().ne("").all()
    assert reg["pue_source"].fillna("").str.strip().ne("").all()


def test_region_carbon_sources_are_permissive(reg: pd.DataFrame) -> None:
    text = " ".join(reg["grid_source"].astype(str)).lower()
    assert "ember" not in text
    assert "electricity maps" not in text and "electricitymaps" not in text


def test_regions_belong_to_known_providers(reg: pd.DataFrame, prov: pd.DataFrame) -> None:
    assert set(reg["provider"]) <= set(prov["provider"])


# ----------------------------------------------------------------------------- offerings


def test_offerings_size(off: pd.DataFrame) -> None:
    assert len(off) >= 150
    assert off["provider"].nunique() >= 12


def test_offering_keys_unique(off: pd.DataFrame) -> None:
    assert not off.duplicated(["provider", "region", "instance_type", "pricing_model"]).any()


def test_offerings_sorted(off: pd.DataFrame) -> None:
    keys = list(zip(off["provider"], off["region"], off["instance_type"], off["pricing_model"], strict=True))
    assert keys == sorted(keys)


def test_offering_references_exist(off: pd.DataFrame, acc: pd.DataFrame, reg: pd.DataFrame, prov: pd.DataFrame) -> None:
    assert set(off["accelerator"]) <= set(acc["name"])
    assert set(off["provider"]) <= set(prov["provider"])
    regions = set(zip(reg["provider"], reg["region"], strict=True))
    used = set(zip(off["provider"], off["region"], strict=True))
    assert used <= regions, used - regions


def test_every_region_is_used(off: pd.DataFrame, reg: pd.DataFrame) -> None:
    regions = set(zip(reg["provider"], reg["region"], strict=True))
    used = set(zip(off["provider"], off["region"], strict=True))
    assert regions == used, regions - used


def test_required_accelerators_offered(off: pd.DataFrame) -> None:
    missing = set(MUST_BE_OFFERED) - set(off["accelerator"])
    assert not missing


def test_pricing_models_and_prices(off: pd.DataFrame) -> None:
    assert set(off["pricing_model"]) <= ALLOWED_PRICING
    assert (off["price_usd_per_hour"] > 0).all()
    assert (off["accelerator_count"] >= 1).all()
    assert off["price_date"].astype(str).str.fullmatch(r"\d{4}-\d{2}(-\d{2})?").all()


def test_spot_rows_have_interruption_rate(off: pd.DataFrame) -> None:
    spot = off[off["pricing_model"] == "spot"]
    assert not spot.empty
    assert spot["spot_interruption_rate_per_hour"].notna().all()
    assert (spot["spot_interruption_rate_per_hour"] > 0).all()
    non_spot = off[off["pricing_model"] != "spot"]
    assert non_spot["spot_interruption_rate_per_hour"].isna().all()


def test_owned_rows_have_capex_lifetime_lead_time(off: pd.DataFrame) -> None:
    owned = off[off["pricing_model"] == "owned"]
    assert not owned.empty
    for col in ("capex_usd", "lifetime_years", "lead_time_periods"):
        assert owned[col].notna().all(), col
        assert (owned[col] > 0).all(), col
    rented = off[off["pricing_model"] != "owned"]
    assert rented["capex_usd"].isna().all()
    assert set(owned["provider"]) <= {"onprem-reference", "edge-reference"}


def test_price_ordering_per_accelerator_hour(off: pd.DataFrame) -> None:
    df = off.assign(per_acc=off["price_usd_per_hour"] / off["accelerator_count"])
    piv = df.pivot_table(
        index=["provider", "region", "instance_type"],
        columns="pricing_model",
        values="per_acc",
        aggfunc="first",
    )
    eps = 1e-9

    def check(lo: str, hi: str) -> None:
        if lo in piv and hi in piv:
            both = piv[[lo, hi]].dropna()
            bad = both[both[lo] > both[hi] + eps]
            assert bad.empty, f"{lo} > {hi}:\n{bad}"

    check("spot", "on_demand")
    check("reserved_1y", "on_demand")
    check("reserved_3y", "reserved_1y")
    check("reserved_3y", "on_demand")


def test_hyperscalers_have_all_rental_models(off: pd.DataFrame) -> None:
    for p in ("aws", "gcp", "azure"):
        models = set(off.loc[off["provider"] == p, "pricing_model"])
        assert {"on_demand", "spot", "reserved_1y", "reserved_3y"} <= models, p
