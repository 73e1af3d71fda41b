"""What the worker runs, declared by the domains that own the work.

Each domain module declares its handlers with ``@job_handler(kind)`` and its recurring work with
``@periodic(name)``; the composition root (``signet.wiring``) imports those modules, and the
worker reads this registry. So the worker, below every domain, imports none of them.

A handler signals how it failed: ``RetryLater(delay)`` (e.g. a 429 with Retry-After),
``GiveUp`` (retrying cannot help: the job is parked as dead at once); any other exception is
retried on the handler's schedule, by default ``schedule_delay`` (docs/compat/webhooks.md).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from signet.context import AppContext
from signet.jobs.queue import Claimed


class RetryLater(Exception):
    """Raised by a handler to retry after a given delay (e.g. a 429 with Retry-After)."""

    def __init__(self, message: str, delay: float) -> None:
        super().__init__(message)
        self.delay = delay


class GiveUp(Exception):
    """Raised by a handler when retrying cannot help: the job is parked as dead at once."""


Handler = Callable[[AppContext, Claimed], None]
# attempt number (1-based), base seconds → seconds until the next try; None → no more tries.
RetrySchedule = Callable[[int, float], float | None]
# Recurring work: takes the application context.
PeriodicTask = Callable[[AppContext], object]


def schedule_delay(attempt: int, base: float) -> float | None:
    """The published retry schedule (docs/compat/webhooks.md#retry-schedule): base · 3.7^(n-1),
    ±10 % jitter; ~3 days over 10 attempts at the default base of 5 s (5 s, 18 s, 68 s, 4 min,
    16 min, 58 min, 3.6 h, 13 h, 49 h)."""
    if attempt >= 10:
        return None
    return base * (3.7 ** (attempt - 1)) * random.uniform(0.9, 1.1)


@dataclass(frozen=True)
class Registration:
    handler: Handler
    retry: RetrySchedule


@dataclass(frozen=True)
class Periodic:
    """Work every worker's sweep thread runs: every sweep interval (``every=None``), or at most
    once per ``every`` seconds. Declared in the order they run within one pass."""

    name: str
    run: PeriodicTask
    every: float | None


HANDLERS: dict[str, Registration] = {}
PERIODIC: dict[str, Periodic] = {}


def job_handler(kind: str, retry: RetrySchedule = schedule_delay) -> Callable[[Handler], Handler]:
    """Declare the handler of one job kind (a kind has exactly one)."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = Registration(fn, retry)
        return fn

    return register


def periodic(name: str, every: float | None = None) -> Callable[[PeriodicTask], PeriodicTask]:
    """Declare recurring work (the expiry sweep, purges); see ``Periodic``."""

    def register(fn: PeriodicTask) -> PeriodicTask:
        PERIODIC[name] = Periodic(name, fn, every)
        return fn

    return register
