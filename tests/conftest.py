"""Suite-wide fixtures: databases (SQLite and PostgreSQL) and the shared standards folder.

PostgreSQL tests run when ``CARBONLEDGER_TEST_DATABASE_URL`` names a server (``.ci/run``
sets it); each test gets a database of its own, created and dropped around it, so tests
never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO_ROOT = Path(__file__).resolve().parent.parent


def _dir_from_env(var: str, default: Path) -> Path:
    return Path(os.environ.get(var, str(default)))


@pytest.fixture(scope="session")
def standards_dir() -> Path:
    """``../shared/standards`` (or ``$CARBONLEDGER_STANDARDS_DIR``): official artefacts."""
    path = _dir_from_env("CARBONLEDGER_STANDARDS_DIR", REPO_ROOT.parent / "shared" / "standards")
    if not path.is_dir():
        pytest.skip(f"standards folder {path} is absent (set CARBONLEDGER_STANDARDS_DIR)")
    return path


@pytest.fixture(scope="session")
def factors_dir() -> Path:
    """``../shared/factors`` (or ``$CARBONLEDGER_FACTORS_DIR``): the DESNZ source rows."""
    path = _dir_from_env("CARBONLEDGER_FACTORS_DIR", REPO_ROOT.parent / "shared" / "factors")
    if not path.is_dir():
        pytest.skip(f"factors folder {path} is absent (set CARBONLEDGER_FACTORS_DIR)")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("CARBONLEDGER_TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL tests need CARBONLEDGER_TEST_DATABASE_URL (.ci/run sets it)")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a fresh, empty database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    base = make_url(request.getfixturevalue("postgres_url"))
    name = f"cl_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
