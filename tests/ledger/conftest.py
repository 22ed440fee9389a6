"""Fixtures for ledger tests: a migrated database (SQLite and PostgreSQL) and participants."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from ledger import migrate
from ledger.db import make_engine
from ledger.records.signing import SigningKey
from ledger.service import Ledger


@pytest.fixture
def migrated_engine(db_url: str) -> Iterator[Engine]:
    """An engine on a fresh database brought up by the real Alembic migrations."""
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def tea_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def carrier_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def ledger(migrated_engine: Engine, tea_key: SigningKey, carrier_key: SigningKey) -> Ledger:
    """A ledger with an operator, a tea supplier and a carrier registered."""
    ledger = Ledger(migrated_engine, SigningKey.generate())
    ledger.genesis("op", "Test operator")
    ledger.register_participant("tea-co", "Hangzhou Spring Tea", ["supplier"], "CN", tea_key.public_b64)
    ledger.register_participant("blue-line", "Blue Line Logistics", ["carrier"], "DE", carrier_key.public_b64)
    return ledger
