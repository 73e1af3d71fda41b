"""Request ids (X-Request-Id echoed or generated) and SIGNET_LOG_FORMAT=json logs."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from storage.seaweed import free_port


def test_a_sane_request_id_is_echoed_and_others_are_replaced(client):
    given = client.get("/healthz", headers={"X-Request-Id": "trace-42.a:b"})
    assert given.headers["x-request-id"] == "trace-42.a:b"
    made = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    assert client.get("/healthz").headers["x-request-id"] != made.headers["x-request-id"]
    odd = client.get("/healthz", headers={"X-Request-Id": "two words"})
    assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["x-request-id"])
    # Error answers carry it too.
    missing = client.get("/v1/signing-requests/nope", headers={"X-Request-Id": "err-1"})
    assert missing.status_code == 401 and missing.headers["x-request-id"] == "err-1"


def test_json_logs_are_one_object_per_line_with_the_request_id(tmp_path: Path):
    port = free_port()
    env = {
        **os.environ,
        "SIGNET_DATA_DIR": str(tmp_path / "data"),
        "SIGNET_PORT": str(port),
        "SIGNET_LOG_FORMAT": "json",
        "SIGNET_LOG_LEVEL": "info",
    }
    env.pop("SIGNET_STORAGE_URL", None)
    signet = Path(sys.executable).parent / "signet"
    log = (tmp_path / "stderr.log").open("w")
    server = subprocess.Popen(
        [str(signet), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=log
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, (tmp_path / "stderr.log").read_text()
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "signet serve did not start"
                time.sleep(0.2)
        r = httpx.get(f"{base}/readyz", headers={"X-Request-Id": "json-log-7"})
        assert r.status_code == 200 and r.headers["x-request-id"] == "json-log-7"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        log.close()
    lines = [line for line in (tmp_path / "stderr.log").read_text().splitlines() if line]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    access = [e for e in entries if "/readyz" in e["message"]]
    assert access and access[0]["request_id"] == "json-log-7"
    assert access[0]["logger"] == "uvicorn.access"
