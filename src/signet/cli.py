"""The ``signet`` command: serve, worker, migrate, api-keys, jobs, verify, storage migrate.
Commands that use the database migrate it first."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from signet.config import Settings, get_settings
from signet.db import open_database, transaction
from signet.migrate import upgrade_database
from signet.observability.logs import configure_logging

DEFAULT_WORKSPACE = "Default"


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


def cmd_verify(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 0 only when the file is a Signet-sealed PDF whose seal is intact."""
    from pathlib import Path

    from signet.pdf.verify import verify_pdf
    from signet.signing.verification import describe

    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    result = verify_pdf(data)
    for line in describe(result):
        print(line)
    return 0 if (result.signet_sealed and result.intact) else 1


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
    worker = sub.add_parser("worker", help="run job workers alone (no HTTP server)")
    worker.add_argument("--concurrency", type=int, default=None)
    worker.set_defaults(func=cmd_worker)
    jobs = sub.add_parser("jobs", help="list pending, failed and dead jobs; retry a dead one")
    jobs.set_defaults(func=cmd_jobs, jobs_command="list")
    jobs_sub = jobs.add_subparsers(dest="jobs_command")
    retry = jobs_sub.add_parser("retry", help="run a dead job again")
    retry.add_argument("id")
    retry.set_defaults(func=cmd_jobs, jobs_command="retry")
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
    if args.command == "verify":
        # Verification needs no database: a file on a laptop can be checked anywhere.
        sys.exit(cmd_verify(settings, args))
    sys.exit(args.func(settings, args))
