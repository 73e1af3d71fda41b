"""Smoke flow against an installed Signet: create -> send -> sign over HTTP -> sealed PDF verifies.

Run by scripts/smoke-fresh-venv.sh with the python of a venv that has Signet installed from its
own pyproject ranges. Starts ``signet serve`` on 127.0.0.1 with a fresh data dir, drives the
Firma API and the signing page as a client would, and checks the final PDF with
``signet verify``. Exits non-zero with a message on the first step that fails.
"""

from __future__ import annotations

import base64
import io
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from reportlab.pdfgen.canvas import Canvas

PNG_1PX = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def _pdf() -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 720, "Smoke test agreement")
    canvas.save()
    return out.getvalue()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _check(ok: bool, what: str, detail: object = "") -> None:
    if not ok:
        sys.exit(f"smoke: FAILED: {what} {detail}")
    print(f"smoke: ok: {what}")


def main() -> None:
    bin_dir = Path(sys.executable).parent
    signet = str(bin_dir / "signet")
    data = Path(tempfile.mkdtemp(prefix="signet-smoke-"))
    port = _free_port()
    env = {
        **os.environ,
        "SIGNET_DATA_DIR": str(data),
        "SIGNET_BASE_URL": f"http://127.0.0.1:{port}",
        "SIGNET_LOG_LEVEL": "warning",
    }
    subprocess.run([signet, "migrate"], env=env, check=True)
    key = subprocess.run(
        [signet, "api-keys", "create", "--name", "smoke"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    server = subprocess.Popen(
        [signet, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env
    )
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=30) as http:
            deadline = time.monotonic() + 60
            while True:
                try:
                    http.get("/v1/signing-requests", headers={"Authorization": key})
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        sys.exit("smoke: FAILED: the server did not start")
                    time.sleep(0.2)
            _flow(http, key, signet, env, data)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _flow(http: httpx.Client, key: str, signet: str, env: dict[str, str], data: Path) -> None:
    auth = {"Authorization": key}
    body = {
        "name": "Smoke 合同",
        "document": base64.b64encode(_pdf()).decode(),
        "recipients": [
            {"id": "temp_1", "first_name": "Ada", "last_name": "Lovelace",
             "email": "ada@example.com", "designation": "Signer", "order": 1}
        ],
        "fields": [
            {"type": "text", "recipient_id": "temp_1", "page_number": 1, "name": "Company",
             "position": {"x": 10, "y": 10, "width": 25, "height": 4}},
            {"type": "signature", "recipient_id": "temp_1", "page_number": 1,
             "position": {"x": 10, "y": 80, "width": 30, "height": 8}},
        ],
    }  # fmt: skip
    created = http.post("/v1/signing-requests", json=body, headers=auth)
    _check(created.status_code == 201, "create", created.text)
    request = created.json()
    sent = http.post(f"/v1/signing-requests/{request['id']}/send", headers=auth)
    _check(sent.status_code == 200, "send", sent.text)
    recipient = request["recipients"][0]["id"]
    company = next(f["id"] for f in request["fields"] if f["type"] == "text")
    page = http.get(f"/signing/{recipient}")
    _check(page.status_code == 200, "signing page", page.status_code)
    csrf = re.search(r'data-csrf="([^"]+)"', page.text)
    _check(csrf is not None, "CSRF token on the page")
    assert csrf is not None
    finish = http.post(
        f"/signing/{recipient}/finish",
        json={"consent": True, "values": {company: "ACME"}, "signature": PNG_1PX,
              "signature_kind": "drawn"},
        headers={"X-Signet-CSRF": csrf.group(1)},
    )  # fmt: skip
    _check(finish.status_code == 200, "sign", finish.text)
    deadline = time.monotonic() + 120
    detail: dict = {}
    while time.monotonic() < deadline:
        detail = http.get(f"/v1/signing-requests/{request['id']}", headers=auth).json()
        if detail.get("final_document_download_url"):
            break
        time.sleep(0.3)
    url = detail.get("final_document_download_url")
    _check(bool(url), "final document made", detail.get("final_document_download_error"))
    final = http.get(str(url).replace(str(http.base_url).rstrip("/"), ""))
    _check(final.status_code == 200 and final.content.startswith(b"%PDF-"), "download final")
    _check("filename*=UTF-8''" in final.headers.get("content-disposition", ""), "file name")
    path = data / "final.pdf"
    path.write_bytes(final.content)
    verified = subprocess.run(
        [signet, "verify", str(path)], env=env, capture_output=True, text=True
    )
    _check(verified.returncode == 0, "sealed PDF verifies", verified.stdout + verified.stderr)
    print(verified.stdout.strip())


if __name__ == "__main__":
    main()
