"""Real ``signet`` processes for the outage tests: ``signet migrate`` and ``signet api-keys``
run to completion; ``signet serve`` and ``signet worker`` run in sessions of their own until
``stop()``, which signals only their own process group (SIGTERM, SIGKILL after a grace)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

SIGNET = [sys.executable, "-m", "signet"]


def signet_env(**values: str) -> dict[str, str]:
    """The environment without the caller's own SIGNET_* settings, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNET_")}
    env.update(values)
    return env


def run_signet(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """Run one ``signet`` command to completion; its stdout."""
    done = subprocess.run(
        [*SIGNET, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"signet {' '.join(args)}: {done.stderr}"
    return done.stdout


class SignetProcess:
    """``signet serve`` or ``signet worker``, logging to ``log``."""

    def __init__(self, env: dict[str, str], args: list[str], log: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [*SIGNET, *args],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_http(self, url: str, timeout: float = 90) -> None:
        """Until ``url`` answers 200 (the server is up and ready)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.alive(), f"the process exited early:\n{self.log_tail()}"
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{url} did not answer 200 in {timeout}s:\n{self.log_tail()}")

    def stop(self, grace: float = 10) -> None:
        if not self.alive():
            return
        # Its own session: the group id is its pid, and holds only what it started.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""
