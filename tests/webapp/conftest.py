"""A portal over a real installation (demo data, real database) and a logged-in client helper."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger import demo_supply_chain, installation
from ledger.anchoring import Anchorer
from ledger.chain import CheckpointRegistryClient, connect, deploy_registry
from ledger.config import Config
from ledger.custodial_keys import CustodialKeys
from ledger.installation import installation_secret
from ledger.service import Ledger
from webapp.accounts import Accounts
from webapp.app import create_app

PASSWORD = "correct horse battery"


@dataclass
class Portal:
    app: Flask
    ledger: Ledger
    config: Config
    registry: CheckpointRegistryClient

    def anchor(self) -> None:
        """What the anchoring worker does when a checkpoint is due."""
        Anchorer(self.ledger.engine, self.registry).step(force=True)


@pytest.fixture
def portal_database_url() -> str:
    """The portal's database; "" is SQLite in the home. A module overriding this with
    ``db_url`` runs its tests on SQLite and PostgreSQL."""
    return ""


@pytest.fixture
def portal(tmp_path: Path, request: pytest.FixtureRequest, portal_database_url: str) -> Iterator[Portal]:
    db = getattr(request, "param", None) or portal_database_url
    config = Config(home=tmp_path / "home", database_url=db, chain="tester")
    ledger = installation.init(config).ledger
    demo_supply_chain.load(ledger, config.home / "demo-keys")
    custodial = CustodialKeys(ledger, installation_secret(config))
    for participant in ("hangzhou-spring-tea", "shenzhen-voltcraft"):  # the demo's companies sign with own keys
        custodial.add(participant, "its staff submit through the portal too")
    registry = deploy_registry(config, connect(config))
    Anchorer(ledger.engine, registry).step(force=True)
    accounts = Accounts(ledger.engine)
    accounts.add_user("tea", PASSWORD, "supplier", "hangzhou-spring-tea")
    accounts.add_user("volt", PASSWORD, "supplier", "shenzhen-voltcraft")
    accounts.add_user("audit", PASSWORD, "auditor")
    accounts.add_user("root", PASSWORD, "admin")
    app = create_app(config, testing=True, registry=registry)
    yield Portal(app, ledger, config, registry)
    app.extensions["carbonledger"]["ledger"].engine.dispose()  # the app's own pool (PostgreSQL warns of open ones)
    ledger.engine.dispose()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


class User:
    """A browser-like session: fetches the form first so it carries the CSRF token."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, username: str, password: str = PASSWORD) -> User:
        page = self.client.get("/login").get_data(as_text=True)
        resp = self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": csrf_token(page)})
        assert resp.status_code == 302, resp.get_data(as_text=True)
        return self

    def post_form(self, path: str, data: dict[str, str], **kw):  # type: ignore[no-untyped-def]
        page = self.client.get(path).get_data(as_text=True)
        return self.client.post(path, data={**data, "csrf_token": csrf_token(page)}, **kw)

    def follow_job(self, job_url: str, timeout: float = 60) -> dict[str, Any]:
        """Open a background job's page, poll its ``.json`` state as the page does, return the final state."""
        page = self.client.get(job_url)
        assert page.status_code == 200 and 'id="job-progress"' in page.get_data(as_text=True)
        deadline = time.monotonic() + timeout
        while True:
            state = self.client.get(job_url + ".json").get_json()
            if state["state"] != "running":
                return state
            assert time.monotonic() < deadline, f"job still running: {state}"
            time.sleep(0.1)


@pytest.fixture
def client(portal: Portal) -> FlaskClient:
    return portal.app.test_client()


@pytest.fixture
def as_user(portal: Portal):  # type: ignore[no-untyped-def]
    def make(username: str) -> User:
        return User(portal.app.test_client()).login(username)

    return make
