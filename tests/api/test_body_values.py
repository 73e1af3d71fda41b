"""A JSON body holding more values than any request needs is refused before pydantic
validates it (signet.api.body.refuse_huge_structure): validation holds the GIL, so 28 MB of tiny
objects would stall the whole server for seconds. The refusal is a 400 in each face's format."""

from __future__ import annotations

import json

import pytest
from fixtures.requests import create_body

from signet.api import body as body_module
from signet.errors import ValidationFailed

MAX = body_module.MAX_JSON_VALUES


def _many_fields(count: int) -> bytes:
    body = create_body()
    body["fields"] = [{}] * count
    return json.dumps(body).encode()


def test_firma_create_with_too_many_values_is_refused_by_count(api):
    r = api.post(
        "/signing-requests",
        content=_many_fields(MAX + 1),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "VALIDATION_ERROR", body
    assert f"more than {MAX:,} JSON values" in json.dumps(body)
    # One problem for the body, not one per field.
    assert list(body["details"]) == ["body"], body


def test_pandadoc_create_with_too_many_values_is_refused_in_its_format(api):
    raw = json.dumps({"name": "x", "recipients": [[1]] * MAX}).encode()
    r = api.client.post(
        "/public/v1/documents",
        content=raw,
        headers={**api.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["type"] == "request_error", body
    assert f"more than {MAX:,} JSON values" in json.dumps(body)


def test_the_bound_counts_values_not_commas_in_strings():
    # Commas, brackets and escaped quotes inside strings are not values.
    for text in ("," * 300_000, '\\",{[' * 100_000, "\\" * 99_999 + '",[' * 50_000):
        raw = json.dumps({"name": text, "other": ",[{" * 40_000}).encode()
        body_module.refuse_huge_structure(raw)
    # Exactly the bound passes; one more is refused (the list itself is a value too).
    body_module.refuse_huge_structure(json.dumps([0] * (MAX - 1)).encode())
    with pytest.raises(ValidationFailed):
        body_module.refuse_huge_structure(json.dumps([0] * MAX).encode())
    # Empty containers hold no values; each is one.
    body_module.refuse_huge_structure(json.dumps([{}] * (MAX - 1)).encode())
    with pytest.raises(ValidationFailed):
        body_module.refuse_huge_structure(json.dumps([[]] * MAX).encode())
    nested = json.dumps({"a": [{"b": [1, 2]}] * (MAX // 4)}).encode()
    with pytest.raises(ValidationFailed):
        body_module.refuse_huge_structure(nested)


def test_the_scan_agrees_with_a_parser_on_every_step_boundary():
    """Strings, escapes and empty containers cut at any of the scan's step boundaries."""
    import orjson

    step = body_module._SCAN_STEP
    item = {"k": 'a\\"b,[{}', "e": {}, "l": [], "n": [1, {"x": "\\"}]}
    raw = json.dumps([item] * (3 * step // len(json.dumps(item)) + 7)).encode()

    def values(v: object) -> int:
        if isinstance(v, dict):
            return 1 + sum(values(x) for x in v.values())
        if isinstance(v, list):
            return 1 + sum(values(x) for x in v)
        return 1

    expected = values(orjson.loads(raw))
    for shift in range(0, 40):
        padded = b" " * shift + raw
        # Empty containers cut by a step boundary may count as one value more, never fewer.
        got = body_module._count_values(padded, 10**9)
        assert expected <= got <= expected + 3, shift


def test_invalid_json_under_the_bound_keeps_its_usual_error(api):
    raw = b"[" + b"1," * 1000  # never closed
    r = api.post("/signing-requests", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert "not valid JSON" in r.text
