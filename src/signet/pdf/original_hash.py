"""The SHA-256 of an original PDF, hashed once on a thread, for every file appended to it.

Each file finalisation makes is the original plus one incremental update, and needs the SHA-256
of its signed byte range (for the seal) and of its bytes (to store and cite it). Hashing the
original once and copying that state (a ``hashlib`` copy takes constant time) leaves only the
appended bytes to hash for each of them. The hash starts on a thread as soon as the object is
made: ``hashlib`` releases the GIL while it hashes, so a 20 MB original is hashed on another core
while the caller stamps and certifies in Python.
"""

from __future__ import annotations

import hashlib
import io
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashlib import _Hash

__all__ = ["OriginalHash"]


class OriginalHash:
    """The SHA-256 of ``original``, computed in the background from the moment this is made."""

    def __init__(self, original: bytes) -> None:
        self.original = original
        self._hash = hashlib.sha256()
        self._done = False
        self._thread = threading.Thread(target=self._run, name="original-sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self._hash.update(self.original)
        self._done = True

    def is_held_by(self, stream: io.BytesIO) -> bool:
        """True when ``stream`` was made from the original itself and is not yet written to.

        Such a ``BytesIO`` shares the original's bytes object instead of copying it, and returns
        that very object as its value (any other returns another object, a copy). An identity
        test: free when it holds, and not fooled by equal lengths or equal bytes elsewhere.
        """
        return stream.getvalue() is self.original

    def state(self) -> _Hash:
        """A copy of the finished hash of the original, to be continued with what follows it."""
        self._thread.join()
        if not self._done:  # the thread died (out of memory): never hand out a partial hash
            raise RuntimeError("the original PDF could not be hashed")
        return self._hash.copy()

    def hexdigest_of(self, data: bytes) -> str:
        """The SHA-256 (hex) of ``data``, hashing only what follows the original in it.

        ``data`` that does not start with the original is hashed in full: the answer is right
        whatever it is given.
        """
        size = len(self.original)
        if not data.startswith(self.original):  # a memory compare, ten times faster than hashing
            return hashlib.sha256(data).hexdigest()
        try:
            digest = self.state()
        except RuntimeError:  # the hashing thread died: hash it all here
            return hashlib.sha256(data).hexdigest()
        digest.update(memoryview(data)[size:])
        return digest.hexdigest()
