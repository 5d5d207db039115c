"""``fleetplan._io``: atomic writes leave the old file or the new one, never a part, never a temp file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fleetplan._io import open_atomic, write_atomic, write_text_atomic


def test_write_atomic_creates_and_replaces(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "data.bin"
    assert write_atomic(path, b"\x00one") == path
    assert path.read_bytes() == b"\x00one"
    write_atomic(path, b"two")
    assert path.read_bytes() == b"two"
    assert os.listdir(path.parent) == ["data.bin"]


def test_write_text_atomic(tmp_path: Path) -> None:
    path = tmp_path / "t.md"
    write_text_atomic(path, "héllo\nworld\n")
    assert path.read_bytes() == "héllo\nworld\n".encode()


def test_new_files_follow_the_umask_existing_keep_their_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        fresh = write_atomic(tmp_path / "fresh", b"x")
    finally:
        os.umask(old)
    assert fresh.stat().st_mode & 0o777 == 0o640
    kept = tmp_path / "kept"
    kept.write_bytes(b"old")
    kept.chmod(0o600)
    write_atomic(kept, b"new")
    assert kept.read_bytes() == b"new" and kept.stat().st_mode & 0o777 == 0o600


class SerializerError(Exception):
    pass


def test_failure_while_writing_leaves_previous_file_and_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("previous\n")
    with pytest.raises(SerializerError), open_atomic(path) as fh:
        fh.write("{\n  half a document")
        raise SerializerError("cannot serialize")
    assert path.read_text() == "previous\n"
    assert os.listdir(tmp_path) == ["plan.json"]


def test_failure_while_writing_a_new_file_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(SerializerError), open_atomic(tmp_path / "new.csv", binary=True) as fh:
        fh.write(b"a,b\n1,")
        raise SerializerError
    assert os.listdir(tmp_path) == []


def test_failed_rename_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "inside").write_text("keep")
    with pytest.raises(OSError):
        write_atomic(target, b"data")
    assert os.listdir(tmp_path) == ["taken"] and (target / "inside").read_text() == "keep"
