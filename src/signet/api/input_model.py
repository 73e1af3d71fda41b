"""The base of the request-body models of both faces: what no input may hold, checked once.

- Numbers are finite. JSON readers accept ``NaN`` and ``Infinity``; typed numbers refuse them
  through ``allow_inf_nan=False``, free-form objects (settings, metadata, values) by the walk below.
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
from typing import Any

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


class InputModel(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

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
