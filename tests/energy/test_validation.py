"""Training emissions vs Meta's model cards: ±5 % with the published setup; the doc is generated."""

from __future__ import annotations

from pathlib import Path

from fleetplan.energy.validation import (
    PUBLISHED_SETUP_TOLERANCE,
    default_setup_validation,
    main,
    published_setup_validation,
    validation_markdown,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "energy-validation.md"


def test_published_setup_within_5_percent(shared_data: Path) -> None:
    df = published_setup_validation(shared_data / "validation")
    assert len(df) >= 9
    bad = df[df["error"].abs() > PUBLISHED_SETUP_TOLERANCE]
    assert bad.empty, bad[["model", "estimated_tco2e", "reported_tco2e", "error"]]


def test_default_setup_is_explained_by_its_three_ratios(shared_data: Path) -> None:
    df = default_setup_validation(shared_data / "validation")
    assert len(df) >= 6
    product = df["hours_ratio"] * df["power_ratio"] * df["grid_ratio"]
    # equal up to the rounding of the published implied grid factor (0.1 gCO2e/kWh)
    assert ((df["error"] + 1 - product).abs() / product < 1e-3).all()


def test_committed_doc_matches_generator(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "energy-validation.md"
    assert main([str(out), "--data", str(shared_data / "validation")]) == 0
    assert out.read_text("utf-8") == validation_markdown(shared_data / "validation")
    assert DOC.read_text("utf-8") == out.read_text("utf-8"), "regenerate docs/energy-validation.md"


def test_missing_data_is_exit_2(tmp_path: Path) -> None:
    assert main([str(tmp_path / "x.md"), "--data", str(tmp_path)]) == 2
