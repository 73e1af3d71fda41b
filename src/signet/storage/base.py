"""The BlobStore protocol: immutable objects addressed by key (usually a SHA-256)."""

from __future__ import annotations

from typing import Protocol


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``; storing the same key twice is a no-op."""

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; raises FileNotFoundError when absent."""

    def exists(self, key: str) -> bool: ...

    def local_path(self, key: str) -> str | None:
        """A filesystem path for zero-copy reads, when the backend has one."""
