"""The public /verify page in Chromium: a file sealed by a real flow is recognised as intact, the
same file with bytes appended or an incremental update after the seal as changed, and foreign
PDFs as not ours; a pasted SHA-256 finds the request; axe finds no serious accessibility
problem; nothing overflows a phone's width; the page works without JavaScript."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from fixtures.pdfs import make_pdf
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from signet.models import SigningRequest
from signet.pdf.seal import seal_pdf
from signet.pdf.seal_keys import load_or_create_seal
from signing_page.builders import csrf_of, field_ids, one_signer_body

pytestmark = pytest.mark.timeout(180)

REPO = Path(__file__).resolve().parents[2]
SIGNER_EMAIL = "verify-signer@example.com"
APPENDED = b"\n% one more line after the seal\n"
PNG_1PX = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


class Files:
    def __init__(self, request_id: str, intact: bytes, sha256: str) -> None:
        self.request_id = request_id
        self.intact = intact
        self.sha256 = sha256
        self.appended = intact + APPENDED
        writer = IncrementalPdfFileWriter(io.BytesIO(intact))
        writer.root["/Lang"] = generic.TextStringObject("fr")
        writer.update_root()
        out = io.BytesIO()
        writer.write(out)
        self.updated = out.getvalue()


@pytest.fixture(scope="module")
def sealed(signet_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Files:
    """A request created, signed and finalised through Signet's own HTTP routes."""
    body = one_signer_body("Lease for verification")
    body["recipients"][0].update(email=SIGNER_EMAIL, first_name="Vera", last_name="Fier")
    created = signet_server.create_sent(body)
    ids = field_ids(body, created)
    rid = created["recipients"][0]["id"]
    page = signet_server.http.get(f"/signing/{rid}")
    done = signet_server.http.post(
        f"/signing/{rid}/finish",
        json={
            "consent": True,
            "values": {ids["Company"]: "ACME"},
            "signature": PNG_1PX,
            "signature_kind": "drawn",
        },
        headers={"X-Signet-CSRF": csrf_of(page.text)},
    )
    assert done.status_code == 200, done.text
    deadline = time.monotonic() + 60
    sha = None
    while sha is None and time.monotonic() < deadline:
        with signet_server.db.read() as session:
            sha = session.get(SigningRequest, created["id"]).final_sha256
        time.sleep(0.1)
    assert sha, "the request was not finalised"
    return Files(created["id"], signet_server.app.state.signet.store.get(sha), sha)


@pytest.fixture(scope="module")
def foreign_seal(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A Signet seal made by another installation's key."""
    identity = load_or_create_seal(tmp_path_factory.mktemp("elsewhere"), None, None)
    return seal_pdf(
        make_pdf(),
        identity,
        reason="elsewhere",
        location=None,
        tsa_url=None,
        metadata={"signing_request_id": "x", "variant": "final", "completed_at": "", "signers": []},
    )


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, installed from npm by the project's own script."""
    done = subprocess.run(
        [str(REPO / "scripts" / "ensure-axe.sh")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip().splitlines()[-1]).read_text()


def _check(page: Any, base: str, data: bytes, name: str = "document.pdf") -> str:
    page.goto(f"{base}/verify")
    page.get_by_label("PDF file").set_input_files(
        files=[{"name": name, "mimeType": "application/pdf", "buffer": data}]
    )
    page.get_by_role("button", name="Verify the file").click()
    page.locator("#answer-title").wait_for()
    return str(page.locator("#answer").inner_text())


def _headline(page: Any) -> str:
    return str(page.locator("#answer-title").inner_text()).strip()


def _serious(page: Any, axe: str) -> list[str]:
    # Evaluated by the driver rather than added as a script tag, which the page's CSP refuses.
    page.evaluate(axe)
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_intact_sealed_file_is_recognised_with_its_request(signet_server, new_page, sealed):
    page = new_page()
    text = _check(page, signet_server.base_url, sealed.intact)
    assert _headline(page) == "Sealed by Signet, and unchanged"
    assert sealed.sha256 in text and sealed.request_id in text
    assert "Lease for verification" in text and "Vera Fier" in text
    assert "The seal covers revision 2 of 2: the whole file." in text
    # Only what the file itself shows: no email address of anyone.
    assert SIGNER_EMAIL not in page.content() and "@" not in text
    # Checked, never kept.
    assert signet_server.app.state.signet.store.exists(sealed.sha256)  # the issued file itself
    assert "never stored" in page.locator("main").inner_text()


def test_appended_bytes_and_a_later_revision_show_as_changed(signet_server, new_page, sealed):
    page = new_page()
    text = _check(page, signet_server.base_url, sealed.appended)
    assert _headline(page) == "Sealed by Signet, but changed since"
    assert f"{len(APPENDED)} bytes were appended after the sealed content" in text
    assert "Vera Fier" in text  # as recorded in the seal, which is still authentic
    assert "Lease for verification" not in text  # the changed file is not the issued one

    text = _check(page, signet_server.base_url, sealed.updated)
    assert _headline(page) == "Sealed by Signet, but changed since"
    assert "1 revision was added after the sealed revision 2" in text
    assert "The seal covers revision 2 of 3; revision 3 was added after sealing." in text


def test_foreign_pdfs_are_not_ours(signet_server, new_page, foreign_seal):
    page = new_page()
    text = _check(page, signet_server.base_url, make_pdf())
    assert _headline(page) == "Not sealed by Signet"
    assert "carries no signature" in text
    text = _check(page, signet_server.base_url, foreign_seal)
    assert _headline(page) == "Not sealed by Signet"
    assert "not one of this installation's keys" in text
    text = _check(page, signet_server.base_url, b"hello, not a pdf")
    assert "not a PDF" in page.locator("#answer-title").inner_text()


def test_a_pasted_sha256_finds_the_request(signet_server, new_page, sealed):
    page = new_page()
    page.goto(f"{signet_server.base_url}/verify")
    page.get_by_label("SHA-256 of the file").fill("  " + sealed.sha256.upper() + "\n")
    page.get_by_role("button", name="Look it up").click()
    text = page.locator("#answer").inner_text()
    assert _headline(page) == "Issued by Signet"
    assert sealed.request_id in text and "Vera Fier" in text and "@" not in text
    page.get_by_label("SHA-256 of the file").fill("ab" * 32)
    page.get_by_role("button", name="Look it up").click()
    assert _headline(page) == "Unknown to Signet"
    page.get_by_label("SHA-256 of the file").fill("not a hash")
    page.get_by_role("button", name="Look it up").click()
    assert "64 characters" in page.get_by_role("alert").inner_text()


def test_the_page_works_without_javascript(signet_server, new_page, sealed):
    page = new_page(java_script_enabled=False)
    _check(page, signet_server.base_url, sealed.intact)
    assert _headline(page) == "Sealed by Signet, and unchanged"
    assert page.locator(".drop__hint").is_hidden()  # the drop hint is the script's


def test_dropping_a_file_checks_it_at_once(signet_server, new_page, sealed):
    page = new_page()
    page.goto(f"{signet_server.base_url}/verify")
    assert page.locator(".drop__hint").is_visible()
    transfer = page.evaluate_handle(
        """(b64) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], "dropped.pdf", {type: "application/pdf"}));
            return dt;
        }""",
        base64.b64encode(sealed.appended).decode(),
    )
    page.locator("form.drop").dispatch_event("drop", {"dataTransfer": transfer})
    page.locator("#answer-title").wait_for()
    assert "changed since" in page.locator("#answer-title").inner_text()
    assert "dropped.pdf" in page.locator("#answer").inner_text()


def test_no_serious_accessibility_problem(signet_server, new_page, sealed, axe_source):
    page = new_page()
    page.goto(f"{signet_server.base_url}/verify")
    assert _serious(page, axe_source) == []
    for data in (sealed.intact, sealed.updated, make_pdf()):
        _check(page, signet_server.base_url, data)
        assert _serious(page, axe_source) == []
    page.goto(f"{signet_server.base_url}/verify")
    page.get_by_label("SHA-256 of the file").fill("zz")
    page.get_by_role("button", name="Look it up").click()
    assert _serious(page, axe_source) == []


def test_nothing_overflows_a_phone_screen(signet_server, new_page, sealed, screenshot_dir):
    page = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    for name, data in (("intact", sealed.intact), ("updated", sealed.updated)):
        _check(page, signet_server.base_url, data, name="a-rather-long-file-name-" * 4 + ".pdf")
        page.screenshot(path=str(screenshot_dir / f"verify-phone-{name}.png"), full_page=True)
        widths = page.evaluate(
            """() => ({
                page: document.documentElement.scrollWidth,
                view: window.innerWidth,
                wide: [...document.querySelectorAll('body *')]
                    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
                    .map(el => el.tagName + '.' + el.className),
            })"""
        )
        assert widths["page"] <= widths["view"], widths
        assert widths["wide"] == [], widths


def test_page_headers_and_plain_form_errors(signet_server):
    http = signet_server.http
    page = http.get("/verify")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "<script>" not in page.text
    assert page.headers["cache-control"] == "no-store"
    for asset in ("verify.css", "verify.js"):
        assert http.get(f"/verify-assets/{asset}").status_code == 200
    assert http.get("/verify-assets/..%2Fviews.py").status_code == 404
    empty = http.post("/verify", files={"sha256": (None, "")})
    assert empty.status_code == 400 and "Choose a PDF file" in empty.text
    wrong = http.post("/verify", content=b"sha256=1", headers={"Content-Type": "text/plain"})
    assert wrong.status_code == 400 and "text/html" in wrong.headers["content-type"]
    assert "/verify" not in http.get("/openapi.json").json()["paths"]


def test_public_json_answer_leaves_out_what_the_file_does_not_show(signet_server, sealed):
    files = {"file": ("f.pdf", sealed.intact, "application/pdf")}
    public = signet_server.http.post("/signet/v1/verify", files=files)
    assert public.status_code == 200, public.text
    body = public.json()
    assert body["verdict"] == "sealed_intact" and body["known"] is True
    assert body["pades"]["sealed_by_this_installation"] is True
    assert body["document"]["signing_request_id"] == sealed.request_id
    assert body["document"]["signers"][0]["name"] == "Vera Fier"
    assert body["match"] is False and body["signers"] is None
    assert "@" not in public.text
    by_hash = signet_server.http.post("/signet/v1/verify", json={"sha256": sealed.sha256})
    assert by_hash.status_code == 200 and by_hash.json()["document"] == body["document"]
    owner = signet_server.api.post("/signet/v1/verify", files=files).json()
    assert owner["match"] is True and owner["signers"][0]["email"] == SIGNER_EMAIL
    other = signet_server.other_workspace().post("/signet/v1/verify", files=files).json()
    assert other["match"] is False and other["known"] is True and "@" not in json.dumps(other)
    changed = signet_server.http.post(
        "/signet/v1/verify", files={"file": ("f.pdf", sealed.updated)}
    ).json()
    assert changed["verdict"] == "sealed_modified" and changed["known"] is False
    assert (changed["pades"]["seal_revision"], changed["pades"]["revisions"]) == (2, 3)


def test_a_file_over_the_upload_limit_is_refused_and_not_read(tmp_path):
    from starlette.testclient import TestClient

    from signet.app import create_app
    from signet.config import Settings
    from signet.db import open_database
    from signet.migrate import upgrade_database

    settings = Settings(data_dir=tmp_path, secret_key="limits", max_upload_bytes=4096)
    db = open_database(settings.resolved_database_url)
    upgrade_database(db.engine)
    db.dispose()
    app = create_app(settings)
    with TestClient(app) as client:
        big = make_pdf() + b"%" * 5000
        page = client.post("/verify", files={"file": ("big.pdf", big, "application/pdf")})
        assert page.status_code == 413 and "text/html" in page.headers["content-type"]
        assert "The file is larger than 4 KB" in page.text and "up to 4 KB" in page.text
        api = client.post("/signet/v1/verify", files={"file": ("big.pdf", big)})
        assert api.status_code == 413 and api.json()["code"] == "PAYLOAD_TOO_LARGE"
        small = client.post("/signet/v1/verify", files={"file": ("s.pdf", make_pdf())})
        assert small.status_code == 200 and small.json()["verdict"] == "unsigned"
        # Checked in memory: nothing reached the blob store.
        assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []
    app.state.signet.db.dispose()
