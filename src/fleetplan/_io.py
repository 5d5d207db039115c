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
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from fleetplan.errors import InputError

__all__ = ["MAX_JSON_BYTES", "open_atomic", "read_json_document", "write_atomic", "write_text_atomic"]

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


MAX_JSON_BYTES = 200 << 20
"""JSON documents (plans, risk and audit results) larger than this (200 MB) are refused unread."""


def read_json_document(
    path: str | Path, schema: str, *, what: str, option: str | None = None, hint: str = ""
) -> dict[str, Any]:
    """The JSON document at ``path`` whose ``schema`` is ``schema`` (a ``fleetplan.<what>/1``).

    Every failure is an :class:`InputError` naming the file (and ``option``, the command-line
    place it came from): too large, unreadable, not JSON (with the line), or another document
    (``hint`` says how to write the right one).
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_JSON_BYTES:
            raise InputError(
                f"file is {size / 1e6:.0f} MB; {what} documents above {MAX_JSON_BYTES >> 20} MB are refused",
                file=str(path),
                path=option,
            )
        doc = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", file=str(path), path=option) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise InputError(
            f"not a JSON {what} document ({exc.__class__.__name__})", file=str(path), path=option, line=line
        ) from exc
    if not isinstance(doc, dict) or doc.get("schema") != schema:
        raise InputError(
            f"not a fleetplan {what} document (schema {schema}){hint}", file=str(path), path=option or "schema"
        )
    return doc
