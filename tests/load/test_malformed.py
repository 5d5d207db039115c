"""A corpus of malformed scenarios: each gives a one-line error naming file, field path and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from fleetplan.cli import main
from fleetplan.errors import InputError
from fleetplan.load import ScenarioError, load_scenario

# (case id, text to replace in the minimal scenario, replacement, expected path, line, message part)
CASES = [
    ("unknown-top-key", "name: Test\n", "name: Test\nhorizn: 1\n", "horizn", 3, "did you mean 'horizon'"),
    (
        "unknown-workload-key",
        "    tokens: 1.0e12",
        "    tokns: 1.0e12",
        "workloads[0].tokns",
        26,
        "did you mean 'tokens'",
    ),
    ("negative-rps", "peak_rps: 10", "peak_rps: -5", "workloads[1].demand.peak_rps", 31, "greater than 0"),
    ("text-rps", "peak_rps: 10", "peak_rps: lots", "workloads[1].demand.peak_rps", 31, "valid number"),
    (
        "serve-without-rps",
        "demand: {peak_rps: 10}",
        "demand: {input_tokens: 500}",
        "workloads[1].demand.peak_rps",
        31,
        "required for serve",
    ),
    ("unknown-kind", "kind: serve", "kind: serving", "workloads[1].kind", 29, "did you mean 'serve'"),
    (
        "unknown-accelerator",
        "[H100, L40S]",
        "[H1000, L40S]",
        "workloads[1].accelerators[0]",
        33,
        "unknown accelerator 'H1000'",
    ),
    (
        "unknown-workload-provider",
        "[aws, own-dc]",
        "[aws, own-dcc]",
        "workloads[1].providers[1]",
        34,
        "did you mean 'own-dc'",
    ),
    (
        "unknown-site-provider",
        "    provider: own-dc",
        "    provider: owndc",
        "sites[0].provider",
        16,
        "unknown provider 'owndc'",
    ),
    ("site-on-cloud-provider", "    provider: own-dc", "    provider: aws", "sites[0].provider", 16, "kind 'cloud'"),
    (
        "unknown-server-type",
        "{server_type: hgx-h100,",
        "{server_type: hgx-h200,",
        "sites[0].existing[0].server_type",
        20,
        "unknown server type 'hgx-h200'",
    ),
    (
        "bad-purchase-period",
        "purchased: 2025Q1",
        "purchased: last-year",
        "sites[0].existing[0].purchased",
        20,
        "not a period label",
    ),
    (
        "unknown-buyable",
        "buyable: [hgx-h100]",
        "buyable: [dgx]",
        "sites[0].buyable[0]",
        21,
        "unknown server type 'dgx'",
    ),
    (
        "bad-horizon-start",
        "  start: 2027Q1\n  periods",
        "  start: 2027Q5\n  periods",
        "horizon.start",
        4,
        "not a quarter label",
    ),
    ("zero-periods", "periods: 4", "periods: 0", "horizon.periods", 5, "greater than or equal to 1"),
    (
        "window-reversed",
        "{start: 2027Q1, end: 2027Q2}",
        "{start: 2027Q2, end: 2027Q1}",
        "workloads[0].window.end",
        27,
        "before it starts",
    ),
    (
        "window-outside",
        "{start: 2027Q1, end: 2027Q2}",
        "{start: 2030Q1, end: 2030Q2}",
        "workloads[0].window",
        27,
        "outside the horizon",
    ),
    (
        "duplicate-workload",
        "  - name: chat",
        "  - name: pretrain",
        "workloads[1].name",
        28,
        "duplicate name 'pretrain'",
    ),
    (
        "duplicate-yaml-key",
        "    tokens: 1.0e12\n",
        "    tokens: 1.0e12\n    tokens: 2.0e12\n",
        "workloads[0]",
        27,
        "duplicate key 'tokens'",
    ),
    (
        "share-above-one",
        "max_provider_share: 0.7",
        "max_provider_share: 1.7",
        "policy.max_provider_share",
        36,
        "less than or equal to 1",
    ),
    (
        "zero-provider-share",
        "max_provider_share: 0.7",
        "max_provider_share: 0.7\n  min_provider_share_critical: 0",
        "policy.min_provider_share_critical",
        37,
        "greater than 0",
    ),
    (
        "budget-outside-horizon",
        "{2027Q1: 1000000}",
        "{2029Q1: 1000000}",
        "policy.budgets_usd.2029Q1",
        37,
        "not a period of the horizon",
    ),
    (
        "policy-typo",
        "max_provider_share: 0.7",
        "max_provider_shar: 0.7",
        "policy.max_provider_shar",
        36,
        "did you mean 'max_provider_share'",
    ),
    ("workloads-typo", "workloads:\n", "workloadz:\n", "workloadz", 22, "did you mean 'workloads'"),
    ("unclosed-flow", "model: {params: 7.0e9}", "model: {params: 7.0e9", None, 26, "malformed YAML"),
    ("tab-indent", "    kind: train\n", "\tkind: train\n", None, 24, "malformed YAML"),
    ("list-for-number", "tokens: 1.0e12", "tokens: [1, 2]", "workloads[0].tokens", 26, "valid number"),
    (
        "active-above-total",
        "model: {params: 7.0e9}",
        "model: {params: 7.0e9, active_params: 9.0e9}",
        "workloads[0].model.active_params",
        25,
        "exceeds params",
    ),
    (
        "bad-precision",
        "model: {params: 8.0e9}",
        "model: {params: 8.0e9}\n    precision: fp6",
        "workloads[1].precision",
        31,
        "'fp6' is not allowed",
    ),
    (
        "bad-sensitivity",
        "    kind: train\n",
        "    kind: train\n    sensitivity: secret\n",
        "workloads[0].sensitivity",
        25,
        "'secret' is not allowed",
    ),
    ("python-tag", "name: Test", "name: !!python/object:os.system Test", "name", 2, "unsupported YAML tag"),
    ("lowercase-country", "country: US", "country: us", "sites[0].country", 17, "should match pattern"),
    (
        "slo-on-training",
        "    tokens: 1.0e12\n",
        "    tokens: 1.0e12\n    slo: {ttft_ms: 100}\n",
        "workloads[0].slo",
        27,
        "apply to serve workloads",
    ),
    (
        "optional-without-value",
        "    kind: serve\n",
        "    kind: serve\n    optional: true\n",
        "workloads[1].value_usd",
        28,
        "need a value_usd",
    ),
    ("wrong-schema", "schema: fleetplan.scenario/1", "schema: fleetplan.scenario/2", "schema", 1, "is not allowed"),
    (
        "unknown-latency-zone",
        "    providers: [aws, own-dc]\n",
        "    providers: [aws, own-dc]\n    latency_zones: [us-eastt]\n",
        "workloads[1].latency_zones[0]",
        35,
        "did you mean 'us-east'",
    ),
    (
        "negative-capex",
        "capex_usd: 300000",
        "capex_usd: -1",
        "server_types[0].capex_usd",
        13,
        "greater than or equal to 0",
    ),
    (
        "unknown-chip-vendor",
        "  max_provider_share: 0.7\n",
        "  max_provider_share: 0.7\n  chip_vendor_share_caps: {Nvidia: 0.5}\n",
        "policy.chip_vendor_share_caps.Nvidia",
        37,
        "did you mean 'NVIDIA'",
    ),
    (
        "unknown-accelerator-server",
        "accelerator: H100-SXM",
        "accelerator: H100-SMX",
        "server_types[0].accelerator",
        11,
        "unknown accelerator",
    ),
]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text, "utf-8")
    return path


@pytest.mark.parametrize(("case", "old", "new", "path", "line", "message"), CASES, ids=[c[0] for c in CASES])
def test_malformed_scenario_names_path_and_line(
    tmp_path: Path,
    minimal_text: str,
    capsys: pytest.CaptureFixture[str],
    case: str,
    old: str,
    new: str,
    path: str | None,
    line: int,
    message: str,
) -> None:
    assert old in minimal_text, case
    file = _write(tmp_path, minimal_text.replace(old, new, 1))
    with pytest.raises(InputError) as info:
        load_scenario(file)
    errors = getattr(info.value, "errors", [info.value])
    match = [e for e in errors if e.line == line and (path is None or e.path == path) and message in e.message]
    assert match, f"{case}: expected {path} line {line} '{message}', got {[str(e) for e in errors]}"
    # the CLI prints each error on one line, exits 2, never a traceback
    assert main(["validate", str(file)]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    first = captured.err.strip().splitlines()
    assert first and all(ln.startswith(f"fleetplan: error: {file}:") for ln in first)
    expected = f"{file}:{line}: " + (f"{path}: " if path else "")
    assert any(expected in ln and message in ln for ln in first)


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


def test_minimal_scenario_is_valid(tmp_path: Path, minimal_text: str) -> None:
    sc = load_scenario(_write(tmp_path, minimal_text))
    assert [w.name for w in sc.workloads] == ["pretrain", "chat"]
    assert sc.horizon.labels() == ["2027Q1", "2027Q2", "2027Q3", "2027Q4"]


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path, minimal_text: str) -> None:
    text = minimal_text.replace("peak_rps: 10", "peak_rps: -5").replace("kind: train", "kind: trian")
    with pytest.raises(ScenarioError) as info:
        load_scenario(_write(tmp_path, text))
    assert {e.path for e in info.value.errors} >= {"workloads[1].demand.peak_rps", "workloads[0].kind"}
