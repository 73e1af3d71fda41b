"""Archive timestamp renewal (docs/evidence.md): before the certificate of a sealed file's last
document timestamp expires, the file gets the validation data of that timestamp and a new
document timestamp, stored as a new file beside the old one.

The request's file pointers (``final_sha256`` …) move to the new files, so downloads give the
newest; each replaced file is recorded in ``archive_renewals`` and stays stored, so ``/verify``
still recognises it. The audit trail gets one ``archive_timestamp_renewed`` event per renewal.

A periodic sweep (every worker runs it) enqueues one ``evidence.refresh`` job per due request,
with a dedupe key naming the request's current final file, so several workers enqueue it once;
the job works outside any transaction and records the result under the request's row lock,
only if the files are still those it started from: a second worker or ``signet evidence
refresh`` running at the same time changes nothing twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from signet.audit.service import record_event
from signet.context import AppContext
from signet.db import transaction
from signet.jobs.queue import Claimed, enqueue
from signet.jobs.registry import GiveUp, job_handler, periodic
from signet.models import ArchiveRenewal
from signet.models.base import utcnow
from signet.pdf.seal import SealError
from signet.pdf.seal_archive import archive_expiry, renew_archive_timestamp, tsa_certificate_expiry
from signet.pdf.seal_lta import load_roots
from signet.signing import archive_repository, repository
from signet.signing.specs import SYSTEM

log = logging.getLogger("signet.evidence")

JOB_KIND = "evidence.refresh"
SWEEP_LIMIT = 500
# The three sealed files of a request, by variant, and the column that points at each.
FILES = (
    ("final", "final_sha256"),
    ("document_only", "document_only_sha256"),
    ("certificate_only", "certificate_only_sha256"),
)


class NothingGained(Exception):  # noqa: N818 (a condition, not a failure of the code)
    """The TSA's certificate expires no later than the timestamp it would follow."""


@dataclass
class Sweep:
    """What one pass found: the due requests, and why none could be renewed if so."""

    due: list[tuple[str, str]] = field(default_factory=list)
    problem: str | None = None


def archive_expiry_of(files: Iterable[bytes]) -> datetime | None:
    """The earliest expiry of the files' last document timestamps' certificates (None: none)."""
    found = [e for e in (archive_expiry(data) for data in files) if e is not None]
    return min(found) if found else None


def find_due(ctx: AppContext, *, days: int | None = None) -> Sweep:
    """The requests whose files are due for a new archive timestamp. Asks the TSA (once) which
    certificate it signs with now: files it would not extend are left alone, and said so."""
    tsa = ctx.settings.tsa_url
    window = utcnow() + timedelta(days=days or ctx.settings.evidence_refresh_days)
    with ctx.db.read() as session:
        if not archive_repository.any_due(session, window):
            return Sweep()
    if not tsa:
        return Sweep(problem="files are due but SIGNET_TSA_URL is not set")
    try:
        renewable_before = tsa_certificate_expiry(tsa)
    except SealError as exc:
        return Sweep(problem=str(exc))
    with ctx.db.read() as session:
        due = archive_repository.due_request_ids(session, window, renewable_before, SWEEP_LIMIT)
    if not due:
        return Sweep(
            problem=f"files are due, but the time-stamping authority's certificate expires at "
            f"{renewable_before.isoformat()}, no later than theirs: renew its certificate or "
            "point SIGNET_TSA_URL to another TSA"
        )
    return Sweep(due=due)


@periodic("evidence.refresh_due", every=3600)
def enqueue_due(ctx: AppContext) -> int:
    """Enqueue one renewal job per due request (once, whichever worker sweeps)."""
    sweep = find_due(ctx)
    if sweep.problem:
        log.warning("archive timestamp renewal: %s", sweep.problem)
    if not sweep.due:
        return 0
    with transaction(ctx.db.write) as session:
        for request_id, final_sha256 in sweep.due:
            enqueue(
                session,
                JOB_KIND,
                {"signing_request_id": request_id},
                dedupe_key=f"{JOB_KIND}:{request_id}:{final_sha256}",
            )
    return len(sweep.due)


@job_handler(JOB_KIND)
def refresh_job(ctx: AppContext, job: Claimed) -> None:
    try:
        renew_request(ctx, job.payload["signing_request_id"])
    except NothingGained as exc:
        raise GiveUp(str(exc)) from exc


def renew_request(ctx: AppContext, request_id: str, *, days: int | None = None) -> list[str] | None:
    """Renew the archive timestamp of each of the request's files that is due; the variants
    renewed, or None when nothing was due or another process renewed them meanwhile.

    Raises :class:`SealError` (retried) when the evidence cannot be had, and
    :class:`NothingGained` when the TSA's certificate would extend nothing."""
    settings = ctx.settings
    window = utcnow() + timedelta(days=days or settings.evidence_refresh_days)
    with ctx.db.read() as session:
        request = repository.find_request(session, request_id)
        if request is None or not request.final_sha256 or request.deleted_at is not None:
            return None
        if request.archive_expires_at is None or request.archive_expires_at > window:
            return None
        current = {variant: getattr(request, column) for variant, column in FILES}
    if not settings.tsa_url:
        raise SealError("Archive timestamps cannot be renewed without SIGNET_TSA_URL")
    roots = load_roots(settings.seal_lta_roots)
    renewed: dict[str, tuple[str, str, datetime | None]] = {}
    expiries: list[datetime] = []
    for variant, sha in current.items():
        if sha is None:
            continue
        data = ctx.store.get(sha)
        expires = archive_expiry(data)
        if expires is None or expires > window:
            if expires is not None:
                expiries.append(expires)
            continue
        new = renew_archive_timestamp(data, settings.tsa_url, extra_trust_roots=roots)
        new_expires = archive_expiry(new)
        if new_expires is None or new_expires <= expires:
            raise NothingGained(
                f"the time-stamping authority's certificate expires at {new_expires}, no later "
                f"than the timestamp of {variant} ({expires}): a renewal would extend nothing; "
                "renew its certificate or point SIGNET_TSA_URL to another TSA"
            )
        new_sha = hashlib.sha256(new).hexdigest()
        ctx.store.put(new_sha, new)
        renewed[variant] = (sha, new_sha, new_expires)
        expiries.append(new_expires)
    if not renewed:
        return None
    with transaction(ctx.db.write) as session:
        request = repository.lock_request(session, request_id)
        if request is None or any(getattr(request, c) != current[v] for v, c in FILES):
            return None  # renewed (or re-sealed) by someone else meanwhile
        columns = dict(FILES)
        for variant, (old, new_sha, new_expires) in renewed.items():
            setattr(request, columns[variant], new_sha)
            session.add(
                ArchiveRenewal(
                    signing_request_id=request.id,
                    variant=variant,
                    previous_sha256=old,
                    sha256=new_sha,
                    archive_expires_at=new_expires,
                )
            )
        request.archive_expires_at = min(expiries) if expiries else None
        record_event(
            session,
            request,
            "archive_timestamp_renewed",
            SYSTEM,
            details={
                variant: {
                    "previous_sha256": old,
                    "sha256": new_sha,
                    "timestamp_expires_at": new_expires.isoformat() if new_expires else None,
                }
                for variant, (old, new_sha, new_expires) in renewed.items()
            },
        )
    log.info("request %s: archive timestamp renewed (%s)", request_id, ", ".join(renewed))
    return list(renewed)
