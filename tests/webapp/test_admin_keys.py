"""Admin key management: rotating a participant's custodial (portal-held) signing key."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ledger.audit import audit_log
from ledger.cli import main
from ledger.custodial_keys import ROTATION_REASON, CustodialKeys
from ledger.errors import ConflictError, RevokedKeyError
from ledger.records.signing import SigningKey
from ledger.service import Ledger
from ledger.verification import verify_stored
from tests.records_factory import shipment
from tests.webapp.conftest import Portal, User, csrf_token

TEA = "hangzhou-spring-tea"


@pytest.fixture
def portal_database_url(db_url: str) -> str:
    """Every test here runs on SQLite and on PostgreSQL."""
    return db_url


def _custodial(portal: Portal) -> CustodialKeys:
    return portal.app.extensions["carbonledger"]["custodial_keys"]


def _keys(ledger: Ledger, participant_id: str) -> dict[str, bool]:
    """key id -> revoked?, for one participant."""
    person = next(p for p in ledger.participants() if p["participant_id"] == participant_id)
    return {k["key_id"]: k["revoked"] for k in person["keys"]}


def _submit_by_form(tea: User, shipment_id: str) -> None:
    form = {"shipment_id": shipment_id, "order_id": "ORD-ROT", "consignee_country": "DE",
            "product.gtin": "06901234567892", "product.description": "Longjing tea", "product.quantity": "1",
            "product.mass_kg": "0.3", "mass_kg": "0.5", "origin.name": "Hangzhou", "origin.unlocode": "CNHGH",
            "destination.name": "Berlin", "destination.unlocode": "DEBER"}
    resp = tea.post_form("/supplier/submit/shipment", form)
    assert resp.status_code == 302, resp.get_data(as_text=True)


def _rotate(admin: User, participant_id: str, reason: str = ""):  # type: ignore[no-untyped-def]
    token = csrf_token(admin.client.get("/admin/").get_data(as_text=True))
    return admin.client.post("/admin/keys/rotate-custodial",
                             data={"participant_id": participant_id, "reason": reason, "csrf_token": token})


def test_admin_rotates_a_custodial_key(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    tea, ledger = as_user("tea"), portal.ledger
    _submit_by_form(tea, "SH-ROT-OLD")
    old_key = _custodial(portal).key(TEA)
    before = ledger.records_by_ref("shipment_id", "SH-ROT-OLD")[0]
    assert before.key_id == old_key.key_id

    resp = _rotate(as_user("root"), TEA, "laptop lost")
    assert resp.status_code == 302
    page = as_user("root").client.get("/admin/").get_data(as_text=True)
    assert "Rotate custodial key" in page
    new_key_id = _custodial(portal).key(TEA).key_id
    assert new_key_id != old_key.key_id
    assert _keys(ledger, TEA)[old_key.key_id] is True and _keys(ledger, TEA)[new_key_id] is False
    register, revoke = ledger.records_by_ref("key_id", new_key_id)[0], ledger.records_by_ref("key_id", old_key.key_id)[-1]
    assert register.record["action"] == "register" and revoke.record["action"] == "revoke"
    assert revoke.seq == register.seq + 1 and revoke.record["reason"] == "laptop lost"

    _submit_by_form(tea, "SH-ROT-NEW")
    after = ledger.records_by_ref("shipment_id", "SH-ROT-NEW")[0]
    assert after.key_id == new_key_id and after.seq > revoke.seq
    with pytest.raises(RevokedKeyError, match=f"key {old_key.key_id} has been revoked"):
        ledger.submit(old_key.sign_record(shipment("SH-ROT-LATE", shipper=TEA)))

    portal.anchor()
    for stored in (before, after):
        verdict = verify_stored(ledger, stored, portal.registry)
        assert verdict.ok and verdict.anchored, verdict.to_dict()
    report = audit_log(ledger, portal.registry)
    assert report.ok, report.to_dict()


def test_failed_registration_keeps_the_old_key(as_user, portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    tea, ledger = as_user("tea"), portal.ledger
    _submit_by_form(tea, "SH-KEEP-1")
    old_key = _custodial(portal).key(TEA)
    size = ledger.log_info().size
    taken = SigningKey.load(portal.config.home / "demo-keys" / "shenzhen-voltcraft.pem")
    for new_key in (taken, old_key):  # "new" keys the ledger already holds: registering them is refused
        monkeypatch.setattr(SigningKey, "generate", staticmethod(lambda key=new_key: key))
        resp = _rotate(as_user("root"), TEA)
        assert resp.status_code == 409 and f"key {new_key.key_id} is already registered" in resp.get_data(as_text=True)
    monkeypatch.undo()
    assert ledger.log_info().size == size
    assert _keys(ledger, TEA)[old_key.key_id] is False
    _submit_by_form(tea, "SH-KEEP-2")
    assert ledger.records_by_ref("shipment_id", "SH-KEEP-2")[0].key_id == old_key.key_id


def test_concurrent_rotation_stores_nothing(as_user, portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    _submit_by_form(as_user("tea"), "SH-RACE")
    custodial, ledger = _custodial(portal), portal.ledger
    first_rotation = Ledger.rotate_key
    rotations = []

    def another_worker_rotates_first(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        monkeypatch.setattr(Ledger, "rotate_key", first_rotation)
        rotations.append(custodial.rotate(TEA))
        return first_rotation(self, *args, **kwargs)

    monkeypatch.setattr(Ledger, "rotate_key", another_worker_rotates_first)
    with pytest.raises(ConflictError, match=f"the custodial key of {TEA} changed during the rotation"):
        custodial.rotate(TEA)
    (winner,) = rotations
    assert custodial.key(TEA).key_id == winner.new_key_id
    assert ledger.log_info().size == winner.revoked_seq + 1
    assert list(_keys(ledger, TEA).values()).count(False) == 2  # the demo key and the winner's


@pytest.mark.parametrize(("who", "status"), [("tea", 403), ("audit", 403), (None, 302)])
def test_only_admins_rotate(as_user, client, portal: Portal, who: str | None, status: int) -> None:  # type: ignore[no-untyped-def]
    _submit_by_form(as_user("tea"), "SH-GUARD")
    key_id = _custodial(portal).key(TEA).key_id
    if who is None:
        token = csrf_token(client.get("/login").get_data(as_text=True))
    else:
        client = as_user(who).client
        token = csrf_token(client.get("/supplier/" if who == "tea" else "/auditor/").get_data(as_text=True))
    resp = client.post("/admin/keys/rotate-custodial", data={"participant_id": TEA, "csrf_token": token})
    assert resp.status_code == status
    if status == 302:
        assert "/login" in resp.headers["Location"]
    else:
        assert "this page is for admin accounts" in resp.get_data(as_text=True)
    assert _custodial(portal).key(TEA).key_id == key_id
    assert _keys(portal.ledger, TEA)[key_id] is False


@pytest.mark.parametrize(("participant", "message"), [
    ("no-such-co", "participant no-such-co is not registered"),
    ("skybridge-cargo", "participant skybridge-cargo has no custodial key yet"),
])
def test_rotation_needs_a_custodial_key(as_user, portal: Portal, participant: str, message: str) -> None:  # type: ignore[no-untyped-def]
    size = portal.ledger.log_info().size
    resp = _rotate(as_user("root"), participant)
    assert resp.status_code == 404 and message in resp.get_data(as_text=True)
    assert portal.ledger.log_info().size == size


def test_cli_rotates_a_custodial_key(as_user, portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    _submit_by_form(as_user("tea"), "SH-CLI")
    old = _custodial(portal).key(TEA).key_id
    monkeypatch.setenv("CARBONLEDGER_HOME", str(portal.config.home))
    monkeypatch.setenv("CARBONLEDGER_DATABASE_URL", portal.config.database_url)
    result = CliRunner().invoke(main, ["rotate-custodial-key", TEA, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["old_key_id"] == old and out["new_key_id"] == _custodial(portal).key(TEA).key_id
    assert portal.ledger.record(out["revoked_seq"]).record["reason"] == ROTATION_REASON
    result = CliRunner().invoke(main, ["rotate-custodial-key", "no-such-co"], catch_exceptions=False)
    assert result.exit_code == 2 and "participant no-such-co is not registered" in result.stderr
