"""Safe, bounded YAML reading that remembers the line of every value.

Contract: :func:`read_yaml` returns plain Python data (dicts, lists, str, int, float, bool, None)
and a :class:`LineMap` from field paths to 1-based lines, or raises :class:`InputError` naming the
file and line. It never executes tags, and it fails fast with bounded memory on hostile input:

* files larger than ``max_bytes``, binary content (NUL bytes) or text that is not UTF-8;
* nesting deeper than ``max_depth``;
* more than ``max_nodes`` values after alias expansion (the "billion laughs" alias bomb);
* duplicate keys, non-scalar keys, several documents in one file.

The builder consumes the parser's event stream with an explicit stack (no recursion), so deeply
nested input cannot overflow the interpreter's stack.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fleetplan.errors import InputError

__all__ = ["LineMap", "YamlLimits", "parse_yaml_text", "read_yaml"]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# YAML 1.2 floats such as 7e9 or 1.5e12 (PyYAML's YAML 1.1 rules read them as strings).
_FLOAT12 = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$")
PathT = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlLimits:
    """Bounds that keep hostile input cheap to reject."""

    max_bytes: int = 64 * 1024 * 1024
    max_depth: int = 64
    max_nodes: int = 5_000_000


@dataclass
class LineMap:
    """Field path -> 1-based line. Missing paths fall back to their nearest known ancestor."""

    lines: dict[PathT, int] = field(default_factory=dict)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line of ``path`` or of its closest ancestor present in the file."""
        p = tuple(path)
        while True:
            if p in self.lines:
                return self.lines[p]
            if not p:
                return None
            p = p[:-1]


@dataclass
class _Frame:
    container: dict[Any, Any] | list[Any]
    path: PathT
    start_nodes: int
    anchor: str | None
    line: int
    key: Any = None
    key_pending: bool = True
    key_line: int = 0


class _Builder:
    def __init__(self, file: str, limits: YamlLimits) -> None:
        self.file = file
        self.limits = limits
        self.lines = LineMap()
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.nodes = 0
        self.resolver = yaml.resolver.Resolver()
        self.constructor = yaml.constructor.SafeConstructor()

    def fail(self, message: str, line: int | None, path: PathT = ()) -> InputError:
        return InputError(message, file=self.file, path=list(path) or None, line=line)

    def _count(self, n: int, line: int) -> None:
        self.nodes += n
        if self.nodes > self.limits.max_nodes:
            raise self.fail(
                f"document expands to more than {self.limits.max_nodes:,} values "
                "(alias expansion or size limit); refusing to load",
                line,
            )

    def _scalar(self, event: yaml.ScalarEvent, line: int, path: PathT) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == "tag:yaml.org,2002:merge":
            return "<<"
        if tag == "tag:yaml.org,2002:str" and event.implicit[0] and _FLOAT12.match(event.value):
            return float(event.value)
        if tag not in self.constructor.yaml_constructors or tag in (
            "tag:yaml.org,2002:binary",
            "tag:yaml.org,2002:set",
            "tag:yaml.org,2002:omap",
            "tag:yaml.org,2002:pairs",
        ):
            raise self.fail(f"unsupported YAML tag {tag!r}", line, path)
        node = yaml.ScalarNode(tag, event.value, style=event.style)
        try:
            value = self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise self.fail(f"bad value {event.value!r}: {exc}", line, path) from None
        if hasattr(value, "isoformat"):  # dates and timestamps stay text, e.g. '2027-01-15'
            value = event.value
        return value

    def build(self, events: Iterator[yaml.Event]) -> Any:
        stack: list[_Frame] = []
        root: Any = None
        documents = 0
        have_root = False
        for event in events:
            line = event.start_mark.line + 1 if event.start_mark else 0
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self.fail("several YAML documents in one file; expected one", line)
                continue
            if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
                continue

            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = stack.pop()
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (frame.container, self.nodes - frame.start_nodes + 1)
                value, complete = frame.container, True
            else:
                parent = stack[-1] if stack else None
                path = self._child_path(parent)
                if isinstance(parent, _Frame) and isinstance(parent.container, dict) and parent.key_pending:
                    # this event is a key
                    if not isinstance(event, yaml.ScalarEvent):
                        raise self.fail("mapping keys must be plain scalars", line, parent.path)
                    key = self._scalar(event, line, parent.path)
                    if not isinstance(key, (str, int, float, bool)) or key is None:
                        key = str(key)
                    if key in parent.container:
                        raise self.fail(f"duplicate key {key!r}", line, parent.path)
                    parent.key, parent.key_pending, parent.key_line = key, False, line
                    self.lines.lines[(*parent.path, key)] = line
                    continue
                if isinstance(event, yaml.AliasEvent):
                    if event.anchor not in self.anchors:
                        raise self.fail(f"unknown alias *{event.anchor}", line, path)
                    value, size = self.anchors[event.anchor]
                    self._count(size, line)
                    complete = True
                elif isinstance(event, yaml.ScalarEvent):
                    self._count(1, line)
                    value = self._scalar(event, line, path)
                    if event.anchor is not None:
                        self.anchors[event.anchor] = (value, 1)
                    complete = True
                elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                    self._count(1, line)
                    if len(stack) >= self.limits.max_depth:
                        raise self.fail(f"nesting deeper than {self.limits.max_depth} levels", line, path)
                    container: dict[Any, Any] | list[Any] = {} if isinstance(event, yaml.MappingStartEvent) else []
                    if event.tag not in (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
                        raise self.fail(f"unsupported YAML tag {event.tag!r}", line, path)
                    self.lines.lines.setdefault(path, line)
                    stack.append(_Frame(container, path, self.nodes, event.anchor, line))
                    continue
                else:  # pragma: no cover - the parser emits no other events
                    raise self.fail(f"unexpected YAML event {type(event).__name__}", line, path)

            if complete:
                if not stack:
                    root, have_root = value, True
                    continue
                parent = stack[-1]
                if isinstance(parent.container, dict):
                    if parent.key == "<<":
                        self._merge(parent, value, line)
                    else:
                        parent.container[parent.key] = value
                    parent.key_pending = True
                else:
                    self.lines.lines.setdefault((*parent.path, len(parent.container)), line)
                    parent.container.append(value)
        if not have_root:
            return None
        return root

    def _merge(self, frame: _Frame, value: Any, line: int) -> None:
        sources = value if isinstance(value, list) else [value]
        for src in sources:
            if not isinstance(src, dict):
                raise self.fail("merge key '<<' needs a mapping or a list of mappings", line, frame.path)
            assert isinstance(frame.container, dict)
            for k, v in src.items():
                frame.container.setdefault(k, v)
        del self.lines.lines[(*frame.path, "<<")]

    @staticmethod
    def _child_path(parent: _Frame | None) -> PathT:
        if parent is None:
            return ()
        if isinstance(parent.container, dict):
            return (*parent.path, parent.key)
        return (*parent.path, len(parent.container))


def parse_yaml_text(text: str, file: str = "<string>", limits: YamlLimits | None = None) -> tuple[Any, LineMap]:
    """Parse YAML ``text`` into plain data and a line map (see module docstring for the bounds)."""
    limits = limits or YamlLimits()
    builder = _Builder(file, limits)
    try:
        data = builder.build(yaml.parse(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "malformed YAML"
        raise InputError(f"malformed YAML: {problem}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", file=file) from None
    return data, builder.lines


def read_yaml(path: str | Path, limits: YamlLimits | None = None) -> tuple[Any, LineMap]:
    """Read a YAML file safely (size, encoding and structure bounds) -> (data, line map)."""
    limits = limits or YamlLimits()
    p = Path(path)
    name = str(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise InputError("file not found", file=name) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", file=name) from None
    if p.is_dir():
        raise InputError("is a folder, expected a YAML file", file=name)
    if size > limits.max_bytes:
        raise InputError(
            f"file is {size / 2**20:.1f} MiB, over the {limits.max_bytes / 2**20:.0f} MiB limit", file=name
        )
    with p.open("rb") as fh:
        raw = fh.read(limits.max_bytes + 1)
    if b"\x00" in raw:
        raise InputError("binary content (NUL bytes); expected YAML text", file=name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 text (byte {exc.start})", file=name, line=line) from None
    return parse_yaml_text(text, name, limits)
