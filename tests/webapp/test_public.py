"""The consumer's pages and their JSON twin, with live verification."""

from __future__ import annotations

from sqlalchemy import text

from ledger.records.public_ids import order_public_id
from tests.webapp.conftest import Portal


def test_home_page_and_search_by_order_shipment_gtin_and_link(client) -> None:  # type: ignore[no-untyped-def]
    assert "Look up" in client.get("/").get_data(as_text=True)
    target = f"/p/{order_public_id('ORD-TEA-1001')}"
    for query in ("ORD-TEA-1001", "SH-TEA-1001", "https://track.example.org/SH-TEA-1001?lang=de"):
        resp = client.get("/search", query_string={"q": query})
        assert resp.status_code == 302 and resp.headers["Location"].endswith(target), query
    several = client.get("/search", query_string={"q": "06901234567892"})  # the tea GTIN is in two orders
    assert several.status_code == 200 and "ORD-TEA-1001" in several.get_data(as_text=True)
    assert client.get("/search", query_string={"q": "ORD-NOPE"}).status_code == 404
    assert client.get("/search", query_string={"q": ""}).status_code == 400


def test_order_page_shows_journey_correction_and_verified_badge(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get(f"/p/{order_public_id('ORD-TEA-1001')}").get_data(as_text=True)
    assert "Port of Shanghai (CNSHA)" in page and "Port of Hamburg (DEHAM)" in page
    assert page.index("Hangzhou (CNHGH)") < page.index("Duisburg (DEDUI)")  # legs in travel order
    assert 'id="badge"' in page and 'data-state="verified"' in page and "FAILED" not in page
    assert "every one is anchored in a checkpoint the chain holds" in page and "awaiting anchoring" not in page
    corrected = client.get(f"/p/{order_public_id('ORD-TEA-1003')}").get_data(as_text=True)
    assert "corrected by record" in corrected
    qr = client.get(f"/p/{order_public_id('ORD-TEA-1001')}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    assert client.get("/p/0000000000").status_code == 404


def test_json_twin_matches_and_tampering_shows_as_failed(portal: Portal, client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/api/v1/orders/ORD-ELEC-2001").get_json()
    assert body["verification"]["all_verified"] is True
    fp = body["footprint"]
    assert fp["total_wtw_kg"] > 0 and all(leg["factors"] for leg in fp["legs"])  # which factors were used
    air_to_sea = next(sc for sc in fp["scenarios"] if sc["name"] == "air_to_sea")
    assert air_to_sea["status"] == "available" and air_to_sea["saving_kg"] > 0 and air_to_sea["added_transit_hours"] > 0
    assert [leg["mode"] for leg in body["legs"]] == ["road", "air", "road"]
    seq = body["legs"][1]["seq"]
    with portal.ledger.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER records_no_update"))
        env = conn.execute(text("SELECT envelope FROM records WHERE seq = :s"), {"s": seq}).scalar_one()
        conn.execute(text("UPDATE records SET envelope = :e WHERE seq = :s"),
                     {"e": bytes(env).replace(b'"air_long_haul"', b'"air_short_haul"'), "s": seq})
    body = client.get(f"/api/v1/orders/{order_public_id('ORD-ELEC-2001')}").get_json()
    assert body["verification"]["all_verified"] is False
    failed = [r for r in body["verification"]["records"] if not r["ok"]]
    assert [r["seq"] for r in failed] == [seq]
    page = client.get(f"/p/{order_public_id('ORD-ELEC-2001')}").get_data(as_text=True)
    assert 'data-state="failed"' in page and "fail verification" in page and f'data-seq="{seq}"' in page


def test_proof_download(client) -> None:  # type: ignore[no-untyped-def]
    resp = client.get("/records/5/proof.json")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    assert resp.get_json()["index"] == 5
    assert client.get("/records/99999/proof.json").status_code == 404
