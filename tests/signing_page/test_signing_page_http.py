"""The signing page over plain HTTP (no browser): security headers, CSRF, framing, what a page
reveals, file uploads, page images and downloads."""

from __future__ import annotations

import io
import json
import re
import time

import pytest
from fixtures.pdfs import b64, make_pdf
from PIL import Image

from signet.models import Field
from signing_page.builders import (
    csrf_of,
    field_ids,
    one_signer_body,
    person,
    place,
    two_signer_body,
)

pytestmark = pytest.mark.timeout(120)

PNG_1PX = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def _page(signet, recipient_id: str):  # type: ignore[no-untyped-def]
    r = signet.http.get(f"/signing/{recipient_id}")
    assert r.status_code == 200, r.text
    return r


def _finish(signet, recipient_id: str, values: dict, **extra):  # type: ignore[no-untyped-def]
    token = csrf_of(_page(signet, recipient_id).text)
    body = {
        "consent": True,
        "values": values,
        "signature": PNG_1PX,
        "signature_kind": "drawn",
        **extra,
    }
    return signet.http.post(
        f"/signing/{recipient_id}/finish", json=body, headers={"X-Signet-CSRF": token}
    )


def test_page_has_a_strict_csp_and_no_inline_script(signet_server):
    created = signet_server.create_sent(one_signer_body("Headers"))
    r = _page(signet_server, created["recipients"][0]["id"])
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'self' https:" in csp and "localhost" not in csp
    assert "x-frame-options" not in r.headers
    assert r.headers["cache-control"] == "no-store"
    html = r.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert not re.search(r"\sstyle\s*=", html), "inline style"
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "external resource"


def test_frame_ancestors_follow_the_workspace_setting_and_test_mode(signet_server):
    test_req = signet_server.create_sent(one_signer_body("Test mode"), test=True)
    csp = _page(signet_server, test_req["recipients"][0]["id"]).headers["content-security-policy"]
    assert "frame-ancestors 'self' https: http://localhost:* http://127.0.0.1:*" in csp
    client = signet_server.other_workspace(
        embed_allowed_origins=["https://app.example.com", "javascript:alert(1)"]
    )
    created = client.post("/v1/signing-requests", json=one_signer_body("Restricted")).json()
    assert client.post(f"/v1/signing-requests/{created['id']}/send").status_code == 200
    r = _page(signet_server, created["recipients"][0]["id"])
    assert (
        "frame-ancestors 'self' https://app.example.com;"
        in r.headers["content-security-policy"] + ";"
    )
    assert 'data-embed-origins="[&#34;https://app.example.com&#34;]"' in r.text


def test_posts_without_a_valid_csrf_token_are_refused(signet_server):
    created = signet_server.create_sent(one_signer_body("CSRF"))
    rid = created["recipients"][0]["id"]
    other = signet_server.create_sent(one_signer_body("CSRF other"))["recipients"][0]["id"]
    foreign = csrf_of(_page(signet_server, other).text)
    for headers in ({}, {"X-Signet-CSRF": "1.abc"}, {"X-Signet-CSRF": foreign}):
        for action in ("finish", "decline", "consent"):
            r = signet_server.http.post(
                f"/signing/{rid}/{action}", json={"reason": "x"}, headers=headers
            )
            assert r.status_code == 403, (action, headers, r.text)
            assert r.json()["code"] == "CSRF_FAILED"
    assert signet_server.detail(created["id"])["status"]["declined"] is False


def test_finish_requires_consent_and_required_fields(signet_server):
    body = one_signer_body("Required")
    created = signet_server.create_sent(body)
    rid = created["recipients"][0]["id"]
    ids = field_ids(body, created)
    r = _finish(signet_server, rid, {ids["Company"]: "ACME"}, consent=False)
    assert r.status_code == 400 and "consent" in r.json()["details"]
    r = _finish(signet_server, rid, {})
    assert r.status_code == 400 and f"values.{ids['Company']}" in r.json()["details"]
    r = _finish(signet_server, rid, {ids["Company"]: "ACME"})
    assert r.status_code == 200, r.text
    assert r.json()["request_completed"] is True
    assert r.json()["download_url"] == f"/signing/{rid}/download"


def test_finish_refuses_control_characters_and_non_finite_numbers(signet_server):
    body = one_signer_body("Hostile values")
    created = signet_server.create_sent(body)
    rid = created["recipients"][0]["id"]
    ids = field_ids(body, created)
    r = _finish(signet_server, rid, {ids["Company"]: "AC\x00ME"})
    assert r.status_code == 400, r.text
    assert f"values.{ids['Company']}" in r.json()["details"]
    token = csrf_of(_page(signet_server, rid).text)
    r = signet_server.http.post(
        f"/signing/{rid}/finish",
        content=b'{"consent": true, "values": {}, "zoom": NaN}',
        headers={"X-Signet-CSRF": token, "Content-Type": "application/json"},
    )
    assert r.status_code == 400, r.text
    r = _finish(signet_server, rid, {ids["Company"]: "ACME\tInc."})
    assert r.status_code == 200, r.text


def test_no_other_recipient_values_reach_a_page_before_completion(signet_server):
    body = two_signer_body("Privacy")
    body["recipients"].append(person("temp_cc", "cc@example.com", "Cee", "Cee", designation="CC"))
    created = signet_server.create_sent(body)
    ids = field_ids(body, created)
    first, second, cc = (r["id"] for r in created["recipients"])
    secret = "SECRET-VALUE-7a1c"
    values = {
        ids["Full name"]: secret,
        ids["Start date"]: "2025-01-01",
        ids["Seats"]: "7",
        ids["I accept the terms"]: "true",
        ids["Monthly"]: "true",
        ids["Yearly"]: "false",
        ids["Region"]: "Europe",
        ids["temp_1:signature"]: "signed",
    }
    r = _finish(signet_server, first, values)
    assert r.status_code == 200, r.text
    for rid in (second, cc):
        html = _page(signet_server, rid).text
        assert secret not in html and PNG_1PX[30:60] not in html and 'Europe"' not in html
        assert f'data-field-id="{ids["Full name"]}"' in html
    html = _page(signet_server, second).text
    block = html[html.index(f'data-field-id="{ids["Full name"]}"') :]
    assert 'aria-disabled="true"' in block[: block.index(">")]


def _file_request(signet):  # type: ignore[no-untyped-def]
    body = one_signer_body("Upload")
    body["fields"].append(
        place(
            "temp_1",
            "file",
            1,
            10,
            40,
            name="Passport",
            format_rules={"acceptedFileTypes": "image"},
        )
    )
    created = signet.create_sent(body)
    return created, field_ids(body, created)


def test_file_upload_is_checked_by_magic_bytes_and_size(signet_server):
    created, ids = _file_request(signet_server)
    rid = created["recipients"][0]["id"]
    token = csrf_of(_page(signet_server, rid).text)
    url = f"/signing/{rid}/upload/{ids['Passport']}"
    headers = {"X-Signet-CSRF": token, "X-File-Name": "scan.png"}
    pdf = signet_server.http.post(url, content=make_pdf(), headers=headers)
    assert pdf.status_code == 400 and "image" in pdf.json()["error"]
    fake = signet_server.http.post(url, content=b"not really a png", headers=headers)
    assert fake.status_code == 400
    big = signet_server.http.post(
        url, content=b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024), headers=headers
    )
    assert big.status_code == 413
    image = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(image, "PNG")
    ok = signet_server.http.post(url, content=image.getvalue(), headers=headers)
    assert ok.status_code == 200, ok.text
    upload = ok.json()
    assert upload["content_type"] == "image/png" and upload["file_name"] == "scan.png"
    forged = _finish(signet_server, rid, {ids["Company"]: "ACME", ids["Passport"]: "x.y"})
    assert forged.status_code == 400
    done = _finish(signet_server, rid, {ids["Company"]: "ACME", ids["Passport"]: upload["token"]})
    assert done.status_code == 200, done.text
    with signet_server.db.read() as session:
        stored = json.loads(session.get(Field, ids["Passport"]).value)
    assert stored["content_type"] == "image/png" and stored["size"] == len(image.getvalue())
    assert signet_server.app.state.signet.store.get(stored["sha256"]) == image.getvalue()


def test_page_images_are_lazy_cached_and_immutable(signet_server):
    body = one_signer_body("Long document")
    body["document"] = b64(make_pdf(500))
    created = signet_server.create_sent(body)
    started = time.monotonic()
    html = _page(signet_server, created["recipients"][0]["id"]).text
    assert time.monotonic() - started < 3
    assert html.count('loading="lazy"') == 498 and html.count('loading="eager"') == 2
    assert html.count('width="1000" height="1294"') == 500
    first = re.search(r'src="([^"]+/1-800\.jpg)"', html).group(1)
    r = signet_server.http.get(first)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert "immutable" in r.headers["cache-control"] and "private" in r.headers["cache-control"]
    assert Image.open(io.BytesIO(r.content)).size[0] == 800
    cache = signet_server.app.state.signet.settings.data_dir / "cache" / "pages"
    assert len(list(cache.rglob("*.jpg"))) < 50
    for bad in (
        first.replace("/1-800", "/501-800"),
        first.replace("-800", "-480"),
        re.sub(r"/pages/[0-9a-f]+/", "/pages/000000000000/", first),
    ):
        assert signet_server.http.get(bad).status_code == 404


def test_download_needs_a_finished_recipient(signet_server):
    body = one_signer_body("Download")
    created = signet_server.create_sent(body)
    rid = created["recipients"][0]["id"]
    assert signet_server.http.get(f"/signing/{rid}/download").status_code == 403
    ids = field_ids(body, created)
    assert _finish(signet_server, rid, {ids["Company"]: "ACME"}).status_code == 200
    r = signet_server.http.get(f"/signing/{rid}/download")
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")
    assert r.headers["content-disposition"].startswith("attachment;")


def test_static_assets_are_served_by_signet_with_long_cache(signet_server):
    created = signet_server.create_sent(one_signer_body("Assets"))
    html = _page(signet_server, created["recipients"][0]["id"]).text
    for url in re.findall(r'(?:src|href)="(/signing-assets/[^"]+)"', html):
        r = signet_server.http.get(url.replace("&amp;", "&"))
        assert r.status_code == 200 and "immutable" in r.headers["cache-control"]
    font = signet_server.http.get("/signing-assets/handwriting.otf")
    assert font.status_code == 200 and font.content[:4] == b"OTTO"
    assert signet_server.http.get("/signing-assets/..%2Fsecurity.py").status_code == 404


def test_approver_approves_with_approval_fields(signet_server):
    body = one_signer_body("Approval")
    body["recipients"].append(
        person("temp_2", "boss@example.com", "Big", "Boss", order=2, designation="Approver")
    )
    body["fields"] += [
        place("temp_2", "approval_checkmark", 1, 60, 60, w=3, h=3, name="Approved"),
        place("temp_2", "approval_date", 1, 60, 66, name="Approved on"),
        place("temp_2", "approval_signature", 1, 60, 72, w=25, h=6, name="Approver"),
    ]
    created = signet_server.create_sent(body)
    ids = field_ids(body, created)
    signer, approver = (r["id"] for r in created["recipients"])
    assert _finish(signet_server, signer, {ids["Company"]: "ACME"}).status_code == 200
    html = _page(signet_server, approver).text
    for name, control in (
        ("Approved", 'type="checkbox"'),
        ("Approved on", 'type="date"'),
        ("Approver", "field__mark"),
    ):
        block = html[html.index(f'data-field-id="{ids[name]}"') :]
        block = block[: block.index("</div>")]
        assert control in block and "aria-disabled" not in block, name
    values = {ids["Approved"]: "true", ids["Approved on"]: "2025-05-05", ids["Approver"]: "signed"}
    r = _finish(signet_server, approver, values)
    assert r.status_code == 200, r.text
    assert r.json()["request_completed"] is True
    assert signet_server.detail(created["id"])["status"]["finished"] is True


def test_signing_page_routes_stay_out_of_the_openapi_document(signet_server):
    paths = signet_server.http.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith(("/signing", "/s/"))]
