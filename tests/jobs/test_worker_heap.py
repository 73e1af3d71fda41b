"""The worker freezes what start-up made once per process, so the cyclic collector's full passes
walk only what jobs made since (worker.freeze_startup_heap)."""

from __future__ import annotations

import subprocess
import sys

_PROBE = """
import gc
from signet.jobs.worker import freeze_startup_heap

assert gc.get_freeze_count() == 0
startup = [[i] for i in range(1000)]
garbage = []
garbage.append(garbage)  # a cycle nothing refers to: collected, not frozen
del garbage
freeze_startup_heap()
frozen = gc.get_freeze_count()
assert frozen > 1000, frozen
assert not any(o is startup for o in gc.get_objects()), "start-up objects are still walked"

later = []
later.append(later)  # made after start-up: the collector still sees and frees it
assert any(o is later for o in gc.get_objects())
freeze_startup_heap()  # again: nothing more is frozen
assert gc.get_freeze_count() == frozen, (gc.get_freeze_count(), frozen)
del later
assert gc.collect() >= 1
print("ok")
"""


def test_start_up_objects_are_frozen_once_and_later_ones_collected() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
