"""Sessions refused by state: the domain says which state, the PandaDoc face says it in its
own words (``document.draft`` …)."""

from __future__ import annotations

from typing import Any


def test_a_session_for_a_draft_is_refused_naming_the_document_status(pd: Any) -> None:
    doc = pd.create()
    r = pd.post(f"/documents/{doc['id']}/session", {"recipient": "ada@example.com"})
    assert r.status_code == 400
    assert r.json() == {
        "type": "validation_error",
        "detail": "Cannot create session ID for a document in document.draft status",
    }


def test_a_session_for_a_voided_document_says_voided(pd: Any) -> None:
    doc = pd.create()
    assert pd.post(f"/documents/{doc['id']}/send", {"silent": True}).status_code == 200
    assert pd.patch(f"/documents/{doc['id']}/status", {"status": 11}).status_code == 204
    r = pd.post(f"/documents/{doc['id']}/session", {"recipient": "ada@example.com"})
    assert r.status_code == 400
    assert r.json()["detail"] == "Cannot create session ID for a document in document.voided status"
