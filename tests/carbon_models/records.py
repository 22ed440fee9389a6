"""Small record builders for footprint tests (plain dicts, as the CLI and ledger pass them)."""

from __future__ import annotations

from typing import Any

SHA = {"name": "Port of Shanghai", "unlocode": "CNSHA"}
HAM = {"name": "Port of Hamburg", "unlocode": "DEHAM"}
BER = {"name": "Berlin", "unlocode": "DEBER"}
DUI = {"name": "Duisburg", "unlocode": "DEDUI"}
SZX = {"name": "Shenzhen Bao'an", "iata": "SZX"}
FRA = {"name": "Frankfurt", "iata": "FRA"}
DEPOT_A = {"name": "Depot A", "unlocode": "XXDPA"}
DEPOT_B = {"name": "Depot B", "unlocode": "XXDPB"}
"""Codes with no offline coordinates: legs between them need ``distance_km``, which the
engine then takes as reported (no great-circle plausibility check is possible)."""


def shipment(sid: str, mass_kg: float, order: str = "ORD-1", **extra: Any) -> dict[str, Any]:
    rec = {
        "kind": "shipment", "schema_version": 1, "shipment_id": sid, "order_id": order, "shipper": "acme",
        "consignee_country": "DE", "mass_kg": mass_kg, "origin": SHA, "destination": BER,
        "products": [{"gtin": "06901234567892", "description": "tea", "quantity": 1, "mass_kg": min(mass_kg, 0.3)}],
    }
    rec.update(extra)
    return rec


def leg(leg_id: str, ships: list[str], mode: str, vehicle: str, payload_kg: float, *, origin: dict = DEPOT_A,
        destination: dict = DEPOT_B, **extra: Any) -> dict[str, Any]:
    rec = {
        "kind": "transport_leg", "schema_version": 1, "leg_id": leg_id, "shipment_ids": ships, "mode": mode,
        "vehicle": vehicle, "origin": origin, "destination": destination, "payload_kg": payload_kg,
    }
    rec.update(extra)
    return rec


def hub(hub_id: str, ships: list[str], throughput_kg: float, **extra: Any) -> dict[str, Any]:
    rec = {
        "kind": "hub_operation", "schema_version": 1, "hub_id": hub_id, "shipment_ids": ships, "country": "DE",
        "electricity_kwh": 0.0, "throughput_kg": throughput_kg, "period": "2026-10",
    }
    rec.update(extra)
    return rec
