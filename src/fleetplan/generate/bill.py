"""Synthetic FOCUS billing exports with a known ground truth (tests and benchmarks of a bill audit).

:func:`generate_bill` writes the FOCUS 1.0, 1.1 or 1.2 billing export of an organization that runs
AI on several clouds (AWS, Azure, Google Cloud, OCI) over ``months`` whole calendar months, as CSV,
gzipped CSV or Parquet, and returns the *truth* document: the figures the generator knows by
construction, which an audit must find again from the file alone.

What the rows are
=================

* **GPU/accelerator instances** from the bundled catalog (instance types, regions, on-demand, spot
  and reserved prices), each a resource that runs for a contiguous run of charge periods:
  ``PricingCategory`` ``Standard`` (on demand; ``ListUnitPrice`` is the catalog's on-demand price)
  or ``Dynamic`` (spot; ``ListUnitPrice`` on demand, ``ContractedUnitPrice`` the catalog's spot
  price). FOCUS has no instance-type column: the instance type is written in ``ChargeDescription``
  in each provider's usual wording (AWS ``$55.04 per On Demand Linux p5.48xlarge Instance Hour``,
  Azure the meter name ``ND96isr H100 v5``, Google ``Nvidia H100 80GB GPU running in Americas
  (a3-highgpu-8g)``, OCI ``Compute - GPU - H100-SXM - BM.GPU.H100.8``), in the custom column
  ``x_InstanceType`` and, from FOCUS 1.1, in ``SkuPriceDetails`` (``{"x_InstanceType": ...}``).
  An audit may read any of them; ``x_InstanceType`` is the unambiguous one.
* **Commitments**: per provider, up to two reservations of catalog offerings (``reserved_1y`` and
  ``reserved_3y`` prices; none for a provider whose catalog has no reserved prices, such as OCI):
  a 1-year no-upfront one bought before the window (a ``Purchase`` row with ``ChargeFrequency``
  ``Recurring`` each month) and a 3-year all-upfront one bought in the window's second month (one
  ``One-Time`` ``Purchase`` row for the whole term). Purchases carry the cash (``BilledCost``) and
  ``EffectiveCost`` 0; the amortized cost lands on ``Committed`` usage rows,
  ``CommitmentDiscountStatus`` ``Used`` (one per covered instance and period, ``BilledCost`` 0)
  and ``Unused`` (the idle remainder, ``ResourceId`` the commitment, ``ConsumedQuantity`` null), as
  in the FOCUS 1.2 commitment-discount examples. Per period, used + unused hours = count x hours.
* **Non-AI rows**: CPU virtual machines (instance types deliberately absent from the catalog, so an
  audit must leave them unmapped), object storage, data transfer out, and per provider a credit
  (negative, ``Credit``), a refund (negative, ``Adjustment``; one provider's is a ``Correction``
  of the month before the window) and monthly sales tax (``Tax``) on the billed total.

Costs are integers of micro-dollars inside the generator, written with 6 decimals; for every row
``ListCost >= ContractedCost >= EffectiveCost`` (negative rows: all four equal). Compute quantities
are hours (``ConsumedUnit``/``PricingUnit`` ``Hours``). Charge periods are hourly when the
commitment rows fit in a quarter of ``rows``, else daily, else monthly (``granularity`` in the
truth). Columns are the chosen FOCUS version's full column set in alphabetical order, as in the
FOCUS sample data, then ``x_InstanceType``. Datetimes are ``YYYY-MM-DDTHH:MM:SSZ`` (CSV) or
``TIMESTAMP`` in UTC (Parquet).

``quirks=True`` (CSV only) writes what real exports do (see the FOCUS 1.0 sample data): ``NULL``
for nulls, datetimes ``YYYY-MM-DD HH:MM:SS``, ``ChargeFrequency`` ``Usage-based`` on one
provider's rows, ``ListUnitPrice`` quoted, a UTF-8 byte-order mark and CRLF line endings.

Rows are made in chunks of :data:`CHUNK_ROWS` with numpy (random draws from
``numpy.random.default_rng((seed, segment, chunk))``) and formatted by DuckDB: memory stays
bounded whatever ``rows`` is, and the same arguments give the same file, byte for byte.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import duckdb
import numpy as np
import pandas as pd

from fleetplan._io import open_atomic, write_text_atomic
from fleetplan.catalog.builtin import builtin_offerings, builtin_regions
from fleetplan.data.focus import COLUMNS_1_0, INTRODUCED, MANDATORY
from fleetplan.generate.synthetic import GenerateError

__all__ = [
    "BILL_PROVIDERS",
    "CHUNK_ROWS",
    "FOCUS_MANDATORY_COLUMNS",
    "FOCUS_VERSIONS",
    "TRUTH_SCHEMA",
    "bill_format",
    "focus_columns",
    "generate_bill",
    "write_bill_truth",
]

FOCUS_VERSIONS: tuple[str, ...] = ("1.0", "1.1", "1.2")
"""FOCUS versions whose column sets the generator writes."""

BILL_PROVIDERS: tuple[str, ...] = ("aws", "azure", "gcp", "oci")
"""Catalog providers the generator knows how to word (names, identifiers, descriptions)."""

CHUNK_ROWS = 200_000
"""Rows generated and formatted at a time (bounds memory)."""

TRUTH_SCHEMA = "fleetplan.bill-truth/1"

FOCUS_MANDATORY_COLUMNS = MANDATORY
_V1_0 = COLUMNS_1_0
_ADDED = INTRODUCED

CUSTOM_COLUMNS: tuple[str, ...] = ("x_InstanceType",)

_MONEY = ("BilledCost", "ContractedCost", "EffectiveCost", "ListCost")
_MICRO = 1_000_000
_HOURS_PER_MONTH = 730  # storage GB-month prorated per hour, as the providers do


def focus_columns(version: str) -> tuple[str, ...]:
    """The full column set of FOCUS ``version`` (43, 50 or 57 columns), alphabetical."""
    if version not in FOCUS_VERSIONS:
        raise GenerateError(f"--version must be one of {', '.join(FOCUS_VERSIONS)}, got {version!r}")
    cols = list(_V1_0)
    for v in FOCUS_VERSIONS[1 : FOCUS_VERSIONS.index(version) + 1]:
        cols += _ADDED[v]
    return tuple(sorted(cols))


def bill_format(path: str | Path) -> str:
    """``csv``, ``csv.gz`` or ``parquet`` from the name of ``path``; raises :class:`GenerateError`."""
    name = Path(path).name.lower()
    for suffix in ("csv.gz", "csv", "parquet"):
        if name.endswith("." + suffix):
            return suffix
    raise GenerateError(f"-o {path}: the name must end in .csv, .csv.gz or .parquet")


# ----------------------------------------------------------------------------------------------
# Provider wording (illustrative, modelled on each provider's FOCUS exports)


@dataclass(frozen=True)
class _Style:
    """How one provider names and describes things in its FOCUS export."""

    provider_name: str
    publisher: str
    billing_account_name: str
    account_types: tuple[str, str]  # BillingAccountType, SubAccountType
    compute_service: str
    resource_type: str
    commitment_type: str
    desc: dict[str, str]  # kind -> ChargeDescription format
    cpu: tuple[tuple[str, float, int], ...]  # CPU instance types (not in the catalog), $/h, vCPUs
    storage: tuple[str, str, float, str]  # service, description, $/GB-month, resource type
    network: tuple[str, str, float]  # service, description, $/GB
    credit: str
    refund: str
    tax_rate: float


_STYLES: dict[str, _Style] = {
    "aws": _Style(
        provider_name="AWS",
        publisher="Amazon Web Services, Inc.",
        billing_account_name="acme-payer",
        account_types=("Billing Account", "Linked Account"),
        compute_service="Amazon Elastic Compute Cloud",
        resource_type="instance",
        commitment_type="Reserved Instance",
        desc={
            "od": "${price} per On Demand Linux {it} Instance Hour",
            "cpu": "${price} per On Demand Linux {it} Instance Hour",
            "spot": "${spot} per Linux/UNIX Spot Instance-hour for {it} in {region_name}",
            "used": "USD 0.0 per Linux/UNIX (Amazon VPC), {it} reserved instance applied",
            "unused": "USD {rate} hourly fee per Linux/UNIX (Amazon VPC), {it} instance (unused reservation)",
            "recurring": "USD {rate} hourly fee per Linux/UNIX (Amazon VPC), {it} instance",
            "upfront": "Sign up charge for Reserved Instances: {term} All Upfront Linux/UNIX {it} x {count}",
        },
        cpu=(("m7i.4xlarge", 0.8064, 16), ("c7i.8xlarge", 1.428, 32), ("r7i.2xlarge", 0.5292, 8)),
        storage=(
            "Amazon Simple Storage Service",
            "$0.023 per GB - first 50 TB / month of storage used",
            0.023,
            "bucket",
        ),
        network=(
            "AWS Data Transfer",
            "$0.09 per GB - first 10 TB / month data transfer out beyond the global free tier",
            0.09,
        ),
        credit="AWS Credits: Migration Acceleration Program",
        refund="SLA credit: Amazon EC2 instance availability",
        tax_rate=0.06,
    ),
    "azure": _Style(
        provider_name="Microsoft",
        publisher="Microsoft",
        billing_account_name="Acme Corp",
        account_types=("Billing Profile", "Subscription"),
        compute_service="Virtual Machines",
        resource_type="Virtual machine",
        commitment_type="Reservation",
        desc={
            "od": "{meter}",
            "cpu": "{meter}",
            "spot": "{meter} Spot",
            "used": "{meter} (reservation applied)",
            "unused": "{meter} (unused reservation)",
            "recurring": "Reservation: {meter}, {term}, monthly payment",
            "upfront": "Reservation purchase: {meter}, {term}, quantity {count}",
        },
        cpu=(("Standard_D8s_v5", 0.384, 8), ("Standard_E16s_v5", 1.008, 16), ("Standard_F16s_v2", 0.677, 16)),
        storage=("Storage", "Hot LRS Data Stored", 0.0184, "Storage account"),
        network=("Bandwidth", "Standard Data Transfer Out", 0.087),
        credit="Azure Prepayment credit",
        refund="Service credit: Virtual Machines availability SLA",
        tax_rate=0.0625,
    ),
    "gcp": _Style(
        provider_name="Google Cloud",
        publisher="Google Cloud",
        billing_account_name="Acme Corp GCP",
        account_types=("Billing Account", "Project"),
        compute_service="Compute Engine",
        resource_type="compute.googleapis.com/Instance",
        commitment_type="Committed Use Discount",
        desc={
            "od": "{gpu} running in {geo} ({it})",
            "cpu": "{family} Instance Core running in {geo} ({it})",
            "spot": "Spot Preemptible {gpu} running in {geo} ({it})",
            "used": "{gpu} running in {geo} ({it}, commitment applied)",
            "unused": "Commitment v1: {gpu} in {geo} for {term} ({it}, unused)",
            "recurring": "Commitment v1: {gpu} in {geo} for {term} ({it} x {count})",
            "upfront": "Commitment v1: {gpu} in {geo} for {term}, paid upfront ({it} x {count})",
        },
        cpu=(("n2-standard-16", 0.7769, 16), ("e2-standard-8", 0.2681, 8), ("c3-standard-22", 1.1321, 22)),
        storage=("Cloud Storage", "Standard Storage US Multi-region", 0.026, "storage.googleapis.com/Bucket"),
        network=("Networking", "Network Internet Data Transfer Out from Americas to Americas", 0.12),
        credit="Free trial and promotional credit",
        refund="Refund: Compute Engine SLA credit",
        tax_rate=0.05,
    ),
    "oci": _Style(
        provider_name="Oracle",
        publisher="Oracle",
        billing_account_name="acme",
        account_types=("Tenancy", "Compartment"),
        compute_service="COMPUTE",
        resource_type="instance",
        commitment_type="Annual Universal Credits",
        desc={
            "od": "Compute - GPU - {gpu} - {it}",
            "cpu": "Compute - Standard - {it}",
            "spot": "Compute - GPU - {gpu} - {it} - Preemptible",
            "used": "Compute - GPU - {gpu} - {it} - Commitment",
            "unused": "Compute - GPU - {gpu} - {it} - Unused commitment",
            "recurring": "Commitment - {it} - {term}",
            "upfront": "Commitment - {it} - {term} - upfront x {count}",
        },
        cpu=(("VM.Standard.E5.Flex", 0.45, 16), ("VM.Standard3.Flex", 0.62, 16)),
        storage=("OBJECT_STORAGE", "Object Storage - Storage", 0.0255, "bucket"),
        network=("NETWORK", "Outbound Data Transfer Zone 1", 0.0085),
        credit="Promotional credit",
        refund="Service credit: Compute availability",
        tax_rate=0.04,
    ),
}

_ACCOUNTS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    # name, env, teams, projects
    ("ml-training-prod", "prod", ("foundation-models", "ml-research"), ("llm-pretrain", "code-model", "speech")),
    ("ml-serving-prod", "prod", ("ml-platform", "search"), ("rag-serving", "chat-api", "search-rerank")),
    ("research-dev", "dev", ("applied-research",), ("eval", "finetune-exp", "distill")),
    ("platform-shared", "prod", ("platform", "data-eng", "web"), ("etl", "web-frontend", "observability")),
)
_KIND_SHARE = {"gpu": 0.36, "cpu": 0.38, "storage": 0.13, "network": 0.13}
_GCP_GPU = {
    "H100-SXM": "Nvidia H100 80GB GPU",
    "H200": "Nvidia H200 141GB GPU",
    "A100-40GB": "Nvidia Tesla A100 GPU",
    "A100-80GB": "Nvidia A100 80GB GPU",
    "L4": "Nvidia L4 GPU",
    "T4": "Nvidia Tesla T4 GPU",
    "V100": "Nvidia Tesla V100 GPU",
}


def _gpu_words(provider: str, accelerator: str) -> str:
    if provider == "gcp":
        if accelerator.startswith("TPU-"):
            return "TPU " + accelerator.removeprefix("TPU-")
        return _GCP_GPU.get(accelerator, f"Nvidia {accelerator} GPU")
    return accelerator


def _geo(region: str) -> str:
    return "EMEA" if region.startswith("europe") else "APAC" if region.startswith(("asia", "australia")) else "Americas"


def _money(x: float) -> str:
    """A price as providers print it: no trailing zeros (``55.04``, ``0.8064``)."""
    return f"{x:.6f}".rstrip("0").rstrip(".")


# ----------------------------------------------------------------------------------------------
# Calendar


def _parse_start(start: str) -> datetime:
    try:
        year, month = (int(x) for x in start.split("-"))
        return datetime(year, month, 1, tzinfo=UTC)
    except ValueError:
        raise GenerateError(f"--start must be a month YYYY-MM, got {start!r}") from None


def _add_months(d: datetime, k: int) -> datetime:
    y, m = divmod(d.month - 1 + k, 12)
    return d.replace(year=d.year + y, month=m + 1, day=1)


def _hours(a: datetime, b: datetime) -> int:
    """Whole hours from ``a`` to ``b``."""
    return int((b - a) // timedelta(hours=1))


def _iso(d: datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class _Calendar:
    """The window of ``months`` months and its charge periods (hours from the window start)."""

    start: datetime
    months: int
    month_edges: np.ndarray  # months + 1 hour offsets
    granularity: str
    p_start: np.ndarray
    p_end: np.ndarray

    @classmethod
    def make(cls, start: datetime, months: int, granularity: str) -> _Calendar:
        edges = np.array([_hours(start, _add_months(start, k)) for k in range(months + 1)], dtype=np.int64)
        total = int(edges[-1])
        if granularity == "hourly":
            ps = np.arange(total, dtype=np.int64)
            pe = ps + 1
        elif granularity == "daily":
            ps = np.arange(0, total, 24, dtype=np.int64)
            pe = ps + 24
        else:
            ps, pe = edges[:-1].copy(), edges[1:].copy()
        return cls(start, months, edges, granularity, ps, pe)

    def month_of(self, hour: np.ndarray) -> np.ndarray:
        """Index of the window month containing each hour offset (clipped to the window)."""
        return np.clip(np.searchsorted(self.month_edges, hour, side="right") - 1, 0, self.months - 1)

    def periods_between(self, a: int, b: int) -> np.ndarray:
        """Indexes of the charge periods inside hours [a, b)."""
        return np.flatnonzero((self.p_start >= a) & (self.p_end <= b))


# ----------------------------------------------------------------------------------------------
# Templates: one row per line-item kind (a resource, a commitment's unused row, a credit, ...)

_TPL_STR = (
    "AvailabilityZone",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "CapacityReservationId",
    "CapacityReservationStatus",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedUnit",
    "InvoiceIssuerName",
    "PricingCategory",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "SubAccountType",
    "Tags",
    "x_InstanceType",
    "invoice_prefix",
)


@dataclass
class _Templates:
    """Line-item templates: strings for DuckDB, numbers for numpy."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, **kw: Any) -> int:
        self.rows.append(kw)
        return len(self.rows) - 1

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame({c: pd.Series([r.get(c) for r in self.rows], dtype=object) for c in _TPL_STR})
        df["t"] = np.arange(len(self.rows), dtype=np.int64)
        for c in ("lup_u", "cup_u"):
            df[c] = np.array([r.get(c, 0) for r in self.rows], dtype=np.int64)
        for c in ("q_null", "pq_null", "price_null", "cdq"):
            df[c] = np.array([bool(r.get(c, False)) for r in self.rows])
        return df

    def array(self, key: str, default: Any = 0, dtype: Any = np.int64) -> np.ndarray:
        return np.array([r.get(key, default) for r in self.rows], dtype=dtype)


@dataclass
class _Commitment:
    id: str
    provider: str
    instance_type: str
    region: str
    accelerator: str
    accelerator_count: int
    count: int
    rate_u: int  # micro-dollars per instance-hour
    term: str
    payment: str
    start: datetime
    end: datetime
    used_t: list[int]  # templates of the covered instances' Used rows
    unused_t: int
    purchase_t: int
    used_hours: int = 0
    unused_hours: int = 0
    purchase_billed_u: int = 0


class _Ids:
    """Deterministic identifiers drawn from one random stream."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def chars(self, n: int, alphabet: str = "0123456789abcdef") -> str:
        idx = self.rng.integers(0, len(alphabet), size=n)
        return "".join(alphabet[i] for i in idx)

    def uuid(self) -> str:
        h = self.chars(32)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def digits(self, n: int) -> str:
        return self.chars(n, "0123456789")

    def upper(self, n: int) -> str:
        return self.chars(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


@dataclass(frozen=True)
class _Account:
    provider: str
    billing_id: str
    sub_id: str
    sub_name: str
    env: str
    teams: tuple[str, ...]
    projects: tuple[str, ...]


def _accounts(provider: str, ids: _Ids) -> tuple[str, list[_Account]]:
    if provider == "aws":
        billing = ids.digits(12)
    elif provider == "azure":
        billing = f"/providers/Microsoft.Billing/billingAccounts/{ids.digits(8)}"
    elif provider == "gcp":
        billing = f"{ids.upper(6)}-{ids.upper(6)}-{ids.upper(6)}"
    else:
        billing = f"ocid1.tenancy.oc1..aaaaaaaa{ids.chars(52, 'abcdefghijklmnopqrstuvwxyz0123456789')}"
    out = []
    for name, env, teams, projects in _ACCOUNTS:
        if provider == "aws":
            sub = ids.digits(12)
        elif provider == "azure":
            sub = f"/subscriptions/{ids.uuid()}"
        elif provider == "gcp":
            sub = f"acme-{name}"
        else:
            sub = f"ocid1.compartment.oc1..aaaaaaaa{ids.chars(52, 'abcdefghijklmnopqrstuvwxyz0123456789')}"
        out.append(_Account(provider, billing, sub, name, env, teams, projects))
    return billing, out


def _resource_id(provider: str, kind: str, acct: _Account, region: str, name: str, ids: _Ids) -> str:
    if provider == "aws":
        if kind == "storage":
            return f"arn:aws:s3:::{name}"
        if kind == "network":
            return f"arn:aws:elasticloadbalancing:{region}:{acct.sub_id}:loadbalancer/app/{name}/{ids.chars(16)}"
        return f"i-0{ids.chars(16)}"
    if provider == "azure":
        rg = f"/subscriptions/{acct.sub_id.rsplit('/', 1)[-1]}/resourcegroups/{acct.sub_name}"
        prov = {"storage": "microsoft.storage/storageaccounts", "network": "microsoft.network/publicipaddresses"}
        return f"{rg}/providers/{prov.get(kind, 'microsoft.compute/virtualmachines')}/{name}"
    if provider == "gcp":
        if kind == "storage":
            return f"//storage.googleapis.com/projects/_/buckets/{name}"
        if kind == "network":
            return f"//compute.googleapis.com/projects/{acct.sub_id}/regions/{region}/addresses/{name}"
        if name.startswith("tpu"):
            return f"//tpu.googleapis.com/projects/{acct.sub_id}/locations/{region}-a/nodes/{name}"
        return f"//compute.googleapis.com/projects/{acct.sub_id}/zones/{region}-a/instances/{name}"
    what = {"storage": "bucket", "network": "vnic"}.get(kind, "instance")
    return f"ocid1.{what}.oc1.{region}.{ids.chars(60, 'abcdefghijklmnopqrstuvwxyz0123456789')}"


def _zone(provider: str, region: str, ids: _Ids) -> str:
    if provider == "aws":
        return region + "abc"[int(ids.rng.integers(0, 3))]
    if provider == "azure":
        return str(int(ids.rng.integers(1, 4)))
    if provider == "gcp":
        return region + "-" + "abc"[int(ids.rng.integers(0, 3))]
    return f"{ids.chars(4, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ')}:{region.upper()}-AD-1"


def _sku(provider: str, ids: _Ids) -> str:
    if provider == "aws":
        return ids.upper(16)
    if provider == "azure":
        return ids.uuid()
    if provider == "gcp":
        return f"{ids.upper(4)}-{ids.upper(4)}-{ids.upper(4)}"
    return "B" + ids.digits(5)


def _u(x: float) -> int:
    """Micro-dollars (or micro-units) of ``x``, rounded half up."""
    return int(np.floor(x * _MICRO + 0.5))


def _rdiv(a: np.ndarray) -> np.ndarray:
    """``a / 1e6`` rounded half up, in integers (``a`` >= 0)."""
    return (a + _MICRO // 2) // _MICRO


@dataclass
class _World:
    """Everything fixed before the rows: calendar, templates, resources, commitments."""

    providers: tuple[str, ...]
    cal: _Calendar
    tpl: _Templates
    commitments: list[_Commitment]
    resources: np.ndarray  # template index of each running resource (segment C)
    res_kind: np.ndarray  # 0 compute, 1 storage, 2 network
    res_scale: np.ndarray  # storage GB, network GB/hour, compute 1
    tails: list[dict[str, Any]]  # per provider: credit, refund, tax templates


class _Builder:
    """Builds the templates of one bill (deterministic per seed)."""

    def __init__(self, providers: Sequence[str], seed: int, version: str, quirks: bool) -> None:
        self.providers = tuple(providers)
        self.rng = np.random.default_rng((seed, 0))
        self.ids = _Ids(self.rng)
        self.version = version
        self.quirks = quirks
        self.drift = next((p for p in ("oci", "azure", "gcp", "aws") if p in self.providers), "")
        self.tpl = _Templates()
        off = builtin_offerings()
        self.off = off[off["provider"].isin(self.providers) & off["accelerator"].notna()].reset_index(drop=True)
        reg = builtin_regions()
        self.region_names = {
            (p, r): n for p, r, n in zip(reg["provider"], reg["region"], reg["display_name"], strict=True)
        }
        od = self.off[self.off["pricing_model"] == "on_demand"].sort_values(["provider", "instance_type", "region"])
        self.od_types = {p: sorted(set(od.loc[od["provider"] == p, "instance_type"])) for p in self.providers}
        self.od_rows = {(p, it): list(g.itertuples()) for (p, it), g in od.groupby(["provider", "instance_type"])}
        sp = self.off[self.off["pricing_model"] == "spot"]
        self.spot = {
            (p, it, r): float(x)
            for p, it, r, x in zip(
                sp["provider"], sp["instance_type"], sp["region"], sp["price_usd_per_hour"], strict=True
            )
        }
        self.regions = {p: sorted(set(self.off.loc[self.off["provider"] == p, "region"])) for p in self.providers}
        self.accounts: dict[str, list[_Account]] = {}
        self.billing: dict[str, str] = {}
        for p in self.providers:
            self.billing[p], self.accounts[p] = _accounts(p, self.ids)

    # common columns of every template of provider ``p``
    def _base(self, p: str, acct: _Account, freq: str) -> dict[str, Any]:
        st = _STYLES[p]
        if self.quirks and p == self.drift and freq == "Usage-Based":
            freq = "Usage-based"
        return {
            "provider": p,
            "BillingAccountId": acct.billing_id,
            "BillingAccountName": st.billing_account_name,
            "BillingAccountType": st.account_types[0],
            "SubAccountType": st.account_types[1],
            "SubAccountId": acct.sub_id,
            "SubAccountName": acct.sub_name,
            "ChargeFrequency": freq,
            "InvoiceIssuerName": st.publisher,
            "ProviderName": st.provider_name,
            "PublisherName": st.publisher,
            "invoice_prefix": f"{p.upper()}-{acct.billing_id[-6:].upper()}-",
        }

    def _tags(self, acct: _Account) -> str | None:
        if self.rng.random() < 0.1:
            return None
        team = acct.teams[int(self.rng.integers(0, len(acct.teams)))]
        project = acct.projects[int(self.rng.integers(0, len(acct.projects)))]
        return json.dumps({"team": team, "project": project, "env": acct.env})

    def _instance(self, p: str, kind: str, acct: _Account, region: str, it: str, name: str) -> dict[str, Any]:
        """Columns of a running instance (GPU or CPU)."""
        st = _STYLES[p]
        tpu = it.startswith("tpu")
        sku = _sku(p, self.ids)
        vcpus = next((c for t, _, c in st.cpu if t == it), None)
        details: dict[str, Any] = {"x_InstanceType": it}
        if vcpus:
            details["x_vCPU"] = vcpus
        zone = _zone(p, region, self.ids)
        resource = _resource_id(p, kind, acct, region, name, self.ids)
        if p == "gcp":
            resource = resource.replace(f"/{region}-a/", f"/{zone}/")
        return {
            "AvailabilityZone": zone,
            "RegionId": region,
            "RegionName": self.region_names.get((p, region), region),
            "ResourceId": resource,
            "ResourceName": None if p == "aws" else name,
            "ResourceType": "TPU node" if tpu else st.resource_type,
            "ServiceCategory": "AI and Machine Learning" if tpu else "Compute",
            "ServiceName": "Cloud TPU" if tpu else st.compute_service,
            "ServiceSubcategory": "AI Platforms" if tpu else "Virtual Machines",
            "SkuId": sku,
            "SkuMeter": "Instance Hours",
            "SkuPriceDetails": json.dumps(details),
            "ConsumedUnit": "Hours",
            "PricingUnit": "Hours",
            "Tags": self._tags(acct),
            "x_InstanceType": it,
        }

    def _words(self, p: str, kind: str, o: Any, **kw: Any) -> str:
        """``ChargeDescription`` of a ``kind`` row for offering ``o`` in ``p``'s wording."""
        meter = str(o.instance_type).removeprefix("Standard_").replace("_", " ")
        values = {
            "it": o.instance_type,
            "meter": meter,
            "gpu": _gpu_words(p, str(o.accelerator)),
            "geo": _geo(str(o.region)),
            "region_name": self.region_names.get((p, str(o.region)), o.region),
            **kw,
        }
        return _STYLES[p].desc[kind].format_map(values)

    def gpu_resource(self, p: str, n: int) -> int:
        """A running GPU instance of ``p``: on demand or spot, from the catalog."""
        types = self.od_types[p]
        it = types[int(self.rng.integers(0, len(types)))]
        rows = self.od_rows[(p, it)]
        o = rows[int(self.rng.integers(0, len(rows)))]
        spot_price = self.spot.get((p, it, str(o.region)))
        acct = self.accounts[p][int(self.rng.integers(0, 3))]
        lup = _u(float(o.price_usd_per_hour))
        name = f"{'tpu' if it.startswith('tpu') else 'gpu'}-{acct.sub_name.split('-')[1]}-{n:04d}"
        cols = self._instance(p, "gpu", acct, str(o.region), it, name)
        base = self._base(p, acct, "Usage-Based")
        if spot_price is not None and self.rng.random() < 0.4:
            sp = _u(spot_price)
            desc = self._words(p, "spot", o, spot=_money(sp / _MICRO))
            return self.tpl.add(
                **base,
                **cols,
                kind="gpu",
                ChargeCategory="Usage",
                PricingCategory="Dynamic",
                ChargeDescription=desc,
                SkuPriceId=f"{cols['SkuId']}.SPOT",
                lup_u=lup,
                cup_u=sp,
                accelerator=str(o.accelerator),
                acc_count=int(o.accelerator_count),
            )
        desc = self._words(p, "od", o, price=_money(lup / _MICRO))
        return self.tpl.add(
            **base,
            **cols,
            kind="gpu",
            ChargeCategory="Usage",
            PricingCategory="Standard",
            ChargeDescription=desc,
            SkuPriceId=f"{cols['SkuId']}.JRTCKXETXF",
            lup_u=lup,
            cup_u=lup,
            accelerator=str(o.accelerator),
            acc_count=int(o.accelerator_count),
        )

    def _regions(self, p: str) -> list[str]:
        return self.regions[p]

    def other_resource(self, p: str, kind: str, n: int) -> tuple[int, float]:
        """A CPU VM, a storage bucket or a network endpoint of ``p``; returns (template, scale)."""
        st = _STYLES[p]
        regions = self._regions(p)
        region = regions[int(self.rng.integers(0, len(regions)))]
        acct = self.accounts[p][int(self.rng.choice(4, p=[0.15, 0.2, 0.15, 0.5]))]
        base = self._base(p, acct, "Usage-Based")
        if kind == "cpu":
            it, price, _ = st.cpu[int(self.rng.integers(0, len(st.cpu)))]
            cols = self._instance(p, "cpu", acct, region, it, f"vm-{acct.sub_name.split('-')[0]}-{n:04d}")
            desc = st.desc["cpu"].format(
                it=it,
                meter=it.removeprefix("Standard_").replace("_", " "),
                price=_money(price),
                geo=_geo(region),
                family=it.split("-")[0].upper(),
            )
            lup = _u(price)
            t = self.tpl.add(
                **base,
                **cols,
                kind="cpu",
                ChargeCategory="Usage",
                PricingCategory="Standard",
                ChargeDescription=desc,
                SkuPriceId=f"{cols['SkuId']}.JRTCKXETXF",
                lup_u=lup,
                cup_u=lup,
            )
            return t, 1.0
        if kind == "storage":
            service, desc, price, rtype = st.storage
            name = f"acme-{acct.sub_name}-{self.ids.chars(6)}"
            cols = {
                "RegionId": region,
                "RegionName": self.region_names.get((p, region), region),
                "ResourceId": _resource_id(p, kind, acct, region, name, self.ids),
                "ResourceName": name,
                "ResourceType": rtype,
                "ServiceCategory": "Storage",
                "ServiceName": service,
                "ServiceSubcategory": "Object Storage",
                "SkuId": _sku(p, self.ids),
                "SkuMeter": "Storage",
                "ConsumedUnit": "GB-Month",
                "PricingUnit": "GB-Month",
                "Tags": self._tags(acct),
            }
            lup = _u(price)
            t = self.tpl.add(
                **base,
                **cols,
                kind="storage",
                ChargeCategory="Usage",
                PricingCategory="Standard",
                ChargeDescription=desc,
                SkuPriceId=cols["SkuId"],
                lup_u=lup,
                cup_u=lup,
            )
            return t, float(np.exp(self.rng.uniform(np.log(20_000), np.log(2_000_000))))  # GB stored
        service, desc, price = st.network
        name = f"edge-{acct.sub_name}-{self.ids.chars(6)}"
        cols = {
            "RegionId": region,
            "RegionName": self.region_names.get((p, region), region),
            "ResourceId": _resource_id(p, kind, acct, region, name, self.ids),
            "ResourceName": name,
            "ResourceType": "load balancer" if p == "aws" else "network",
            "ServiceCategory": "Networking",
            "ServiceName": service,
            "ServiceSubcategory": "Network Connectivity",
            "SkuId": _sku(p, self.ids),
            "SkuMeter": "Data Transfer Out",
            "ConsumedUnit": "GB",
            "PricingUnit": "GB",
            "Tags": self._tags(acct),
        }
        lup = _u(price)
        t = self.tpl.add(
            **base,
            **cols,
            kind="network",
            ChargeCategory="Usage",
            PricingCategory="Standard",
            ChargeDescription=desc,
            SkuPriceId=cols["SkuId"],
            lup_u=lup,
            cup_u=lup,
        )
        return t, float(np.exp(self.rng.uniform(np.log(20), np.log(400))))  # GB per hour

    def commitments(self, cal: _Calendar) -> list[_Commitment]:
        """Up to two commitments per provider: 1y no upfront (bought before), 3y all upfront (in)."""
        out: list[_Commitment] = []
        for p in self.providers:
            st = _STYLES[p]
            plans = (
                ("reserved_1y", "1 Year", "no_upfront", _add_months(cal.start, -int(self.rng.integers(1, 7))), 12),
                ("reserved_3y", "3 Years", "all_upfront", _add_months(cal.start, min(1, cal.months - 1)), 36),
            )
            for model, term, payment, start, months in plans:
                res = self.off[(self.off["provider"] == p) & (self.off["pricing_model"] == model)]
                big = res["accelerator_count"] >= 8
                pool = res[big] if payment == "no_upfront" else res[~big]
                if pool.empty:
                    pool = res
                if pool.empty:
                    continue
                pool = pool.sort_values(["instance_type", "region"])
                r = pool.iloc[int(self.rng.integers(0, len(pool)))]
                od = self.off[
                    (self.off["provider"] == p)
                    & (self.off["pricing_model"] == "on_demand")
                    & (self.off["instance_type"] == r.instance_type)
                    & (self.off["region"] == r.region)
                ]
                if od.empty:
                    continue
                lup = _u(float(od.iloc[0].price_usd_per_hour))
                rate = _u(float(r.price_usd_per_hour))
                count = int(self.rng.choice([2, 3, 4]))
                cid = self._commitment_id(p, str(r.region))
                name = f"{r.instance_type}-{term.split()[0]}y-{payment.replace('_', '-')}"
                end = _add_months(start, months)
                acct = self.accounts[p][0]
                common = {
                    "CommitmentDiscountCategory": "Usage",
                    "CommitmentDiscountId": cid,
                    "CommitmentDiscountName": name,
                    "CommitmentDiscountType": st.commitment_type,
                    "CommitmentDiscountUnit": "Hours",
                    "cdq": True,
                }
                used = []
                for j in range(count):
                    cols = self._instance(
                        p, "gpu", acct, str(r.region), str(r.instance_type), f"gpu-reserved-{len(out)}-{j}"
                    )
                    used.append(
                        self.tpl.add(
                            **self._base(p, acct, "Usage-Based"),
                            **cols,
                            **common,
                            kind="gpu",
                            ChargeCategory="Usage",
                            PricingCategory="Committed",
                            CommitmentDiscountStatus="Used",
                            ChargeDescription=self._words(p, "used", r, term=term),
                            SkuPriceId=f"{cols['SkuId']}.RESERVED",
                            lup_u=lup,
                            cup_u=lup,
                            eup_u=rate,
                            bup_u=0,
                            accelerator=str(r.accelerator),
                            acc_count=int(r.accelerator_count),
                        )
                    )
                sku = _sku(p, self.ids)
                scope = {
                    "RegionId": str(r.region),
                    "RegionName": self.region_names.get((p, str(r.region)), r.region),
                    "ResourceId": cid,
                    "ResourceName": name,
                    "ResourceType": st.commitment_type,
                    "ServiceCategory": "Compute",
                    "ServiceName": st.compute_service,
                    "ServiceSubcategory": "Virtual Machines",
                    "SkuId": sku,
                    "SkuMeter": "Commitment",
                    "SkuPriceDetails": json.dumps({"x_InstanceType": str(r.instance_type)}),
                    "PricingUnit": "Hours",
                    "x_InstanceType": str(r.instance_type),
                }
                unused = self.tpl.add(
                    **self._base(p, acct, "Usage-Based"),
                    **scope,
                    **common,
                    kind="unused",
                    ChargeCategory="Usage",
                    PricingCategory="Committed",
                    CommitmentDiscountStatus="Unused",
                    ChargeDescription=self._words(p, "unused", r, rate=_money(rate / _MICRO), term=term),
                    SkuPriceId=f"{sku}.RESERVED",
                    q_null=True,
                    lup_u=lup,
                    cup_u=lup,
                    eup_u=rate,
                    bup_u=0,
                )
                freq = "Recurring" if payment == "no_upfront" else "One-Time"
                words = "recurring" if payment == "no_upfront" else "upfront"
                purchase = self.tpl.add(
                    **self._base(p, acct, freq),
                    **scope,
                    **common,
                    kind="purchase",
                    ChargeCategory="Purchase",
                    PricingCategory="Standard",
                    ChargeDescription=self._words(p, words, r, rate=_money(rate / _MICRO), term=term, count=count),
                    SkuPriceId=f"{sku}.{'4NA7Y494T4' if payment == 'no_upfront' else 'NQ3QZPMQV9'}",
                    q_null=True,
                    lup_u=rate,
                    cup_u=rate,
                    eup_u=0,
                    bup_u=rate,
                )
                out.append(
                    _Commitment(
                        cid,
                        p,
                        str(r.instance_type),
                        str(r.region),
                        str(r.accelerator),
                        int(r.accelerator_count),
                        count,
                        rate,
                        term,
                        payment,
                        start,
                        end,
                        used,
                        unused,
                        purchase,
                    )
                )
        return out

    def _commitment_id(self, p: str, region: str) -> str:
        if p == "aws":
            return f"arn:aws:ec2:{region}:{self.ids.digits(12)}:reserved-instances/{self.ids.uuid()}"
        if p == "azure":
            return f"/providers/Microsoft.Capacity/reservationOrders/{self.ids.uuid()}/reservations/{self.ids.uuid()}"
        if p == "gcp":
            return f"projects/acme-ml-training-prod/regions/{region}/commitments/cud-{self.ids.chars(10)}"
        return f"ocid1.commitment.oc1..{self.ids.chars(40, 'abcdefghijklmnopqrstuvwxyz0123456789')}"

    def tail(self, p: str) -> dict[str, Any]:
        """The credit, refund and tax templates of ``p``."""
        st = _STYLES[p]
        acct = self.accounts[p][3]
        region = self._regions(p)[0]
        money = {"q_null": True, "pq_null": True, "price_null": True}
        svc = {
            "ServiceCategory": "Compute",
            "ServiceName": st.compute_service,
            "ServiceSubcategory": "Virtual Machines",
            "RegionId": region,
            "RegionName": self.region_names.get((p, region), region),
        }
        credit = self.tpl.add(
            **self._base(p, acct, "One-Time"),
            **svc,
            **money,
            kind="credit",
            ChargeCategory="Credit",
            ChargeDescription=st.credit,
        )
        correction = p == self.providers[0]
        refund = self.tpl.add(
            **self._base(p, acct, "One-Time"),
            **svc,
            **money,
            kind="refund",
            ChargeCategory="Adjustment",
            ChargeClass="Correction" if correction else None,
            ChargeDescription=st.refund,
        )
        tax = self.tpl.add(
            **self._base(p, acct, "Recurring"),
            **money,
            kind="tax",
            ChargeCategory="Tax",
            ChargeDescription=f"Sales tax ({st.tax_rate:.2%})",
            ServiceCategory="Other",
            ServiceName="Tax",
            ServiceSubcategory="Other (Other)",
        )
        return {"provider": p, "credit": credit, "refund": refund, "tax": tax, "correction": correction}


# ----------------------------------------------------------------------------------------------
# Rows


@dataclass
class _Raw:
    """Numbers of a run of rows (strings come from the templates, in DuckDB)."""

    t: np.ndarray
    cps: np.ndarray  # charge period start/end, hours from the window start
    cpe: np.ndarray
    bpm: np.ndarray  # billing period: window month index (-1 = the month before)
    q_u: np.ndarray  # consumed = pricing quantity, micro-units
    list_u: np.ndarray
    contracted_u: np.ndarray
    effective_u: np.ndarray
    billed_u: np.ndarray

    def __len__(self) -> int:
        return len(self.t)

    def slice(self, a: int, b: int) -> _Raw:
        return _Raw(*(getattr(self, f)[a:b] for f in self.__dataclass_fields__))

    @staticmethod
    def concat(parts: Sequence[_Raw]) -> _Raw:
        return _Raw(*(np.concatenate([getattr(r, f) for r in parts]) for f in _Raw.__dataclass_fields__))


def _priced(t: np.ndarray, q_u: np.ndarray, arrs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Costs of usage rows: quantity x the template's list, contracted, effective and billed prices."""
    return {
        "list_u": _rdiv(q_u * arrs["lup_u"][t]),
        "contracted_u": _rdiv(q_u * arrs["cup_u"][t]),
        "effective_u": _rdiv(q_u * arrs["eup_u"][t]),
        "billed_u": _rdiv(q_u * arrs["bup_u"][t]),
    }


def _choose_granularity(start: datetime, months: int, commits: int, rows: int) -> str:
    """The finest charge period at which the commitment rows (about 4 per commitment and period)
    take at most a quarter of ``rows``."""
    for g in ("hourly", "daily", "monthly"):
        cal = _Calendar.make(start, months, g)
        if commits * 4 * len(cal.p_start) <= rows // 4:
            return g
    return "monthly"


def _allocate(total: int, weights: np.ndarray, cap: int) -> np.ndarray:
    """Integer lengths >= 1 and <= ``cap`` in proportion to ``weights``, summing to ``total``."""
    d = np.clip(np.floor(weights / weights.sum() * total).astype(np.int64), 1, cap)
    diff = total - int(d.sum())
    while diff != 0:
        room = np.flatnonzero(d < cap) if diff > 0 else np.flatnonzero(d > 1)
        k = min(abs(diff), len(room))
        d[room[:k]] += 1 if diff > 0 else -1
        diff += -k if diff > 0 else k
    return d


# ----------------------------------------------------------------------------------------------
# Formatting and writing (DuckDB)


def _dec(expr: str, scale: int = 6) -> str:
    """A micro-unit integer as an exact DECIMAL with 6 decimals."""
    return f"(({expr})::DECIMAL(18,0) * 0.000001::DECIMAL(7,6))::DECIMAL(18,{scale})"


def _select(columns: Sequence[str], start: datetime, *, text_dates: bool, quirks: bool) -> str:
    """The SQL that turns ``raw`` rows and ``tpl`` templates into FOCUS columns, in order."""
    t0 = f"TIMESTAMP '{start:%Y-%m-%d %H:%M:%S}'"
    fmt = "%Y-%m-%d %H:%M:%S" if quirks else "%Y-%m-%dT%H:%M:%SZ"

    def ts(hours: str) -> str:
        e = f"({t0} + to_hours({hours}))"
        return f"strftime({e}, '{fmt}')" if text_dates else e

    bps = f"date_add({t0}, to_months(raw.bpm))"
    bps_text = f"strftime({bps}, '{fmt}')" if text_dates else bps
    bpe = f"date_add({t0}, to_months(raw.bpm + 1))"
    bpe_text = f"strftime({bpe}, '{fmt}')" if text_dates else bpe
    price_l = f"CASE WHEN NOT tpl.price_null THEN {_dec('tpl.lup_u')} END"
    price_c = f"CASE WHEN NOT tpl.price_null THEN {_dec('tpl.cup_u')} END"
    special = {
        "BilledCost": _dec("raw.billed_u"),
        "ContractedCost": _dec("raw.contracted_u"),
        "EffectiveCost": _dec("raw.effective_u"),
        "ListCost": _dec("raw.list_u"),
        "PricingCurrencyEffectiveCost": _dec("raw.effective_u"),
        "ListUnitPrice": price_l,
        "PricingCurrencyListUnitPrice": price_l,
        "ContractedUnitPrice": price_c,
        "PricingCurrencyContractedUnitPrice": price_c,
        "ConsumedQuantity": f"CASE WHEN NOT tpl.q_null THEN {_dec('raw.q_u')} END",
        "PricingQuantity": f"CASE WHEN NOT tpl.pq_null THEN {_dec('raw.q_u')} END",
        "CommitmentDiscountQuantity": f"CASE WHEN tpl.cdq THEN {_dec('raw.q_u')} END",
        "ChargePeriodStart": ts("raw.cps"),
        "ChargePeriodEnd": ts("raw.cpe"),
        "BillingPeriodStart": bps_text,
        "BillingPeriodEnd": bpe_text,
        "BillingCurrency": "'USD'",
        "PricingCurrency": "'USD'",
        "InvoiceId": f"tpl.invoice_prefix || strftime({bps}, '%Y%m')",
    }
    exprs = [f'{special.get(c, f"tpl.{c}")} AS "{c}"' for c in columns]
    return f"SELECT {', '.join(exprs)} FROM raw JOIN tpl USING (t) ORDER BY raw.rn"


class _Writer:
    """Appends formatted chunks to the output through DuckDB; the target appears only when complete."""

    def __init__(self, path: Path, fmt: str, columns: Sequence[str], start: datetime, quirks: bool) -> None:
        self.path, self.fmt, self.quirks = path, fmt, quirks
        self.sql = _select(columns, start, text_dates=fmt != "parquet", quirks=quirks)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = tempfile.TemporaryDirectory(prefix=f".{path.name}.", dir=path.parent)
        self.con = duckdb.connect()
        self.con.execute("SET preserve_insertion_order = true")
        self.con.execute("SET enable_progress_bar = false")
        if fmt != "parquet":  # measured: one thread formats CSV faster than two (and uses less memory)
            self.con.execute("SET threads = 1")
        self.con.execute("SET memory_limit = '512MB'")
        self.parts: list[Path] = []
        self.rows_done = 0
        self.first = True
        self.quote = ["ListUnitPrice"] if quirks else []

    def set_templates(self, frame: pd.DataFrame) -> None:
        self.con.register("tpl", frame)

    def add(self, raw: _Raw, out: IO[bytes] | None) -> None:
        df = pd.DataFrame({f: getattr(raw, f) for f in _Raw.__dataclass_fields__})
        df["rn"] = np.arange(len(raw), dtype=np.int64)
        self.con.register("raw", df)
        part = Path(self.tmp.name) / f"part{len(self.parts):05d}.{'parquet' if self.fmt == 'parquet' else 'csv'}"
        if self.fmt == "parquet":
            self.con.execute(f"COPY ({self.sql}) TO '{part}' (FORMAT parquet)")
            self.parts.append(part)
        else:
            opts = [f"HEADER {'true' if self.first else 'false'}", "DELIMITER ','"]
            opts.append("NULLSTR 'NULL'" if self.quirks else "NULLSTR ''")
            if self.quote:
                opts.append(f"FORCE_QUOTE ({', '.join(self.quote)})")
            self.con.execute(f"COPY ({self.sql}) TO '{part}' ({', '.join(opts)})")
            assert out is not None
            if self.quirks and self.first:
                out.write(b"\xef\xbb\xbf")
            with part.open("rb") as fh:
                while block := fh.read(1 << 24):
                    out.write(block.replace(b"\n", b"\r\n") if self.quirks else block)
            part.unlink()
        self.con.unregister("raw")
        self.first = False
        self.rows_done += len(raw)

    def finish_parquet(self, out: IO[bytes]) -> None:
        merged = Path(self.tmp.name) / "bill.parquet"
        files = ", ".join(f"'{p}'" for p in self.parts)
        self.con.execute(
            f"COPY (SELECT * FROM read_parquet([{files}])) TO '{merged}' (FORMAT parquet, COMPRESSION zstd)"
        )
        with merged.open("rb") as fh:
            while block := fh.read(1 << 24):
                out.write(block)

    def close(self) -> None:
        self.con.close()
        self.tmp.cleanup()


# ----------------------------------------------------------------------------------------------
# The generator


@dataclass
class _Truth:
    """Running sums of what is written, in micro-units."""

    providers: tuple[str, ...]
    months: int
    money: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    acc_hours: dict[tuple[str, str], int] = field(default_factory=dict)
    ai_effective_u: int = 0
    billed_pm: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, raw: _Raw, tk: dict[str, np.ndarray], keys: dict[str, list[str]]) -> None:
        t = raw.t
        for dim, codes in (("provider", tk["provider"]), ("pricing", tk["pricing"]), ("charge", tk["charge"])):
            code = codes[t]
            n = len(keys[dim])
            table = self.money.setdefault(dim, {m: np.zeros(n, dtype=np.int64) for m in _MONEY})
            for m, f in zip(_MONEY, ("billed_u", "contracted_u", "effective_u", "list_u"), strict=True):
                table[m] += _sum_by(code, getattr(raw, f), n)
        acc = tk["acc"][t]
        mask = acc >= 0
        if mask.any():
            hours = raw.q_u[mask] * tk["acc_count"][t[mask]]  # micro accelerator-hours
            key = tk["provider"][t[mask]] * 1000 + acc[mask]
            for k in np.unique(key):
                p, a = keys["provider"][k // 1000], keys["acc"][k % 1000]
                self.acc_hours[(p, a)] = self.acc_hours.get((p, a), 0) + int(hours[key == k].sum())
        ai = tk["ai"][t]
        self.ai_effective_u += int(raw.effective_u[ai].sum())
        prov = tk["provider"][t]
        month = np.clip(raw.bpm, 0, self.months - 1)
        np.add.at(self.billed_pm, prov * self.months + month, raw.billed_u)
        kinds = tk["kind"][t]
        for k in np.unique(kinds):
            name = keys["kind"][k]
            self.rows[name] = self.rows.get(name, 0) + int((kinds == k).sum())


def _sum_by(code: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Exact integer sums of ``values`` per ``code`` (0..n-1)."""
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, code, values)
    return out


def _check(rows: int, providers: Sequence[str], start: str, months: int, seed: int, version: str) -> datetime:
    if not 1 <= months <= 36:
        raise GenerateError(f"--months must be between 1 and 36, got {months}")
    if seed < 0:
        raise GenerateError(f"--seed must be 0 or more, got {seed}")
    if not providers:
        raise GenerateError("--providers: name at least one provider")
    for p in providers:
        if p not in BILL_PROVIDERS:
            raise GenerateError(f"--providers: unknown provider {p!r} (choose from {', '.join(BILL_PROVIDERS)})")
    if len(set(providers)) != len(providers):
        raise GenerateError(f"--providers: a provider is named twice in {','.join(providers)}")
    if rows > 100_000_000:
        raise GenerateError(f"--rows must be at most 100,000,000, got {rows:,}")
    focus_columns(version)
    return _parse_start(start)


def generate_bill(
    path: str | Path,
    *,
    rows: int = 10_000,
    providers: Sequence[str] = BILL_PROVIDERS,
    start: str = "2026-07",
    months: int = 3,
    seed: int = 0,
    version: str = "1.2",
    quirks: bool = False,
) -> dict[str, Any]:
    """Write a synthetic FOCUS ``version`` export of exactly ``rows`` rows to ``path`` (format from its
    suffix: ``.csv``, ``.csv.gz``, ``.parquet``; atomically) and return the truth document
    (``fleetplan.bill-truth/1``): totals, spend per provider, pricing and charge category,
    accelerator-hours per provider and accelerator, and every commitment with its used and unused
    hours. Money figures are the exact sums of the written values, rounded to the cent.

    Raises :class:`GenerateError` on arguments it cannot honour (unknown provider or version,
    ``quirks`` with Parquet, ``rows`` too few for the providers and months)."""
    path = Path(path)
    fmt = bill_format(path)
    providers = tuple(providers)
    t0 = _check(rows, providers, start, months, seed, version)
    if quirks and fmt == "parquet":
        raise GenerateError("--quirks applies to CSV output (.csv, .csv.gz), not Parquet")

    b = _Builder(providers, seed, version, quirks)
    cal0 = _Calendar.make(t0, months, "monthly")
    commits = b.commitments(cal0)
    gran = _choose_granularity(t0, months, len(commits), rows)
    cal = _Calendar.make(t0, months, gran)
    tails = [b.tail(p) for p in providers]
    n_tail = sum(2 + months for _ in providers)

    # segment A: commitment purchases; B: Used/Unused rows
    arrs_pre = _tpl_prices(b.tpl)
    a_parts, b_parts = _commitment_rows(commits, cal, b.rng, arrs_pre)
    n_ab = sum(len(r) for r in a_parts + b_parts)

    # segment C: running resources
    n_c = rows - n_ab - n_tail
    kinds_needed = 4 * len(providers)
    if n_c < kinds_needed:
        need = n_ab + n_tail + kinds_needed
        raise GenerateError(
            f"--rows must be at least {need:,} for {len(providers)} providers over {months} months, got {rows:,}"
        )
    n_periods = len(cal.p_start)
    n_res = max(kinds_needed, min(n_c, -(-2 * n_c // n_periods)))
    res_t, res_kind, res_scale = [], [], []
    kind_names = list(_KIND_SHARE)
    for i in range(n_res):
        p = providers[i % len(providers)]
        k = (
            kind_names[(i // len(providers)) % 4]
            if i < kinds_needed
            else str(b.rng.choice(kind_names, p=list(_KIND_SHARE.values())))
        )
        if k == "gpu":
            res_t.append(b.gpu_resource(p, i))
            res_kind.append(0)
            res_scale.append(1.0)
        else:
            t, scale = b.other_resource(p, k, i)
            res_t.append(t)
            res_kind.append({"cpu": 0, "storage": 1, "network": 2}[k])
            res_scale.append(scale)
    lengths = _allocate(n_c, b.rng.gamma(2.0, 1.0, size=n_res), n_periods)
    starts = np.array([int(b.rng.integers(0, n_periods - d + 1)) for d in lengths], dtype=np.int64)

    tk, keys = _template_codes(b.tpl)
    arrs = _tpl_prices(b.tpl)
    truth = _Truth(providers, months, billed_pm=np.zeros(len(keys["provider"]) * months, dtype=np.int64))
    columns = (*focus_columns(version), *CUSTOM_COLUMNS)

    writer = _Writer(path, fmt, columns, t0, quirks)
    try:
        writer.set_templates(b.tpl.frame())
        with open_atomic(path, binary=True) as fh:
            out: IO[bytes] = (
                gzip.GzipFile(fileobj=fh, mode="wb", compresslevel=6, mtime=0, filename="") if (fmt == "csv.gz") else fh
            )  # type: ignore[assignment]
            stream = None if fmt == "parquet" else out
            for raw in _chunks(a_parts + b_parts):
                truth.add(raw, tk, keys)
                writer.add(raw, stream)
            cum = np.concatenate([[0], np.cumsum(lengths)])
            for ci, a in enumerate(range(0, n_c, CHUNK_ROWS)):
                raw = _resource_rows(
                    a,
                    min(a + CHUNK_ROWS, n_c),
                    cum,
                    np.array(res_t),
                    np.array(res_kind),
                    np.array(res_scale),
                    starts,
                    cal,
                    np.random.default_rng((seed, 2, ci)),
                    arrs,
                )
                truth.add(raw, tk, keys)
                writer.add(raw, stream)
            raw = _tail_rows(tails, keys, truth, cal, np.random.default_rng((seed, 3)))
            truth.add(raw, tk, keys)
            writer.add(raw, stream)
            if fmt == "parquet":
                writer.finish_parquet(fh)
            elif out is not fh:
                out.close()
    finally:
        writer.close()
    assert writer.rows_done == rows, (writer.rows_done, rows)
    return _truth_doc(truth, keys, commits, cal, rows=rows, seed=seed, version=version, fmt=fmt, quirks=quirks)


def _tpl_prices(tpl: _Templates) -> dict[str, np.ndarray]:
    lup = tpl.array("lup_u")
    cup = tpl.array("cup_u")
    eup = np.array([r.get("eup_u", r.get("cup_u", 0)) for r in tpl.rows], dtype=np.int64)
    bup = np.array([r.get("bup_u", r.get("cup_u", 0)) for r in tpl.rows], dtype=np.int64)
    return {"lup_u": lup, "cup_u": cup, "eup_u": eup, "bup_u": bup}


def _template_codes(tpl: _Templates) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """Integer codes per template for the truth sums, and the names behind the codes."""
    keys: dict[str, list[str]] = {}
    tk: dict[str, np.ndarray] = {}
    for dim, key in (("provider", "provider"), ("pricing", "PricingCategory"), ("charge", "ChargeCategory")):
        values = [r.get(key) or "(null)" for r in tpl.rows]
        keys[dim] = sorted(set(values))
        tk[dim] = np.array([keys[dim].index(v) for v in values], dtype=np.int64)
    kinds = [r["kind"] + ("" if r["kind"] != "gpu" else f":{r.get('PricingCategory')}") for r in tpl.rows]
    kinds = [k.replace(":Committed", ":Committed-Used") for k in kinds]
    keys["kind"] = sorted(set(kinds))
    tk["kind"] = np.array([keys["kind"].index(k) for k in kinds], dtype=np.int64)
    accs = [r.get("accelerator") for r in tpl.rows]
    keys["acc"] = sorted({a for a in accs if a})
    tk["acc"] = np.array([keys["acc"].index(a) if a else -1 for a in accs], dtype=np.int64)
    tk["acc_count"] = tpl.array("acc_count")
    tk["ai"] = np.array([r["kind"] in ("gpu", "unused", "purchase") for r in tpl.rows])
    return tk, keys


def _chunks(parts: Sequence[_Raw]) -> Iterator[_Raw]:
    """``parts`` joined and cut into runs of at most :data:`CHUNK_ROWS` rows."""
    if not parts:
        return
    allr = _Raw.concat(parts)
    for a in range(0, len(allr), CHUNK_ROWS):
        yield allr.slice(a, a + CHUNK_ROWS)


def _commitment_rows(
    commits: Sequence[_Commitment], cal: _Calendar, rng: np.random.Generator, arrs: dict[str, np.ndarray]
) -> tuple[list[_Raw], list[_Raw]]:
    """Purchase rows (segment A) and Used/Unused rows (segment B) of every commitment."""
    purchases: list[_Raw] = []
    usage: list[_Raw] = []
    end_h = int(cal.month_edges[-1])
    for c in commits:
        a, b = _hours(cal.start, c.start), _hours(cal.start, c.end)
        # purchases
        if c.payment == "no_upfront":
            ms = [m for m in range(cal.months) if cal.month_edges[m + 1] > a and cal.month_edges[m] < b]
            cps = np.array([max(a, int(cal.month_edges[m])) for m in ms], dtype=np.int64)
            cpe = np.array([min(b, int(cal.month_edges[m + 1])) for m in ms], dtype=np.int64)
            bpm = np.array(ms, dtype=np.int64)
        elif 0 <= a < end_h:
            cps, cpe = np.array([a], dtype=np.int64), np.array([b], dtype=np.int64)
            bpm = cal.month_of(cps)
        else:
            cps = cpe = bpm = np.zeros(0, dtype=np.int64)
        q = (cpe - cps) * c.count * _MICRO
        billed = (cpe - cps) * c.count * c.rate_u
        t = np.full(len(cps), c.purchase_t, dtype=np.int64)
        zero = np.zeros(len(cps), dtype=np.int64)
        purchases.append(_Raw(t, cps, cpe, bpm, q, billed, billed, zero, billed))
        c.purchase_billed_u = int(billed.sum())
        # used and unused, per charge period inside the term
        idx = cal.periods_between(max(a, 0), min(b, end_h))
        if not len(idx):
            continue
        ps, pe = cal.p_start[idx], cal.p_end[idx]
        h = pe - ps
        full = rng.random((len(idx), c.count)) < 0.9
        part = (rng.random((len(idx), c.count)) * h[:, None]).astype(np.int64)
        used = np.where(full, h[:, None], part)  # integer hours per covered instance
        unused = c.count * h - used.sum(axis=1)
        c.used_hours, c.unused_hours = int(used.sum()), int(unused.sum())
        # rows in period order: the covered instances, then the unused remainder
        slots = c.count + 1
        t_grid = np.empty((len(idx), slots), dtype=np.int64)
        t_grid[:, : c.count] = c.used_t
        t_grid[:, c.count] = c.unused_t
        hrs = np.concatenate([used, unused[:, None]], axis=1)
        keep = hrs > 0
        t = t_grid[keep]
        q_h = hrs[keep]
        cps = np.repeat(ps, slots).reshape(len(idx), slots)[keep]
        cpe = np.repeat(pe, slots).reshape(len(idx), slots)[keep]
        q_u = q_h * _MICRO
        costs = {
            k: q_h * arrs[p][t] for k, p in (("list_u", "lup_u"), ("contracted_u", "cup_u"), ("effective_u", "eup_u"))
        }
        usage.append(
            _Raw(
                t,
                cps,
                cpe,
                cal.month_of(cps),
                q_u,
                costs["list_u"],
                costs["contracted_u"],
                costs["effective_u"],
                np.zeros(len(t), dtype=np.int64),
            )
        )
    return purchases, usage


def _resource_rows(
    a: int,
    b: int,
    cum: np.ndarray,
    res_t: np.ndarray,
    res_kind: np.ndarray,
    res_scale: np.ndarray,
    starts: np.ndarray,
    cal: _Calendar,
    rng: np.random.Generator,
    arrs: dict[str, np.ndarray],
) -> _Raw:
    """Rows ``a``..``b`` of the running resources (resource r covers rows cum[r]..cum[r+1])."""
    i = np.arange(a, b, dtype=np.int64)
    r = np.searchsorted(cum, i, side="right") - 1
    period = starts[r] + (i - cum[r])
    ps, pe = cal.p_start[period], cal.p_end[period]
    h = (pe - ps).astype(np.float64)
    kind = res_kind[r]
    frac = np.where(rng.random(len(i)) < 0.9, 1.0, rng.uniform(0.05, 1.0, len(i)))
    compute = np.round(h * frac * 1000).astype(np.int64) * 1000  # milli-hours, as micro-units
    storage = np.round(res_scale[r] * h / _HOURS_PER_MONTH * rng.uniform(0.98, 1.02, len(i)) * _MICRO)
    network = np.round(res_scale[r] * h * rng.lognormal(0.0, 0.5, len(i)) * _MICRO)
    q_u = np.where(kind == 0, compute, np.where(kind == 1, storage, network)).astype(np.int64)
    t = res_t[r]
    costs = _priced(t, q_u, arrs)
    return _Raw(t, ps, pe, cal.month_of(ps), q_u, **costs)


def _tail_rows(
    tails: Sequence[dict[str, Any]], keys: dict[str, list[str]], truth: _Truth, cal: _Calendar, rng: np.random.Generator
) -> _Raw:
    """Per provider: a credit (last month), a refund (first month, or a correction of the month
    before the window) and monthly sales tax on the month's billed total net of credits."""
    rows: list[tuple[int, int, int, int, int]] = []  # t, cps, cpe, bpm, amount
    m = cal.months
    for tl in tails:
        p = keys["provider"].index(tl["provider"])
        billed = truth.billed_pm[p * m : (p + 1) * m].copy()
        last0, last1 = int(cal.month_edges[m - 1]), int(cal.month_edges[m])
        credit = -int(billed[m - 1] * rng.uniform(0.005, 0.02))
        day = last0 + 24 * int(rng.integers(0, (last1 - last0) // 24))
        rows.append((tl["credit"], day, day + 24, m - 1, credit))
        refund = -int(billed[0] * rng.uniform(0.001, 0.005))
        if tl["correction"]:
            prev = _hours(cal.start, _add_months(cal.start, -1))
            rows.append((tl["refund"], prev, 0, 0, refund))
        else:
            day = 24 * int(rng.integers(0, int(cal.month_edges[1]) // 24))
            rows.append((tl["refund"], day, day + 24, 0, refund))
        net = billed.copy()
        net[m - 1] += credit
        net[0] += refund
        rate = _STYLES[tl["provider"]].tax_rate
        for k in range(m):
            tax = int(np.floor(max(int(net[k]), 0) * rate + 0.5))
            rows.append((tl["tax"], int(cal.month_edges[k]), int(cal.month_edges[k + 1]), k, tax))
    t, cps, cpe, bpm, amt = (np.array(col, dtype=np.int64) for col in zip(*rows, strict=True))
    zero = np.zeros(len(t), dtype=np.int64)
    return _Raw(t, cps, cpe, bpm, zero, amt, amt, amt, amt)


def _cents(u: int) -> float:
    """Micro-dollars as dollars rounded to the cent."""
    return round(u / _MICRO, 2)


def _truth_doc(
    truth: _Truth,
    keys: dict[str, list[str]],
    commits: Sequence[_Commitment],
    cal: _Calendar,
    **meta: Any,
) -> dict[str, Any]:
    def money(dim: str) -> dict[str, dict[str, float]]:
        table = truth.money[dim]
        out = {}
        for i, name in enumerate(keys[dim]):
            out[name] = {f"{_snake(m)}_usd": _cents(int(table[m][i])) for m in _MONEY}
        return out

    totals = {f"{_snake(m)}_usd": _cents(int(truth.money["provider"][m].sum())) for m in _MONEY}
    acc: dict[str, dict[str, float]] = {}
    for (p, a), v in sorted(truth.acc_hours.items()):
        acc.setdefault(p, {})[a] = round(v / _MICRO, 3)
    eff = int(truth.money["provider"]["EffectiveCost"].sum())
    return {
        "schema": TRUTH_SCHEMA,
        "focus_version": meta["version"],
        "format": meta["fmt"],
        "quirks": meta["quirks"],
        "rows": meta["rows"],
        "seed": meta["seed"],
        "providers": list(truth.providers),
        "start": _iso(cal.start),
        "end": _iso(_add_months(cal.start, cal.months)),
        "months": cal.months,
        "granularity": cal.granularity,
        "totals": totals,
        "by_provider": money("provider"),
        "by_pricing_category": money("pricing"),
        "by_charge_category": money("charge"),
        "accelerator_hours": acc,
        "ai_effective_cost_usd": _cents(truth.ai_effective_u),
        "ai_share_of_effective_cost": round(truth.ai_effective_u / eff, 4) if eff else 0.0,
        "row_kinds": dict(sorted(truth.rows.items())),
        "commitments": [
            {
                "id": c.id,
                "provider": c.provider,
                "instance_type": c.instance_type,
                "region": c.region,
                "accelerator": c.accelerator,
                "accelerator_count": c.accelerator_count,
                "count": c.count,
                "rate_usd_per_hour": c.rate_u / _MICRO,
                "term": c.term,
                "payment": c.payment,
                "start": _iso(c.start),
                "end": _iso(c.end),
                "used_hours": c.used_hours,
                "unused_hours": c.unused_hours,
                "purchase_billed_cost_usd": _cents(c.purchase_billed_u),
            }
            for c in commits
        ],
    }


def _snake(name: str) -> str:
    return "".join("_" + ch.lower() if ch.isupper() else ch for ch in name).lstrip("_")


def write_bill_truth(truth: dict[str, Any], path: str | Path) -> Path:
    """Write the truth document as indented JSON, atomically; returns the path."""
    return write_text_atomic(path, json.dumps(truth, indent=2) + "\n")
