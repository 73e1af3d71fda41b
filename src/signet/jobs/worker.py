"""The worker: threads that claim due jobs, run their handlers, and record the outcome.

A handler runs with no transaction open (it opens its own), so a slow SMTP server or webhook
receiver never holds SQLite's write lock. Handlers are idempotent: a job runs at least once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from signet.db import transaction
from signet.jobs import queue
from signet.jobs.queue import Claimed

log = logging.getLogger("signet.jobs")

# Set after any commit that enqueued a job, so an in-process worker starts at once.
_wakeup = threading.Event()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop("jobs_enqueued", False):
        _wakeup.set()


class RetryLater(Exception):
    """Raised by a handler to retry after a given delay (e.g. a 429 with Retry-After)."""

    def __init__(self, message: str, delay: float) -> None:
        super().__init__(message)
        self.delay = delay


class GiveUp(Exception):
    """Raised by a handler when retrying cannot help: the job is parked as dead at once."""


Handler = Callable[[Any, Claimed], None]


@dataclass(frozen=True)
class Registration:
    handler: Handler
    # attempt number (1-based) → seconds until the next try; None → no more tries.
    retry: Callable[[int, float], float | None]


REGISTRY: dict[str, Registration] = {}


def schedule_delay(attempt: int, base: float) -> float | None:
    """The published retry schedule: base · 3.7^(n-1), ±10 % jitter; ~3 days over 10 attempts
    at the default base of 5 s (5 s, 18 s, 68 s, 4 min, 16 min, 1 h, 3.7 h, 14 h, 51 h)."""
    import random

    if attempt >= 10:
        return None
    return base * (3.7 ** (attempt - 1)) * random.uniform(0.9, 1.1)


def job_handler(
    kind: str, retry: Callable[[int, float], float | None] = schedule_delay
) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        REGISTRY[kind] = Registration(fn, retry)
        return fn

    return register


def load_handlers() -> None:
    """Import every module that registers handlers."""
    import signet.mail.tasks  # noqa: F401
    import signet.signing.processing  # noqa: F401
    import signet.signing.tasks  # noqa: F401
    import signet.webhooks.disabled_notice  # noqa: F401
    import signet.webhooks.tasks  # noqa: F401


class Worker:
    """``concurrency`` threads running jobs until ``stop()``; also runs the periodic sweep."""

    def __init__(
        self,
        ctx: Any,
        *,
        concurrency: int = 2,
        poll_interval: float = 0.5,
        lease_seconds: float = 60.0,
        sweep_interval: float = 30.0,
    ) -> None:
        load_handlers()
        self.ctx = ctx
        self.concurrency = max(1, concurrency)
        self.poll_interval = poll_interval
        self.lease_seconds = lease_seconds
        self.sweep_interval = sweep_interval
        self.name = f"{socket.gethostname()}:{os.getpid()}:{id(self) % 100000}"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for i in range(self.concurrency):
            t = threading.Thread(
                target=self._loop,
                args=(f"{self.name}/{i}",),
                daemon=True,
                name=f"signet-worker-{i}",
            )
            t.start()
            self._threads.append(t)
        t = threading.Thread(target=self._sweep_loop, daemon=True, name="signet-sweep")
        t.start()
        self._threads.append(t)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        _wakeup.set()
        for t in self._threads:
            t.join(timeout)

    def _sweep_loop(self) -> None:
        import time

        from signet.jobs import housekeeping
        from signet.signing.tasks import sweep_expired

        next_housekeeping = 0.0
        while not self._stop.is_set():
            try:
                sweep_expired(self.ctx)
                if time.monotonic() >= next_housekeeping:
                    housekeeping.run(self.ctx)
                    next_housekeeping = time.monotonic() + 3600
            except Exception:  # noqa: BLE001 - the sweep must keep running
                log.exception("expiry sweep or housekeeping failed")
            self._stop.wait(self.sweep_interval)

    def _loop(self, worker_id: str) -> None:
        db = self.ctx.db
        while not self._stop.is_set():
            try:
                with transaction(db.write) as session:
                    jobs = queue.claim(session, worker_id, self.lease_seconds)
            except Exception:  # noqa: BLE001 - e.g. the database restarting
                log.exception("claiming jobs failed")
                self._stop.wait(self.poll_interval)
                continue
            if not jobs:
                _wakeup.wait(self.poll_interval)
                _wakeup.clear()
                continue
            for job in jobs:
                self.run_one(job)

    def run_one(self, job: Claimed) -> None:
        db = self.ctx.db
        reg = REGISTRY.get(job.kind)
        done = threading.Event()

        def heartbeat() -> None:
            while not done.wait(self.lease_seconds / 3):
                try:
                    with transaction(db.write) as session:
                        queue.renew(session, job, self.lease_seconds)
                except Exception:  # noqa: BLE001
                    log.warning("could not renew the lease of job %s", job.id)

        beat = threading.Thread(target=heartbeat, daemon=True)
        beat.start()
        try:
            if reg is None:
                raise GiveUp(f"no handler for job kind {job.kind!r}")
            reg.handler(self.ctx, job)
        except RetryLater as exc:
            self._record_failure(job, f"{exc}", exc.delay)
        except GiveUp as exc:
            self._record_failure(job, f"GiveUp: {exc}", None)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
            delay = reg.retry(job.attempt, self.ctx.settings.retry_base_seconds) if reg else None
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            log.warning("job %s (%s) attempt %d failed: %s", job.id, job.kind, job.attempt, detail)
            self._record_failure(job, detail, delay)
        else:
            with transaction(db.write) as session:
                queue.complete(session, job)
        finally:
            done.set()

    def _record_failure(self, job: Claimed, error: str, delay: float | None) -> None:
        with transaction(self.ctx.db.write) as session:
            state = queue.fail(session, job, error, retry_in=delay)
        if state == "dead":
            log.error(
                "job %s (%s) is dead after %d attempts: %s", job.id, job.kind, job.attempt, error
            )
