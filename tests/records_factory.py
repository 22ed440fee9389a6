"""Realistic record builders shared by the ledger tests (not a fixture file: plain functions)."""

from __future__ import annotations

from typing import Any


def shipment(shipment_id: str = "SH-1", order_id: str = "ORD-1", shipper: str = "tea-co", **over: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "kind": "shipment", "schema_version": 1, "shipment_id": shipment_id, "order_id": order_id,
        "shipper": shipper, "consignee_country": "DE",
        "products": [{"gtin": "06901234567892", "description": "Longjing green tea 250 g", "quantity": 40, "mass_kg": 0.3}],
        "mass_kg": 14.0,
        "origin": {"name": "Hangzhou", "unlocode": "CNHGH"},
        "destination": {"name": "Berlin", "unlocode": "DEBER"},
    }
    rec.update(over)
    return rec


def transport_leg(leg_id: str = "LEG-1", shipment_ids: list[str] | None = None, carrier: str | None = None, **over: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "kind": "transport_leg", "schema_version": 1, "leg_id": leg_id, "shipment_ids": shipment_ids or ["SH-1"],
        "mode": "road", "vehicle": "hgv_artic_avg_laden",
        "origin": {"name": "Hangzhou", "unlocode": "CNHGH"}, "destination": {"name": "Shanghai port", "unlocode": "CNSHA"},
        "payload_kg": 18000.0, "distance_km": 180.0,
    }
    if carrier:
        rec["carrier"] = carrier
    rec.update(over)
    return rec
