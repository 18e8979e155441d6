"""Declarative base, column types and the clock shared by every model."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from flask import g, has_request_context
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the only clock models should use)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores UTC timestamps; always hands back timezone-aware values, also on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


SQLITE_BUSY_TIMEOUT_MS = 30_000  # how long a writer waits for another one before "database is locked"


def serialise_sqlite_writes(engine) -> None:
    """Make every SQLite transaction take the write lock when it begins (`BEGIN IMMEDIATE`).

    SQLite has no `SELECT … FOR UPDATE`, and the sqlite3 driver's own transaction handling starts a transaction
    only at the first write, so a read-check-write (is the ticket merged? is this reply a repeat?) from two
    requests could interleave. This is SQLAlchemy's documented pysqlite recipe ("Serializable isolation /
    Savepoints / Transactional DDL"): the driver's implicit BEGIN is switched off (`isolation_level = None`,
    which keeps that meaning on Python 3.12+ while `autocommit` stays at its legacy default) and SQLAlchemy's
    begin emits our own. Transactions then run one at a time; the others wait up to SQLITE_BUSY_TIMEOUT_MS.
    PostgreSQL keeps its row locks and is not touched."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _take_over_transactions(dbapi_connection, _connection_record):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection):
        connection.exec_driver_sql("BEGIN" if _reads_only() else "BEGIN IMMEDIATE")


def reads_only() -> None:
    """This request only reads (a knowledge-base page): on SQLite its transaction begins without the write lock,
    so readers run side by side (WAL) instead of one at a time. Such a request must write nothing."""
    g.database_reads_only = True


def _reads_only() -> bool:
    return has_request_context() and g.get("database_reads_only", False)


def use_write_ahead_log(dbapi_connection, _record) -> None:
    """SQLite in WAL mode: a commit is one append and one fsync (synchronous=FULL keeps it durable), and readers
    never block the one writer, which the SMTP process, the worker and the web app share."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


def register_engine_events() -> None:
    if not event.contains(Engine, "connect", use_write_ahead_log):
        event.listen(Engine, "connect", use_write_ahead_log)

