"""A fix for asn1crypto encoding a value it built again on every read of its contents, which
made each CMS container (a seal's, a signer's) ~10x slower to build than it needs.

asn1crypto marks a ``Sequence`` or ``SequenceOf`` as mutated when a field is set, and every
read of its ``contents`` while it is marked encodes all its children again; the mark is never
cleared. A value built from Python values (pyHanko's signed attributes, signer info, the
issuer name it copies into the signing-certificate attribute) stays marked for good, and
``dump`` reads ``contents`` twice per level (for the header and the body), each read encoding
the levels below it again: the work doubles with each level of nesting. For the signed
attributes of one PAdES signature that was ~7,000 encodings of values that never changed
(~9 ms of a ~10 ms container on the benchmark machine); with the fix, ~1 ms.

:func:`install` makes ``_set_contents`` (the one place that encodes the children) clear the
value's own mark once its contents are up to date. A later change still shows: setting a field
marks the value again, and a changed child is still found by ``_is_mutated``, which looks at
the children's marks, each cleared only when that child is encoded anew. The bytes are the same
either way (``tests/pdf/seal/test_asn1_mutated.py``).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from asn1crypto import core

__all__ = ["install"]

# The classes whose own _set_contents encodes their children (asn1crypto 1.5.1).
_PATCHED = (core.Sequence, core.SequenceOf)
_MARK = "_signet_clears_mutated"
_lock = threading.Lock()


def _clearing(set_contents: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(set_contents)
    def wrapper(self: Any, force: bool = False) -> None:
        set_contents(self, force)
        self._mutated = False  # its contents now match its children

    setattr(wrapper, _MARK, True)
    return wrapper


def install() -> None:
    """Apply the fix to asn1crypto (once per process; safe to call again)."""
    with _lock:
        for cls in _PATCHED:
            set_contents = cls.__dict__.get("_set_contents")
            if set_contents is not None and not getattr(set_contents, _MARK, False):
                cls._set_contents = _clearing(set_contents)
