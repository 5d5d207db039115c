"""``fleetplan._format``: the one money formatter and the one JSON-safe conversion."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from fleetplan._format import json_records, json_safe, json_text, money


@pytest.mark.parametrize(
    ("usd", "text"),
    [
        (None, "—"),
        (0, "$0"),
        (950, "$950"),
        (9_999.4, "$9,999"),
        (12_345, "$12.3k"),
        (999_949, "$999.9k"),
        (1.5e6, "$1.50M"),
        (999.99e6, "$999.99M"),
        (1.5e9, "$1.50B"),
        (2_345.6e9, "$2,345.60B"),
        (-7, "-$7"),
        (-1.5e9, "-$1.50B"),
        (np.float64(1.5e9), "$1.50B"),
    ],
)
def test_money(usd: float | None, text: str) -> None:
    assert money(usd) == text


def test_json_safe() -> None:
    assert json_safe(float("nan")) is None and json_safe(math.inf) is None and json_safe(-math.inf) is None
    assert json_safe(pd.NA) is None and json_safe(pd.NaT) is None and json_safe(None) is None
    for value in (np.float64(1.25), np.int64(3), np.bool_(True)):
        converted = json_safe(value)
        assert converted == value.item() and type(converted) is type(value.item())
    assert json_safe(np.array([1.0, np.nan])) == [1.0, None]
    nested = {"a": (1, float("nan")), "b": {"c": [np.float32(0.5), "x", True]}}
    assert json_safe(nested) == {"a": [1, None], "b": {"c": [0.5, "x", True]}}
    assert json_safe(3) == 3 and type(json_safe(3)) is int  # integers stay integers


def test_json_records() -> None:
    df = pd.DataFrame(
        {"x": [1.0, np.nan], "n": pd.array([1, None], dtype="Int64"), "s": ["a", None]},
    )
    assert json_records(df) == [{"x": 1.0, "n": 1, "s": "a"}, {"x": None, "n": None, "s": None}]


def test_json_text_is_strict() -> None:
    assert json_text({"a": [1, 2]}) == '{\n  "a": [\n    1,\n    2\n  ]\n}\n'
    with pytest.raises(ValueError):
        json_text({"a": float("nan")})
    assert json.loads(json_text(json_safe({"a": float("nan")}))) == {"a": None}
