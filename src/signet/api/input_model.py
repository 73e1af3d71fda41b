"""The base of the request-body models of both faces: what no input may hold, checked once.

- Numbers are finite. JSON readers accept ``NaN`` and ``Infinity``; typed numbers refuse them
  through ``allow_inf_nan=False``, free-form objects (settings, metadata, values) by the walk below.
- Numbers are numbers and flags are flags: a boolean or a string sent for an integer or a
  number field is refused, and a number or a string for a boolean field, as the JSON Schema in
  the OpenAPI document says (pydantic's lax mode would take ``true`` as 1, ``"5"`` as 5 and
  ``"yes"`` as true).
- Text holds no control characters other than tab and line breaks: names reach email subjects
  and headers, and PostgreSQL cannot store a NUL. Strings past ``_SCANNED_CHARS`` are documents
  and images (base64, decoded strictly later), so only NUL is looked for in them: a full scan of
  a 27 MB string would take 0.3 s.

A problem is reported at its own location (``metadata.a``, ``fields[2].name``): the validator
puts the path under ``signet_path`` in the error's context and ``pydantic_problems`` appends it.
"""

from __future__ import annotations

import math
import re
import types
from typing import Any, ClassVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from signet.api.errors import loc_to_path
from signet.errors import ValidationFailed

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SCANNED_CHARS = 64 * 1024

Path = tuple[str | int, ...]


def find_bad_value(value: Any, path: Path = ()) -> tuple[Path, str] | None:
    """The first non-finite number or control character in ``value``: (path, problem)."""
    if isinstance(value, str):
        if "\x00" in value or (len(value) <= _SCANNED_CHARS and _CONTROL.search(value)):
            return path, "must not contain control characters (such as NUL, BEL or ESC)"
    elif isinstance(value, float):
        if not math.isfinite(value):
            return path, "must be a finite number (not NaN or Infinity)"
    elif isinstance(value, dict):
        for key, item in value.items():
            found = find_bad_value(item, (*path, str(key)))
            if found:
                return found
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = find_bad_value(item, (*path, i))
            if found:
                return found
    # Nested models checked themselves; other types (int, bool, None) are always fine.
    return None


def refuse_bad_values(value: Any) -> None:
    """For bodies read without a model: ValidationFailed at the first bad value's location."""
    found = find_bad_value(value)
    if found:
        path, problem = found
        raise ValidationFailed([(loc_to_path(path) or "body", problem)])


class _NotANumber:
    """Stands in for a value of the wrong JSON type where a number or a boolean belongs: every
    such type refuses it, so pydantic reports it together with the other problems of the body."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "not a number"


_NOT_A_NUMBER = _NotANumber()


def _number_kind(annotation: Any) -> str | None:
    """'one' for an int or float field (optional or not), 'list' for a list of them, 'flag' for
    a bool field."""
    if annotation in (int, float):
        return "one"
    if annotation is bool:
        return "flag"
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        kinds = {_number_kind(arg) for arg in get_args(annotation) if arg is not type(None)}
        return kinds.pop() if len(kinds) == 1 else None
    if origin is list:
        args = get_args(annotation)
        return "list" if len(args) == 1 and _number_kind(args[0]) == "one" else None
    return None


def _not_a_number(value: Any) -> bool:
    return isinstance(value, bool | str)


def _not_a_flag(value: Any) -> bool:
    """A number or a string where true or false belongs (lax mode reads 1, "yes", "off")."""
    return isinstance(value, int | float | str) and not isinstance(value, bool)


class InputModel(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)
    # The fields (by the key a client sends) that hold a number, a list of them, or a bool.
    _number_fields: ClassVar[dict[str, str]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        found = {}
        for name, info in cls.model_fields.items():
            kind = _number_kind(info.annotation)
            if kind is not None:
                found[info.alias or name] = kind
        cls._number_fields = found

    @model_validator(mode="before")
    @classmethod
    def _numbers_are_numbers(cls, data: Any) -> Any:
        if not cls._number_fields or not isinstance(data, dict):
            return data
        swapped = None
        for key, kind in cls._number_fields.items():
            value = data.get(key)
            if (kind == "one" and _not_a_number(value)) or (kind == "flag" and _not_a_flag(value)):
                swapped = swapped or dict(data)
                swapped[key] = _NOT_A_NUMBER
            elif kind == "list" and isinstance(value, list) and any(map(_not_a_number, value)):
                swapped = swapped or dict(data)
                swapped[key] = [_NOT_A_NUMBER if _not_a_number(v) else v for v in value]
        return data if swapped is None else swapped

    @model_validator(mode="after")
    def _no_bad_values(self) -> InputModel:
        for name, value in self.__dict__.items():
            if value is None or isinstance(value, bool | int | BaseModel):
                continue
            found = find_bad_value(value, (name,))
            if found:
                path, problem = found
                raise PydanticCustomError("bad_value", problem, {"signet_path": list(path)})
        return self
