"""The BlobStore protocol: immutable objects addressed by key (the SHA-256 of their bytes).

Callers that need the whole file (PDF work) use ``get``/``put``; downloads and copies between
backends stream with ``open``/``put_file``, so a large file is never held twice in memory.
Backends report an outage as ``signet.errors.StorageUnavailable`` (503 with Retry-After at
the faces, a retry for jobs) and a missing key as ``FileNotFoundError``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import BinaryIO, Literal, Protocol

# Reads and copies move this much at a time.
CHUNK = 256 * 1024


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``; storing the same key twice is a no-op."""

    def put_file(self, key: str, fileobj: BinaryIO) -> None:
        """Store what ``fileobj`` holds from its current position, reading it in chunks."""

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; raises FileNotFoundError when absent."""

    def open(self, key: str) -> BinaryIO:
        """A stream of the bytes under ``key`` (the caller closes it); FileNotFoundError."""

    def size(self, key: str) -> int:
        """The size in bytes of the object under ``key``; FileNotFoundError when absent."""

    def exists(self, key: str) -> bool: ...

    def local_path(self, key: str) -> str | None:
        """A filesystem path for zero-copy reads, when the backend has one."""

    def download_url(
        self, key: str, filename: str, disposition: Literal["attachment", "inline"]
    ) -> str | None:
        """A short-lived URL a browser may fetch the object from directly, when the backend
        offers one and the operator allowed it; None means "serve it yourself"."""

    def list_keys(self) -> Iterator[str]:
        """Every stored key (for ``signet storage migrate``)."""

    def digest(self, key: str) -> str | None:
        """The SHA-256 (hex) of the stored object, None when absent."""

    def check(self, *, write: bool = True) -> None:
        """Raise StorageUnavailable, naming the problem, unless the store can be used now;
        ``write=False`` (readiness probes) only reads."""

    def describe(self) -> str:
        """Where the blobs live, for logs and messages (never with credentials)."""


def sha256_of(stream: BinaryIO) -> str:
    """The SHA-256 (hex) of what ``stream`` holds, read in chunks."""
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()
