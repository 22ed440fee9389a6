"""Database engine and the declarative base shared by every table of the ledger.

SQLite is the default (a file under the installation's home, in WAL mode so readers
never block the single writer); PostgreSQL is the production database. Both are reached
only through SQLAlchemy 2.0, and the schema is owned by Alembic migrations
(``ledger/migrations``); ``create_all`` is never used outside tests of the models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase

T = TypeVar("T")


class Base(DeclarativeBase):
    """Declarative base of all ledger tables."""


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets portal readers proceed while the ingest path writes; NORMAL sync is safe
    # under WAL (a power cut may lose the last commits, never corrupt the file).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


WRITE_OPTION = "carbonledger_write"
"""Execution option marking a connection whose transactions will write the log."""


def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
    # pysqlite's own transaction handling is off (isolation_level=None), so we issue
    # BEGIN ourselves: IMMEDIATE for writers, so two appenders can never both read the
    # log size and then deadlock upgrading to the write lock; plain deferred BEGIN for
    # readers, which under WAL never wait for a writer.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that may append to the log; commits on success, rolls back on error."""
    with engine.connect() as conn:
        conn = conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection for reads only: on PostgreSQL in autocommit.

    A read needs no transaction, and on PostgreSQL the implicit BEGIN and the ROLLBACK on
    release are two more round trips per use: a first view of an order makes a dozen such
    reads. Each statement still sees a consistent snapshot; a reader making several sees
    the log as of each, which is safe because the log only grows and what it held stays.
    """
    with engine.connect() as conn:
        if not is_sqlite(engine):
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine with the per-dialect settings the ledger relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"isolation_level": None})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # No pre-ping: its extra round trip per checkout cost the consumer page a third of its
    # throughput on PostgreSQL (1,900 -> 1,200 req/s). A connection the server dropped fails
    # its next statement instead; SQLAlchemy then discards the whole pool, the portal answers
    # 503 (retry) rather than 500, and the hot reads retry once (:func:`read_retrying`).
    return create_engine(url, echo=echo, pool_recycle=1800)


def read_retrying(engine: Engine, read: Callable[[Connection], T]) -> T:
    """``read(conn)``, and once more on a fresh connection if the server had dropped the first.

    Only for reads: a failed first attempt wrote nothing, so running it again is safe.
    """
    try:
        with reading(engine) as conn:
            return read(conn)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    with reading(engine) as conn:
        return read(conn)
