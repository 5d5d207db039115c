"""How fast ``fleetplan audit`` reads a FOCUS bill, by size: seconds and peak memory.

For each row count a synthetic FOCUS 1.2 bill is generated (``fleetplan.generate.bill``, GPU
instances of four providers, commitments, non-AI rows), then audited in a fresh process, the way
a user runs ``fleetplan audit BILL --json`` (import included). The child reports its wall time and
its own peak resident memory. Results go to ``benchmarks/results/audit-scale.json``, a chart to
``benchmarks/figures/audit-scale.{svg,png}`` and a table between the ``audit:`` markers of
``benchmarks/RESULTS.md``.

    python benchmarks/audit_scale.py                      # 100k, 300k, 1M rows, CSV and Parquet
    python benchmarks/audit_scale.py --rows 1000000 --formats csv
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGET_S, TARGET_MIB = 30.0, 1024.0  # the target at 1,000,000 rows

CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
from fleetplan.cli import main
code = main(["audit", sys.argv[1], "-o", sys.argv[2]])
wall = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"code": code, "wall_s": wall, "peak_mib": peak}))
"""


def measure(rows: int, fmt: str, folder: Path, seed: int) -> dict[str, Any]:
    from fleetplan.generate.bill import generate_bill

    bill = folder / f"bill-{rows}.{fmt}"
    t0 = time.perf_counter()
    truth = generate_bill(bill, rows=rows, seed=seed)
    gen_s = time.perf_counter() - t0
    out = folder / f"audit-{rows}-{fmt}.json"
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(bill), str(out)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"audit of {rows} rows failed: {proc.stderr.strip()[-500:]}")
    child = json.loads(proc.stdout.strip().splitlines()[-1])
    doc = json.loads(out.read_text())
    return {
        "rows": rows,
        "format": fmt,
        "file_mib": bill.stat().st_size / 2**20,
        "generate_s": gen_s,
        "audit_s": child["wall_s"],
        "peak_mib": child["peak_mib"],
        "exit_code": child["code"],
        "cash_usd_matches_truth": abs(doc["totals"]["cash_usd"] - truth["totals"]["billed_cost_usd"]) < 0.005,
    }


def chart(results: list[dict[str, Any]], figdir: Path) -> list[Path]:
    try:
        import altair as alt
    except ImportError:
        return []
    data = alt.Data(values=results)
    base = alt.Chart(data).encode(
        x=alt.X("rows:Q", title="rows in the bill"),
        color=alt.Color("format:N", title="format"),
    )
    time_chart = base.mark_line(point=True).encode(y=alt.Y("audit_s:Q", title="audit seconds (end to end)"))
    mem_chart = base.mark_line(point=True).encode(y=alt.Y("peak_mib:Q", title="peak memory, MiB"))
    both = alt.hconcat(time_chart.properties(width=260, height=200), mem_chart.properties(width=260, height=200))
    both = both.properties(title="fleetplan audit: seconds and peak memory by bill size (2 cores)")
    figdir.mkdir(parents=True, exist_ok=True)
    paths = [figdir / "audit-scale.svg", figdir / "audit-scale.png"]
    both.save(str(paths[0]))
    both.save(str(paths[1]), scale_factor=2)
    return paths


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| rows | format | file MiB | audit s | peak MiB | totals match the generator's | target (1M rows: ≤ 30 s, ≤ 1 GiB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        verdict = ""
        if r["rows"] >= 1_000_000:
            ok = r["audit_s"] <= TARGET_S and r["peak_mib"] <= TARGET_MIB
            verdict = "**met**" if ok else "**missed**"
        lines.append(
            f"| {r['rows']:,} | {r['format']} | {r['file_mib']:,.0f} | {r['audit_s']:.1f} | {r['peak_mib']:,.0f} | "
            f"{'yes' if r['cash_usd_matches_truth'] else 'NO'} | {verdict} |"
        )
    return "\n".join(lines)


def write_results_md(results: list[dict[str, Any]], stamp: str) -> None:
    md = HERE / "RESULTS.md"
    text = md.read_text("utf-8")
    block = (
        "<!-- audit:start -->\n## `fleetplan audit`: bill size against time and memory\n\n"
        f"Measured {stamp} by `python benchmarks/audit_scale.py` ({platform.machine()}, "
        f"Python {platform.python_version()}): a synthetic FOCUS 1.2 bill per size, audited in a fresh "
        "process as `fleetplan audit BILL -o audit.json` (import, reading, every figure, JSON).\n\n"
        + table(results)
        + "\n\n![fleetplan audit: seconds and peak memory by bill size](figures/audit-scale.svg)\n<!-- audit:end -->"
    )
    if "<!-- audit:start -->" in text:
        text = re.sub(r"<!-- audit:start -->.*?<!-- audit:end -->", lambda _: block, text, flags=re.S)
    else:
        text = text.replace("<!-- bench:end -->", "<!-- bench:end -->\n\n" + block, 1)
    md.write_text(text, "utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    ap.add_argument("--formats", nargs="+", default=["csv", "parquet"], choices=["csv", "csv.gz", "parquet"])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md and figures alone")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="fleetplan-audit-bench-") as tmp:
        for fmt in args.formats:
            for rows in args.rows:
                r = measure(rows, fmt, Path(tmp), args.seed)
                print(json.dumps(r), flush=True)
                results.append(r)
    print(table(results))
    if args.no_write:
        return
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "audit-scale.json").write_text(json.dumps({"measured": stamp, "runs": results}, indent=2))
    chart(results, HERE / "figures")
    write_results_md(results, stamp)


if __name__ == "__main__":
    main()
