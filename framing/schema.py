"""Type and range checks for the dataclasses saved as JSON (a model's config, its training config).

A config.json is data from disk: a list, a null or a string where a number belongs must stop
with one message that names the key and what it should be, not surface later as a traceback
deep in torch. The expected types are the dataclass annotations themselves; ranges come from
``field(metadata=...)`` (``min``, ``max``, ``above``, ``choices``).

Written by hand rather than with jsonschema or pydantic: a dozen flat fields, a schema that is
the dataclass itself (so it cannot drift), no dependency on the model-loading path, and
messages in the words the CLI uses.
"""

from __future__ import annotations

import math
import types
import typing
from dataclasses import fields
from typing import Any


def json_type(value: Any) -> str:
    """The JSON name of a value's type, as users see it in their file."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _describe(expected: Any) -> str:
    origin = typing.get_origin(expected)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(arg) for arg in typing.get_args(expected))
    if origin is list:
        (item,) = typing.get_args(expected) or (Any,)
        return f"an array of {_describe(item).removeprefix('a ').removeprefix('an ')}s"
    if origin is dict:
        return "an object"
    return {
        str: "a string",
        int: "a whole number",
        float: "a number",
        bool: "true or false",
        type(None): "null",
        Any: "any value",
    }.get(expected, getattr(expected, "__name__", str(expected)))


def matches(value: Any, expected: Any) -> bool:
    """Whether a JSON value fits a type annotation (``int`` is not ``bool``; floats are finite)."""
    if expected is Any:
        return True
    origin = typing.get_origin(expected)
    if origin in (typing.Union, types.UnionType):
        return any(matches(value, arg) for arg in typing.get_args(expected))
    if origin is list:
        (item,) = typing.get_args(expected) or (Any,)
        return isinstance(value, list) and all(matches(v, item) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(isinstance(k, str) for k in value)
    if expected is type(None):
        return value is None
    if expected is bool:
        return isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is float:
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if expected is str:
        return isinstance(value, str)
    return isinstance(value, expected)


def _range_problem(value: Any, meta: typing.Mapping[str, Any]) -> str | None:
    values = value if isinstance(value, list) else [value]
    for v in values:
        if not isinstance(v, int | float) or isinstance(v, bool):
            if "choices" in meta and v not in meta["choices"]:
                return f"one of {', '.join(map(repr, meta['choices']))}"
            continue
        if "min" in meta and v < meta["min"]:
            return f"at least {meta['min']}"
        if "max" in meta and v > meta["max"]:
            return f"at most {meta['max']}"
        if "above" in meta and v <= meta["above"]:
            return f"above {meta['above']}"
        if "below" in meta and v >= meta["below"]:
            return f"below {meta['below']}"
    if "length" in meta and isinstance(value, list) and len(value) != meta["length"]:
        return f"{meta['length']} values"
    return None


def check_fields(obj: Any, where: str, error: type[Exception] = ValueError) -> None:
    """Raise ``error("<where>: '<key>' must be ..., got ...")`` for the first field that does not fit."""
    hints = typing.get_type_hints(type(obj))
    for f in fields(obj):
        value = getattr(obj, f.name)
        expected = hints[f.name]
        if not matches(value, expected):
            shown = json_type(value) if isinstance(value, list | dict) else f"{json_type(value)} {value!r}"
            raise error(f"{where}: '{f.name}' must be {_describe(expected)}, got {shown[:80]}")
        problem = _range_problem(value, f.metadata)
        if problem:
            raise error(f"{where}: '{f.name}' must be {problem}, got {value!r:.80}")


def check_keys(data: Any, cls: type, where: str, error: type[Exception] = ValueError) -> dict[str, Any]:
    """``data`` as keyword arguments for ``cls``: a JSON object whose keys are all its fields."""
    if not isinstance(data, dict):
        raise error(f"{where}: expected a JSON object, got {json_type(data)}")
    known = {f.name for f in fields(cls)}
    unknown = sorted(map(str, set(data) - known))
    if unknown:
        raise error(f"{where}: unknown key(s) {', '.join(unknown)}")
    return data
