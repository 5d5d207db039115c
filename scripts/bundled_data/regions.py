import csv
import pathlib

CAR = str(pathlib.Path(__file__).resolve().parents[3] / "shared" / "data" / "carbon") + "/"
ccf = {(r["provider"], r["region"]): r for r in csv.DictReader(open(CAR + "ccf_region_emission_factors.csv"))}
pue = {(r["provider"], r["region"]): r for r in csv.DictReader(open(CAR + "ccf_pue.csv"))}
owid = {
    r["iso_code"]: r
    for r in csv.DictReader(open(CAR + "grid_intensity/owid_country_carbon_intensity_latest_via_codecarbon.csv"))
}
ISO3 = {
    "US": "USA",
    "CA": "CAN",
    "FI": "FIN",
    "SE": "SWE",
    "NO": "NOR",
    "FR": "FRA",
    "DE": "DEU",
    "NL": "NLD",
    "GB": "GBR",
    "PL": "POL",
    "IT": "ITA",
    "JP": "JPN",
    "IN": "IND",
    "TW": "TWN",
    "SG": "SGP",
    "AU": "AUS",
    "IS": "ISL",
    "RO": "ROU",
}
NERC = {"SERC": 0.379069, "RFC": 0.410608, "WECC": 0.322167, "MRO": 0.426254, "TRE": 0.373231}
UPTIME = (
    1.58,
    "estimate: Uptime Institute Global Data Center Survey 2023 average PUE 1.58 (provider publishes no fleet PUE that fleetplan could source)",
)


def grid_ccf(p, r):
    row = ccf[(p, r)]
    return round(float(row["kgco2e_per_kwh"]), 6), "Cloud Carbon Footprint (Apache-2.0), " + row["source_note"]


def grid_owid(cc, note=""):
    row = owid[ISO3[cc]]
    v = round(float(row["carbon_intensity_gco2eq_per_kwh"]) / 1000, 4)
    return v, f"OWID energy data via CodeCarbon (CC BY 4.0), {row['country_name']} {row['year']}" + (
        f"; {note}" if note else ""
    )


def grid_nerc(n, state):
    return NERC[
        n
    ], f"EPA eGRID2020 NERC {n} region factor as used by Cloud Carbon Footprint (Apache-2.0); location {state}"


def pue_ccf(p, r):
    row = pue.get((p, r)) or pue[(p, "*")]
    return float(row["pue"]), "Cloud Carbon Footprint (Apache-2.0), " + row["source_note"]


# provider, region, display, country, latency_zone, tags, grid(tuple), pue(tuple)
R = []


def add(p, r, disp, cc, lz, tags, grid, pu):
    R.append((p, r, disp, cc, lz, tags, grid[0], grid[1], pu[0], pu[1]))


for r, d, cc, lz, tags in [
    ("us-east-1", "US East (N. Virginia)", "US", "us-east", "us"),
    ("us-east-2", "US East (Ohio)", "US", "us-east", "us"),
    ("us-west-2", "US West (Oregon)", "US", "us-west", "us"),
    ("eu-central-1", "Europe (Frankfurt)", "DE", "eu-central", "eu"),
    ("ap-northeast-1", "Asia Pacific (Tokyo)", "JP", "apac-east", ""),
]:
    add("aws", r, d, cc, lz, tags, grid_ccf("aws", r), pue_ccf("aws", r))
for r, d, cc, lz, tags in [
    ("us-central1", "Iowa", "US", "us-central", "us"),
    ("us-central2", "Oklahoma (TPU v4)", "US", "us-central", "us"),
    ("us-east1", "South Carolina", "US", "us-east", "us"),
    ("us-east5", "Columbus, Ohio", "US", "us-east", "us"),
    ("europe-west4", "Netherlands", "NL", "eu-west", "eu"),
    ("asia-southeast1", "Singapore", "SG", "apac-southeast", ""),
]:
    add("gcp", r, d, cc, lz, tags, grid_ccf("gcp", r), pue_ccf("gcp", r))
for r, d, cc, lz, tags in [
    ("eastus", "East US (Virginia)", "US", "us-east", "us"),
    ("southcentralus", "South Central US (Texas)", "US", "us-central", "us"),
    ("westeurope", "West Europe (Netherlands)", "NL", "eu-west", "eu"),
    ("japaneast", "Japan East (Tokyo)", "JP", "apac-east", ""),
]:
    add("azure", r, d, cc, lz, tags, grid_ccf("azure", r), pue_ccf("azure", r))
add(
    "oci",
    "us-ashburn-1",
    "US East (Ashburn)",
    "US",
    "us-east",
    "us",
    grid_nerc("SERC", "Virginia (same mapping CCF uses for AWS us-east-1)"),
    UPTIME,
)
add("oci", "us-chicago-1", "US Midwest (Chicago)", "US", "us-central", "us", grid_nerc("RFC", "Illinois"), UPTIME)
add("oci", "eu-frankfurt-1", "Germany Central (Frankfurt)", "DE", "eu-central", "eu", grid_owid("DE"), UPTIME)
add("oci", "ap-tokyo-1", "Japan East (Tokyo)", "JP", "apac-east", "", grid_owid("JP"), UPTIME)
add(
    "coreweave",
    "us-east-04",
    "US East 04",
    "US",
    "us-east",
    "us",
    grid_owid("US", "exact site not public, US national average used"),
    UPTIME,
)
add("lambda", "us-east-1", "US East (Virginia)", "US", "us-east", "us", grid_nerc("SERC", "Virginia"), UPTIME)
add("lambda", "us-south-1", "US South (Texas)", "US", "us-central", "us", grid_nerc("TRE", "Texas"), UPTIME)
add("lambda", "us-west-1", "US West (California)", "US", "us-west", "us", grid_nerc("WECC", "California"), UPTIME)
add("lambda", "europe-central-1", "Europe Central (Germany)", "DE", "eu-central", "eu", grid_owid("DE"), UPTIME)
add("lambda", "asia-northeast-1", "Asia Northeast (Japan)", "JP", "apac-east", "", grid_owid("JP"), UPTIME)
NEB_PUE = (
    1.1,
    "estimate: Nebius-published design PUE ~1.1 for its Mantsala (Finland) data center, as recalled from nebius.com sustainability page (verify)",
)
add("nebius", "eu-north1", "Finland (Mantsala)", "FI", "eu-north", "eu", grid_owid("FI"), NEB_PUE)
add("nebius", "eu-west1", "France (Paris, colocation)", "FR", "eu-west", "eu", grid_owid("FR"), UPTIME)
add(
    "nebius",
    "us-central1",
    "US Central (Kansas City, colocation)",
    "US",
    "us-central",
    "us",
    grid_nerc("MRO", "Missouri/Kansas (SPP, mapped to MRO)"),
    UPTIME,
)
add("runpod", "US-TX-3", "US Texas (Secure Cloud)", "US", "us-central", "us", grid_nerc("TRE", "Texas"), UPTIME)
add("runpod", "EU-RO-1", "EU Romania (Secure Cloud)", "RO", "eu-central", "eu", grid_owid("RO"), UPTIME)
for r, d, cc, lz, tags in [
    ("us", "United States (marketplace hosts)", "US", "us-central", "us"),
    ("fr", "France (marketplace hosts)", "FR", "eu-west", "eu"),
    ("de", "Germany (marketplace hosts)", "DE", "eu-central", "eu"),
    ("tw", "Taiwan (marketplace hosts)", "TW", "apac-east", ""),
    ("se", "Sweden (marketplace hosts)", "SE", "eu-north", "eu"),
    ("ca", "Canada (marketplace hosts)", "CA", "ca", ""),
]:
    add("vast", r, d, cc, lz, tags, grid_owid(cc, "Vast.ai host location known only to country level"), UPTIME)
add("hyperstack", "CANADA-1", "Canada 1 (Montreal)", "CA", "ca", "", grid_owid("CA"), UPTIME)
add("hyperstack", "NORWAY-1", "Norway 1", "NO", "eu-north", "eu", grid_owid("NO", "Norway is EEA"), UPTIME)
add("hyperstack", "US-1", "US 1", "US", "us-central", "us", grid_owid("US", "exact site not stated in catalog"), UPTIME)
for r in ["FIN-01", "FIN-02", "FIN-03"]:
    add("verda", r, f"Finland ({r})", "FI", "eu-north", "eu;sovereign", grid_owid("FI"), UPTIME)
add("crusoe", "us-east1", "US East (Culpeper, Virginia)", "US", "us-east", "us", grid_nerc("SERC", "Virginia"), UPTIME)
add(
    "crusoe",
    "us-southcentral1",
    "US South Central (Texas)",
    "US",
    "us-central",
    "us",
    grid_nerc("TRE", "Texas (site assumed)"),
    UPTIME,
)
add(
    "scaleway",
    "fr-par",
    "Paris (fr-par-2, DC5)",
    "FR",
    "eu-west",
    "eu;sovereign",
    grid_owid("FR"),
    (
        1.15,
        "estimate: Scaleway-published annual PUE ~1.15 for DC5 (Paris) as recalled from scaleway.com environmental page (verify)",
    ),
)
add("scaleway", "pl-waw", "Warsaw", "PL", "eu-central", "eu;sovereign", grid_owid("PL"), UPTIME)
add(
    "ovhcloud",
    "gra",
    "Gravelines (France)",
    "FR",
    "eu-west",
    "eu;sovereign",
    grid_owid("FR"),
    (
        1.26,
        "estimate: OVHcloud-published group average PUE ~1.26 as recalled from OVHcloud sustainability reporting (verify)",
    ),
)
add("vultr", "ewr", "New Jersey", "US", "us-east", "us", grid_nerc("RFC", "New Jersey"), UPTIME)
add("vultr", "ams", "Amsterdam", "NL", "eu-west", "eu", grid_owid("NL"), UPTIME)
add("akamai", "us-ord", "Chicago, IL", "US", "us-central", "us", grid_nerc("RFC", "Illinois"), UPTIME)
add("akamai", "de-fra-2", "Frankfurt 2", "DE", "eu-central", "eu", grid_owid("DE"), UPTIME)
add("akamai", "jp-osa", "Osaka", "JP", "apac-east", "", grid_owid("JP"), UPTIME)
add("seeweb", "it-fr2", "Frosinone (Italy)", "IT", "eu-central", "eu;sovereign", grid_owid("IT"), UPTIME)
add("cudo", "ca-montreal-3", "Canada (Montreal 3)", "CA", "ca", "", grid_owid("CA"), UPTIME)
add(
    "cudo",
    "no-kristiansand-1",
    "Norway (Kristiansand 1)",
    "NO",
    "eu-north",
    "eu",
    grid_owid("NO", "Norway is EEA"),
    UPTIME,
)
add("cudo", "se-stockholm-1", "Sweden (Stockholm 1)", "SE", "eu-north", "eu", grid_owid("SE"), UPTIME)
add(
    "cudo", "us-carlsbad-1", "US (Carlsbad, California)", "US", "us-west", "us", grid_nerc("WECC", "California"), UPTIME
)
add("fluidstack", "CANADA", "Canada", "CA", "ca", "", grid_owid("CA"), UPTIME)
add("fluidstack", "FINLAND", "Finland", "FI", "eu-north", "eu", grid_owid("FI"), UPTIME)
add("denvr", "houston-usa-1", "Houston, Texas", "US", "us-central", "us", grid_nerc("TRE", "Texas"), UPTIME)
add(
    "denvr",
    "calgary-canada-1",
    "Calgary, Alberta",
    "CA",
    "ca",
    "",
    grid_owid("CA", "national value; Alberta's grid is considerably more carbon-intensive"),
    UPTIME,
)
add(
    "onprem-reference",
    "us-east-dc",
    "Reference owned data center (US East, colocation)",
    "US",
    "us-east",
    "us;reference",
    grid_nerc("SERC", "Virginia (assumed site)"),
    (1.58, "assumption: enterprise/colocation data hall at Uptime Institute 2023 global average PUE 1.58"),
)
add(
    "edge-reference",
    "us-stores",
    "Reference edge boxes in US retail stores",
    "US",
    "us-central",
    "us;reference",
    grid_owid("US"),
    (1.1, "assumption: small edge box in a store back office; building HVAC overhead share assumed at 10%"),
)
