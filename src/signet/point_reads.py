"""Single-row reads by key without the ORM, for the hottest GET endpoints.

Loading one row through a Session costs ~200 µs (session, identity map, result processing) and the
hop to a worker thread another ~80 µs, against ~40 µs for FastAPI's whole handling of a bare
request (measured in ``bench/create.py``). A point read skips both:

- SQLite answers a primary-key lookup from its page cache in microseconds, less than a thread hop,
  so the read runs on the calling thread (the event loop) over a read-only connection kept per
  thread, in autocommit: every SELECT is its own snapshot of the latest commit, and WAL readers do
  not wait for the writer. In the rare case SQLite still reports the database busy (recovery, a
  checkpoint in TRUNCATE mode), the read is retried in a worker thread with the pool's patient
  connection, so the loop is never blocked for long.
- Any other database is a network round trip away: the read goes to a worker thread over a pooled
  DB-API connection.

Values come back as the driver returns them (SQLite: text for datetimes and JSON); callers
convert the few columns they use. Statements use ``?`` placeholders and no ``%``.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

Row = tuple[Any, ...]

# Short: on the event loop a wait for a lock blocks every request; the pool's connection (30 s)
# takes over in a worker thread instead.
_LOOP_BUSY_TIMEOUT_MS = 50


class PointReader:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._format_params = engine.dialect.paramstyle in ("format", "pyformat")
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        # A file database can be opened a second time; ":memory:" cannot be shared that way.
        self._sqlite_path = database if database and database != ":memory:" else None
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    async def one(self, sql: str, params: tuple[Any, ...]) -> Row | None:
        """The first row of ``sql`` with ``params``, or None."""
        if self._sqlite_path is not None:
            try:
                cursor = self._local_connection().execute(sql, params)
                try:
                    return cursor.fetchone()
                finally:
                    cursor.close()  # resets the statement: ends the read, frees the WAL mark
            except sqlite3.OperationalError:
                pass  # busy or locked: wait for it off the loop below
        return await run_in_threadpool(self._pooled_one, sql, params)

    def _local_connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            assert self._sqlite_path is not None
            conn = sqlite3.connect(self._sqlite_path, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout={_LOOP_BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA query_only=ON")
            with self._lock:
                self._opened.append(conn)
            self._local.conn = conn
        return conn

    def _pooled_one(self, sql: str, params: tuple[Any, ...]) -> Row | None:
        if self._format_params:
            sql = sql.replace("?", "%s")
        conn = self._engine.raw_connection()
        try:
            cursor = conn.cursor()
            try:
                cursor.execute(sql, params)
                row = cursor.fetchone()
            finally:
                cursor.close()
        finally:
            conn.close()  # back to the pool, which rolls the read transaction back
        return None if row is None else tuple(row)

    def close(self) -> None:
        with self._lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()
        self._local = threading.local()
