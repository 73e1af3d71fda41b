"""Single-row reads by key without the ORM, for the hottest GET endpoints.

Loading one row through a Session costs ~200 µs (session, identity map, result processing) and the
hop to a worker thread another ~80 µs, against ~40 µs for FastAPI's whole handling of a bare
request (measured in ``bench/create.py``). A point read skips both:

- SQLite answers a primary-key lookup from its page cache in microseconds, less than a thread hop,
  so the read runs on the calling thread (the event loop) over a read-only connection kept per
  thread, in autocommit: every SELECT is its own snapshot of the latest commit, and WAL readers do
  not wait for the writer. That connection never waits for a lock (busy timeout 0): in the rare
  case SQLite reports the database busy (recovery, another process in exclusive locking mode),
  the read goes at once to a worker thread and the pool's patient connection, and so does every
  read for the next second, so a busy database never stalls the loop.
- Any other database is a network round trip away: the read goes to a worker thread over a pooled
  DB-API connection.

Values come back as the driver returns them (SQLite: text for datetimes and JSON); callers
convert the few columns they use. Statements use ``?`` placeholders and no ``%``.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import weakref
from typing import Any

from sqlalchemy import Dialect, Engine
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool

Row = tuple[Any, ...]

# After SQLite reported busy, reads skip the calling thread for this long.
_BUSY_BACKOFF_SECONDS = 1.0


class _Connection:
    """One thread's connection; closed when the thread ends (its thread-local goes) or on
    ``PointReader.close``."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA busy_timeout=0")
        self.conn.execute("PRAGMA query_only=ON")
        weakref.finalize(self, self.conn.close)


class PointReader:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._format_params = engine.dialect.paramstyle in ("format", "pyformat")
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        # A file database can be opened a second time; ":memory:" cannot be shared that way.
        self._sqlite_path = database if database and database != ":memory:" else None
        self._local = threading.local()
        self._opened: weakref.WeakSet[_Connection] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._busy_until = 0.0

    async def one(self, sql: str, params: tuple[Any, ...]) -> Row | None:
        """The first row of ``sql`` with ``params``, or None."""
        if self._sqlite_path is not None and time.monotonic() >= self._busy_until:
            try:
                cursor = self._local_connection().execute(sql, params)
                try:
                    return cursor.fetchone()
                finally:
                    cursor.close()  # resets the statement: ends the read, frees the WAL mark
            except sqlite3.OperationalError:
                # Busy or locked: wait for it off the loop, this read and the next second's.
                self._busy_until = time.monotonic() + _BUSY_BACKOFF_SECONDS
        return await run_in_threadpool(self._pooled_one, sql, params)

    def _local_connection(self) -> sqlite3.Connection:
        held: _Connection | None = getattr(self._local, "held", None)
        if held is None:
            assert self._sqlite_path is not None
            held = _Connection(self._sqlite_path)
            with self._lock:
                self._opened.add(held)
            self._local.held = held
        return held.conn

    def _pooled_one(self, sql: str, params: tuple[Any, ...]) -> Row | None:
        if self._format_params:
            sql = sql.replace("?", "%s")
        # The raw connection bypasses SQLAlchemy's wrapping of driver errors: wrap them as a
        # Connection would (a server that is down becomes an OperationalError, which the faces
        # answer 503), and drop a connection the server closed instead of pooling it.
        dialect = self._engine.dialect
        driver_error = dialect.loaded_dbapi.Error
        try:
            conn = self._engine.raw_connection()
        except driver_error as exc:
            raise _wrapped(sql, params, exc, dialect, lost=False) from exc
        try:
            cursor = conn.cursor()
            try:
                cursor.execute(sql, params)
                row = cursor.fetchone()
            finally:
                cursor.close()
        except driver_error as exc:
            lost = dialect.is_disconnect(exc, conn.dbapi_connection, None)
            if lost:
                conn.invalidate(exc)
            raise _wrapped(sql, params, exc, dialect, lost=lost) from exc
        finally:
            conn.close()  # back to the pool, which rolls the read transaction back
        return None if row is None else tuple(row)

    def close(self) -> None:
        with self._lock:
            for held in list(self._opened):
                held.conn.close()
            self._opened.clear()
        self._local = threading.local()


def _wrapped(
    sql: str, params: tuple[Any, ...], exc: Exception, dialect: Dialect, *, lost: bool
) -> DBAPIError:
    """The driver's error as SQLAlchemy's class of the same name (OperationalError …)."""
    wrapped = DBAPIError.instance(
        sql,
        params,
        exc,
        dialect.loaded_dbapi.Error,
        connection_invalidated=lost,
        dialect=dialect,
    )
    assert isinstance(wrapped, DBAPIError)
    return wrapped
