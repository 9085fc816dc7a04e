"""JSON encoding and decoding of variables and headers: the one place it happens.

orjson is used when the ``fast`` extra is installed, the standard library otherwise.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from zeebe_router.errors import InvalidVariablesError, VariablesNotSerializableError

__all__ = ["dumps", "find_unserializable", "loads", "loads_value", "short_repr"]


def _std_dumps(obj: Mapping[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _std_loads(text: str | bytes) -> Any:
    return json.loads(text)


_dumps: Callable[[Mapping[str, Any]], str] = _std_dumps
_loads: Callable[[str | bytes], Any] = _std_loads
_FAST = False

try:
    import orjson
except ImportError:  # pragma: no cover - the `fast` extra is not installed
    pass
else:
    # The same accepted types as the standard library: no silent datetime/dataclass output.
    _OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS

    def _fast_dumps(obj: Mapping[str, Any]) -> str:
        # orjson writes NaN as null; `dumps` looks for non-finite floats and refuses them.
        return orjson.dumps(obj, option=_OPTIONS).decode()

    _dumps, _loads, _FAST = _fast_dumps, orjson.loads, True


def dumps(variables: Mapping[str, Any] | None) -> str:
    """Encode variables as a JSON object; ``None`` or empty gives ``""`` (nothing to send).

    Raises:
        VariablesNotSerializableError: a value is not JSON (the message names its path).
    """
    if not variables:
        return ""
    if not isinstance(variables, Mapping):
        raise VariablesNotSerializableError(
            f"variables must be a mapping of names to values, not {type(variables).__name__}"
        )
    problem = None
    try:
        text = _dumps(variables)
    except (TypeError, ValueError) as exc:
        problem = exc
    else:
        if not _FAST or "null" not in text or not _has_non_finite(variables):
            return text
    path, value = find_unserializable(variables)
    raise VariablesNotSerializableError(
        f"variable {path!r} is not JSON-serialisable: {type(value).__name__} {short_repr(value)}",
        key=path,
    ) from problem


def loads(text: str | bytes) -> dict[str, Any]:
    """Decode a JSON object document (``""`` means no variables).

    Raises:
        InvalidVariablesError: the document is not valid JSON or not a JSON object.
    """
    value = loads_value(text) if text else {}
    if not isinstance(value, dict):
        raise InvalidVariablesError(
            f"expected a JSON object, got {type(value).__name__}: {short_repr(value)}"
        )
    return value


def short_repr(value: object) -> str:
    """``repr(value)``, cut to 80 characters for messages."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _has_non_finite(value: object) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, Mapping):
        return any(_has_non_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_non_finite(v) for v in value)
    return False


def find_unserializable(value: object, path: str = "") -> tuple[str, object]:
    """Return the dotted path and value of the first part of ``value`` that is not JSON."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if not isinstance(key, str):
                return sub, key
            found = find_unserializable(item, sub)
            if found[0] != "":
                return found
        return "", None
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = find_unserializable(item, f"{path}[{index}]")
            if found[0] != "":
                return found
        return "", None
    if value is None or isinstance(value, (str, bool, int)):
        return "", None
    if isinstance(value, float):
        return ("", None) if math.isfinite(value) else (path or "<root>", value)
    return path or "<root>", value


def loads_value(text: str | bytes) -> Any:
    """Decode a JSON document of any kind (a decision's output); ``""`` means ``None``.

    Raises:
        InvalidVariablesError: the document is not valid JSON.
    """
    if not text:
        return None
    try:
        return _loads(text)
    except ValueError as exc:
        raise InvalidVariablesError(f"invalid JSON document: {exc}") from exc
