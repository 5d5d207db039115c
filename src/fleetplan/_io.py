"""Atomic file writes: never a half-written file.

Everything goes to a temporary file beside the target (same folder, so the rename stays on one
file system), is flushed and synced, then renamed over the target. When anything fails on the
way (the disk fills, a serializer raises half-way), the temporary file is removed and any
previous file at the target is left as it was. A new file gets the permissions an ordinary
``open()`` would give it (the umask applies); an existing file keeps its permissions. Missing
parent folders are created.

A leaf module: it imports nothing from fleetplan, so any layer may use it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["open_atomic", "write_atomic", "write_text_atomic"]

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _create_temp(target: Path) -> tuple[int, Path]:
    """Create a new, empty temporary file beside ``target``; its mode follows the umask like ``open()``."""
    for _ in range(100):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, _FLAGS, 0o666), tmp
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue
    raise FileExistsError(f"no free temporary name beside {target}")  # pragma: no cover


@contextlib.contextmanager
def open_atomic(path: str | Path, *, binary: bool = False, newline: str | None = None) -> Iterator[IO[Any]]:
    """A file to write ``path`` through, UTF-8 text unless ``binary``; it replaces ``path`` when
    the ``with`` block ends normally, and vanishes without trace when the block raises."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temp(target)
    try:
        fh = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline=newline)
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, target.stat().st_mode & 0o777)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path written."""
    with open_atomic(path, binary=True) as fh:
        fh.write(data)
    return Path(path)


def write_text_atomic(path: str | Path, text: str, *, newline: str | None = None) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; ``newline`` as for ``open()``. Returns the path."""
    with open_atomic(path, newline=newline) as fh:
        fh.write(text)
    return Path(path)
