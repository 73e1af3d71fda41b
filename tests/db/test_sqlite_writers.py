"""Write transactions on SQLite queue on a lock of the process (signet.db._serialize_writers)
before SQLite's own: every writer gets its turn, a turn ends however the transaction ends, and a
savepoint runs inside its transaction's turn."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, text

from signet.db import NestedWriteError, open_database, transaction


@pytest.fixture
def db(tmp_path):  # type: ignore[no-untyped-def]
    database = open_database(f"sqlite:///{tmp_path / 'writers.db'}")
    with transaction(database.write) as session:
        session.execute(text("CREATE TABLE t (writer INTEGER, step INTEGER)"))
    yield database
    database.dispose()


def test_concurrent_writers_each_commit_whole_and_alone(db):  # type: ignore[no-untyped-def]
    writers, steps = 8, 5
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for _ in range(3):
                with transaction(db.write) as session:
                    for step in range(steps):
                        session.execute(text("INSERT INTO t VALUES (:w, :s)"), {"w": n, "s": step})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    with db.read() as session:
        rows = session.execute(text("SELECT writer, step FROM t ORDER BY rowid")).all()
    assert len(rows) == writers * 3 * steps
    # One transaction at a time: each one's rows are consecutive, steps 0..4 in order.
    for start in range(0, len(rows), steps):
        chunk = rows[start : start + steps]
        assert {w for w, _ in chunk} == {chunk[0][0]}
        assert [s for _, s in chunk] == list(range(steps))


def test_a_failed_or_nested_transaction_hands_the_turn_on(db):  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError), transaction(db.write) as session:
        session.execute(text("INSERT INTO t VALUES (1, 0)"))
        raise RuntimeError("the change fails")
    with transaction(db.write) as session:
        session.execute(text("INSERT INTO t VALUES (2, 0)"))
        with session.begin_nested():
            session.execute(text("INSERT INTO t VALUES (2, 1)"))
    # Another thread gets its turn after both (a turn left held would make it wait 30 s, then
    # fail with "database is locked").
    done = threading.Event()

    def other() -> None:
        with transaction(db.write) as session:
            session.execute(text("INSERT INTO t VALUES (3, 0)"))
        done.set()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(60)
    assert done.is_set()
    with db.read() as session:
        assert session.execute(text("SELECT writer, step FROM t ORDER BY rowid")).all() == [
            (2, 0),
            (2, 1),
            (3, 0),
        ]


def test_a_writer_waits_for_its_turn_before_it_sends_begin(db):  # type: ignore[no-untyped-def]
    # Without the process lock the second writer would send BEGIN IMMEDIATE at once and sit in
    # SQLite's busy handler; with it, it does not reach the database until the first is done.
    with db.engine.connect(), db.engine.connect():
        pass  # two pooled connections: opening one runs PRAGMAs that wait for a writer too
    begun: list[str] = []

    def before_execute(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("BEGIN"):
            begun.append(threading.current_thread().name)

    event.listen(db.engine, "before_cursor_execute", before_execute)
    first_open, second_done = threading.Event(), threading.Event()

    def second() -> None:
        first_open.wait(10)
        with transaction(db.write) as session:
            session.execute(text("INSERT INTO t VALUES (2, 0)"))
        second_done.set()

    thread = threading.Thread(target=second, name="second")
    thread.start()
    with transaction(db.write) as session:
        session.execute(text("INSERT INTO t VALUES (1, 0)"))
        first_open.set()
        assert not second_done.wait(0.5)
        assert "second" not in begun
    thread.join(30)
    assert second_done.is_set() and begun.count("second") == 1
    with db.read() as session:
        assert session.execute(text("SELECT writer FROM t ORDER BY rowid")).scalars().all() == [
            1,
            2,
        ]


def test_a_nested_write_in_one_thread_fails_at_once(db):  # type: ignore[no-untyped-def]
    with transaction(db.write) as outer:
        outer.execute(text("INSERT INTO t VALUES (1, 0)"))
        with pytest.raises(NestedWriteError), transaction(db.write) as inner:
            inner.execute(text("INSERT INTO t VALUES (2, 0)"))
    with db.read() as session:  # the outer one still commits
        assert session.execute(text("SELECT writer FROM t")).scalars().all() == [1]
