"""The worker: threads that claim due jobs, run their handlers, and record the outcome, and a
sweep thread that runs the periodic work. What to run comes from ``signet.jobs.registry``, filled
by the domain modules that the composition root (``signet.wiring``) imports.

A handler runs with no transaction open (it opens its own), so a slow SMTP server or webhook
receiver never holds SQLite's write lock. Handlers are idempotent: a job runs at least once.
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from signet.context import AppContext
from signet.db import database_unavailable, transaction
from signet.jobs import queue
from signet.jobs.queue import Claimed
from signet.jobs.registry import HANDLERS, PERIODIC, GiveUp, RetryLater
from signet.observability.metrics import JOBS_FINISHED

log = logging.getLogger("signet.jobs")

# The longest wait between tries while the database is unavailable.
MAX_BACKOFF_SECONDS = 5.0

# Set after any commit that enqueued a job, so an in-process worker starts at once.
_wakeup = threading.Event()
_heap_lock = threading.Lock()
_heap_frozen = False


def freeze_startup_heap() -> None:
    """Keep what start-up made (modules, fonts, caches) out of the cyclic collector's full passes.

    A job such as finalisation leaves reference cycles (pyHanko's reader and writer), so now and
    then the collector walks every object in the process, ~260,000 in a worker after start-up:
    tens of milliseconds (~130 ms on the busy benchmark machine) added to whichever seal it lands
    in. ``gc.freeze`` moves what is
    alive now to a generation the collector never walks; garbage is collected first so none of
    it is kept. Once per process: what is made later (each job's objects) is collected as before;
    a start-up object dropped later is still freed by reference counting, only a cycle of them
    would stay (start-up state lives as long as the process).
    """
    global _heap_frozen
    with _heap_lock:
        if _heap_frozen:
            return
        _heap_frozen = True
        gc.collect()
        gc.freeze()


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
        freeze_startup_heap()
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
                except Exception as exc:  # noqa: BLE001 - the sweep must keep running
                    self._database_trouble(f"periodic task {task.name} failed", exc, 1)
                if task.every is not None:
                    next_run[task.name] = time.monotonic() + task.every
            self._stop.wait(self.sweep_interval)

    def _loop(self, worker_id: str) -> None:
        db = self.ctx.db
        failures = 0  # claims in a row that failed: the wait grows while the database is away
        while not self._stop.is_set():
            try:
                with transaction(db.write) as session:
                    jobs = queue.claim(session, worker_id, self.lease_seconds)
            except Exception as exc:  # noqa: BLE001 - e.g. the database restarting
                failures += 1
                self._database_trouble("claiming jobs failed", exc, failures)
                self._stop.wait(self._backoff(failures))
                continue
            if failures:
                log.info("claiming jobs works again after %d failed tries", failures)
                failures = 0
            if not jobs:
                _wakeup.wait(self.poll_interval)
                _wakeup.clear()
                continue
            for job in jobs:
                self.run_one(job)

    def _backoff(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failed tries in a row: from the poll interval,
        doubling, up to ``MAX_BACKOFF_SECONDS``."""
        return min(MAX_BACKOFF_SECONDS, max(self.poll_interval, 0.1) * 2 ** min(failures, 10))

    def _database_trouble(self, what: str, exc: Exception, failures: int) -> None:
        """Log a failed database step: an outage in one line (once, then every tenth try),
        anything else with its traceback."""
        if database_unavailable(exc):
            if failures == 1 or failures % 10 == 0:
                first = (str(exc).splitlines() or [type(exc).__name__])[0][:300]
                log.warning("%s (try %d), the database is unavailable: %s", what, failures, first)
        else:
            log.error("%s (try %d)", what, failures, exc_info=exc)

    def _record(self, job: Claimed, what: str, record: Callable[[Session], object]) -> bool:
        """Run ``record`` (the job's outcome) in a write transaction, trying again with a growing
        wait while the database is unavailable. The job stays ours meanwhile (the heartbeat
        renews its lease when it can); if this worker stops first (False), the lease runs out and
        the job runs again, as after a crash."""
        failures = 0
        while True:
            try:
                with transaction(self.ctx.db.write) as session:
                    record(session)
                return True
            except Exception as exc:  # noqa: BLE001 - keep the thread; the job is not lost
                failures += 1
                self._database_trouble(f"recording {what} of job {job.id}", exc, failures)
                if self._stop.wait(self._backoff(failures)):
                    return False

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
            if self._record(job, "the success", lambda session: queue.complete(session, job)):
                JOBS_FINISHED.labels(job.kind, "succeeded").inc()
        finally:
            done.set()

    def _record_failure(self, job: Claimed, error: str, delay: float | None) -> None:
        states: list[str] = []
        recorded = self._record(
            job,
            "a failure",
            lambda session: states.append(queue.fail(session, job, error, retry_in=delay)),
        )
        if not recorded:
            return  # stopping before the failure could be recorded: the lease runs out
        state = states[-1]  # the try that committed
        JOBS_FINISHED.labels(job.kind, "dead" if state == "dead" else "retry").inc()
        if state == "dead":
            log.error(
                "job %s (%s) is dead after %d attempts: %s", job.id, job.kind, job.attempt, error
            )
