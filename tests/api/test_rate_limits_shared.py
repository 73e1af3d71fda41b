"""Several processes enforce one limit when they share Redis: two real ``signet serve``
processes, one SQLite file, one Redis; a limit crossed on one is enforced on the other."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fixtures.rate_windows import clear_of_window_edge

REDIS_URL = os.environ.get("SIGNET_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
FIRMA = "/functions/v1/signing-request-api"


def _redis_problem() -> str | None:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return None if sock.recv(16).startswith(b"+PONG") else "no PONG"
    except OSError as exc:
        return str(exc)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _signet(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "signet", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[list[str], str]]:
    problem = _redis_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI but unreachable: {problem}")
        pytest.skip(f"Redis not reachable: {problem}")
    base = {
        **os.environ,
        "SIGNET_DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}",
        "SIGNET_SECRET_KEY": "shared-secret",
        "SIGNET_INLINE_WORKER": "0",
        "SIGNET_REDIS_URL": REDIS_URL,
        "SIGNET_REDIS_KEY_PREFIX": f"signet-test-{uuid.uuid4().hex}",
        "SIGNET_RATE_LIMITS": '{"firma.read": "4/minute"}',
        "SIGNET_LOG_LEVEL": "warning",
    }
    key = _signet(
        {**base, "SIGNET_DATA_DIR": str(tmp_path / "admin")},
        "api-keys",
        "create",
        "--name",
        "shared",
    )
    processes, urls = [], []
    try:
        for node in ("one", "two"):
            port = _free_port()
            env = {**base, "SIGNET_DATA_DIR": str(tmp_path / node), "SIGNET_PORT": str(port)}
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "signet", "serve"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url, process in zip(urls, processes, strict=True):
            deadline = time.monotonic() + 120
            while True:
                assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, f"{url} did not start"
                time.sleep(0.2)
        yield urls, key.stdout.strip().splitlines()[-1]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


def test_a_limit_crossed_on_one_process_holds_on_the_other(
    two_servers: tuple[list[str], str],
) -> None:
    (one, two), key = two_servers
    auth = {"Authorization": key}
    clear_of_window_edge()
    remaining = []
    for url in (one, two, one, two):
        r = httpx.get(f"{url}{FIRMA}/signing-requests", headers=auth, timeout=10)
        assert r.status_code == 200, r.text
        remaining.append(int(r.headers["X-RateLimit-Remaining"]))
    assert remaining == [3, 2, 1, 0]
    for url in (one, two):
        r = httpx.get(f"{url}{FIRMA}/signing-requests", headers=auth, timeout=10)
        assert r.status_code == 429
        assert r.json()["code"] == "RATE_LIMITED"
