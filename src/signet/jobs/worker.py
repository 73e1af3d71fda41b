"""The worker: threads that claim due jobs, run their handlers, and record the outcome, and a
sweep thread that runs the periodic work. What to run comes from ``signet.jobs.registry``, filled
by the domain modules that the composition root (``signet.wiring``) imports.

A handler runs with no transaction open (it opens its own), so a slow SMTP server or webhook
receiver never holds SQLite's write lock. Handlers are idempotent: a job runs at least once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback

from sqlalchemy import event
from sqlalchemy.orm import Session

from signet.context import AppContext
from signet.db import transaction
from signet.jobs import queue
from signet.jobs.queue import Claimed
from signet.jobs.registry import HANDLERS, PERIODIC, GiveUp, RetryLater
from signet.observability.metrics import JOBS_FINISHED

log = logging.getLogger("signet.jobs")

# Set after any commit that enqueued a job, so an in-process worker starts at once.
_wakeup = threading.Event()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop("jobs_enqueued", False):
        _wakeup.set()


class Worker:
    """``concurrency`` threads running jobs until ``stop()``; also runs the periodic work."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        concurrency: int = 2,
        poll_interval: float = 0.5,
        lease_seconds: float = 60.0,
        sweep_interval: float = 30.0,
    ) -> None:
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
        next_run = dict.fromkeys(PERIODIC, 0.0)
        while not self._stop.is_set():
            for task in list(PERIODIC.values()):
                if time.monotonic() < next_run.get(task.name, 0.0):
                    continue
                try:
                    task.run(self.ctx)
                except Exception:  # noqa: BLE001 - the sweep must keep running
                    log.exception("periodic task %s failed", task.name)
                if task.every is not None:
                    next_run[task.name] = time.monotonic() + task.every
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
        reg = HANDLERS.get(job.kind)
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
            JOBS_FINISHED.labels(job.kind, "succeeded").inc()
        finally:
            done.set()

    def _record_failure(self, job: Claimed, error: str, delay: float | None) -> None:
        with transaction(self.ctx.db.write) as session:
            state = queue.fail(session, job, error, retry_in=delay)
        JOBS_FINISHED.labels(job.kind, "dead" if state == "dead" else "retry").inc()
        if state == "dead":
            log.error(
                "job %s (%s) is dead after %d attempts: %s", job.id, job.kind, job.attempt, error
            )
