"""GET /public/v1/documents: integer statuses, tags, metadata, search, order and pages."""

from __future__ import annotations

import pytest
from pandadoc_helpers import doc_data


@pytest.fixture
def three(pd):
    """A draft, a sent and a voided document, in that order."""
    draft = pd.create(doc_data(name="Alpha lease", tags=["lease"], metadata={"crm_id": "1"}))
    sent = pd.create(doc_data(name="Bravo NDA", metadata={"crm_id": "2"}))
    assert pd.post(f"/documents/{sent['id']}/send", {"silent": True}).status_code == 200
    voided = pd.create(doc_data(name="Charlie order"))
    assert pd.post(f"/documents/{voided['id']}/send", {"silent": True}).status_code == 200
    assert pd.patch(f"/documents/{voided['id']}/status", {"status": 11}).status_code == 204
    return draft["id"], sent["id"], voided["id"]


def _ids(pd, query: str = "") -> list[str]:
    r = pd.get(f"/documents{query}")
    assert r.status_code == 200, r.text
    return [d["id"] for d in r.json()["results"]]


def test_the_list_is_newest_first_in_pandadoc_shapes(pd, three):
    draft, sent, voided = three
    assert _ids(pd) == [voided, sent, draft]
    item = pd.get("/documents").json()["results"][0]
    assert set(item) == {
        "id",
        "name",
        "status",
        "date_created",
        "date_modified",
        "date_completed",
        "expiration_date",
        "version",
    }
    assert item["status"] == "document.voided"


def test_statuses_filter_as_integers(pd, three):
    draft, sent, voided = three
    assert _ids(pd, "?status=0") == [draft]
    assert _ids(pd, "?status=1") == [sent]
    assert _ids(pd, "?status=11") == [voided]
    assert _ids(pd, "?status__ne=0") == [voided, sent]
    assert _ids(pd, "?status=9") == []  # never produced


def test_tags_metadata_and_search(pd, three):
    draft, sent, _ = three
    assert _ids(pd, "?tag=lease") == [draft]
    assert _ids(pd, "?metadata_crm_id=2") == [sent]
    assert _ids(pd, "?metadata=metadata_crm_id%3D1") == [draft]  # the official SDK's form
    assert _ids(pd, "?q=bravo") == [sent]
    assert _ids(pd, f"?q={draft}") == [draft]
    assert _ids(pd, f"?id={sent}") == [sent]
    assert _ids(pd, "?created_from=2999-01-01") == []


def test_order_and_pages(pd, three):
    draft, sent, voided = three
    assert _ids(pd, "?order_by=name") == [draft, sent, voided]
    assert _ids(pd, "?order_by=-name&count=1&page=2") == [sent]
    assert _ids(pd, "?count=2&page=2") == [draft]


def test_deleted_documents_are_listed_only_when_asked(pd, three):
    draft, _, _ = three
    assert pd.delete(f"/documents/{draft}").status_code == 204
    assert draft not in _ids(pd)
    assert _ids(pd, "?deleted=true") == [draft]


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("?count=abc", "count"),
        ("?count=500", "count"),
        ("?status=99", "status"),
        ("?status=draft", "status"),
        ("?order_by=colour", "order_by"),
        ("?created_from=x", "created_from"),
    ],
)
def test_bad_filters_are_400s_naming_the_parameter(pd, query, key):
    r = pd.get(f"/documents{query}")
    assert r.status_code == 400, r.text
    assert r.json()["type"] == "request_error" and key in r.json()["detail"]
