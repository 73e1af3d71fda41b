"""A large JSON body is parsed and validated in a worker thread, not on the event loop
(signet.api.body.OFF_LOOP_BYTES): while one is being validated the server keeps answering,
and its errors are the ones a small body gets, in each face's format."""

from __future__ import annotations

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fixtures.pdfs import b64, make_pdf
from fixtures.requests import create_body

from signet.api import body as body_module

WAIT = 60  # seconds; only a bound, so a regression fails instead of hanging


def _padded(body: Any) -> bytes:
    """The same JSON, past the threshold: whitespace means nothing to a JSON parser."""
    raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
    return raw + b" " * (body_module.OFF_LOOP_BYTES + 1)


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


LARGE_CREATES = {
    "signing-request": ("/v1/signing-requests", create_body),
    "template": ("/v1/templates", lambda: {"name": "NDA", "document": b64(make_pdf(1))}),
    "pandadoc": (
        "/public/v1/documents",
        # Read and valid; then the plain-http URL is refused, before any fetch.
        lambda: {"name": "NDA", "url": "http://example.com/a.pdf", "recipients": []},
    ),
}


@pytest.mark.parametrize("kind", list(LARGE_CREATES))
def test_healthz_answers_while_a_large_create_is_being_validated(api, monkeypatch, kind):
    """The validation of the large body waits until /healthz has answered. Run on the event
    loop, it would hold the loop, /healthz could not answer, and the wait would run out."""
    path, make_body = LARGE_CREATES[kind]
    real = body_module.parse_model
    validating = threading.Event()
    healthz_answered = threading.Event()
    seen: list[dict[str, bool]] = []

    def watched(raw: bytes, model: Any) -> Any:
        if len(raw) > body_module.OFF_LOOP_BYTES:
            validating.set()
            seen.append({"on_loop": _on_event_loop(), "healthz_first": healthz_answered.wait(WAIT)})
        return real(raw, model)

    monkeypatch.setattr(body_module, "parse_model", watched)
    headers = {**api.headers, "Content-Type": "application/json"}
    with ThreadPoolExecutor(1) as pool:
        create = pool.submit(api.client.post, path, content=_padded(make_body()), headers=headers)
        assert validating.wait(WAIT), "the large body never reached validation"
        health = api.client.get("/healthz")
        healthz_answered.set()
        created = create.result(WAIT)
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert seen == [{"on_loop": False, "healthz_first": True}]
    if kind == "pandadoc":
        assert created.status_code == 400, created.text
        assert list(created.json()["detail"]) == ["url"]
    else:
        assert created.status_code == 201, created.text


def test_a_small_body_is_still_validated_on_the_loop(api, monkeypatch):
    """Below the threshold a thread would cost more than the parse itself."""
    real = body_module.parse_model
    seen: list[bool] = []

    def watched(raw: bytes, model: Any) -> Any:
        seen.append(_on_event_loop())
        return real(raw, model)

    monkeypatch.setattr(body_module, "parse_model", watched)
    assert api.post("/signing-requests", create_body()).status_code == 201
    assert seen == [True]


FIRMA_BODIES = [
    b"{",  # not JSON
    b"[1, 2]",  # not an object
    json.dumps({"name": 5, "recipients": "nobody", "fields": [{"type": 1}]}).encode(),
    json.dumps(create_body(name="\x00bad")).encode(),  # a control character
]
PANDADOC_BODIES = [
    b"{",
    b"[1, 2]",
    json.dumps({"name": ["x"], "recipients": "nobody", "url": 5}).encode(),
]


@pytest.mark.parametrize("raw", FIRMA_BODIES, ids=["not-json", "array", "types", "control"])
def test_a_large_firma_body_gets_the_errors_of_a_small_one(api, raw):
    headers = {**api.headers, "Content-Type": "application/json"}
    small = api.client.post("/v1/signing-requests", content=raw, headers=headers)
    large = api.client.post("/v1/signing-requests", content=_padded(raw), headers=headers)
    assert small.status_code == 400, small.text
    assert (large.status_code, large.json()) == (small.status_code, small.json())


@pytest.mark.parametrize("raw", PANDADOC_BODIES, ids=["not-json", "array", "types"])
def test_a_large_pandadoc_body_gets_the_errors_of_a_small_one(api, raw):
    headers = {**api.headers, "Content-Type": "application/json"}
    small = api.client.post("/public/v1/documents", content=raw, headers=headers)
    large = api.client.post("/public/v1/documents", content=_padded(raw), headers=headers)
    assert small.status_code == 400, small.text
    assert small.json()["type"] == "request_error"
    assert (large.status_code, large.json()) == (small.status_code, small.json())
