"""Local-filesystem blob store: ``<root>/<k[:2]>/<k[2:4]>/<k>``, written atomically."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Literal

from signet.errors import StorageUnavailable
from signet.storage.base import CHUNK, sha256_of


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise ValueError(f"invalid blob key {key!r}")
        return self.root / key[:2] / key[2:4] / key

    def put(self, key: str, data: bytes) -> None:
        self._write(key, lambda fh: fh.write(data))

    def put_file(self, key: str, fileobj: BinaryIO) -> None:
        self._write(key, lambda fh: shutil.copyfileobj(fileobj, fh, CHUNK))

    def _write(self, key: str, write: Callable[[BinaryIO], object]) -> None:
        path = self._path(key)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                write(fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def local_path(self, key: str) -> str | None:
        path = self._path(key)
        return str(path) if path.exists() else None

    def download_url(
        self, key: str, filename: str, disposition: Literal["attachment", "inline"]
    ) -> str | None:
        return None  # local_path serves it without a copy

    def list_keys(self) -> Iterator[str]:
        for first in sorted(self.root.iterdir()):
            if not first.is_dir() or len(first.name) != 2:
                continue
            for second in sorted(first.iterdir()):
                if not second.is_dir():
                    continue
                for path in sorted(second.iterdir()):
                    if path.is_file() and not path.name.startswith("."):
                        yield path.name

    def digest(self, key: str) -> str | None:
        try:
            with self.open(key) as fh:
                return sha256_of(fh)
        except FileNotFoundError:
            return None

    def check(self, *, write: bool = True) -> None:
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageUnavailable(f"the blob directory {self.root} is not writable")

    def describe(self) -> str:
        return str(self.root)
