"""Hostile input fails fast, with bounded memory, a clear one-line error and exit code 2."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fleetplan.cli import main
from fleetplan.errors import InputError
from fleetplan.load.yaml_safe import YamlLimits, parse_yaml_text, read_yaml


def _bomb(levels: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused() -> None:
    with pytest.raises(InputError, match="expands to more than"):
        parse_yaml_text(_bomb())


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(InputError) as info:
        parse_yaml_text("a: " + "[" * 5000 + "]" * 5000)
    assert "nesting" in str(info.value) or "depth" in str(info.value)


def test_moderate_nesting_beyond_limit() -> None:
    text = "".join("  " * i + f"k{i}:\n" for i in range(80)) + "  " * 80 + "v\n"
    with pytest.raises(InputError, match="nesting deeper than 64"):
        parse_yaml_text(text)


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * 5000 + "\n")
    with pytest.raises(InputError, match="over the"):
        read_yaml(path, YamlLimits(max_bytes=1024))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x7fELF\x02\x01\x01\x00\x00\x00garbage", "binary content"),
        (os.urandom(64) + b"\x00", "binary content"),
        (b"name: caf\xe9\n", "not UTF-8"),
        (b"- just\n- a list\n", "expected a mapping"),
        (b"", "empty file"),
        (b"a: 1\n---\nb: 2\n", "several YAML documents"),
    ],
)
def test_garbage_files_exit_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_bytes(content)
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and str(path) in lines[0]
    assert "Traceback" not in captured.err


def test_missing_file_and_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert main(["validate", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_yaml_12_floats_and_merge_keys() -> None:
    data, lines = parse_yaml_text("base: &b {x: 1}\nitem:\n  <<: *b\n  y: 7e9\n")
    assert data == {"base": {"x": 1}, "item": {"x": 1, "y": 7e9}}
    assert lines.line_of(("item", "y")) == 4
    assert lines.line_of(("item", "missing", 3)) == 2
