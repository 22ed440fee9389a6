"""Admin: creating participants and users, roles and disabled accounts, chain health, and /api/v1/admin."""

from __future__ import annotations

import html
import socket
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from eth_account import Account

from ledger.checkpoints import Checkpoint
from ledger.custodial_keys import CustodialKeys
from ledger.errors import NotFoundError
from ledger.records.signing import SigningKey
from ledger.verification import verify_stored
from tests.records_factory import shipment
from tests.webapp.conftest import PASSWORD, Portal, User, csrf_token
from tests.webapp.test_api import _schema_check
from tests.webapp.test_api_audits import token_headers
from webapp.accounts import Accounts
from webapp.admin.chain_health import LATE_MARGIN_SECONDS, ChainView, compare_checkpoints
from webapp.app import create_app

TEA = "hangzhou-spring-tea"
SHIPMENT_FORM = {"shipment_id": "SH-NEW-1", "order_id": "ORD-NEW-1", "consignee_country": "DE",
                 "product.gtin": "06901234567892", "product.description": "Biluochun tea", "product.quantity": "3",
                 "product.mass_kg": "0.25", "mass_kg": "1.0", "origin.name": "Suzhou", "origin.unlocode": "CNSZV",
                 "destination.name": "Berlin", "destination.unlocode": "DEBER"}


@pytest.fixture
def portal_database_url(db_url: str) -> str:
    """Every test here runs on SQLite and on PostgreSQL."""
    return db_url


def _accounts(portal: Portal) -> Accounts:
    return portal.app.extensions["carbonledger"]["accounts"]


def _custodial(portal: Portal) -> CustodialKeys:
    return portal.app.extensions["carbonledger"]["custodial_keys"]


def _participant(portal: Portal, participant_id: str) -> dict[str, Any] | None:
    return next((p for p in portal.ledger.participants() if p["participant_id"] == participant_id), None)


def _admin_post(admin: User, path: str, data: dict[str, Any]):  # type: ignore[no-untyped-def]
    return admin.client.post(path, data={**data, "csrf_token": csrf_token(admin.client.get("/admin/").get_data(as_text=True))})


def _state(portal: Portal) -> tuple[int, list[str], list[Any]]:
    """What a refused request must leave unchanged: the log, the participants, the users."""
    return (portal.ledger.log_info().size, [p["participant_id"] for p in portal.ledger.participants()],
            _accounts(portal).users())


def _check_schema(client: Any, schema: str, body: Any) -> None:
    _schema_check(client.get("/api/v1/openapi.json").get_json())(schema, body)


# -- participants and users from the page -------------------------------------------------

def test_admin_onboards_a_custodial_participant_whose_user_submits(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    admin, ledger = as_user("root"), portal.ledger
    resp = _admin_post(admin, "/admin/participants", {
        "participant_id": "suzhou-green-leaf", "name": "Suzhou Green Leaf Co.", "roles": ["supplier", "carrier"],
        "country": "CN", "key_source": "custodial"})
    assert resp.status_code == 302
    created = _participant(portal, "suzhou-green-leaf")
    assert created is not None and created["roles"] == ["supplier", "carrier"] and created["country"] == "CN"
    (key,) = created["keys"]
    assert key["revoked"] is False
    size = ledger.log_info().size
    assert _custodial(portal).key("suzhou-green-leaf").key_id == key["key_id"]
    assert ledger.log_info().size == size  # the key the portal holds is the one registered, nothing more
    page = admin.client.get("/admin/").get_data(as_text=True)
    assert f"Participant suzhou-green-leaf registered with a custodial key the portal holds, {key['key_id']}" in page

    resp = _admin_post(admin, "/admin/users", {"username": "leaf", "password": PASSWORD, "role": "supplier",
                                               "participant_id": "suzhou-green-leaf"})
    assert resp.status_code == 302
    assert "User leaf (supplier, suzhou-green-leaf) created." in admin.client.get("/admin/").get_data(as_text=True)

    leaf = as_user("leaf")
    assert leaf.post_form("/supplier/submit/shipment", SHIPMENT_FORM).status_code == 302
    (stored,) = ledger.records_by_ref("shipment_id", "SH-NEW-1")
    assert stored.participant_id == "suzhou-green-leaf" and stored.key_id == key["key_id"]
    assert stored.record["shipper"] == "suzhou-green-leaf"
    portal.anchor()
    verdict = verify_stored(ledger, stored, portal.registry)
    assert verdict.ok and verdict.anchored, verdict.to_dict()


def test_admin_registers_a_participant_with_its_own_key(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    own = SigningKey.generate()
    resp = _admin_post(as_user("root"), "/admin/participants", {
        "participant_id": "rhine-barge", "name": "Rhine Barge GmbH", "roles": ["carrier"], "key_source": "own",
        "public_key": own.public_b64})
    assert resp.status_code == 302
    created = _participant(portal, "rhine-barge")
    assert created is not None and created["country"] is None
    assert created["keys"] == [{"key_id": own.key_id, "revoked": False}]
    with pytest.raises(NotFoundError, match="participant rhine-barge has no custodial key yet"):
        _custodial(portal).rotate("rhine-barge")
    receipt = portal.ledger.submit(own.sign_record(shipment("SH-BARGE", shipper="rhine-barge")))
    portal.anchor()
    verdict = verify_stored(portal.ledger, portal.ledger.record(receipt.seq), portal.registry)
    assert verdict.ok and verdict.anchored, verdict.to_dict()


_NEW = {"participant_id": "new-co", "name": "New Co", "roles": ["supplier"], "country": "CN", "key_source": "custodial"}


@pytest.mark.parametrize(("change", "status", "message"), [
    ({"participant_id": TEA}, 409, f"participant {TEA} already exists"),
    ({"participant_id": TEA, "name": "Hangzhou Spring Tea Co.", "roles": ["supplier"], "country": "CN",
      "key_source": "own", "public_key": SigningKey.generate().public_b64}, 409, f"participant {TEA} already exists"),
    ({"key_source": "own", "public_key": "not-a-key"}, 422, "the public key must be a 32-byte Ed25519 public key"),
    ({"key_source": "own", "public_key": ""}, 422, "the public key must be a 32-byte Ed25519 public key"),
    ({"key_source": "own", "public_key": "TAKEN"}, 409, "is already registered"),
    ({"key_source": "hardware"}, 422, "key_source must be one of custodial, own"),
    ({"roles": ["supplier", "pirate"]}, 422, "unknown role 'pirate': choose from supplier, carrier"),
    ({"roles": []}, 422, "choose at least one role"),
    ({"participant_id": "new co"}, 422, "field participant_id: String should match pattern"),
    ({"name": ""}, 422, "field name: String should have at least 1 character"),
    ({"country": "cn"}, 422, "field country: String should match pattern"),
])
def test_bad_participants_are_refused_and_nothing_is_stored(as_user, portal: Portal, change: dict[str, Any],  # type: ignore[no-untyped-def]
                                                            status: int, message: str) -> None:
    if change.get("public_key") == "TAKEN":
        change = {**change, "public_key": SigningKey.load(portal.config.home / "demo-keys" / f"{TEA}.pem").public_b64}
    before = _state(portal)
    resp = _admin_post(as_user("root"), "/admin/participants", {**_NEW, **change})
    page = html.unescape(resp.get_data(as_text=True))
    assert resp.status_code == status and message in page, page[page.find('id="participant-error"'):][:300]
    assert 'id="participant-error"' in page and f'value="{change.get("name", "New Co")}"' in page  # the form keeps its values
    assert _state(portal) == before


@pytest.mark.parametrize(("change", "status", "message"), [
    ({"role": "root"}, 422, "role must be one of supplier, auditor, admin"),
    ({"participant_id": ""}, 422, "a supplier account must be bound to a participant"),
    ({"participant_id": "no-such-co"}, 404, "participant no-such-co is not registered"),
    ({"password": "short"}, 422, "password must have at least 10 characters"),
    ({"password": ""}, 422, "password must have at least 10 characters"),
    ({"username": ""}, 422, "username must have 1 to 100 characters"),
    ({"username": "tea"}, 409, "user tea already exists"),
])
def test_bad_users_are_refused_and_nothing_is_stored(as_user, portal: Portal, change: dict[str, str],  # type: ignore[no-untyped-def]
                                                     status: int, message: str) -> None:
    before = _state(portal)
    resp = _admin_post(as_user("root"), "/admin/users", {"username": "newbie", "password": PASSWORD,
                                                         "role": "supplier", "participant_id": TEA, **change})
    page = html.unescape(resp.get_data(as_text=True))
    assert resp.status_code == status and message in page and 'id="user-error"' in page
    assert _state(portal) == before


def test_role_changes_and_disabled_accounts(as_user, client, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    admin, tea, token = as_user("root"), as_user("tea"), token_headers(portal, "tea")
    assert _admin_post(admin, "/admin/users/tea/disabled", {"disabled": "1"}).status_code == 302
    assert "tea</td><td>supplier</td><td>hangzhou-spring-tea</td>\n<td><span class=\"tag failed\">disabled" in \
        admin.client.get("/admin/").get_data(as_text=True)
    assert tea.client.get("/supplier/").status_code == 302  # its session ends at once
    login_page = client.get("/login").get_data(as_text=True)
    refused = client.post("/login", data={"username": "tea", "password": PASSWORD, "csrf_token": csrf_token(login_page)})
    assert refused.status_code == 401
    assert client.post("/api/v1/records", json={}, headers=token).status_code == 401
    assert _admin_post(admin, "/admin/users/tea/disabled", {"disabled": "0"}).status_code == 302
    assert as_user("tea").client.get("/supplier/").status_code == 200
    assert client.post("/api/v1/records", json={}, headers=token).status_code == 422  # the token works again

    assert _admin_post(admin, "/admin/users/tea/role", {"role": "auditor", "participant_id": TEA}).status_code == 302
    tea_now = _accounts(portal).get_user("tea")
    assert tea_now is not None and (tea_now.role, tea_now.participant_id, tea_now.disabled) == ("auditor", None, False)
    assert as_user("tea").client.get("/auditor/").status_code == 200

    for path, data, status, message in [
        ("/admin/users/tea/role", {"role": "supplier"}, 422, "a supplier account must be bound to a participant"),
        ("/admin/users/tea/role", {"role": "owner"}, 422, "role must be one of supplier, auditor, admin"),
        ("/admin/users/nobody/role", {"role": "auditor"}, 404, "user nobody does not exist"),
        ("/admin/users/tea/disabled", {"disabled": "yes"}, 422, "disabled must be 1 (disable) or 0 (enable)"),
        ("/admin/users/root/disabled", {"disabled": "1"}, 409, "root is the last enabled admin account"),
        ("/admin/users/root/role", {"role": "auditor"}, 409, "root is the last enabled admin account"),
    ]:
        resp = _admin_post(admin, path, data)
        assert resp.status_code == status and message in html.unescape(resp.get_data(as_text=True)), path
    assert _accounts(portal).get_user("root").role == "admin" and not _accounts(portal).get_user("root").disabled
    _accounts(portal).add_user("root2", PASSWORD, "admin")
    assert _admin_post(admin, "/admin/users/root/role", {"role": "auditor"}).status_code == 302


# -- chain health ----------------------------------------------------------------------------

def test_chain_health_with_the_tester_chain(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    admin, registry = as_user("root"), portal.registry
    page = html.unescape(admin.client.get("/admin/").get_data(as_text=True))
    latest = portal.ledger.latest_checkpoint()
    assert f"Chain reachable: chain id {registry.chain_id}, registry {registry.address}, latest block " \
           f"{registry.chain.block_number()};" in page.replace("<strong>", "").replace("</strong>", "").replace(
               "<code>", "").replace("</code>", "")
    assert f"agree</span> both hold checkpoint {latest.tree_size}" in page and "0 record(s) pending." in page
    assert "anchoring late" not in page and f"held by <code>{socket.gethostname()}:" in page

    app_ledger = portal.app.extensions["carbonledger"]["ledger"]
    app_ledger.clock = lambda: datetime.now(timezone.utc) - timedelta(hours=1)  # received an hour ago, still pending
    assert as_user("tea").post_form("/supplier/submit/shipment", SHIPMENT_FORM).status_code == 302
    status = admin.client.get("/api/v1/admin/status", headers=token_headers(portal, "root"))
    assert status.status_code == 200
    body = status.get_json()
    _check_schema(admin.client, "AdminStatus", body)
    assert body["chain"] == {"reachable": True, "error": None, "chain_id": registry.chain_id,
                             "registry_address": registry.address, "latest_block": registry.chain.block_number(),
                             "latest_checkpoint": {"tree_size": latest.tree_size, "root": latest.root.hex()}}
    anchoring = body["anchoring"]
    assert anchoring["pending"] == 1 and anchoring["late"] is True  # the record (its custodial key is in the fixture) and anchoring["oldest_pending_age_seconds"] > 3500
    assert anchoring["late_after_seconds"] == portal.config.anchor_max_age_seconds + LATE_MARGIN_SECONDS
    assert anchoring["lease"]["holder"].startswith(socket.gethostname() + ":")
    assert body["checkpoints"]["agreement"] == "agree" and body["log"]["size"] == latest.tree_size + 1
    assert body["counts"]["shipment"] >= 1
    page = admin.client.get("/admin/").get_data(as_text=True)
    assert "1 record(s) pending, the oldest received" in page and "anchoring late" in page

    portal.anchor()
    assert admin.client.get("/api/v1/admin/status", headers=token_headers(portal, "root")).get_json()["anchoring"]["late"] is False


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_chain_still_renders(portal: Portal) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    app = create_app(replace(portal.config, chain=url, anchor_key=Account.create().key.hex()), testing=True)
    try:
        admin = User(app.test_client()).login("root")
        resp = admin.client.get("/admin/")
        page = html.unescape(resp.get_data(as_text=True))
        assert resp.status_code == 200 and 'id="chain-unreachable"' in page
        assert f"unreachable</strong>: no JSON-RPC node answers at {url}" in page
        assert "unknown</span> the chain cannot be read" in page and "Register a participant" in page
        token = app.extensions["carbonledger"]["accounts"].issue_token("root", "ops")
        status = admin.client.get("/api/v1/admin/status", headers={"Authorization": f"Bearer {token}"})
        body = status.get_json()
        assert status.status_code == 200 and body["chain"]["reachable"] is False
        assert body["chain"]["error"] == f"no JSON-RPC node answers at {url}" and body["chain"]["chain_id"] is None
        assert body["store"]["latest_checkpoint"]["tree_size"] == portal.ledger.latest_checkpoint().tree_size
        _check_schema(admin.client, "AdminStatus", body)
    finally:
        app.extensions["carbonledger"]["ledger"].engine.dispose()


def _checkpoint(size: int, root: bytes = b"\1" * 32, chain_id: int = 7, address: str = "0xAbC") -> Checkpoint:
    return Checkpoint(size, root, chain_id, address, "0x" + "0" * 64, 1, datetime.now(timezone.utc))


@pytest.mark.parametrize(("store", "chain", "agreement", "detail"), [
    (None, None, "agree", "nothing anchored yet"),
    (_checkpoint(5), 5, "agree", "both hold checkpoint 5"),
    (_checkpoint(5), 6, "store behind", "the registry holds checkpoint 6, the store 5"),
    (None, 6, "store behind", "the registry holds checkpoint 6, the store none"),
    (_checkpoint(6), 5, "disagree", "the store records checkpoint 6 but the registry's latest is 5"),
    (_checkpoint(5), None, "disagree", "the store records checkpoint 5 but the registry holds none"),
    (_checkpoint(5, root=b"\2" * 32), 5, "disagree", "root mismatch at size 5: chain has 0101"),
    (_checkpoint(5, chain_id=8), 5, "disagree", "the store's latest checkpoint is on chain 8 at 0xAbC, not this registry"),
])
def test_store_and_chain_checkpoints_are_compared(store: Checkpoint | None, chain: int | None, agreement: str,
                                                  detail: str) -> None:
    from ledger.chain.registry import Checkpoint as OnChain

    on_chain = None if chain is None else OnChain(chain, b"\1" * 32, datetime.now(timezone.utc), 0, 0, "")
    got = compare_checkpoints(store, ChainView(7, "0xabc", 10, on_chain))
    assert got[0] == agreement and detail in got[1]
    assert compare_checkpoints(store, None)[0] == "unknown"


# -- role boundaries -------------------------------------------------------------------------

_PAGES: list[tuple[str, dict[str, Any] | None]] = [
    ("/admin/", None), ("/admin/participants", _NEW),
    ("/admin/users", {"username": "x", "password": PASSWORD, "role": "admin"}),
    ("/admin/users/tea/disabled", {"disabled": "1"}), ("/admin/users/tea/role", {"role": "admin"}),
    ("/admin/keys/revoke", {"key_id": "ed25519:00"}),
]


@pytest.mark.parametrize("who", ["tea", "audit", None])
def test_only_admins_reach_admin_pages(as_user, client, portal: Portal, who: str | None) -> None:  # type: ignore[no-untyped-def]
    before = _state(portal)
    if who is not None:
        client = as_user(who).client
    token = csrf_token(client.get({"tea": "/supplier/", "audit": "/auditor/", None: "/login"}[who]).get_data(as_text=True))
    for path, data in _PAGES:
        resp = client.get(path) if data is None else client.post(path, data={**data, "csrf_token": token})
        if who is None:
            assert resp.status_code == 302 and "/login" in resp.headers["Location"], path
        else:
            assert resp.status_code == 403 and "this page is for admin accounts" in resp.get_data(as_text=True), path
    assert _state(portal) == before


_API = [("GET", "/api/v1/admin/status"), ("GET", "/api/v1/admin/users"), ("POST", "/api/v1/admin/participants"),
        ("POST", "/api/v1/admin/participants/hangzhou-spring-tea/keys"),
        ("POST", "/api/v1/admin/participants/hangzhou-spring-tea/rotate-custodial-key"),
        ("POST", "/api/v1/admin/participants/hangzhou-spring-tea/custodial-key"),
        ("POST", "/api/v1/admin/keys/ed25519:00/revoke"), ("POST", "/api/v1/admin/users"),
        ("POST", "/api/v1/admin/users/tea/role"), ("POST", "/api/v1/admin/users/tea/disable"),
        ("POST", "/api/v1/admin/users/tea/enable")]


def test_every_admin_api_route_is_in_the_boundary_test(portal: Portal) -> None:
    routes = {(m, r.rule.replace("<participant_id>", TEA).replace("<key_id>", "ed25519:00").replace("<username>", "tea"))
              for r in portal.app.url_map.iter_rules() if r.rule.startswith("/api/v1/admin/")
              for m in r.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(_API)


@pytest.mark.parametrize("who", ["tea", "audit", None])
def test_only_admins_reach_the_admin_api(client, portal: Portal, who: str | None) -> None:  # type: ignore[no-untyped-def]
    before = _state(portal)
    headers = token_headers(portal, who) if who else {}
    for method, path in _API:
        resp = client.open(path, method=method, json={"participant_id": "x", "name": "x", "roles": ["supplier"]},
                           headers=headers)
        assert resp.status_code == (403 if who else 401) and resp.is_json, path
        assert resp.get_json()["message"] == ("this page is for admin accounts" if who
                                              else "log in or send 'Authorization: Bearer <token>'")
    assert _state(portal) == before


# -- the JSON twins ---------------------------------------------------------------------------

def test_admin_api_onboards_and_manages_keys_and_users(as_user, client, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    root, ledger = token_headers(portal, "root"), portal.ledger
    resp = client.post("/api/v1/admin/participants", headers=root, json={
        "participant_id": "api-co", "name": "API Co", "roles": ["supplier"], "country": "NL"})
    assert resp.status_code == 201
    created = resp.get_json()
    _check_schema(client, "AdminParticipantCreated", created)
    assert created["custodial"] is True and [r["seq"] for r in created["receipts"]] == [ledger.log_info().size - 2,
                                                                                      ledger.log_info().size - 1]
    assert _custodial(portal).key("api-co").key_id == created["key_id"]
    own = SigningKey.generate()
    resp = client.post("/api/v1/admin/participants", headers=root, json={
        "participant_id": "api-own", "name": "API Own", "roles": ["carrier", "hub_operator"], "public_key": own.public_b64})
    assert resp.status_code == 201 and resp.get_json()["key_id"] == own.key_id and not resp.get_json()["custodial"]

    resp = client.post("/api/v1/admin/users", headers=root, json={"username": "apiuser", "password": PASSWORD,
                                                                  "role": "supplier", "participant_id": "api-co"})
    assert resp.status_code == 201
    assert resp.get_json() == {"username": "apiuser", "role": "supplier", "participant_id": "api-co", "disabled": False}
    assert as_user("apiuser").post_form("/supplier/submit/shipment", SHIPMENT_FORM).status_code == 302
    users = client.get("/api/v1/admin/users", headers=root).get_json()
    _check_schema(client, "AdminUser", users[0])
    assert {u["username"] for u in users} >= {"apiuser", "root", "tea"}

    resp = client.post("/api/v1/admin/participants/api-co/rotate-custodial-key", headers=root, json={"reason": "drill"})
    rotation = resp.get_json()
    assert resp.status_code == 200 and rotation["old_key_id"] == created["key_id"]
    _check_schema(client, "AdminKeyRotation", rotation)
    assert ledger.record(rotation["revoked_seq"]).record["reason"] == "drill"
    new = SigningKey.generate()
    resp = client.post("/api/v1/admin/participants/api-own/keys", headers=root, json={"public_key": new.public_b64})
    assert resp.status_code == 201 and ledger.record(resp.get_json()["seq"]).record["key_id"] == new.key_id
    resp = client.post(f"/api/v1/admin/keys/{own.key_id}/revoke", headers=root)  # no body: no reason
    assert resp.status_code == 200 and resp.get_json()["key_id"] == own.key_id
    _check_schema(client, "AdminRevocation", resp.get_json())
    assert {k["key_id"]: k["revoked"] for k in _participant(portal, "api-own")["keys"]} == {own.key_id: True,
                                                                                            new.key_id: False}

    resp = client.post("/api/v1/admin/users/apiuser/role", headers=root, json={"role": "auditor"})
    assert resp.status_code == 200 and resp.get_json()["participant_id"] is None
    resp = client.post("/api/v1/admin/users/apiuser/disable", headers=root)
    assert resp.status_code == 200 and resp.get_json()["disabled"] is True
    assert client.post("/api/v1/admin/users/apiuser/enable", headers=root).get_json()["disabled"] is False


@pytest.mark.parametrize(("path", "body", "status", "field", "message"), [
    ("/api/v1/admin/participants", {"participant_id": "x", "name": "X", "roles": "supplier"}, 422, "roles",
     "roles must be a JSON string array"),
    ("/api/v1/admin/participants", {"participant_id": "x", "name": "X", "roles": ["supplier"], "colour": "red"}, 422,
     "colour", "unexpected member 'colour'"),
    ("/api/v1/admin/participants", {"participant_id": "x", "roles": ["supplier"]}, 422, "name", "name is required"),
    ("/api/v1/admin/participants", {"participant_id": TEA, "name": "X", "roles": ["supplier"]}, 409, "participant_id",
     f"participant {TEA} already exists"),
    ("/api/v1/admin/participants", {"participant_id": "x", "name": "X", "roles": ["supplier"], "public_key": "abc"},
     422, "public_key", "the public key must be a 32-byte Ed25519 public key"),
    ("/api/v1/admin/participants", {"participant_id": "x", "name": "X", "roles": ["king"]}, 422, "roles",
     "unknown role 'king'"),
    ("/api/v1/admin/participants", [1], 422, None, "the body must be a JSON object"),
    ("/api/v1/admin/users", {"username": "u", "password": "short", "role": "auditor"}, 422, "password",
     "password must have at least 10 characters"),
    ("/api/v1/admin/users", {"username": "u", "password": PASSWORD, "role": "supplier"}, 422, "participant_id",
     "a supplier account must be bound to a participant"),
    ("/api/v1/admin/users", {"username": "u", "password": PASSWORD, "role": "boss"}, 422, "role",
     "role must be one of supplier, auditor, admin"),
    ("/api/v1/admin/users", {"username": "u", "password": 1234567890, "role": "auditor"}, 422, "password",
     "password must be a JSON string"),
    ("/api/v1/admin/keys/ed25519:00/revoke", {"reason": "lost"}, 404, "key_id", "key ed25519:00 is not registered"),
    ("/api/v1/admin/keys/ed25519:00/revoke", {"why": "lost"}, 422, "why", "unexpected member 'why'"),
    ("/api/v1/admin/participants/skybridge-cargo/rotate-custodial-key", None, 404, "participant_id",
     "participant skybridge-cargo has no custodial key yet"),
    ("/api/v1/admin/participants/no-such-co/keys", {"public_key": SigningKey.generate().public_b64}, 404,
     "participant_id", "participant no-such-co is not registered"),
    ("/api/v1/admin/users/nobody/role", {"role": "auditor"}, 404, "username", "user nobody does not exist"),
    ("/api/v1/admin/users/root/disable", None, 409, "username", "root is the last enabled admin account"),
])
def test_admin_api_refuses_bad_input_with_a_json_4xx(client, portal: Portal, path: str, body: Any, status: int,  # type: ignore[no-untyped-def]
                                                      field: str | None, message: str) -> None:
    before = _state(portal)
    resp = client.post(path, json=body, headers=token_headers(portal, "root"))
    assert resp.status_code == status and resp.is_json, resp.get_data(as_text=True)
    assert message in resp.get_json()["message"] and resp.get_json().get("field") == field
    assert _state(portal) == before


def test_admin_api_wants_json_bodies(client, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    root = token_headers(portal, "root")
    resp = client.post("/api/v1/admin/users", data="username=u", headers=root,
                       content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 415 and "Content-Type: application/json" in resp.get_json()["message"]
    resp = client.post("/api/v1/admin/users", data="{nope", headers=root, content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["message"] == ("the body is not valid JSON: Expecting property "
                                                                      "name enclosed in double quotes at column 2")
