"""What every request passes before the app reads it (keys before bodies, bodies bounded while
they stream, heads bounded) and the headers every API and file response carries."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from signet.app import create_app
from signet.kit.http_server import HTTP_PROTOCOL, MAX_HEAD_BYTES, REQUESTS_PER_CONNECTION

FIRMA = "/functions/v1/signing-request-api"
CHUNK = 1024 * 1024


class EndlessBody:
    """An ASGI ``receive`` sending a chunked body of 64 MB (past every limit); it counts what
    was taken."""

    def __init__(self) -> None:
        self.taken = 0

    async def __call__(self) -> dict[str, Any]:
        self.taken += CHUNK
        more = self.taken < 64 * CHUNK
        return {"type": "http.request", "body": b" " * CHUNK, "more_body": more}


def call_app(app, method: str, path: str, key: str | None = None) -> tuple[int, dict, bytes, int]:
    """Send the real app a chunked request of 64 MB; (status, headers, body, bytes taken)."""
    body = EndlessBody()
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [
        (b"host", b"testserver"),
        (b"content-type", b"application/json"),
        (b"transfer-encoding", b"chunked"),
    ]
    if key:
        headers.append((b"authorization", key.encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, body, send))
    start = sent[0]
    return (
        start["status"],
        {k.decode().lower(): v.decode() for k, v in start["headers"]},
        b"".join(m.get("body", b"") for m in sent[1:]),
        body.taken,
    )


@pytest.mark.parametrize(
    "path",
    [
        f"{FIRMA}/signing-requests",
        f"{FIRMA}/templates/tpl_x/copy",
        f"{FIRMA}/workspace/ws_x/settings",
        "/public/v1/documents/doc_x/fields",
    ],
)
@pytest.mark.parametrize("key", [None, "signet_live_wrong"])
def test_a_missing_or_wrong_key_is_refused_before_the_body_is_read(app, path, key):
    method = "PUT" if path.endswith("/settings") else "POST"
    status, _headers, body, taken = call_app(app, method, path, key)
    assert status == 401
    assert taken == 0
    if path.startswith("/public/"):
        assert b'"type":"authentication_error"' in body
    else:
        assert b'"code":"UNAUTHORIZED"' in body


def test_a_chunked_json_body_is_cut_at_the_json_limit(app, api):
    limit = app.state.signet.settings.max_json_body_bytes
    # A route whose body the framework parses, and one that reads its own.
    for path in (f"{FIRMA}/templates/tpl_x/copy", f"{FIRMA}/signing-requests"):
        status, _headers, body, taken = call_app(app, "POST", path, api.key)
        assert status == 413, body
        assert b'"code":"PAYLOAD_TOO_LARGE"' in body
        assert taken <= limit + CHUNK


def test_a_chunked_body_to_an_unknown_signing_link_is_bounded(app):
    status, _headers, body, taken = call_app(app, "POST", "/signing/no-such-link/finish")
    assert status == 413
    assert taken <= 8 * 1024 * 1024 + CHUNK


def test_a_chunked_upload_without_a_valid_link_reads_nothing(app):
    status, _headers, _body, taken = call_app(app, "PUT", "/v1/uploads/not-a-token")
    assert status == 403
    assert taken == 0


def test_huge_request_headers_are_431_in_the_faces_format(client, api):
    big = {"X-Padding": "a" * (40 * 1024)}
    r = client.get(f"{FIRMA}/signing-requests", headers={**api.headers, **big})
    assert r.status_code == 431
    assert r.json()["code"] == "HEADERS_TOO_LARGE"
    r = client.get("/public/v1/documents", headers={"Authorization": "x" * (40 * 1024)})
    assert r.status_code == 431
    assert r.json()["type"] == "request_error"


def test_api_and_file_responses_are_not_sniffed_or_stored(api):
    from fixtures.requests import create_body

    created = api.post("/signing-requests", create_body()).json()
    for r in (
        api.get("/signing-requests"),
        api.get(f"/signing-requests/{created['id']}"),
        api.get("/signing-requests/nope"),
        api.client.get("/public/v1/documents", headers=api.headers),
        api.client.get(created["document_url"].replace("http://testserver", "")),
    ):
        assert r.headers["x-content-type-options"] == "nosniff", r.url
        assert r.headers["cache-control"] == "no-store", r.url
    assert "strict-transport-security" not in r.headers


def test_hsts_is_sent_when_the_base_url_is_https(settings, client):
    https_app = create_app(settings.model_copy(update={"base_url": "https://sign.example.com"}))
    try:
        from starlette.testclient import TestClient

        with TestClient(https_app) as c:
            for path in ("/healthz", f"{FIRMA}/signing-requests", "/signing/nope"):
                r = c.get(path)
                assert r.headers["strict-transport-security"].startswith("max-age="), path
    finally:
        https_app.state.signet.db.dispose()
    assert "strict-transport-security" not in client.get("/healthz").headers


def test_405_names_the_allowed_methods(client):
    for method, path, allowed in (
        ("PATCH", "/files/anything", "GET"),
        ("POST", "/healthz", "GET"),
        ("GET", "/signing/anything/finish", "POST"),
        # GET and POST of one path are two routes: Allow names both, not the first found.
        ("DELETE", f"{FIRMA}/signing-requests", "GET, POST"),
        ("POST", f"{FIRMA}/signing-requests/some-id", "DELETE, GET, PATCH, PUT"),
    ):
        r = client.request(method, path)
        assert r.status_code == 405
        assert r.headers["allow"] == allowed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _served(app) -> Iterator[int]:
    """``app`` under uvicorn with ``signet serve``'s HTTP protocol, on a free port."""
    port = _free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        http=HTTP_PROTOCOL,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive()
            time.sleep(0.02)
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_the_server_closes_a_connection_whose_head_never_ends(app):
    with _served(app) as port, socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nAuthorization: ")
        answer = b""
        try:
            for _ in range(16 * MAX_HEAD_BYTES // 65536):
                sock.sendall(b"a" * 65536)
        except OSError:
            pass  # the server closed the connection
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except OSError:
            pass
    assert answer.startswith(b"HTTP/1.1 431"), answer[:100]


def test_a_kept_alive_connection_ends_after_its_share_of_requests(app):
    """So that with several API processes, a client's few long-lived connections spread."""
    connects: list[int] = []  # the request during which the client opened a connection
    closes: list[int] = []  # the requests whose answer said the connection ends
    with _served(app) as port, httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        for i in range(1, 2 * REQUESTS_PER_CONNECTION + 2):

            def trace(event: str, info: dict[str, Any], i: int = i) -> None:
                if event == "connection.connect_tcp.complete":
                    connects.append(i)

            r = client.get("/healthz", extensions={"trace": trace})
            assert r.status_code == 200
            if r.headers.get("connection") == "close":
                closes.append(i)
    n = REQUESTS_PER_CONNECTION
    assert closes == [n, 2 * n]
    assert connects == [1, n + 1, 2 * n + 1]


def test_the_last_request_of_a_connection_still_gets_its_early_answer(app):
    """The request that ends a connection is answered before its body is read (a 401 for a
    missing key): the server closes only after a whole request, so the client gets its 401,
    not a reset connection while it is still sending."""
    n = REQUESTS_PER_CONNECTION
    body = b"x" * (4 * 1024 * 1024)
    with _served(app) as port, httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(n - 1):
            assert client.get("/healthz").status_code == 200
        r = client.post(
            f"{FIRMA}/signing-requests",
            content=body,
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 401, r.text
        # The connection goes on, and ends after the next whole request.
        assert client.get("/healthz").headers.get("connection") == "close"
