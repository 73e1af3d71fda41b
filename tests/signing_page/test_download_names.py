"""Every download names its file in any script: Firma's document links (signing requests and
templates), PandaDoc's downloads, and the signing page's download of the signed PDF."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import pytest
from fixtures.pdfs import b64, make_pdf

from signing_page.builders import field_ids, one_signer_body
from signing_page.test_signing_page_http import _finish

NAMES = ["合同", "Договор", "عقد", "Launch 🚀", 'He said "hi"']


def _name(response: Any) -> str:
    """The file name a browser saves ``response`` as (filename* first, as RFC 6266 says)."""
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"%PDF-")
    header = response.headers["content-disposition"]
    star = re.search(r"filename\*=UTF-8''([A-Za-z0-9%!#$&+.^_`|~-]+)$", header)
    if star:
        return unquote(star.group(1), errors="strict")
    plain = re.search(r'filename="([^"\\]*)"', header)
    assert plain is not None, header
    return plain.group(1)


def _expected(name: str) -> str:
    return name.replace('"', "_")


def _get(signet_server: Any, url: str) -> Any:
    return signet_server.http.get(url.replace(signet_server.base_url, ""))


@pytest.mark.parametrize("name", NAMES)
def test_firma_document_links_name_the_file_in_any_script(signet_server, name):
    created = signet_server.api.post("/v1/signing-requests", json=one_signer_body(name))
    assert created.status_code == 201, created.text
    assert _name(_get(signet_server, created.json()["document_url"])) == _expected(name) + ".pdf"


def test_firma_template_links_name_the_file_in_any_script(signet_server):
    for name in NAMES:
        body = {
            "name": name,
            "document": b64(make_pdf(1)),
            "users": [{"id": "temp_1", "designation": "Signer", "order": 1}],
        }
        created = signet_server.api.post("/v1/templates", json=body)
        assert created.status_code == 201, created.text
        url = created.json()["document_url"]
        assert _name(_get(signet_server, url)) == _expected(name) + ".pdf"


def test_pandadoc_downloads_name_the_file_in_any_script(signet_server):
    key = signet_server.api.headers["Authorization"]
    headers = {"Authorization": f"API-Key {key}"}
    for name in NAMES:
        created = signet_server.api.post("/v1/signing-requests", json=one_signer_body(name))
        assert created.status_code == 201, created.text
        doc = created.json()["id"]
        download = signet_server.http.get(f"/public/v1/documents/{doc}/download", headers=headers)
        assert _name(download) == _expected(name) + ".pdf"


def test_the_signing_page_download_names_the_signed_file_in_any_script(signet_server):
    for name in NAMES:
        body = one_signer_body(name)
        created = signet_server.create_sent(body)
        rid = created["recipients"][0]["id"]
        ids = field_ids(body, created)
        assert _finish(signet_server, rid, {ids["Company"]: "ACME"}).status_code == 200
        got = signet_server.http.get(f"/signing/{rid}/download")
        assert _name(got) in (_expected(name) + ".pdf", _expected(name) + " - signed.pdf")
