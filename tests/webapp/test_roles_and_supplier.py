"""Role boundaries, CSRF, supplier forms and uploads."""

from __future__ import annotations

import io
import json

import pytest

from tests.records_factory import shipment
from tests.webapp.conftest import Portal, csrf_token


@pytest.mark.parametrize("path", ["/supplier/", "/supplier/submit/shipment", "/supplier/upload", "/account/tokens",
                                  "/auditor/", "/admin/"])
def test_anonymous_is_sent_to_login(client, path: str) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(path)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


@pytest.mark.parametrize(("user", "path", "status"), [
    ("tea", "/admin/", 403), ("tea", "/auditor/", 403), ("audit", "/supplier/", 403), ("audit", "/admin/", 403),
    ("root", "/auditor/", 200), ("audit", "/auditor/", 200), ("root", "/admin/", 200), ("tea", "/supplier/", 200),
])
def test_roles(as_user, user: str, path: str, status: int) -> None:  # type: ignore[no-untyped-def]
    assert as_user(user).client.get(path).status_code == status


def test_wrong_password_and_csrf(client) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/login").get_data(as_text=True))
    bad = client.post("/login", data={"username": "tea", "password": "nope", "csrf_token": token})
    assert bad.status_code == 401 and "wrong password" in bad.get_data(as_text=True)
    no_token = client.post("/login", data={"username": "tea", "password": "correct horse battery"})
    assert no_token.status_code == 400 and "form expired" in no_token.get_data(as_text=True)


def test_supplier_sees_only_its_own_records(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    page = as_user("tea").client.get("/supplier/").get_data(as_text=True)
    assert "SH-TEA-1001" in page and "SH-ELEC-2001" not in page
    cp = portal.ledger.latest_checkpoint()
    assert f"checkpoint {cp.tree_size}, block {cp.block_number}" in page and cp.tx_hash[:12] in page
    page = as_user("volt").client.get("/supplier/").get_data(as_text=True)
    assert "SH-ELEC-2001" in page and "SH-TEA-1001" not in page


def test_form_submission_is_signed_with_the_custodial_key(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    tea = as_user("tea")
    before = portal.ledger.log_info().size
    form = {"shipment_id": "SH-WEB-1", "order_id": "ORD-WEB-1", "consignee_country": "DE",
            "product.gtin": "06901234567892", "product.description": "Longjing tea", "product.quantity": "2",
            "product.mass_kg": "0.31", "mass_kg": "1.0", "origin.name": "Hangzhou", "origin.unlocode": "CNHGH",
            "destination.name": "Berlin", "destination.unlocode": "DEBER"}
    resp = tea.post_form("/supplier/submit/shipment", form)
    assert resp.status_code == 302
    stored = portal.ledger.records_by_ref("shipment_id", "SH-WEB-1")
    assert len(stored) == 1 and stored[0].participant_id == "hangzhou-spring-tea"
    assert stored[0].record["shipper"] == "hangzhou-spring-tea" and stored[0].record["products"][0]["quantity"] == 2
    # signed with the custodial key the admin added explicitly (conftest), registered in the log as such
    assert portal.ledger.log_info().size == before + 1
    registration = [r for r in portal.ledger.records_by_ref("key_id", stored[0].key_id) if r.kind == "key"][0]
    assert registration.record["custody"] == "custodial" and registration.seq < stored[0].seq
    bad = tea.post_form("/supplier/submit/shipment", {**form, "shipment_id": "SH-WEB-2", "mass_kg": "-4"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "greater than 0" in page and 'value="SH-WEB-2"' in page
    assert portal.ledger.records_by_ref("shipment_id", "SH-WEB-2") == []


def _upload(user, name: str, content: str):  # type: ignore[no-untyped-def]
    return user.post_form("/supplier/upload", {"file": (io.BytesIO(content.encode()), name)},
                          content_type="multipart/form-data")


def test_upload_is_all_or_nothing(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    tea = as_user("tea")
    rows = [shipment(f"SH-UP-{i}", order_id="ORD-UP", shipper="hangzhou-spring-tea") for i in range(5)]
    rows[3]["mass_kg"] = "heavy"
    size = portal.ledger.log_info().size
    resp = _upload(tea, "batch.jsonl", "\n".join(json.dumps(r) for r in rows))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Nothing was stored" in page and "line 4" in page and "mass_kg" in page
    assert portal.ledger.log_info().size == size
    rows[3]["mass_kg"] = 14.0
    resp = _upload(tea, "batch.jsonl", "\n".join(json.dumps(r) for r in rows))
    assert resp.status_code == 303  # checked; signed and stored in a job
    state = tea.follow_job(resp.headers["Location"])
    assert state["state"] == "done" and state["message"] == "All 5 rows accepted (5 new, 0 already recorded)."
    assert len(portal.ledger.records_by_ref("order_id", "ORD-UP")) == 5
    again = tea.follow_job(_upload(tea, "batch.jsonl", "\n".join(json.dumps(r) for r in rows)).headers["Location"])
    assert again["message"] == "All 5 rows accepted (0 new, 5 already recorded)."
    assert len(portal.ledger.records_by_ref("order_id", "ORD-UP")) == 5


def test_supplier_cannot_upload_as_another_shipper(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    tea = as_user("tea")
    rows = [shipment("SH-X1", shipper="hangzhou-spring-tea"), shipment("SH-X2", shipper="shenzhen-voltcraft")]
    resp = _upload(tea, "x.jsonl", "\n".join(json.dumps(r) for r in rows))
    assert resp.status_code == 303  # the file is well formed; the ledger judges who may sign what
    state = tea.follow_job(resp.headers["Location"])
    assert state["state"] == "failed" and state["problems"] == [
        "line 2, field shipper: shipper 'shenzhen-voltcraft' is not the signer 'hangzhou-spring-tea'"]
    assert portal.ledger.records_by_ref("shipment_id", "SH-X1") == []


def test_admin_can_revoke_a_key(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    volt_key = next(p for p in portal.ledger.participants() if p["participant_id"] == "shenzhen-voltcraft")["keys"][0]
    admin = as_user("root")
    token = csrf_token(admin.client.get("/admin/").get_data(as_text=True))
    resp = admin.client.post("/admin/keys/revoke", data={"key_id": volt_key["key_id"], "csrf_token": token})
    assert resp.status_code == 302
    keys = next(p for p in portal.ledger.participants() if p["participant_id"] == "shenzhen-voltcraft")["keys"]
    assert keys[0]["revoked"] is True
    missing = admin.client.post("/admin/keys/revoke", data={"key_id": "ed25519:00", "csrf_token": token})
    assert missing.status_code == 404 and "not registered" in missing.get_data(as_text=True)


def test_admin_rotates_a_key(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    from ledger.records.signing import SigningKey
    from tests.records_factory import shipment

    admin = as_user("root")
    new = SigningKey.generate()
    token = csrf_token(admin.client.get("/admin/").get_data(as_text=True))
    resp = admin.client.post("/admin/keys/register", data={"participant_id": "shenzhen-voltcraft",
                                                           "public_key": new.public_b64, "csrf_token": token})
    assert resp.status_code == 302
    old = next(p for p in portal.ledger.participants() if p["participant_id"] == "shenzhen-voltcraft")["keys"][0]
    admin.client.post("/admin/keys/revoke", data={"key_id": old["key_id"], "csrf_token": token})
    receipt = portal.ledger.submit(new.sign_record(shipment("SH-ROT", shipper="shenzhen-voltcraft")))
    assert portal.ledger.record(receipt.seq).key_id == new.key_id
    bad = admin.client.post("/admin/keys/register", data={"participant_id": "shenzhen-voltcraft",
                                                          "public_key": "not-a-key", "csrf_token": token})
    assert bad.status_code == 422 and "public_key" in bad.get_data(as_text=True)
