"""Engine and session factories. One transaction per HTTP request or job; services only flush.

SQLite allows one writer at a time. A deferred transaction that reads and then writes can fail at
once with "database is locked" instead of waiting, so write transactions start with
``BEGIN IMMEDIATE`` (they wait for the lock up to busy_timeout) while reads stay deferred and run
concurrently under WAL. A writer that finds the lock taken sleeps in growing steps (up to 100 ms)
before it tries again, so under contention some waited seconds while the lock sat free: the
write transactions of one process take turns on a lock of their own first
(``_serialize_writers``), which wakes the next one at once, and only writers of other processes
meet the busy timeout.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from signet.errors import DatabaseUnavailable
from signet.point_reads import PointReader


def create_db_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=8,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is unreliable).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # type: ignore[no-untyped-def]
            immediate = conn.get_execution_options().get("sqlite_immediate")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot serve now, rather than that a statement is
    wrong: the server is down or restarting (connection refused, closed mid-query, "the database
    system is shutting down"), out of connections, a statement cancelled or a lock not granted in
    time, SQLite locked past its busy timeout, or no pooled connection free in time. The driver
    files all of these under the DB-API's OperationalError or InterfaceError; SQLAlchemy marks a
    lost connection ``connection_invalidated`` whatever the class. The faces answer 503 with
    Retry-After (``DatabaseUnavailable``) and the worker backs off; a constraint violation or a
    programming error is not one of them."""
    if isinstance(exc, (DatabaseUnavailable, OperationalError, InterfaceError, PoolTimeout)):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


@dataclass(frozen=True)
class Database:
    """The engine, a factory for read transactions and one for write transactions, and point
    reads by key for the hottest GETs (see ``signet.point_reads``)."""

    engine: Engine
    read: sessionmaker[Session]
    write: sessionmaker[Session]
    point: PointReader

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.point.close()
        self.engine.dispose()


# As long as SQLite's own busy timeout (create_db_engine). A writer may wait this long for its
# turn and then as long again for a writer of another process.
_WRITER_WAIT_SECONDS = 30.0


class NestedWriteError(RuntimeError):
    """A thread began a write transaction while its own earlier one is still open: on SQLite
    the second would wait for the first forever."""


def _serialize_writers(factory: sessionmaker[Session]) -> None:
    """One write transaction of ``factory``'s sessions at a time, from the start of a session's
    transaction (its first use) to its commit or rollback. The lock is not fair: whoever it
    wakes first goes next. A thread that starts a second write transaction while its first is
    open gets ``NestedWriteError`` at once instead of a 30 s wait and "database is locked"."""
    gate = threading.Lock()
    holder: list[int | None] = [None]  # the thread in its turn

    @event.listens_for(factory, "after_transaction_create")
    def _enter(session: Session, transaction: object) -> None:
        if getattr(transaction, "parent", None) is not None:
            return  # a nested transaction runs inside its root's turn
        if holder[0] == threading.get_ident():
            raise NestedWriteError("a write transaction is already open in this thread")
        if not gate.acquire(timeout=_WRITER_WAIT_SECONDS):
            raise OperationalError("BEGIN IMMEDIATE", None, Exception("database is locked"))
        holder[0] = threading.get_ident()
        session.info["_holds_writer_gate"] = True

    @event.listens_for(factory, "after_transaction_end")
    def _leave(session: Session, transaction: object) -> None:
        if getattr(transaction, "parent", None) is None and session.info.pop(
            "_holds_writer_gate", False
        ):
            holder[0] = None
            gate.release()


def open_database(url: str) -> Database:
    engine = create_db_engine(url)
    writer = engine.execution_options(sqlite_immediate=True)
    write = sessionmaker(writer, expire_on_commit=False)
    if engine.dialect.name == "sqlite":
        _serialize_writers(write)
    return Database(
        engine=engine,
        read=sessionmaker(engine, expire_on_commit=False),
        write=write,
        point=PointReader(engine),
    )


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any exception."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
