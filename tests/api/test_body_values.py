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


def _values(v: object) -> int:
    """What a parser finds: one per value, containers included, keys not."""
    if isinstance(v, dict):
        return 1 + sum(_values(x) for x in v.values())
    if isinstance(v, list):
        return 1 + sum(_values(x) for x in v)
    return 1


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

    expected = _values(orjson.loads(raw))
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


def test_the_signing_page_and_the_legacy_upload_route_count_values_too(api):
    """Paths that parse JSON themselves: the signing page's actions (before the link is even
    resolved) and Firma's legacy POST /documents (which looks at the body's keys first)."""
    raw = json.dumps({"fields": [0] * (MAX + 1)}).encode()
    headers = {"Content-Type": "application/json"}
    page = api.client.post("/signing/not-a-real-link/finish", content=raw, headers=headers)
    assert page.status_code == 400, page.text
    assert f"more than {MAX:,} JSON values" in page.text
    legacy = api.post("/documents", content=raw, headers=headers)
    assert legacy.status_code == 400, legacy.text
    assert f"more than {MAX:,} JSON values" in legacy.text


def test_the_scan_agrees_with_a_parser_on_random_json_and_tiny_steps(monkeypatch):
    import random

    rng = random.Random(7)
    alphabet = ["a", ",", "[", "]", "{", "}", '"', "\\", " ", "é", "0", ":"]

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))

    def value(depth: int = 0) -> object:
        pick = rng.random()
        if depth > 4 or pick < 0.3:
            return rng.choice([text(), 3, None, True, 1.5])
        if pick < 0.65:
            return [value(depth + 1) for _ in range(rng.randint(0, 4))]
        return {text(): value(depth + 1) for _ in range(rng.randint(0, 4))}

    for step in (1, 2, 3, 7):
        monkeypatch.setattr(body_module, "_SCAN_STEP", step)
        for _ in range(300):
            v = value()
            raw = json.dumps(v, separators=(",", ":"), ensure_ascii=rng.random() < 0.5).encode()
            got = body_module._count_values(raw, 10**9)
            # An empty container cut by a step boundary may count once more; never fewer.
            assert _values(v) <= got, (step, raw)
