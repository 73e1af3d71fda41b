"""Migrations from an empty database, on SQLite and PostgreSQL, match the models."""

from __future__ import annotations

import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from signet.migrate import upgrade_database
from signet.models import Base


def _check(engine) -> None:  # type: ignore[no-untyped-def]
    upgrade_database(engine)
    upgrade_database(engine)  # a second run is a no-op
    tables = set(inspect(engine).get_table_names())
    assert {"signing_requests", "recipients", "fields", "audit_events", "api_keys"} <= tables
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], diff


def test_sqlite_from_empty(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    _check(engine)
    engine.dispose()


def test_postgresql_from_empty(pg_schema_url):
    schema = f"signet_mig_{uuid.uuid4().hex[:8]}"
    base = pg_schema_url.split("?")[0]
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        engine = create_engine(f"{base}?options=-csearch_path%3D{schema}")
        _check(engine)
        engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
