"""Fixtures for ledger tests: a migrated database (SQLite and PostgreSQL), participants and a
registry freshly deployed on an in-process eth-tester chain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ledger import migrate
from ledger.chain import CheckpointRegistryClient, connect, deploy_registry
from ledger.config import Config
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


@pytest.fixture
def registry(tmp_path: Path) -> CheckpointRegistryClient:
    """A CheckpointRegistry of its own on eth-tester's in-process py-evm chain."""
    config = Config(home=tmp_path / "chain-home", chain="tester")
    return deploy_registry(config, connect(config))
