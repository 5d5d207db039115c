"""Turn pydantic validation errors into one-line :class:`InputError` messages with path and line."""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from fleetplan.errors import InputError, did_you_mean
from fleetplan.load.yaml_safe import LineMap

__all__ = ["data_path", "errors_from_validation"]


def data_path(data: Any, loc: Sequence[str | int]) -> tuple[str | int, ...]:
    """Map a pydantic ``loc`` onto the user's data, dropping union/tag markers that are not keys."""
    out: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            out.append(part)
            node = node[part]
        elif part == "[key]":
            continue
        elif i == len(loc) - 1 and isinstance(node, dict) and isinstance(part, str):
            out.append(part)  # a missing key: name it
        # otherwise a union member tag such as 'float' or 'list[str]': skip
    return tuple(out)


def _unwrap(annotation: Any) -> list[Any]:
    """The model classes an annotation can hold (through Optional, list, dict, Annotated)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, tuple, set, dict):
        out: list[Any] = []
        for arg in typing.get_args(annotation):
            out.extend(_unwrap(arg))
        return out
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def _model_at(root: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class whose fields apply at ``loc`` (the container of the last element)."""
    model: type[BaseModel] | None = root
    for part in loc[:-1]:
        if model is None:
            return None
        if isinstance(part, int) or part == "[key]":
            continue
        field = next((f for n, f in model.model_fields.items() if n == part or f.alias == part), None)
        if field is None:
            continue  # dict key or union tag
        models = _unwrap(field.annotation)
        model = models[0] if models else None
    return model


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or n for n, f in model.model_fields.items()]


def _message(err: dict[str, Any], root: type[BaseModel]) -> str:
    kind = err["type"]
    loc = err["loc"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        model = _model_at(root, loc)
        hint = did_you_mean(key, _field_names(model)) if model else ""
        return f"unknown key {key!r}{hint}"
    if kind == "missing":
        return f"missing required key {loc[-1]!r}"
    msg = err["msg"]
    value = err.get("input")
    if kind in ("literal_error", "enum") and isinstance(value, str):
        expected = err.get("ctx", {}).get("expected", "")
        options = [o.strip(" '") for o in expected.replace(" or ", ",").split(",") if o.strip()]
        return f"{value!r} is not allowed; expected one of {', '.join(options)}{did_you_mean(value, options)}"
    if isinstance(value, (str, int, float, bool)) and not isinstance(value, dict):
        text = repr(value)
        if len(text) > 60:
            text = text[:57] + "..."
        return f"{msg} (got {text})"
    return msg


def errors_from_validation(
    exc: ValidationError, data: Any, lines: LineMap, file: str, root: type[BaseModel]
) -> list[InputError]:
    """One :class:`InputError` per pydantic error, sorted by line, each naming path and line."""
    out: list[InputError] = []
    for err in exc.errors(include_url=False):
        path = data_path(data, err["loc"])
        out.append(InputError(_message(err, root), file=file, path=list(path), line=lines.line_of(path)))
    out.sort(key=lambda e: (e.line or 0, e.path or ""))
    return out
