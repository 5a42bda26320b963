"""Reading TOML files with errors that name the file and the key: hall files, tidal plans, simulator profiles."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self


class Table:
    """Reads typed values out of one TOML table and names the file and key in every error, raised as ``error``
    (each kind of file subclasses this with its own exception)."""

    error: type[Exception] = ValueError

    def __init__(self, source: str, path: str, data: Any) -> None:
        if not isinstance(data, Mapping):
            raise self.error(f"{source}: {path or 'file'}: expected a table, got {_kind(data)}")
        self.source, self.path, self.data = source, path, data

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, what: str) -> Exception:
        return self.error(f"{self.source}: {self.key(name)}: {what}")

    def check_known(self, *allowed: str) -> None:
        for name in self.data:
            if name not in allowed:
                raise self.fail(name, f"unknown key (allowed: {', '.join(allowed)})")

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = ..., what: str = "") -> Any:
        if name not in self.data:
            if default is ...:
                raise self.fail(name, "missing")
            return default
        value = self.data[name]
        # bool is an int in Python; a number key must not accept true/false
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.fail(name, f"expected {what or _kind_name(kind)}, got a boolean")
        if not isinstance(value, kind):
            raise self.fail(name, f"expected {what or _kind_name(kind)}, got {_kind(value)}")
        return value

    def text(self, name: str, default: Any = ...) -> Any:
        value = self.get(name, str, default, "a string")
        if isinstance(value, str) and not value.strip():
            raise self.fail(name, "must not be empty")
        return value

    def tables(self, name: str) -> list[Self]:
        items = self.get(name, list, [], "an array of tables ([[...]])")
        return [type(self)(self.source, f"{self.key(name)}[{i}]", item) for i, item in enumerate(items)]

    def table(self, name: str) -> Self:
        """The sub-table ``name``; an empty one when it is missing."""
        return type(self)(self.source, self.key(name), self.get(name, dict, {}, "a table"))


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def _kind(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def load_toml(path: Path, error: type[Exception], what: str = "") -> dict[str, Any]:
    """The parsed file; ``error`` when it cannot be read or is not TOML."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise error(f"{path}: not valid TOML: {e}") from None
    except OSError as e:
        raise error(f"{path}: cannot read{' ' + what if what else ''}: {e.strerror}") from None
