"""Creating from a URL: https only and never into the network (checked at request time and on
every redirect), size and time capped; a fetch that fails later ends in document.error."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fixtures.pdfs import make_pdf
from sqlalchemy import select

from signet.kit.ids import parse_uuid
from signet.models import WebhookEvent
from signet.signing import url_fetch
from signet.signing.url_fetch import FetchFailed, UrlRefused, fetch_pdf

PDF = make_pdf(3)


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, Any] = {}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        route = self.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_response(404)
            self.end_headers()
            return
        kind, value = route
        if kind == "redirect":
            self.send_response(302)
            self.send_header("Location", value)
            self.end_headers()
            return
        if kind == "slow":
            time.sleep(value)
            value = PDF
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(value)))
            self.end_headers()
            self.wfile.write(value)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the time and size limits at work)


@pytest.fixture(scope="module")
def pdf_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    _Handler.routes = {
        "/doc.pdf": ("body", PDF),
        "/text": ("body", b"<html>hello</html>"),
        "/r1": ("redirect", "/r2"),
        "/r2": ("redirect", f"{base}/doc.pdf"),
        "/loop": ("redirect", "/loop"),
        "/slow": ("slow", 2.0),
        "/to-metadata": ("redirect", "http://169.254.169.254/latest/meta-data"),
    }
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    server.server_close()


def _body(url: str) -> dict[str, Any]:
    return {
        "name": "From a URL",
        "url": url,
        "recipients": [{"email": "ada@example.com", "first_name": "Ada", "role": "Client"}],
    }


def test_a_document_is_fetched_from_a_url_when_processed(pd, api, pdf_site):
    r = pd.post("/documents", _body(f"{pdf_site}/r1"))
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "document.uploaded"
    assert pd.process(r.json()["id"]) == "draft"
    detail = api.get(f"/signing-requests/{parse_uuid(r.json()['id'])}").json()
    assert detail["document_page_count"] == 3


def test_a_fetch_that_fails_ends_in_document_error(pd, app, pdf_site):
    r = pd.post("/documents", _body(f"{pdf_site}/text"))
    assert r.status_code == 201, r.text
    assert pd.process(r.json()["id"]) == "error"
    assert pd.get(f"/documents/{r.json()['id']}").json()["status"] == "document.error"
    with app.state.signet.db.read() as session:
        types = set(
            session.scalars(
                select(WebhookEvent.type).where(
                    WebhookEvent.signing_request_id == parse_uuid(r.json()["id"])
                )
            )
        )
    assert "signing_request.creation_failed" in types
    refused = pd.post(f"/documents/{r.json()['id']}/send", {})
    assert refused.status_code == 400 and refused.json()["type"] == "validation_error"
    assert pd.delete(f"/documents/{r.json()['id']}").status_code == 204


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/doc.pdf",
        "https://127.0.0.1/doc.pdf",
        "https://10.1.2.3/doc.pdf",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/doc.pdf",
        "https://[::ffff:127.0.0.1]/doc.pdf",
        "https://localhost/doc.pdf",
        "https://100.64.0.1/doc.pdf",
        "https://[fd00::1]/doc.pdf",
        "https://0.0.0.0/doc.pdf",
        "https://example.com:8443/doc.pdf",
        "ftp://example.com/doc.pdf",
    ],
)
def test_urls_into_the_network_are_refused_at_once(pd, app, monkeypatch, url):
    monkeypatch.setattr(app.state.signet.settings, "webhook_allow_private", False)
    before = len(pd.get("/documents?count=100").json()["results"])
    r = pd.post("/documents", _body(url))
    assert r.status_code == 400, r.text
    assert r.json()["type"] == "request_error" and "url" in r.json()["detail"]
    assert len(pd.get("/documents?count=100").json()["results"]) == before


def test_every_redirect_is_checked_again(pdf_site, monkeypatch):
    hops: list[str] = []
    real = url_fetch._check

    def check(url: str, allow_private: bool) -> Any:
        hops.append(url)
        # The local test server stands in for a public host; every later hop is checked as is.
        return real(url, len(hops) == 1)

    monkeypatch.setattr(url_fetch, "_check", check)
    with pytest.raises(UrlRefused, match="link-local|https"):
        fetch_pdf(f"{pdf_site}/to-metadata", allow_private=False, limit=10**6)
    assert hops[-1].startswith("http://169.254.169.254")


def test_fetches_are_capped_in_redirects_size_time_and_type(pdf_site):
    assert fetch_pdf(f"{pdf_site}/r1", allow_private=True, limit=10**6) == PDF
    with pytest.raises(FetchFailed, match="redirects"):
        fetch_pdf(f"{pdf_site}/loop", allow_private=True, limit=10**6)
    with pytest.raises(FetchFailed, match="larger"):
        fetch_pdf(f"{pdf_site}/doc.pdf", allow_private=True, limit=100)
    with pytest.raises(FetchFailed, match="longer"):
        fetch_pdf(f"{pdf_site}/slow", allow_private=True, limit=10**6, timeout=0.5)
    with pytest.raises(FetchFailed, match="not a PDF"):
        fetch_pdf(f"{pdf_site}/text", allow_private=True, limit=10**6)
    with pytest.raises(FetchFailed, match="404"):
        fetch_pdf(f"{pdf_site}/missing", allow_private=True, limit=10**6)
