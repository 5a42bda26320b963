"""Reading a TOML document into its declared type, with errors that name the file, the key and the fault.

msgspec checks the types, ranges, patterns, required and unknown keys of :mod:`queue_server.config.schema` (and of
the simulator's profiles); this module turns its account of the first fault into the one line people read::

    config/demo.toml: services[0].minutes: expected a number of minutes, got str 'ten'
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, TypeVar

import msgspec
from msgspec import inspect

T = TypeVar("T")
PART = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]|\.`(.*?)`")


def load_toml(path: Path, error: type[Exception], what: str = "") -> dict[str, Any]:
    """The parsed file; ``error`` when it cannot be read or is not TOML."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise error(f"{path}: not valid TOML: {e}") from None
    except OSError as e:
        raise error(f"{path}: cannot read{' ' + what if what else ''}: {e.strerror}") from None


def read(source: str, data: Any, kind: type[T], error: type[Exception]) -> T:
    """``data`` (a parsed TOML document) as ``kind``; else ``error`` naming ``source``, the key and the fault."""
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as e:
        raise error(f"{source}: {explain(str(e), data, kind)}") from None


def fail(error: type[Exception], source: str, key: str, fault: str) -> Exception:
    """A fault the types cannot see (a duplicate, an unknown reference), in the same one-line form."""
    return error(f"{source}: {key}: {fault}")


def explain(fault: str, data: Any, kind: Any) -> str:
    """msgspec's message as ``key: fault``, in the words the schema's ``what`` and ``fault`` give."""
    text, _, where = fault.partition(" - at `$")
    parts = _parts(where.removesuffix("`"))
    if m := re.match(r"Object contains unknown field `(.+)`", text):
        allowed = ", ".join(_fields(_type_at(kind, parts)[0]))
        return f"{_key([*parts, m[1]])}: unknown key (allowed: {allowed})"
    if m := re.match(r"Object missing required field `(.+)`", text):
        return f"{_key([*parts, m[1]])}: missing"
    key = _key(parts) or "file"
    found, extra = _type_at(kind, parts)
    value = _value_at(data, parts)
    if ", got `" in text:  # the wrong type
        return f"{key}: expected {extra.get('what') or _name(found)}, got {_kind(value)}"
    said = str(extra.get("fault") or text.replace("`", ""))
    if said.startswith(("expected", "use")):
        return f"{key}: {said}, got {value!r}"
    return f"{key}: {said}"


def _parts(where: str) -> list[str | int]:
    return [m[1] or m[3] if m[2] is None else int(m[2]) for m in PART.finditer(where)]


def _key(parts: list[str | int]) -> str:
    key = ""
    for part in parts:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else part)
    return key


def _value_at(data: Any, parts: list[str | int]) -> Any:
    for part in parts:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _unwrap(info: Any, extra: dict[str, Any]) -> Any:
    """The type inside ``Annotated[...]`` and ``X | None``, gathering the ``extra`` of its metadata."""
    while True:
        if isinstance(info, inspect.Metadata):
            extra.update(info.extra or {})
            info = info.type
        elif isinstance(info, inspect.UnionType):
            members = [t for t in info.types if not isinstance(t, inspect.NoneType)]
            if len(members) != 1:
                return info
            info = members[0]
        else:
            return info


def _type_at(kind: Any, parts: list[str | int]) -> tuple[Any, dict[str, Any]]:
    """The type at ``parts`` within ``kind``, and the ``extra`` of its metadata."""
    extra: dict[str, Any] = {}
    info = _unwrap(inspect.type_info(kind), extra)
    for part in parts:
        extra = {}
        if isinstance(info, inspect.StructType) and isinstance(part, str):
            field = next((f for f in info.fields if f.encode_name == part), None)
            if field is None:
                return None, {}
            info = _unwrap(field.type, extra)
        elif isinstance(info, inspect.ListType | inspect.DictType):
            inner = info.item_type if isinstance(info, inspect.ListType) else info.value_type
            info = _unwrap(inner, extra)
        else:
            return None, {}
    return info, extra


def _fields(info: Any) -> list[str]:
    return [f.encode_name for f in info.fields] if isinstance(info, inspect.StructType) else []


def _name(info: Any) -> str:
    names = {
        inspect.StrType: "a string",
        inspect.IntType: "a whole number",
        inspect.FloatType: "a number",
        inspect.BoolType: "true or false",
        inspect.ListType: "a list",
        inspect.StructType: "a table",
        inspect.DictType: "a table",
        inspect.DateType: "a date",
    }
    return next((name for kind, name in names.items() if isinstance(info, kind)), "a value")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return f"{type(value).__name__} {value!r}"[:80]
