"""Estimates vs published figures, default settings, no per-row fitting."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fleetplan.sizing.validation import (
    SERVING_MEDIAN_TOLERANCE,
    TRAINING_TOLERANCE,
    main,
    serving_validation,
    training_validation,
    validation_markdown,
)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "validation"

pytestmark = pytest.mark.skipif(
    not (DATA / "training_gpu_hours.csv").exists(), reason="shared validation data not present"
)


def test_every_training_row_within_35_percent() -> None:
    df = training_validation(DATA)
    assert len(df) >= 6
    bad = df[df["error"].abs() > TRAINING_TOLERANCE]
    assert bad.empty, bad[["model", "estimated_gpu_hours", "published_gpu_hours", "error"]]


def test_median_serving_error_within_30_percent() -> None:
    df = serving_validation(DATA)
    assert len(df) >= 50
    assert abs(float(np.median(df["error"]))) <= SERVING_MEDIAN_TOLERANCE
    # report honestly: no row is wildly off either
    assert df["error"].abs().max() < 1.0


def test_docs_page_matches_generator(tmp_path: Path) -> None:
    out = tmp_path / "v.md"
    assert main([str(out), "--data", str(DATA)]) == 0
    text = out.read_text()
    assert text == validation_markdown(DATA)
    assert "Llama 3.1 405B" in text and "| error |" in text
    committed = Path(__file__).resolve().parents[2] / "docs" / "sizing-validation.md"
    if committed.exists():
        assert committed.read_text() == text, "regenerate docs/sizing-validation.md"


def test_missing_data_dir(tmp_path: Path) -> None:
    assert main(["--data", str(tmp_path)]) == 2
