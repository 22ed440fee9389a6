"""Opening and initialising a CarbonLedger installation (a home directory + a database).

``init`` is idempotent: it creates what is missing (home, schema, operator key, genesis
records) and leaves everything that exists untouched, so ``make demo`` can run it every
time. The operator's private key lives in ``<home>/keys/operator.pem``, never in the
database; losing it means identity records can no longer be added, not that any existing
proof breaks.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from ledger import migrate
from ledger.config import Config
from ledger.db import make_engine
from ledger.errors import NotInitialisedError
from ledger.records.signing import SigningKey
from ledger.service import Ledger

OPERATOR_KEY_FILE = "operator.pem"
SECRET_FILE = "portal-secret"
"""The installation secret's file in the home (its name predates custodial keys moving into the ledger)."""
DEFAULT_OPERATOR_ID = "carbonledger-operator"


@dataclass(frozen=True)
class InitResult:
    ledger: Ledger
    created_key: bool
    created_genesis: bool


def _engine_for(config: Config) -> Engine:
    if config.database_url.startswith("sqlite:///"):
        config.home.mkdir(parents=True, exist_ok=True)
    return make_engine(config.database_url)


def init(config: Config, operator_id: str = DEFAULT_OPERATOR_ID, operator_name: str = "CarbonLedger operator") -> InitResult:
    """Create or complete the installation described by ``config``."""
    engine = _engine_for(config)
    migrate.upgrade(engine)
    key_path = config.keys_dir / OPERATOR_KEY_FILE
    created_key = not key_path.exists()
    if created_key:
        SigningKey.generate().save(key_path)
    ledger = Ledger(engine, SigningKey.load(key_path), future_tolerance=_tolerance(config))
    created_genesis = False
    if not ledger.is_initialised():
        ledger.genesis(operator_id, operator_name)
        created_genesis = True
    return InitResult(ledger, created_key, created_genesis)


def open_ledger(config: Config, *, need_operator_key: bool = False) -> Ledger:
    """Open an initialised installation; raises :class:`NotInitialisedError` otherwise."""
    if config.database_url.startswith("sqlite:///") and not config.database_url.endswith(":memory:"):
        path = config.database_url.removeprefix("sqlite:///")
        if not Path(path).exists():
            raise NotInitialisedError(f"no database at {path}: run `carbonledger init` first")
    engine = make_engine(config.database_url)
    try:
        current = migrate.is_current(engine)
    except OperationalError as exc:
        raise NotInitialisedError(f"cannot reach the database: {exc.orig}") from None
    if not current:
        raise NotInitialisedError("the database schema is not current: run `carbonledger init`")
    key_path = config.keys_dir / OPERATOR_KEY_FILE
    key = SigningKey.load(key_path) if key_path.exists() else None
    if need_operator_key and key is None:
        raise NotInitialisedError(f"operator key {key_path} is missing")
    return Ledger(engine, key, future_tolerance=_tolerance(config))


def _tolerance(config: Config) -> timedelta:
    return timedelta(hours=config.future_tolerance_hours)


def installation_secret(config: Config) -> bytes:
    """The installation secret: ``CARBONLEDGER_SECRET_KEY``, else a random one kept (0600) in the home.

    It seals custodial keys (:mod:`ledger.custodial_keys`) and the portal signs its
    sessions with it; losing it makes sealed keys unreadable, so it is created once and
    never replaced.
    """
    if config.portal_secret:
        return config.portal_secret.encode()
    path = config.home / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            return path.read_text().strip().encode()
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()
