"""`signet verify` and POST /signet/v1/verify: intact vs any changed byte."""

from __future__ import annotations

import os
import subprocess
import sys

from fixtures.pdfs import make_pdf
from test_finalize import _wait_final
from test_recipient_actions import _finish, _sent, png_uri


def _final(api, app) -> tuple[str, bytes]:
    sr = _sent(api)
    _finish(app, sr["recipients"][0]["id"], signature=png_uri(), signature_kind="drawn")
    detail = _wait_final(api, sr["id"])
    return sr["id"], api.client.get(
        detail["final_document_download_url"].replace("http://testserver", "")
    ).content


def test_verify_cli_and_endpoint(api, other_api, app, worker, tmp_path):
    sid, final = _final(api, app)
    # The CLI reads the installation's seal keys from its data dir.
    env = {**os.environ, "SIGNET_DATA_DIR": str(app.state.signet.settings.data_dir)}
    good = tmp_path / "good.pdf"
    good.write_bytes(final)
    out = subprocess.run(
        [sys.executable, "-m", "signet", "verify", str(good)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Seal intact (unmodified since sealing): yes" in out.stdout
    assert "Sealed by this installation: yes" in out.stdout
    assert "Ada Lovelace" in out.stdout
    for offset in (len(final) // 5, len(final) // 2, len(final) - 40):
        bad = bytearray(final)
        bad[offset] ^= 0x20
        path = tmp_path / f"bad{offset}.pdf"
        path.write_bytes(bytes(bad))
        res = subprocess.run(
            [sys.executable, "-m", "signet", "verify", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert res.returncode != 0, (offset, res.stdout)
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(make_pdf())
    assert (
        subprocess.run(
            [sys.executable, "-m", "signet", "verify", str(plain)],
            capture_output=True,
            timeout=60,
            env=env,
        ).returncode
        == 1
    )

    r = api.client.post(
        "/signet/v1/verify",
        files={"file": ("f.pdf", final, "application/pdf")},
        headers=api.headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["match"] is True and body["variant"] == "final"
    assert body["signing_request_id"] == sid and body["pades"]["intact"] is True
    tampered = bytearray(final)
    tampered[len(final) // 2] ^= 0x01
    r2 = api.client.post("/signet/v1/verify", files={"file": ("f.pdf", bytes(tampered))})
    assert r2.status_code == 200 and r2.json()["pades"]["intact"] is False
    assert r2.json()["match"] is False
    # Another workspace's key does not learn which request the file belongs to.
    r3 = other_api.client.post(
        "/signet/v1/verify", files={"file": ("f.pdf", final)}, headers=other_api.headers
    )
    assert r3.json()["match"] is False and r3.json()["pades"]["intact"] is True
    bad_req = api.client.post(
        "/signet/v1/verify", content=b"x", headers={**api.headers, "Content-Type": "text/plain"}
    )
    assert bad_req.status_code == 400
