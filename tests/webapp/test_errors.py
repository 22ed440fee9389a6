"""Every ledger error has an HTTP status chosen for it, and a chain outage is the server's problem."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import ledger
import webapp
from ledger.chain.errors import ChainUnavailableError
from ledger.errors import LedgerError
from tests.webapp.conftest import Portal
from webapp.errors import RETRY_AFTER_SECONDS, STATUS, status_for


def _every_module() -> None:
    """Import every module of the ledger and the portal, so every error class is defined."""
    for package in (ledger, webapp):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations." in module.name or module.name.endswith("__main__"):
                continue  # Alembic scripts and the CLI entry run on import
            importlib.import_module(module.name)


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def test_every_ledger_error_has_a_status_of_its_own() -> None:
    _every_module()
    ours = {c for c in _subclasses(LedgerError) | {LedgerError}
            if c.__module__.split(".")[0] in ("ledger", "webapp")}
    missing = sorted(f"{c.__module__}.{c.__qualname__}" for c in ours if c not in STATUS)
    assert not missing, f"choose an HTTP status for these in webapp/errors.py: {missing}"
    assert all(400 <= status <= 599 for status in STATUS.values())


@pytest.mark.parametrize(("error", "status"), [
    (ChainUnavailableError("the node at http://127.0.0.1:1 does not answer"), 503),
    (LedgerError("bad input"), 400),
])
def test_status_for(error: LedgerError, status: int) -> None:
    assert status_for(error) == status


def test_chain_outage_is_503_with_retry_after(portal: Portal) -> None:
    def chain_down() -> None:
        raise ChainUnavailableError("the node at http://127.0.0.1:1 does not answer")

    portal.app.add_url_rule("/api/v1/chain-down-probe", view_func=chain_down)
    portal.app.add_url_rule("/chain-down-probe", view_func=chain_down)
    client = portal.app.test_client()
    api = client.get("/api/v1/chain-down-probe")
    assert api.status_code == 503
    assert api.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert api.get_json() == {"error": "ChainUnavailableError", "message": "the node at http://127.0.0.1:1 does not answer"}
    page = client.get("/chain-down-probe")
    assert page.status_code == 503 and page.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "does not answer" in page.get_data(as_text=True)
