"""The ``signet`` command: serve, worker, migrate, api-keys, jobs, verify, storage migrate,
seal-key. Commands that use the database migrate it first; ``verify`` and ``seal-key`` need none."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from signet.config import Settings, get_settings
from signet.db import open_database, transaction
from signet.migrate import upgrade_database
from signet.observability.logs import configure_logging

DEFAULT_WORKSPACE = "Default"
log = logging.getLogger("signet.seal")


def _migrate(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = open_database(settings.resolved_database_url)
    try:
        upgrade_database(db.engine)
    finally:
        db.dispose()


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    _migrate(settings)
    print("Database schema is up to date.", file=sys.stderr)
    return 0


def cmd_api_keys_create(settings: Settings, args: argparse.Namespace) -> int:
    from signet.workspaces.service import create_api_key, ensure_workspace

    _migrate(settings)
    db = open_database(settings.resolved_database_url)
    try:
        with transaction(db.write) as session:
            ws = ensure_workspace(session, args.workspace)
            key = create_api_key(session, ws, args.name, "test" if args.test else "live")
    finally:
        db.dispose()
    print(key)
    return 0


def _first_run_banner(settings: Settings) -> None:
    """On an empty data dir: create a workspace and one key, and show how to use it."""
    from signet.workspaces.repository import has_any_key
    from signet.workspaces.service import create_api_key, ensure_workspace

    db = open_database(settings.resolved_database_url)
    try:
        with transaction(db.write) as session:
            if has_any_key(session):
                return
            ws = ensure_workspace(session, DEFAULT_WORKSPACE)
            key = create_api_key(session, ws, "first key")
    finally:
        db.dispose()
    base = settings.public_base_url
    pdf = "JVBERi0xLjEKMSAwIG9iajw8L1R5cGUvQ2F0YWxvZy9QYWdlcyAyIDAgUj4+ZW5kb2JqCjIgMCBvYmo8PC9UeXBlL1BhZ2VzL0tpZHNbMyAwIFJdL0NvdW50IDE+PmVuZG9iagozIDAgb2JqPDwvVHlwZS9QYWdlL1BhcmVudCAyIDAgUi9NZWRpYUJveFswIDAgNjEyIDc5Ml0+PmVuZG9iagp0cmFpbGVyPDwvUm9vdCAxIDAgUj4+CiUlRU9GCg=="  # noqa: E501
    print(
        f"""
  Signet is ready. Your API key (shown once, keep it safe):

      {key}

  Create a signing request:

      curl -s {base}/v1/signing-requests \\
        -H 'Authorization: {key}' -H 'Content-Type: application/json' \\
        -d '{{"name":"Hello","document":"{pdf}",
             "recipients":[{{"id":"temp_1","first_name":"Ada","last_name":"Lovelace","email":"ada@example.com"}}],
             "fields":[{{"type":"signature","recipient_id":"temp_1","page_number":1,
                        "position":{{"x":10,"y":80,"width":30,"height":8}}}}]}}'

  API docs: {base}/docs
""",
        flush=True,
    )


def _tune_allocator() -> None:
    """Return large freed buffers (a 20 MB upload) to the OS instead of keeping them in glibc's
    heap, so the server's memory goes back down after a big request."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt(-3, 1024 * 1024)  # M_MMAP_THRESHOLD: allocations >= 1 MiB use mmap
    except (OSError, AttributeError):
        pass


def _storage_problem(settings: Settings) -> str | None:
    """Why the configured blob store cannot be used now (None when it can)."""
    from signet.errors import StorageUnavailable
    from signet.storage import StorageUrlError, open_store

    try:
        store = open_store(settings.storage_url, settings.data_dir, presign=settings.s3_presign)
        store.check()
    except (StorageUnavailable, StorageUrlError) as exc:
        return str(exc)
    return None


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from signet.app import create_app
    from signet.kit.http_server import HTTP_PROTOCOL, MAX_HEAD_BYTES

    if args.host:
        settings.host = args.host
    if args.port:
        settings.port = args.port
    workers = args.workers or 1
    if workers > 1 and settings.resolved_database_url.startswith("sqlite"):
        print(
            f"signet serve --workers {workers} needs PostgreSQL: SQLite takes one writing process "
            "at a time, so several API processes would wait on each other's locks. Set "
            "SIGNET_DATABASE_URL=postgresql://… (see README, Running on PostgreSQL), or run one "
            "process.",
            file=sys.stderr,
        )
        return 2
    problem = _storage_problem(settings)
    if problem:
        print(f"signet: not starting: storage: {problem}", file=sys.stderr)
        return 2
    _tune_allocator()
    _migrate(settings)
    if not _seal_self_test(settings):
        return 1
    _first_run_banner(settings)
    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "proxy_headers": True,
        "server_header": False,
        "http": HTTP_PROTOCOL,
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
    }
    if settings.log_format == "json":
        # uvicorn's loggers (access lines included) go through the root JSON handler, which
        # create_app sets up in every process.
        common["log_config"] = None
    if workers == 1:
        uvicorn.run(create_app(settings), **common)
        return 0
    # Each process builds its own app from the environment: pass the command line's choices on.
    os.environ["SIGNET_HOST"] = settings.host
    os.environ["SIGNET_PORT"] = str(settings.port)
    uvicorn.run("signet.app:create_app", factory=True, workers=workers, **common)
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    import signal
    import threading

    from signet.app import build_state, report_fonts, start_worker

    problem = _storage_problem(settings)
    if problem:
        print(f"signet: not starting: storage: {problem}", file=sys.stderr)
        return 2
    _migrate(settings)
    if not _seal_self_test(settings):
        return 1
    report_fonts()
    state = build_state(settings)
    worker = start_worker(state, args.concurrency or settings.worker_concurrency)
    print(f"worker running with {worker.concurrency} threads; Ctrl-C stops it", file=sys.stderr)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    worker.stop()
    return 0


def cmd_jobs(settings: Settings, args: argparse.Namespace) -> int:
    from signet.jobs import queue

    _migrate(settings)
    db = open_database(settings.resolved_database_url)
    try:
        if args.jobs_command == "retry":
            with transaction(db.write) as session:
                ok = queue.retry_dead(session, args.id)
            if not ok:
                print(f"no dead job {args.id}", file=sys.stderr)
                return 1
            print(f"job {args.id} will run again", file=sys.stderr)
            return 0
        with db.read() as session:
            jobs = queue.list_jobs(session)
            print(f"{'ID':36}  {'KIND':16}  {'STATE':8}  {'TRIES':>5}  {'RUN AT':20}  LAST ERROR")
            for j in jobs:
                state = "failed" if j.state == "pending" and j.last_error else j.state
                err = (j.last_error or "").splitlines()[-1][:60] if j.last_error else ""
                print(
                    f"{j.id:36}  {j.kind:16}  {state:8}  {j.attempts:>5}  "
                    f"{j.run_at:%Y-%m-%d %H:%M:%S}  {err}"
                )
    finally:
        db.dispose()
    return 0


def _seal_self_test(settings: Settings) -> bool:
    """Seal and verify a one-page PDF with the installation's key; log one line. False (after
    saying why on stderr) when documents could not be sealed."""
    from signet.pdf.seal_check import self_test
    from signet.pdf.seal_keys import SealKeyError, remember_certificate
    from signet.pdf.signing_ca import SigningCAError
    from signet.signing.finalize import seal_identity
    from signet.signing.signer_signatures import signing_ca

    try:
        identity = seal_identity(settings)
        signing_ca(settings)  # made at first start, like the seal key
    except (SealKeyError, SigningCAError) as exc:
        log.error("seal self-test FAILED: %s", exc)
        print(f"signet: cannot start: {exc}", file=sys.stderr)
        return False
    result = self_test(
        identity,
        tsa_url=settings.tsa_url,
        long_term=settings.seal_pades_level == "B-LTA",
        lta_roots=settings.seal_lta_roots,
    )
    if not result.ok:
        log.error("%s", result.line())
        print(
            f"signet: cannot start: the seal self-test failed ({result.problem}). Completed "
            "documents would stay unsealed: fix the seal key (`signet seal-key show`, `import`, "
            "`rotate`) or SIGNET_SEAL_P12 / SIGNET_TSA_URL / SIGNET_SEAL_LEVEL, then start again.",
            file=sys.stderr,
        )
        return False
    level = logging.INFO if result.chain.startswith(("self-signed", "valid")) else logging.WARNING
    log.log(level, "%s", result.line())
    # Files this key seals must stay recognised after the key is replaced, even a key that
    # SIGNET_SEAL_P12 names (which seal-key rotate never sees).
    remember_certificate(settings.data_dir, identity.certificate)
    if settings.csc_url:
        # Not contacted here: an outage delays finalisations (retried), it does not stop serving.
        log.info(
            "per-signer signatures are made by the CSC service at %s with credential %s",
            settings.csc_url,
            settings.csc_credential_id,
        )
    return True


def cmd_verify(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 0 only when the file is a Signet-sealed PDF whose seal is intact and, when this
    installation's seal keys are found in the data dir, sealed by one of them."""
    from pathlib import Path

    from signet.pdf.seal_keys import seal_history
    from signet.pdf.signing_ca import read_signing_ca
    from signet.pdf.verify import verify_pdf
    from signet.signing.verification import describe, sealed_by

    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    # Read only: checking a file never creates a seal key.
    certificates = seal_history(settings.data_dir)
    ca = read_signing_ca(settings.data_dir)
    result = verify_pdf(data, seal_certificates=certificates, signing_cas=[ca] if ca else [])
    for line in describe(result):
        print(line)
    ours = sealed_by(result, certificates)
    if not certificates:
        print(f"No seal keys in {settings.data_dir}: only the seal's integrity was checked.")
    elif result.signed:
        print("Sealed by this installation: " + ("yes" if ours else "NO"))
    return 0 if (result.signet_sealed and result.intact and (ours or not certificates)) else 1


def cmd_seal_key(settings: Settings, args: argparse.Namespace) -> int:
    """Show, import or rotate the installation's seal key (no database needed)."""
    from pathlib import Path

    from signet.pdf import seal_keys

    if args.seal_command != "show" and settings.seal_p12:
        print(
            "signet: the seal key comes from SIGNET_SEAL_P12; replace that file (or unset the "
            "variable to use the key in the data dir) instead",
            file=sys.stderr,
        )
        return 2
    try:
        if args.seal_command == "rotate":
            before, after = seal_keys.rotate_seal(settings.data_dir, settings.installation_name)
            was = before.fingerprint_sha256 if before else "a damaged key"
            print(f"Seal key rotated: {was} -> {after.fingerprint_sha256}")
        elif args.seal_command == "import":
            password = os.environ.get("SIGNET_SEAL_P12_PASSWORD")
            if password is None and args.ask_password:
                import getpass

                password = getpass.getpass("PKCS#12 password: ")
            earlier, after = seal_keys.import_seal(settings.data_dir, Path(args.file), password)
            was = earlier.fingerprint_sha256 if earlier else "none"
            print(f"Seal key imported: {was} -> {after.fingerprint_sha256}")
        else:
            _show_seal(settings)
            return 0
    except seal_keys.SealKeyError as exc:
        print(f"signet: {exc}", file=sys.stderr)
        return 1
    print(
        "New seals use it from now on (running servers and workers load it before their next "
        "seal); files sealed with earlier keys still verify as this installation's."
    )
    return 0


def _show_seal(settings: Settings) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    from signet.pdf.seal_keys import known_certificates
    from signet.signing.finalize import seal_identity

    identity = seal_identity(settings)
    where = {
        "generated": f"generated by Signet, in {settings.data_dir / 'seal'}",
        "imported": f"imported from a PKCS#12 file, in {settings.data_dir / 'seal'}",
        "pkcs12": f"SIGNET_SEAL_P12 ({settings.seal_p12})",
    }[identity.source]
    print(f"Current seal key: {where}")
    for cert in known_certificates(settings.data_dir, identity):
        c = x509.load_der_x509_certificate(cert.dump())
        fingerprint = c.fingerprint(hashes.SHA256()).hex()
        current = " (current)" if cert.dump() == identity.certificate.dump() else ""
        print(f"  sha256 {fingerprint}{current}")
        print(f"    subject  {c.subject.rfc4514_string()}")
        print(f"    issuer   {c.issuer.rfc4514_string()}")
        print(f"    valid    {c.not_valid_before_utc:%Y-%m-%d} to {c.not_valid_after_utc:%Y-%m-%d}")
    if identity.chain:
        print(f"  chain: {len(identity.chain)} certificate(s) bundled with the current key")
    _show_signing_ca(settings)


def _show_signing_ca(settings: Settings) -> None:
    from cryptography.hazmat.primitives import hashes

    from signet.pdf.signing_ca import SigningCAError
    from signet.signing.signer_signatures import signing_ca

    try:
        ca = signing_ca(settings).certificate  # made here on a fresh data dir, as serve would
    except SigningCAError as exc:
        print(f"Signing CA (per-signer signatures): {exc}")
        return
    print(f"Signing CA (per-signer signatures), in {settings.data_dir / 'signing-ca'}")
    print(f"  sha256 {ca.fingerprint(hashes.SHA256()).hex()}")
    print(f"    subject  {ca.subject.rfc4514_string()}")
    print(f"    valid    {ca.not_valid_before_utc:%Y-%m-%d} to {ca.not_valid_after_utc:%Y-%m-%d}")


def cmd_storage_migrate(settings: Settings, args: argparse.Namespace) -> int:
    """Copy every blob to another store, checking each SHA-256; resumable, safe while serving."""
    from signet.errors import StorageUnavailable
    from signet.storage import StorageUrlError, open_store
    from signet.storage.migrate import copy_blobs

    try:
        source = open_store(args.source or settings.storage_url, settings.data_dir)
        target = open_store(args.to, settings.data_dir)
        source.check()
        target.check()
    except (StorageUnavailable, StorageUrlError) as exc:
        print(f"signet: storage migrate: {exc}", file=sys.stderr)
        return 2
    print(f"copying blobs from {source.describe()} to {target.describe()}", file=sys.stderr)
    try:
        report = copy_blobs(source, target)
    except StorageUnavailable as exc:
        print(f"signet: storage migrate stopped: {exc}; run it again to resume", file=sys.stderr)
        return 1
    for key, why in report.failed:
        print(f"failed {key}: {why}", file=sys.stderr)
    print(report.summary())
    return 1 if report.failed else 0


def cmd_evidence_refresh(settings: Settings, args: argparse.Namespace) -> int:
    """Renew the archive timestamps due now, in this process, without the job queue
    (docs/evidence.md)."""
    from signet.app import build_state
    from signet.errors import StorageUnavailable
    from signet.pdf.seal import SealError
    from signet.signing.archive_renewal import NothingGained, find_due, renew_request

    _migrate(settings)
    try:
        state = build_state(settings)
    except StorageUnavailable as exc:
        print(f"signet: evidence refresh: storage: {exc}", file=sys.stderr)
        return 2
    renewed = failed = 0
    try:
        sweep = find_due(state, days=args.days)
        if sweep.problem:
            print(f"signet: evidence refresh: {sweep.problem}", file=sys.stderr)
        for request_id, _final in sweep.due:
            try:
                variants = renew_request(state, request_id, days=args.days)
            except (SealError, NothingGained, StorageUnavailable) as exc:
                failed += 1
                print(f"{request_id}: not renewed: {exc}", file=sys.stderr)
                continue
            if variants:
                renewed += 1
                print(f"{request_id}: renewed {', '.join(variants)}")
    finally:
        state.db.dispose()
    print(f"{renewed} request(s) renewed, {failed} failed", file=sys.stderr)
    return 1 if failed or (sweep.problem and not renewed) else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="signet", description="Signet e-signature service")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the HTTP server")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="API processes (more than 1 needs PostgreSQL); each runs the inline job worker "
        "unless SIGNET_INLINE_WORKER=0",
    )
    serve.set_defaults(func=cmd_serve)
    migrate = sub.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(func=cmd_migrate)
    keys = sub.add_parser("api-keys", help="manage API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="create a key and print it alone on stdout")
    create.add_argument("--name", required=True)
    create.add_argument("--workspace", default=DEFAULT_WORKSPACE)
    create.add_argument("--test", action="store_true", help="a test-mode key")
    create.set_defaults(func=cmd_api_keys_create)
    verify = sub.add_parser("verify", help="check a PDF's Signet seal (exit 0 only if intact)")
    verify.add_argument("file")
    verify.set_defaults(func=cmd_verify)
    seal = sub.add_parser("seal-key", help="show, import or rotate the seal key")
    seal_sub = seal.add_subparsers(dest="seal_command", required=True)
    seal_sub.add_parser("show", help="the current key and every earlier one")
    seal_import = seal_sub.add_parser(
        "import",
        help="seal with an operator's PKCS#12 from now on "
        "(password from SIGNET_SEAL_P12_PASSWORD, or --ask-password)",
    )
    seal_import.add_argument("file")
    seal_import.add_argument("--ask-password", action="store_true", help="prompt for it")
    seal_sub.add_parser("rotate", help="seal with a new self-signed key from now on")
    seal.set_defaults(func=cmd_seal_key)
    worker = sub.add_parser("worker", help="run job workers alone (no HTTP server)")
    worker.add_argument("--concurrency", type=int, default=None)
    worker.set_defaults(func=cmd_worker)
    jobs = sub.add_parser("jobs", help="list pending, failed and dead jobs; retry a dead one")
    jobs.set_defaults(func=cmd_jobs, jobs_command="list")
    jobs_sub = jobs.add_subparsers(dest="jobs_command")
    retry = jobs_sub.add_parser("retry", help="run a dead job again")
    retry.add_argument("id")
    retry.set_defaults(func=cmd_jobs, jobs_command="retry")
    evidence = sub.add_parser("evidence", help="long-term evidence of sealed files")
    evidence_sub = evidence.add_subparsers(dest="evidence_command", required=True)
    refresh = evidence_sub.add_parser(
        "refresh",
        help="add a new document timestamp to sealed files whose last one's certificate expires "
        "within SIGNET_EVIDENCE_REFRESH_DAYS (the worker does it hourly)",
    )
    refresh.add_argument(
        "--days", type=int, default=None, help="the window instead of SIGNET_EVIDENCE_REFRESH_DAYS"
    )
    refresh.set_defaults(func=cmd_evidence_refresh)
    storage = sub.add_parser("storage", help="blob storage tools")
    storage_sub = storage.add_subparsers(dest="storage_command", required=True)
    migrate_blobs = storage_sub.add_parser(
        "migrate",
        help="copy every blob to another store (resumable; safe while serving)",
    )
    migrate_blobs.add_argument(
        "--to", required=True, help="target: s3://bucket/prefix?… or file://…"
    )
    migrate_blobs.add_argument(
        "--from",
        dest="source",
        default=None,
        help="source store (default: the configured SIGNET_STORAGE_URL)",
    )
    migrate_blobs.set_defaults(func=cmd_storage_migrate)
    return parser


def configure_logs(log_format: str, log_level: str) -> None:
    """SIGNET_LOG_FORMAT and SIGNET_LOG_LEVEL for Signet's own loggers and the libraries', as
    uvicorn's get them; "trace" is uvicorn's level below debug, and Signet logs nothing finer."""
    level = "debug" if log_level.lower() == "trace" else log_level.lower()
    configure_logging(log_format, level)
    logging.getLogger("signet").setLevel(level.upper())


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    settings = get_settings()
    configure_logs(settings.log_format, settings.log_level)
    if args.command in ("verify", "seal-key"):
        # Neither needs the database: a file on a laptop can be checked anywhere.
        sys.exit(args.func(settings, args))
    sys.exit(args.func(settings, args))
