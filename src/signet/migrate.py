"""Bring the database schema up to date with Alembic; every CLI command calls this first."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def upgrade_database(engine: Engine) -> None:
    """Apply every pending migration. Safe to run from several processes at once on PostgreSQL
    (an advisory lock serialises them); SQLite serialises writers itself."""
    cfg = alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7316482901)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
