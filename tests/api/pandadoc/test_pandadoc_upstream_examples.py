"""The request examples of PandaDoc's reference work as they are written."""

from __future__ import annotations

from pandadoc_helpers import doc_data

# POST /public/v1/documents/{id}/session, the reference's "Signing session" example, verbatim.
CREATE_DOCUMENT_SESSION = {"recipient": "test@mail.com", "lifetime": 900}


def test_the_session_example_opens_a_signing_session(pd):
    data = doc_data()
    data["recipients"][0]["email"] = "test@mail.com"
    doc = pd.create(data)
    assert pd.post(f"/documents/{doc['id']}/send", {"silent": True}).status_code == 200
    r = pd.post(f"/documents/{doc['id']}/session", CREATE_DOCUMENT_SESSION)
    assert r.status_code == 201, r.text
    assert set(r.json()) == {"id", "expires_at"}
