"""GET /signing-requests: pagination, filters and sorting."""

from __future__ import annotations

from fixtures.requests import create_body, field, signer


def _make(api, name: str, email: str = "ada@example.com", first: str = "Ada") -> str:
    body = create_body(
        name=name, recipients=[signer("temp_1", email, first_name=first)], fields=[field()]
    )
    r = api.post("/signing-requests", body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_pagination_counts_and_pages(api):
    ids = [_make(api, f"Doc {i}") for i in range(5)]
    r = api.get("/signing-requests?page=2&page_size=2&sort_by=name&sort_order=asc")
    assert r.status_code == 200
    body = r.json()
    assert body["pagination"] == {
        "current_page": 2,
        "page_size": 2,
        "total_count": 5,
        "total_pages": 3,
    }
    assert [x["name"] for x in body["results"]] == ["Doc 2", "Doc 3"]
    default = api.get("/signing-requests").json()
    assert [x["id"] for x in default["results"]] == list(reversed(ids))  # newest first


def test_filters_by_name_status_signer_and_dates(api):
    a = _make(api, "Lease agreement", "tenant@example.com", "Terry")
    b = _make(api, "NDA", "partner@example.com", "Pat")
    api.post(f"/signing-requests/{b}/send")

    def names(query: str) -> list[str]:
        r = api.get(f"/signing-requests?{query}")
        assert r.status_code == 200, r.text
        return [x["name"] for x in r.json()["results"]]

    assert names("name=lease") == ["Lease agreement"]
    assert names("status=draft") == ["Lease agreement"]
    assert names("status=not_sent,in_progress") == ["NDA", "Lease agreement"]
    assert names("status=in_progress") == ["NDA"]
    assert names("signer_email=PARTNER@example.com") == ["NDA"]
    assert names("signer_name=terr") == ["Lease agreement"]
    assert names("created_after=2000-01-01") == ["NDA", "Lease agreement"]
    assert names("created_before=2000-01-01") == []
    assert a


def test_bad_list_parameters_are_400(api):
    for query in (
        "page=0",
        "page_size=500",
        "status=bogus",
        "sort_by=colour",
        "created_after=yesterday",
    ):
        r = api.get(f"/signing-requests?{query}")
        assert r.status_code == 400, query
        assert r.json()["code"] == "VALIDATION_ERROR"


def test_metadata_filter(api):
    r = api.post("/signing-requests", create_body(metadata={"crm_id": "42"}))
    assert r.status_code == 201, r.text
    _make(api, "Other")
    found = api.get("/signing-requests?metadata_crm_id=42").json()["results"]
    assert [x["id"] for x in found] == [r.json()["id"]]
