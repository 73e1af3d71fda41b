"""Run PDF work in a few worker processes, each with a memory ceiling and every call with a time
limit, so one hostile file cannot starve the server.

qpdf (pikepdf) holds the GIL while it parses or repairs, and a decompression bomb can ask for
gigabytes: in a thread of the server either one stalls every other request. Here the work runs
in a separate process whose address space is capped with ``RLIMIT_AS``; a call that runs out of
memory, takes too long or kills its process raises :class:`SandboxFailed` and the worker is
replaced. Workers are started on first use (``spawn``, so nothing of the caller's threads or
locks is inherited) and reused, so their open documents and imports stay warm.

Callers block on :func:`run` from a thread of their own (the server's thread pool, a job
worker), never from the event loop. See docs/pdf-intake.md.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import resource
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

__all__ = ["MEMORY_LIMIT", "WORKERS", "SandboxFailed", "run", "shutdown"]

T = TypeVar("T")

# What one PDF may cost. The ceiling is address space, not resident memory: it covers the
# interpreter, pikepdf, PDFium and Pillow (about 300 MB mapped) plus the file's own work.
MEMORY_LIMIT = 1536 * 1024 * 1024
# Two: the machines Signet targets have few cores, and more would let hostile files take them all.
WORKERS = 2


class SandboxFailed(RuntimeError):
    """The work did not finish: ``reason`` is "memory", "time" or "crash"."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _serve(conn: Connection, memory_limit: int) -> None:
    """The worker's loop: run each call it receives and send back its outcome."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    # Below the server in the CPU scheduler: on a small machine two busy workers would
    # otherwise take the cores the server needs to answer everyone else.
    os.nice(10)
    while True:
        try:
            fn, args, kwargs = conn.recv()
        except EOFError:
            return
        try:
            outcome: tuple[str, Any] = ("ok", fn(*args, **kwargs))
        except MemoryError:
            outcome = ("memory", None)
        except Exception as exc:  # noqa: BLE001 - sent back and raised in the caller
            outcome = ("error", exc)
        try:
            conn.send(outcome)
        except MemoryError:
            conn.send(("memory", None))
        except Exception as exc:  # noqa: BLE001 - an exception that does not pickle
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {outcome[1]}")))


class _Worker:
    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_serve, args=(child, MEMORY_LIMIT), daemon=True, name="signet-pdf"
        )
        self.process.start()
        child.close()

    def call(
        self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], timeout: float
    ) -> Any:
        try:
            self.conn.send((fn, args, kwargs))
        except OSError as exc:  # the worker died while idle
            raise SandboxFailed("crash", "the PDF worker stopped before reading it") from exc
        if not self.conn.poll(timeout):
            raise SandboxFailed("time", f"took longer than {timeout:g} seconds")
        try:
            kind, value = self.conn.recv()
        except (EOFError, OSError) as exc:
            raise SandboxFailed("crash", "the PDF worker stopped while reading it") from exc
        if kind == "memory":
            raise SandboxFailed("memory", f"needs more than {MEMORY_LIMIT // 2**20} MB of memory")
        if kind == "error":
            raise value
        return value

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


_idle: queue.LifoQueue[_Worker | None] = queue.LifoQueue()
_started = threading.Lock()
_filled = False


def _take() -> _Worker:
    global _filled
    with _started:
        if not _filled:
            for _ in range(WORKERS):
                _idle.put(None)  # a free slot; its worker starts on first use
            _filled = True
    worker = _idle.get()
    if worker is None or not worker.process.is_alive():
        if worker is not None:
            worker.kill()
        try:
            return _Worker()
        except BaseException:
            _idle.put(None)
            raise
    return worker


def run(fn: Callable[..., T], *args: Any, timeout: float, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` in a worker process; its exceptions are raised here.

    ``fn`` and its arguments must pickle (a module-level function and plain data). Waits for a
    free worker first. Raises :class:`SandboxFailed` when the call runs out of memory, time, or
    its process dies; that worker is then replaced.
    """
    worker = _take()
    try:
        result = worker.call(fn, args, kwargs, timeout)
    except SandboxFailed:
        worker.kill()
        _idle.put(None)
        raise
    except BaseException:
        _idle.put(worker)
        raise
    _idle.put(worker)
    return result


def shutdown() -> None:
    """Stop the idle workers (tests, benchmarks); their slots start a new worker on next use."""
    stopped: list[_Worker | None] = []
    while True:
        try:
            stopped.append(_idle.get_nowait())
        except queue.Empty:
            break
    for worker in stopped:
        if worker is not None:
            worker.kill()
        _idle.put(None)
