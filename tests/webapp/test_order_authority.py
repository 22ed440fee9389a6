"""The order page and its JSON twin show only what entitled parties wrote, say who signed with
which kind of key, and list claims by others apart; admins report keys compromised.

Each attack goes through the portal's ordinary doors (forms, JSON API) with a supplier
account the portal signs for, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.records.public_ids import order_public_id
from tests.records_factory import transport_leg
from tests.webapp.conftest import Portal, csrf_token

VICTIM = "ORD-TEA-1001"
SHIPMENT_FORM = {"consignee_country": "DE", "product.gtin": "06901234567892", "product.description": "tea",
                 "product.quantity": "1", "product.mass_kg": "0.3", "mass_kg": "0.5", "origin.name": "Shenzhen",
                 "origin.unlocode": "CNSZX", "destination.name": "Berlin", "destination.unlocode": "DEBER"}


@pytest.fixture
def portal_database_url(db_url: str) -> str:
    """Every test here runs on SQLite and on PostgreSQL."""
    return db_url


def _order(client: Any, order_id: str = VICTIM) -> dict[str, Any]:
    resp = client.get(f"/api/v1/orders/{order_public_id(order_id)}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def _own(order: dict[str, Any]) -> dict[str, list[int]]:
    return {part: [r["seq"] for r in order[part]] for part in ("shipments", "legs", "hubs")}


def test_a_shipment_into_another_companys_order_is_refused_by_the_form(as_user, client, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    before, size = _own(_order(client)), portal.ledger.log_info().size
    resp = as_user("volt").post_form("/supplier/submit/shipment",
                                     {**SHIPMENT_FORM, "shipment_id": "SH-TEA-1001", "order_id": VICTIM})
    assert resp.status_code == 422
    assert "belongs to hangzhou-spring-tea" in resp.get_data(as_text=True)
    assert portal.ledger.log_info().size == size and _own(_order(client)) == before


def test_records_on_a_reused_shipment_id_are_claims_not_part_of_the_order(as_user, client, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    """volt records its own SH-TEA-1001 (in its own order) and a leg on it: tea's order is untouched,
    and the page lists volt's leg as a claim by someone else."""
    before = _order(client)
    volt = as_user("volt")
    resp = volt.post_form("/supplier/submit/shipment", {**SHIPMENT_FORM, "shipment_id": "SH-TEA-1001",
                                                        "order_id": "ORD-VOLT-X"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    custodial = portal.app.extensions["carbonledger"]["custodial_keys"]
    leg = custodial.submit_one("shenzhen-voltcraft", transport_leg(
        "LEG-T-01", ["SH-TEA-1001"], origin={"name": "Shenzhen", "unlocode": "CNSZX"},
        destination={"name": "Sydney", "unlocode": "AUSYD"}, distance_km=7400.0))
    after = _order(client)
    assert _own(after) == _own(before)
    assert after["footprint"] == before["footprint"]
    assert [(c["seq"], c["kind"], c["signer"]) for c in after["claims_by_others"]] == \
        [(leg.seq, "transport_leg", "shenzhen-voltcraft")]
    assert leg.seq not in {r["seq"] for r in after["verification"]["records"]}
    page = client.get(f"/p/{order_public_id(VICTIM)}").get_data(as_text=True)
    assert "Claims by others, not part of this order" in page and "Shenzhen Voltcraft Electronics" in page


def test_the_page_says_who_signed_and_with_which_key(client, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    order = _order(client)
    assert order["owner"]["signer_name"] == "Hangzhou Spring Tea Co., Ltd."
    legs = {leg["leg_id"]: leg for leg in order["legs"]}
    assert legs["LEG-T-02"]["signer_name"] == "East Sea Container Lines" and legs["LEG-T-02"]["key_custody"] == "own"
    assert all(r["received_at"] for r in order["legs"])
    assert order["verification"]["state"] == "verified"
    assert order["verification"]["sentence"].startswith("All ")
    assert order["delegations"] and {d["delegate"] for d in order["delegations"]} >= {"east-sea-shipping"}
    page = client.get(f"/p/{order_public_id(VICTIM)}").get_data(as_text=True)
    assert 'data-state="verified"' in page and "their own key" in page
    assert "not that the figure is a measurement" in page


def test_an_admin_reports_a_key_compromised(as_user, client, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    east_sea = next(p for p in portal.ledger.participants() if p["participant_id"] == "east-sea-shipping")
    key_id = east_sea["keys"][0]["key_id"]
    leg_seq = next(r for r in _order(client)["legs"] if r["leg_id"] == "LEG-T-02")["seq"]
    since = portal.ledger.record(leg_seq).received_at.isoformat()
    root = as_user("root")
    page = root.client.get("/admin/").get_data(as_text=True)
    assert 'id="compromised"' in page
    form = {"key_id": key_id, "compromised_since": "last tuesday", "csrf_token": csrf_token(page)}
    refused_form = root.client.post("/admin/keys/revoke", data=form)
    assert refused_form.status_code == 422 and "not an ISO 8601 time" in refused_form.get_data(as_text=True)
    token = portal.app.extensions["carbonledger"]["accounts"].issue_token("root", "ops")
    headers = {"Authorization": f"Bearer {token}"}
    refused = client.post(f"/api/v1/admin/keys/{key_id}/revoke", json={"compromised_since": "last tuesday"},
                          headers=headers)
    assert refused.status_code == 422 and refused.get_json()["field"] == "compromised_since"
    done = client.post(f"/api/v1/admin/keys/{key_id}/revoke", headers=headers,
                       json={"reason": "credentials leaked", "compromised_since": since})
    assert done.status_code == 200, done.get_json()
    order = _order(client)
    assert order["verification"]["state"] == "warning"
    assert any(f"record {leg_seq}: signed with key {key_id}, reported compromised" in w
               for w in order["verification"]["warnings"])


def test_an_admin_adds_a_custodial_key_only_explicitly_with_a_reason(client, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    token = portal.app.extensions["carbonledger"]["accounts"].issue_token("root", "ops")
    headers = {"Authorization": f"Bearer {token}"}
    path = "/api/v1/admin/participants/skybridge-cargo/custodial-key"
    assert client.post(path, json={}, headers=headers).status_code == 422  # no reason, no key
    added = client.post(path, json={"reason": "their office lost its signing laptop"}, headers=headers)
    assert added.status_code == 201
    key_id = added.get_json()["key_id"]
    registration = [r for r in portal.ledger.records_by_ref("key_id", key_id) if r.kind == "key"][0]
    assert registration.record["custody"] == "custodial"
    assert registration.record["reason"] == "their office lost its signing laptop"
    again = client.post(path, json={"reason": "twice"}, headers=headers)
    assert again.status_code == 409
