"""Per-signer signatures (setting ``signature_per_signer``): each signer's own PAdES signature,
with a certificate naming them, before the seal; every signature valid under pyHanko with the
installation's signing CA and seal as the only trust roots."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from asn1crypto import x509 as asn1_x509
from fixtures.requests import create_body, field, signer
from pandadoc_helpers import doc_data, sign
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from signet.kit.ids import parse_uuid
from signet.pdf.verify import verify_pdf
from signet.signing import recipient_actions as ra
from signet.signing.finalize import finalize_request, seal_identity
from signet.signing.signer_signatures import signing_ca

ALICE = ("Alice Arden", "alice.arden@example.com")
BOB = ("Bob Bánffy", "bob.banffy@example.com")


def _png() -> str:
    import base64

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGBA", (60, 20), (0, 0, 0, 255)).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _finish(app, recipient_id: str) -> bool:
    from signet.db import transaction

    state = app.state.signet
    with transaction(state.db.write) as s:
        request, recipient = ra.load_for_recipient(s, recipient_id, for_update=True)
        actor = ra.actor_for(recipient, "127.0.0.1", "pytest")
        ra.accept_consent(s, request, recipient, actor, "I agree to sign electronically.")
        return ra.finish(
            s,
            state,
            request,
            recipient,
            actor,
            ra.Submission(values={}, signature=_png(), signature_kind="drawn"),
        )


def _person(ref: str, who: tuple[str, str], order: int) -> dict:
    first, last = who[0].split(" ", 1)
    return signer(ref, who[1], first_name=first, last_name=last, order=order)


def _two_signers(api, **settings) -> dict:
    body = create_body(
        recipients=[_person("temp_1", ALICE, 1), _person("temp_2", BOB, 2)],
        fields=[
            field("temp_1", position={"x": 10, "y": 60, "width": 30, "height": 10}),
            field("temp_2", position={"x": 55, "y": 80, "width": 30, "height": 10}),
        ],
    )
    if settings:
        body["settings"] = settings
    r = api.post("/signing-requests", body)
    assert r.status_code == 201, r.text
    assert api.post(f"/signing-requests/{r.json()['id']}/send").status_code == 200
    return r.json()


def _complete(app, sr: dict) -> dict[str, bytes]:
    for r in sr["recipients"]:
        _finish(app, r["id"])
    state = app.state.signet
    assert finalize_request(state, sr["id"])
    with state.db.read() as s:
        from signet.signing import repository

        request = repository.find_request(s, sr["id"])
        assert request is not None
        return {
            "final": state.store.get(request.final_sha256),
            "document_only": state.store.get(request.document_only_sha256),
            "certificate_only": state.store.get(request.certificate_only_sha256),
        }


def _roots(app) -> list[asn1_x509.Certificate]:
    settings = app.state.signet.settings
    return [signing_ca(settings).asn1_certificate, seal_identity(settings).certificate]


def _signatures(app, data: bytes) -> list[tuple[str, object]]:
    """(field name, pyHanko status) of every embedded signature, validated against the
    installation's roots only (no fetching)."""
    reader = PdfFileReader(io.BytesIO(data))
    out = []
    for sig in reader.embedded_signatures:
        context = ValidationContext(trust_roots=_roots(app), allow_fetching=False)
        out.append((sig.field_name, validate_pdf_signature(sig, context)))
    return out


def _text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    return " ".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def _sans(cert: asn1_x509.Certificate) -> list[str]:
    ext = cert.subject_alt_name_value
    return [n.native for n in ext] if ext is not None else []


def test_two_signers_sign_before_the_seal_and_every_signature_validates(api, app):
    sr = _two_signers(api, signature_per_signer=True)
    assert sr["settings"]["signature_per_signer"] is True
    files = _complete(app, sr)
    for variant in ("final", "document_only"):
        statuses = _signatures(app, files[variant])
        names = [name for name, _ in statuses]
        assert names == ["SignetSigner1", "SignetSigner2", "SignetSeal"], (variant, names)
        for name, status in statuses:
            assert status.bottom_line, (variant, name, status.pretty_print_details())
            assert status.trusted and status.docmdp_ok
        (_, alice), (_, bob), (_, seal) = statuses
        for status, (name, email) in ((alice, ALICE), (bob, BOB)):
            subject = status.signing_cert.subject.native
            assert subject["common_name"] == name and subject["email_address"] == email
            assert _sans(status.signing_cert) == [email]
            issuer = signing_ca(app.state.signet.settings).asn1_certificate
            assert status.signing_cert.issuer == issuer.subject
        # Two signers, two one-use keys.
        assert alice.signing_cert.public_key.dump() != bob.signing_cert.public_key.dump()
        assert (
            seal.signing_cert.dump() == seal_identity(app.state.signet.settings).certificate.dump()
        )

        # Signet's own verification lists each signer's signature, and the seal is intact.
        result = verify_pdf(
            files[variant],
            seal_certificates=[seal_identity(app.state.signet.settings).certificate],
            signing_cas=[signing_ca(app.state.signet.settings).asn1_certificate],
        )
        assert result.signet_sealed and result.intact and result.trusted, result.problems
        assert [(s.name, s.email, s.intact, s.issued_here) for s in result.signer_signatures] == [
            (ALICE[0], ALICE[1], True, True),
            (BOB[0], BOB[1], True, True),
        ]
    # Each signer's widget sits over their own mark (page 1, their field's box).
    reader = PdfFileReader(io.BytesIO(files["final"]))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    rects = {
        str(a.get_object().get("/T")): [float(v) for v in a.get_object()["/Rect"]]
        for a in page["/Annots"]
        if str(a.get_object().get("/T", "")).startswith("SignetSigner")
    }
    width = float(page["/MediaBox"][2])
    assert abs(rects["SignetSigner1"][0] - 0.10 * width) < 1.5
    assert abs(rects["SignetSigner2"][0] - 0.55 * width) < 1.5
    # The certificate alone carries the seal only; the certificate says what the files carry.
    assert [n for n, _ in _signatures(app, files["certificate_only"])] == ["SignetSeal"]
    assert "2 per-signer digital signatures" in " ".join(_text(files["final"]).split())
    # Any byte changed in the first signer's revision is seen.
    tampered = bytearray(files["final"])
    tampered[len(files["final"]) // 2] ^= 0x01
    assert not verify_pdf(bytes(tampered)).intact


def test_off_by_default_the_files_carry_the_seal_alone(api, app):
    for settings in ({}, {"signature_per_signer": False}):
        sr = _two_signers(api, **settings)
        assert sr["settings"]["signature_per_signer"] is (False if settings else None)
        files = _complete(app, sr)
        for variant, data in files.items():
            reader = PdfFileReader(io.BytesIO(data))
            sigs = list(reader.embedded_signatures)
            assert [s.field_name for s in sigs] == ["SignetSeal"], variant
            # As before: the seal certifies the document (DocMDP, no changes).
            assert sigs[0].docmdp_level is not None, variant
            assert reader.xrefs.total_revisions == 2, variant  # the original and one update
        assert "per-signer" not in _text(files["final"])


def test_the_workspace_setting_applies_when_the_request_inherits(api, app):
    r = api.put(f"/workspace/{api.workspace_id}/settings", {"signature_per_signer": True})
    assert r.status_code == 200 and r.json()["signature_per_signer"] is True
    assert api.get(f"/workspace/{api.workspace_id}/settings").json()["signature_per_signer"]
    inherited = _two_signers(api)
    assert inherited["settings"]["signature_per_signer"] is None
    names = [n for n, _ in _signatures(app, _complete(app, inherited)["final"])]
    assert names == ["SignetSigner1", "SignetSigner2", "SignetSeal"]
    # An explicit false on the request wins over the workspace.
    off = _two_signers(api, signature_per_signer=False)
    assert [n for n, _ in _signatures(app, _complete(app, off)["final"])] == ["SignetSeal"]


def test_a_template_passes_the_setting_to_its_requests(api):
    from fixtures.pdfs import b64, make_pdf

    body = {"name": "T", "document": b64(make_pdf(1)), "settings": {"signature_per_signer": True}}
    t = api.post("/templates", body)
    assert t.status_code == 201, t.text
    assert t.json()["settings"]["signature_per_signer"] is True
    bad = api.post("/signing-requests", create_body(settings={"signature_per_signer": "yes"}))
    assert bad.status_code == 400 and "settings.signature_per_signer" in bad.text


def test_pandadoc_signature_per_signer_on_create(pd, app):
    doc = pd.create(doc_data(signature_per_signer=True))
    assert pd.post(f"/documents/{doc['id']}/send", {"silent": True}).status_code == 200
    assert sign(app, doc["recipients"][0]["id"]) is True
    state = app.state.signet
    rid = parse_uuid(doc["id"]) or ""
    assert finalize_request(state, rid)
    with state.db.read() as s:
        from signet.signing import repository

        request = repository.find_request(s, rid)
        assert request is not None
        final = state.store.get(request.final_sha256)
    statuses = _signatures(app, final)
    assert [n for n, _ in statuses] == ["SignetSigner1", "SignetSeal"]
    assert all(status.bottom_line for _, status in statuses)
    assert statuses[0][1].signing_cert.subject.native["email_address"] == "ada@example.com"
    # Without it, the seal alone.
    plain = pd.create()
    pd.post(f"/documents/{plain['id']}/send", {"silent": True})
    sign(app, plain["recipients"][0]["id"])
    prid = parse_uuid(plain["id"]) or ""
    assert finalize_request(state, prid)
    with state.db.read() as s:
        from signet.signing import repository

        request = repository.find_request(s, prid)
        assert request is not None
        assert [n for n, _ in _signatures(app, state.store.get(request.final_sha256))] == [
            "SignetSeal"
        ]


def test_verify_lists_each_signers_signature(api, app, tmp_path):
    import os
    import subprocess
    import sys

    sr = _two_signers(api, signature_per_signer=True)
    final = _complete(app, sr)["final"]
    # The public endpoint: names, times and verdicts, no email address.
    r = api.client.post("/signet/v1/verify", files={"file": ("f.pdf", final)})
    assert r.status_code == 200, r.text
    pades = r.json()["pades"]
    assert pades["intact"] and pades["sealed_by_this_installation"]
    listed = [
        (s["name"], s["intact"], s["issued_by_this_installation"])
        for s in pades["signer_signatures"]
    ]
    assert listed == [(ALICE[0], True, True), (BOB[0], True, True)]
    assert all(s["signed_at"] for s in pades["signer_signatures"])
    assert ALICE[1] not in r.text
    # The page says it in words.
    page = api.client.post("/verify", files={"file": ("f.pdf", final)})
    assert page.status_code == 200
    assert "Signature of Alice Arden" in page.text and "Signature of Bob Bánffy" in page.text
    # The operator's CLI, reading the data dir's CA without creating anything.
    path = tmp_path / "final.pdf"
    path.write_bytes(final)
    env = {**os.environ, "SIGNET_DATA_DIR": str(app.state.signet.settings.data_dir)}
    out = subprocess.run(
        [sys.executable, "-m", "signet", "verify", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    lines = [line for line in out.stdout.splitlines() if line.startswith("Signer signature")]
    assert len(lines) == 2, out.stdout
    assert (
        f"{ALICE[0]} <{ALICE[1]}>" in lines[0] and "intact, issued by this installation" in lines[0]
    )
    assert f"{BOB[0]} <{BOB[1]}>" in lines[1]


def test_signatures_follow_the_order_signers_finished_in(api, app):
    body = create_body(
        recipients=[_person("temp_1", ALICE, 1), _person("temp_2", BOB, 1)],
        fields=[
            field("temp_1", position={"x": 10, "y": 60, "width": 30, "height": 10}),
            field("temp_2", position={"x": 55, "y": 80, "width": 30, "height": 10}),
        ],
        settings={"signature_per_signer": True, "use_signing_order": False},
    )
    sr = api.post("/signing-requests", body).json()
    assert api.post(f"/signing-requests/{sr['id']}/send").status_code == 200
    # Bob finishes first.
    sr["recipients"] = list(reversed(sr["recipients"]))
    assert sr["recipients"][0]["email"] == BOB[1]
    statuses = _signatures(app, _complete(app, sr)["final"])
    signed_by = [s.signing_cert.subject.native["email_address"] for n, s in statuses[:2]]
    assert signed_by == [BOB[1], ALICE[1]]
    assert all(s.bottom_line for _, s in statuses)


def test_the_openapi_document_describes_the_new_fields(api):
    spec = api.client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    described = {
        name: schema["properties"]["signature_per_signer"].get("description", "")
        for name, schema in schemas.items()
        if "signature_per_signer" in schema.get("properties", {})
    }
    assert len(described) >= 4, described  # request and template settings, workspace, create
    assert all("Signet extension" in text for text in described.values()), described
    verify = [s for s in schemas.values() if "signer_signatures" in s.get("properties", {})]
    assert verify, "pades.signer_signatures is not in the OpenAPI document"
