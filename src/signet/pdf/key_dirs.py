"""Key directories written once, whole, even when several processes start at the same moment.

The seal (``seal_keys``) and the signing CA (``signing_ca``) each keep a key and a certificate in
a directory of the data dir. The files are written into a private scratch directory that is then
renamed into place in one step: rename() of a directory fails when the target already holds
files, so when two processes start at once exactly one wins and the other loads the winner's.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


class KeyDirIncomplete(Exception):
    """The target exists but lacks the file that shows it is complete."""


def write_new(path: Path, data: bytes, mode: int) -> None:
    """Write a file that must not exist yet, with ``mode``, and flush it to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def publish_key_dir(
    data_dir: Path, target: Path, files: dict[str, tuple[bytes, int]], *, complete_when: str
) -> None:
    """Put ``files`` (name → bytes, mode) at ``target`` in one step, unless another process did
    first; raises ``KeyDirIncomplete`` if ``target`` exists without ``complete_when``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=data_dir))
    try:
        for name, (data, mode) in files.items():
            write_new(scratch / name, data, mode)
        try:
            os.rename(scratch, target)
        except OSError:
            if not (target / complete_when).exists():
                raise KeyDirIncomplete(str(target)) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
