"""The command line as operators use it: real processes, an empty data dir, real HTTP."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

SIGNET = [sys.executable, "-m", "signet"]


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNET_")}
    env.update({"SIGNET_DATA_DIR": str(data_dir), **extra})
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_api_keys_create_prints_the_key_alone_on_an_empty_data_dir(tmp_path):
    out = subprocess.run(
        [*SIGNET, "api-keys", "create", "--name", "ci", "--workspace", "Acme"],
        env=_env(tmp_path / "fresh"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert re.fullmatch(r"signet_live_[0-9A-Za-z]{43}\n", out.stdout)
    second = subprocess.run(
        [*SIGNET, "api-keys", "create", "--name", "ci2", "--workspace", "Acme"],
        env=_env(tmp_path / "fresh"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.stdout != out.stdout


def test_migrate_is_idempotent(tmp_path):
    for _ in range(2):
        out = subprocess.run(
            [*SIGNET, "migrate"], env=_env(tmp_path), capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 0, out.stderr
    assert (tmp_path / "signet.db").exists()


def test_serve_prints_a_key_and_a_working_curl_then_serves(tmp_path):
    port = _free_port()
    proc = subprocess.Popen(
        [*SIGNET, "serve", "--port", str(port)],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 60
        base = f"http://127.0.0.1:{port}"
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("server did not become healthy")
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
        lines = output.splitlines()
        key = next(m.group(0) for line in lines if (m := re.search(r"signet_live_\w{43}", line)))
        # The scripts the PDF fonts cover are said at start-up.
        fonts_line = next(line for line in lines if "PDF fonts:" in line)
        assert "Chinese, Japanese, Korean" in fonts_line and "Arabic" in fonts_line
        curl_text = output[output.index("curl -s") :]
        payload = curl_text[curl_text.index("-d '") + 4 : curl_text.index("}]}'") + 3]
    finally:
        if proc.poll() is None:
            proc.kill()
    # Start again on the same data dir: no new key is printed, the first one works.
    proc = subprocess.Popen(
        [*SIGNET, "serve", "--port", str(port)],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        r = httpx.post(
            f"{base}/v1/signing-requests",
            content=payload,
            headers={"Authorization": key, "Content-Type": "application/json"},
        )
        assert r.status_code == 201, r.text
        assert r.json()["recipients"][0]["email"] == "ada@example.com"
    finally:
        proc.send_signal(signal.SIGINT)
        second_output, _ = proc.communicate(timeout=30)
    assert "signet_live_" not in second_output


def test_serve_with_several_workers_on_sqlite_is_refused_naming_postgresql(tmp_path):
    out = subprocess.run(
        [*SIGNET, "serve", "--port", str(_free_port()), "--workers", "2"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "needs PostgreSQL" in out.stderr and "SIGNET_DATABASE_URL" in out.stderr


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(c) for c in text]
    return found


def test_serve_with_two_workers_on_postgresql_runs_two_api_processes(tmp_path, pg_schema_url):
    port = _free_port()
    proc = subprocess.Popen(
        [*SIGNET, "serve", "--port", str(port), "--workers", "2"],
        env=_env(tmp_path, SIGNET_DATABASE_URL=pg_schema_url, SIGNET_INLINE_WORKER="0"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()  # type: ignore[union-attr]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not become healthy"
            time.sleep(0.3)
        # uvicorn's supervisor runs one child per worker (plus its multiprocessing helper, if any)
        deadline = time.monotonic() + 30
        while len([c for c in _children(proc.pid) if Path(f"/proc/{c}/cmdline").exists()]) < 2:
            assert time.monotonic() < deadline, _children(proc.pid)
            time.sleep(0.3)
        for _ in range(10):
            assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_signet_log_level_applies_to_signets_own_loggers_and_the_libraries(tmp_path):
    # The migration logs at INFO (alembic); at "warning" nothing below WARNING is printed.
    quiet = subprocess.run(
        [*SIGNET, "migrate"],
        env=_env(tmp_path, SIGNET_LOG_LEVEL="warning"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert quiet.returncode == 0, quiet.stderr
    assert "INFO" not in quiet.stderr
    probe = (
        "import logging; from signet.cli import configure_logs; configure_logs('text', '{0}'); "
        "print(logging.getLogger('signet.finalize').getEffectiveLevel())"
    )
    for level, expected in (("warning", "30"), ("DEBUG", "10"), ("trace", "10"), ("info", "20")):
        out = subprocess.run(
            [sys.executable, "-c", probe.format(level)], capture_output=True, text=True, timeout=60
        )
        assert out.stdout.strip() == expected, (level, out.stderr)


def test_an_unknown_log_level_is_refused_at_start_with_the_setting_named(tmp_path):
    out = subprocess.run(
        [*SIGNET, "migrate"],
        env=_env(tmp_path, SIGNET_LOG_LEVEL="loud"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0
    assert "SIGNET_LOG_LEVEL must be one of" in out.stderr


def test_long_term_seals_without_a_tsa_are_refused_at_start(tmp_path):
    out = subprocess.run(
        [*SIGNET, "migrate"],
        env=_env(tmp_path, SIGNET_SEAL_LTA="1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0
    assert "SIGNET_SEAL_LTA=1 needs SIGNET_TSA_URL" in out.stderr


def test_an_incomplete_remote_signing_service_is_refused_at_start(tmp_path):
    # A CSC service is used whole or not at all: each incomplete combination stops the command
    # with a message naming what is missing.
    cases = [
        ({"SIGNET_CSC_URL": "https://csc.example.com/csc/v1"}, "SIGNET_CSC_CREDENTIAL_ID and"),
        (
            {"SIGNET_CSC_URL": "https://csc.example.com", "SIGNET_CSC_CREDENTIAL_ID": "c"},
            "SIGNET_CSC_TOKEN is not",
        ),
        ({"SIGNET_CSC_CREDENTIAL_ID": "c"}, "SIGNET_CSC_CREDENTIAL_ID needs SIGNET_CSC_URL"),
        (
            {
                "SIGNET_CSC_URL": "http://csc.example.com",
                "SIGNET_CSC_CREDENTIAL_ID": "c",
                "SIGNET_CSC_TOKEN": "t",
            },
            "SIGNET_CSC_URL must use https",
        ),
    ]
    for env, message in cases:
        out = subprocess.run(
            [*SIGNET, "migrate"],
            env=_env(tmp_path, **env),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode != 0, env
        assert message in out.stderr, (env, out.stderr)
