"""Copy every blob from one store to another (``signet storage migrate --to URL``).

Resumable and safe while Signet serves: blobs are immutable and named by their SHA-256, so a
blob the target already holds under the same digest is skipped, and a blob stored during the
copy is picked up by running the command again. Each blob is streamed through a spooled
temporary file while it is hashed, and written to the target only when its SHA-256 matches
its name: a damaged source file is reported, never copied.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

from signet.storage.base import CHUNK, BlobStore

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
# Blobs up to this size are spooled in memory, larger ones on disk.
SPOOL_BYTES = 8 * 1024 * 1024


@dataclass
class MigrationReport:
    copied: int = 0
    skipped: int = 0
    bytes_copied: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"copied {self.copied} blob(s) ({self.bytes_copied} bytes), "
            f"already there {self.skipped}, failed {len(self.failed)}"
        )


def copy_blobs(
    source: BlobStore, target: BlobStore, progress: Callable[[str, str], None] | None = None
) -> MigrationReport:
    """Copy what ``target`` lacks from ``source``; ``progress(key, outcome)`` after each blob."""
    report = MigrationReport()
    for key in source.list_keys():
        outcome = _copy_one(source, target, key, report)
        if progress is not None:
            progress(key, outcome)
    return report


def _copy_one(source: BlobStore, target: BlobStore, key: str, report: MigrationReport) -> str:
    if not SHA256_HEX.match(key):
        report.failed.append((key, "the name is not a SHA-256, so the content cannot be checked"))
        return "failed"
    held = target.digest(key)
    if held == key:
        report.skipped += 1
        return "skipped"
    if held is not None:
        report.failed.append((key, "the target holds different bytes under this name"))
        return "failed"
    digest = hashlib.sha256()
    size = 0
    try:
        with source.open(key) as src, tempfile.SpooledTemporaryFile(SPOOL_BYTES) as spool:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                spool.write(chunk)
                size += len(chunk)
            if digest.hexdigest() != key:
                report.failed.append((key, "the source content does not match its SHA-256"))
                return "failed"
            spool.seek(0)
            target.put_file(key, spool)  # type: ignore[arg-type]
    except FileNotFoundError:
        report.failed.append((key, "the source blob vanished while copying"))
        return "failed"
    report.copied += 1
    report.bytes_copied += size
    return "copied"
