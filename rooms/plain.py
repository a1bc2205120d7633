"""Plain records of the core's dataclasses, in both directions.

`to_plain` turns commands, events and state into dicts, lists, strings and numbers (what msgpack,
JSON or Redis carry; bytes stay bytes, for msgpack); `from_plain` builds them back from such
values, checking every field against the dataclass's type hints. The same code reads a client's
command and a stored snapshot, so a message's shape is written once: in its dataclass.
"""

import dataclasses
import types
import typing
from collections.abc import Mapping
from enum import Enum
from functools import cache
from typing import Any, TypeVar

from rooms.errors import quoted

T = TypeVar("T")
# Names the dataclass in a record of a field that may hold one of several (an event's type). Not
# a name a field can have: `poll_created` and `create_poll` have a field `kind` of their own.
KIND = "@kind"

Plain = None | bool | int | float | str | bytes | list["Plain"] | dict[str, "Plain"]


class RecordError(ValueError):
    """A plain value that does not fit the expected shape; `path` names the field."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}" if path else problem)
        self.path = path
        self.problem = problem


def to_plain(value: object) -> Any:
    # Exact types first: a welcome's snapshot is thousands of these, once per person who joins.
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is dict:
        return {to_plain(k): to_plain(v) for k, v in typing.cast(dict[Any, Any], value).items()}
    if kind is list or kind is tuple:
        return [to_plain(v) for v in typing.cast(list[Any], value)]
    if kind not in _LAYOUTS:
        _LAYOUTS[kind] = _layout(kind)
    layout = _LAYOUTS[kind]
    if layout is not None:
        plain = {}
        for name, tagged in layout:
            item = getattr(value, name)
            plain[name] = to_plain(item)
            if tagged and item is not None:
                plain[name] = {KIND: type(item).__name__, **plain[name]}
        return plain
    return _other_to_plain(value)


_AS_IS = frozenset({type(None), bool, int, float, str, bytes})
_LAYOUTS: dict[type, tuple[tuple[str, bool], ...] | None] = {}


def _layout(cls: type) -> tuple[tuple[str, bool], ...] | None:
    """A dataclass's fields in order, each with whether its record names its class; else None."""
    if not dataclasses.is_dataclass(cls):
        return None
    tagged = _tagged_fields(cls)
    return tuple((f.name, f.name in tagged) for f in dataclasses.fields(cls))


def _other_to_plain(value: object) -> Any:
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Mapping):
        return {to_plain(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [to_plain(v) for v in items]
    raise TypeError(f"no plain form for {type(value).__name__}")


def from_plain(cls: type[T], data: object, path: str = "") -> T:
    """Build a `cls` dataclass from a plain dict, or raise `RecordError` naming the bad field."""
    if not isinstance(data, dict):
        raise RecordError(path, f"expected a map, got {_kind(data)}")
    hints = _hints(cls)  # type: ignore[arg-type]
    unknown = [str(k) for k in data if k not in hints]
    if unknown:
        raise RecordError(path, f"unknown field {quoted(unknown[0])}")
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        where = f"{path}.{field.name}" if path else field.name
        if field.name in data:
            values[field.name] = _convert(hints[field.name], data[field.name], where)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise RecordError(where, "missing")
    try:
        return cls(**values)
    except ValueError as exc:
        raise RecordError(path, str(exc)) from exc


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@cache
def _tagged_fields(cls: type) -> frozenset[str]:
    """Fields that may hold one of several dataclasses: their records name the class in `kind`."""
    return frozenset(
        name for name, hint in _hints(cls).items() if len(_dataclass_options(hint)) > 1
    )


def _dataclass_options(hint: Any) -> dict[str, type]:
    if typing.get_origin(hint) not in (typing.Union, types.UnionType):
        return {}
    return {
        a.__name__: a
        for a in typing.get_args(hint)
        if isinstance(a, type) and dataclasses.is_dataclass(a)
    }


def _convert(tp: Any, data: object, path: str) -> Any:
    supertype = getattr(tp, "__supertype__", None)
    if supertype is not None:  # a NewType
        return _convert(supertype, data, path)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Union or origin is types.UnionType:
        if data is None and type(None) in args:
            return None
        tagged = _dataclass_options(tp)
        if len(tagged) > 1:
            if not isinstance(data, dict) or data.get(KIND) not in tagged:
                raise RecordError(
                    path, f"expected a map whose {KIND} is one of {', '.join(tagged)}"
                )
            fields = {k: v for k, v in data.items() if k != KIND}
            return from_plain(tagged[data[KIND]], fields, path)
        options = [a for a in args if a is not type(None)]
        errors = []
        for option in options:
            try:
                return _convert(option, data, path)
            except RecordError as exc:
                errors.append(exc.problem)
        raise RecordError(path, " or ".join(errors))
    if origin in (list, tuple, frozenset):
        if not isinstance(data, list | tuple):
            raise RecordError(path, f"expected a list, got {_kind(data)}")
        items = [_convert(args[0], item, f"{path}[{i}]") for i, item in enumerate(data)]
        return origin(items)
    if origin is dict or origin is Mapping:
        if not isinstance(data, dict):
            raise RecordError(path, f"expected a map, got {_kind(data)}")
        key_type, value_type = args
        entries = {
            _convert(key_type, k, path): _convert(value_type, v, f"{path}.{k}")
            for k, v in data.items()
        }
        # A field typed as a `Mapping` is read-only (an event's); a `dict` is the state's to write.
        return entries if origin is dict else types.MappingProxyType(entries)
    if isinstance(tp, type) and issubclass(tp, Enum):
        allowed = [m.value for m in tp]
        if data not in allowed:
            raise RecordError(path, f"expected one of {', '.join(map(str, allowed))}")
        return tp(data)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_plain(tp, data, path)
    return _scalar(tp, data, path)


def _scalar(tp: Any, data: object, path: str) -> Any:
    if tp is float and isinstance(data, int | float) and not isinstance(data, bool):
        return float(data)
    if tp is int and isinstance(data, int) and not isinstance(data, bool):
        return data
    if tp in (str, bool, bytes) and isinstance(data, tp):
        return data
    if tp is type(None) and data is None:
        return None
    expected = {
        str: "a string", int: "an integer", float: "a number", bool: "a boolean", bytes: "bytes"
    }
    raise RecordError(path, f"expected {expected.get(tp, tp)}, got {_kind(data)}")


def _kind(data: object) -> str:
    names = {
        type(None): "nil",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        bytes: "bytes",
        list: "a list",
        dict: "a map",
    }
    return names.get(type(data), type(data).__name__)
