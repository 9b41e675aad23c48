"""Reading the fields of a request from a view: each malformed field is refused
with an error that names the form expected, shown in the view like any other."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..engine.errors import ExplanationInputError

_ABSENT = object()


def _bad(name: str, expected: str, value: object) -> ExplanationInputError:
    return ExplanationInputError(f"request field {name!r} must be {expected}; got {value!r}")


def _is_int(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and float(value).is_integer()


def integer(request: Mapping[str, Any], name: str, default: int) -> int:
    """An integer field (a whole float, as JSON may carry it, is accepted)."""
    value = request.get(name, _ABSENT)
    if value is _ABSENT:
        return default
    if not _is_int(value):
        raise _bad(name, "an integer", value)
    return int(value)


def text(request: Mapping[str, Any], name: str, default: str, choices: Sequence[str] | None = None) -> str:
    """A string field, one of ``choices`` when given."""
    value = request.get(name, _ABSENT)
    if value is _ABSENT:
        return default
    if not isinstance(value, str):
        raise _bad(name, "a string", value)
    if choices is not None and value not in choices:
        raise _bad(name, "one of " + ", ".join(repr(c) for c in choices), value)
    return value


def texts(request: Mapping[str, Any], name: str, default: Sequence[str]) -> list[str]:
    """A list of strings."""
    value = request.get(name, _ABSENT)
    if value is _ABSENT:
        return list(default)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise _bad(name, "a list of strings", value)
    return list(value)


def integers(request: Mapping[str, Any], name: str) -> list[int] | None:
    """A list of integers, None when absent, null or empty."""
    value = request.get(name)
    if value is None or (isinstance(value, (list, tuple)) and not value):
        return None
    if not isinstance(value, (list, tuple)) or not all(_is_int(v) for v in value):
        raise _bad(name, "a list of integers", value)
    return [int(v) for v in value]


def mapping(request: Mapping[str, Any], name: str, values: str | None = None) -> dict[str, Any]:
    """A mapping (empty when absent or null); with ``values``, each value a mapping too."""
    value = request.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise _bad(name, "a mapping with string keys", value)
    if values is not None:
        for key, inner in value.items():
            if not isinstance(inner, Mapping):
                raise _bad(f"{name}.{key}", values, inner)
    return dict(value)


def target(request: Mapping[str, Any], default: int | str) -> int | str:
    """A class index or "predicted"."""
    value = request.get("target", _ABSENT)
    if value is _ABSENT:
        return default
    if value == "predicted":
        return "predicted"
    if not _is_int(value):
        raise _bad("target", "a class index or 'predicted'", value)
    return int(value)


def array(request: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    """A binary array ``{dtype, shape, buffer}`` (None when absent); transport decodes it."""
    value = request.get(name)
    if value is None:
        return None
    if not isinstance(value, Mapping) or not {"dtype", "shape", "buffer"} <= set(value):
        raise _bad(name, "a binary array {dtype, shape, buffer}", type(value).__name__)
    return value
