"""The order page's verification cache: served only while the store still says what was verified.

Each case views an order (verifying and keeping it), changes the store the way a user,
the anchoring worker or an attacker would, and checks the very next request tells.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

import ledger.order_cache
from ledger.records.public_ids import order_public_id
from ledger.records.signing import SigningKey
from tests.records_factory import shipment, transport_leg
from tests.tampering import drop_append_only_guards
from tests.webapp.conftest import Portal

ORDER = "ORD-TEA-1001"


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Order ids verified from scratch (a spy on the real verification, which still runs)."""
    seen: list[str] = []
    real = ledger.order_cache.verify_order

    def spy(ledger: Any, view: Any, chain: Any) -> Any:
        seen.append(view.order_id)
        return real(ledger, view, chain)

    monkeypatch.setattr(ledger.order_cache, "verify_order", spy)
    return seen


def _order(client: Any, order_id: str = ORDER) -> dict[str, Any]:
    resp = client.get(f"/api/v1/orders/{order_public_id(order_id)}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def _key(portal: Portal, participant: str) -> SigningKey:
    return SigningKey.load(portal.config.home / "demo-keys" / f"{participant}.pem")


@pytest.fixture
def portal_database_url(db_url: str) -> str:
    """Every test here runs on SQLite and on PostgreSQL."""
    return db_url


def test_repeat_views_are_served_without_verifying_again(client: Any, verifications: list[str]) -> None:
    first = _order(client)
    assert first["verification"]["all_verified"] is True
    for _ in range(3):
        assert _order(client) == first
    page = client.get(f"/p/{order_public_id(ORDER)}")
    assert page.status_code == 200 and "Verified" in page.get_data(as_text=True)
    assert verifications == [ORDER]  # the HTML page shares the JSON twin's verification


def test_edited_bytes_and_edited_leaf_hash_both_fail_on_the_next_request(portal: Portal, client: Any) -> None:
    body = _order(client)
    leg = body["legs"][0]["seq"]
    shipment = body["shipments"][0]["seq"]
    drop_append_only_guards(portal.ledger.engine)
    with portal.ledger.engine.begin() as conn:
        env = bytes(conn.execute(text("SELECT envelope FROM records WHERE seq = :s"), {"s": leg}).scalar_one())
        conn.execute(text("UPDATE records SET envelope = :e WHERE seq = :s"),
                     {"e": env.replace(b'"distance_km":', b'"distance_km":1'), "s": leg})
    failed = _order(client)["verification"]
    assert failed["all_verified"] is False and [r["seq"] for r in failed["records"] if not r["ok"]] == [leg]
    with portal.ledger.engine.begin() as conn:  # put the bytes back: verified again
        conn.execute(text("UPDATE records SET envelope = :e WHERE seq = :s"), {"e": env, "s": leg})
    assert _order(client)["verification"]["all_verified"] is True
    with portal.ledger.engine.begin() as conn:  # now the stored hash column instead of the bytes
        conn.execute(text("UPDATE records SET leaf_hash = :h WHERE seq = :s"), {"h": b"\x01" * 32, "s": shipment})
    failed = _order(client)["verification"]
    assert [r["seq"] for r in failed["records"] if not r["ok"]] == [shipment]


def test_a_correction_a_new_leg_and_its_anchoring_show_at_once(portal: Portal, client: Any) -> None:
    before = _order(client)
    shipment_id = before["shipments"][0]["shipment_id"]
    carrier = _key(portal, "hangzhou-spring-tea")
    receipt = portal.ledger.submit(carrier.sign_record(
        transport_leg("LEG-LATE-1", [shipment_id], departure="2026-09-30T08:00:00+00:00")))
    added = _order(client)
    assert "LEG-LATE-1" in [leg["leg_id"] for leg in added["legs"]]
    pending = next(r for r in added["verification"]["records"] if r["seq"] == receipt.seq)
    assert pending["ok"] and pending["anchored"] is False
    assert _order(client) == added  # kept while nothing changes
    portal.anchor()
    anchored = next(r for r in _order(client)["verification"]["records"] if r["seq"] == receipt.seq)
    assert anchored["ok"] and anchored["anchored"] is True
    correction = {"kind": "correction", "schema_version": 1, "supersedes": receipt.leaf_hash.hex(),
                  "reason": "leg booked twice", "replacement": None}
    portal.ledger.submit(carrier.sign_record(correction))
    late = next(leg for leg in _order(client)["legs"] if leg["leg_id"] == "LEG-LATE-1")
    assert late["withdrawn"] is True


def test_unrelated_records_do_not_evict_and_the_cache_is_bounded(portal: Portal, client: Any,
                                                                 verifications: list[str]) -> None:
    _order(client)
    other = _key(portal, "hangzhou-spring-tea")
    portal.ledger.submit(other.sign_record(shipment("SH-NOT-THIS-ORDER", "ORD-ELSEWHERE", "hangzhou-spring-tea")))
    portal.ledger.submit(other.sign_record(transport_leg("LEG-ELSEWHERE", ["SH-NOT-THIS-ORDER"])))
    _order(client)
    assert verifications == [ORDER]
    cache = portal.app.extensions["carbonledger"]["order_cache"]
    cache.max_entries = 1
    _order(client, "ORD-ELEC-2001")
    _order(client)
    assert verifications == [ORDER, "ORD-ELEC-2001", ORDER] and len(cache._entries) == 1


def test_unknown_orders_are_404_and_not_kept(portal: Portal, client: Any) -> None:
    assert client.get("/api/v1/orders/ORD-NOPE").status_code == 404
    assert client.get("/p/0000000000").status_code == 404
    assert not portal.app.extensions["carbonledger"]["order_cache"]._entries
