"""Field conditions: which fields are visible and which are required, given current values."""

from __future__ import annotations

from typing import Any

from signet.models import Field


def _filled(value: str | None) -> bool:
    return value not in (None, "", "false")


def _num(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _check(cond: dict[str, Any], values: dict[str, str | None]) -> bool:
    actual = values.get(cond.get("field_id", ""))
    op, expected = cond.get("operator"), cond.get("value")
    if op == "is_filled":
        return _filled(actual)
    if op == "is_empty":
        return not _filled(actual)
    if op == "equals":
        return str(actual or "") == str(expected or "")
    if op == "not_equals":
        return str(actual or "") != str(expected or "")
    if op == "contains":
        return str(expected or "") in str(actual or "")
    if op == "not_contains":
        return str(expected or "") not in str(actual or "")
    a, b = _num(actual), _num(expected)
    if a is None or b is None:
        return False
    return {
        "greater_than": a > b,
        "less_than": a < b,
        "greater_than_or_equal": a >= b,
        "less_than_or_equal": a <= b,
    }.get(str(op), False)


def evaluate(block: dict[str, Any] | None, values: dict[str, str | None]) -> bool:
    """True when the block holds (no block: always true). Groups combine with ``logic``;
    conditions inside a group must all hold."""
    if not block:
        return True
    groups = block.get("groups") or []
    results = [all(_check(c, values) for c in g.get("conditions", [])) for g in groups]
    if not results:
        return True
    return any(results) if block.get("logic") == "or" else all(results)


def is_visible(field: Field, values: dict[str, str | None]) -> bool:
    return evaluate(field.visibility_conditions, values)


def is_required(field: Field, values: dict[str, str | None]) -> bool:
    if not field.required or not is_visible(field, values):
        return False
    return evaluate(field.required_conditions, values) if field.required_conditions else True
