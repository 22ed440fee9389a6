"""The demo data set: a small, realistic cross-border e-commerce supply chain.

Two suppliers in China ship to consumers in Germany:
- green tea from Hangzhou: by road to the port of Shanghai, by container ship to Hamburg,
  by rail to Duisburg, then by van to the consumer; a second tea route goes by the
  China-Europe rail service from Yiwu to Duisburg;
- electronics from Shenzhen: by road to Shenzhen Bao'an airport, by air to Frankfurt,
  then by van.
Carriers report fuel actually burned for some legs (primary data) and not for others,
as in real life; a Hamburg warehouse reports its hub operation and energy bill; one
record is corrected. Keys are kept under ``<home>/demo-keys`` so re-running the demo
signs the same bytes and the ledger recognises every record as already present.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.footprint_records import record_footprint
from ledger.ingest import Receipt
from ledger.records.signing import SigningKey
from ledger.service import Ledger

VEHICLES = {
    "truck": "hgv_artic_avg_laden",
    "rigid": "hgv_rigid_avg_laden",
    "ship": "container_ship_avg",
    "rail": "rail_freight",
    "air": "air_long_haul",
    "van": "van_avg",
}
"""Vehicle class ids of the default factor set (``carbonledger factors list``)."""

PARTICIPANTS: list[tuple[str, str, list[str], str]] = [
    ("hangzhou-spring-tea", "Hangzhou Spring Tea Co., Ltd.", ["supplier"], "CN"),
    ("shenzhen-voltcraft", "Shenzhen Voltcraft Electronics", ["supplier"], "CN"),
    ("zhejiang-linehaul", "Zhejiang Linehaul Trucking", ["carrier"], "CN"),
    ("east-sea-shipping", "East Sea Container Lines", ["carrier"], "CN"),
    ("silk-rail-express", "Silk Rail Express (China-Europe rail)", ["carrier"], "CN"),
    ("skybridge-cargo", "Skybridge Air Cargo", ["carrier"], "HK"),
    ("rhein-lastmile", "Rhein Last Mile GmbH", ["carrier"], "DE"),
    ("hamburg-fulfilment", "Hamburg Fulfilment Centre GmbH", ["hub_operator"], "DE"),
]

HANGZHOU = {"name": "Hangzhou", "unlocode": "CNHGH"}
SHANGHAI = {"name": "Port of Shanghai", "unlocode": "CNSHA"}
YIWU = {"name": "Yiwu", "unlocode": "CNYIW"}
HAMBURG = {"name": "Port of Hamburg", "unlocode": "DEHAM"}
DUISBURG = {"name": "Duisburg", "unlocode": "DEDUI"}
SHENZHEN = {"name": "Shenzhen", "unlocode": "CNSZX"}
SZX = {"name": "Shenzhen Bao'an International Airport", "iata": "SZX"}
FRA = {"name": "Frankfurt Airport", "iata": "FRA"}
BERLIN = {"name": "Berlin", "unlocode": "DEBER"}
COLOGNE = {"name": "Cologne", "unlocode": "DECGN"}
MUNICH = {"name": "Munich", "unlocode": "DEMUC"}


def _shipment(sid: str, order: str, shipper: str, products: list[dict[str, Any]], origin: dict, dest: dict,
              packaging_kg: float) -> dict[str, Any]:
    mass = round(sum(p["quantity"] * p["mass_kg"] for p in products) + packaging_kg, 3)
    return {
        "kind": "shipment", "schema_version": 1, "shipment_id": sid, "order_id": order, "shipper": shipper,
        "consignee_country": "DE", "products": products, "mass_kg": mass, "origin": origin, "destination": dest,
        "tracking_url": f"https://track.example.org/{sid}",
    }


TEA = {"gtin": "06901234567892", "description": "West Lake Longjing green tea, 250 g tin", "mass_kg": 0.31,
       "pcf_kgco2e_per_unit": 0.82}
OOLONG = {"gtin": "06901234567908", "description": "Tieguanyin oolong, 100 g pouch", "mass_kg": 0.12}
EARBUDS = {"gtin": "06970000000014", "description": "Wireless earbuds with charging case", "mass_kg": 0.21,
           "pcf_kgco2e_per_unit": 6.1}
CHARGER = {"gtin": "06970000000021", "description": "65 W USB-C GaN charger", "mass_kg": 0.14}


def _leg(leg_id: str, ships: list[str], mode: str, vehicle: str, origin: dict, dest: dict, payload_kg: float,
         carrier: str, departure: str, arrival: str, **extra: Any) -> dict[str, Any]:
    leg = {
        "kind": "transport_leg", "schema_version": 1, "leg_id": leg_id, "shipment_ids": ships, "mode": mode,
        "vehicle": VEHICLES[vehicle], "origin": origin, "destination": dest, "payload_kg": payload_kg,
        "carrier": carrier, "departure": departure, "arrival": arrival, "temperature_controlled": False,
    }
    leg.update(extra)
    return leg


def records_by_participant() -> list[tuple[str, dict[str, Any]]]:
    """Every demo record with the participant who signs it, in submission order.

    The shippers' delegations come right after their shipments: each carrier and the
    warehouse may add exactly the legs and hub operations it reports (``ledger.authority``).
    """
    records = _operations()
    shipments = [(pid, rec) for pid, rec in records if rec["kind"] == "shipment"]
    return shipments + _delegations(records) + [(pid, rec) for pid, rec in records if rec["kind"] != "shipment"]


def _delegations(records: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """What each shipper lets each of its carriers and hub operators add, one delegation per pair."""
    owner = {rec["shipment_id"]: pid for pid, rec in records if rec["kind"] == "shipment"}
    granted: dict[tuple[str, str], tuple[set[str], set[str]]] = {}
    for pid, rec in records:
        for shipment_id in rec.get("shipment_ids", []):
            if owner[shipment_id] != pid:
                shipments, kinds = granted.setdefault((owner[shipment_id], pid), (set(), set()))
                shipments.add(shipment_id)
                kinds.add(rec["kind"])
    return [(shipper, {"kind": "delegation", "schema_version": 1, "delegation_id": f"DEL-{shipper}-{delegate}",
                       "delegate": delegate, "shipment_ids": sorted(shipments), "may_add": sorted(kinds)})
            for (shipper, delegate), (shipments, kinds) in sorted(granted.items())]


def _operations() -> list[tuple[str, dict[str, Any]]]:
    tea, volt = "hangzhou-spring-tea", "shenzhen-voltcraft"
    out: list[tuple[str, dict[str, Any]]] = [
        (tea, _shipment("SH-TEA-1001", "ORD-TEA-1001", tea, [{**TEA, "quantity": 6}], HANGZHOU, BERLIN, 0.6)),
        (tea, _shipment("SH-TEA-1002", "ORD-TEA-1002", tea, [{**TEA, "quantity": 2}, {**OOLONG, "quantity": 4}], HANGZHOU, COLOGNE, 0.4)),
        (tea, _shipment("SH-TEA-1003", "ORD-TEA-1003", tea, [{**OOLONG, "quantity": 10}], YIWU, DUISBURG, 0.5)),
        (volt, _shipment("SH-ELEC-2001", "ORD-ELEC-2001", volt, [{**EARBUDS, "quantity": 1}, {**CHARGER, "quantity": 1}], SHENZHEN, MUNICH, 0.35)),
        (volt, _shipment("SH-ELEC-2002", "ORD-ELEC-2002", volt, [{**EARBUDS, "quantity": 3}], SHENZHEN, BERLIN, 0.5)),
        ("zhejiang-linehaul", _leg("LEG-T-01", ["SH-TEA-1001", "SH-TEA-1002"], "road", "truck", HANGZHOU, SHANGHAI,
                                   16_500.0, "zhejiang-linehaul", "2026-09-01T06:00:00+08:00", "2026-09-01T10:30:00+08:00",
                                   distance_km=176.0, fuel=[{"type": "diesel", "amount": 61.2, "unit": "l"}])),
        ("east-sea-shipping", _leg("LEG-T-02", ["SH-TEA-1001", "SH-TEA-1002"], "sea", "ship", SHANGHAI, HAMBURG,
                                   9_800_000.0, "east-sea-shipping", "2026-09-03T18:00:00+08:00", "2026-10-08T07:00:00+02:00")),
        ("silk-rail-express", _leg("LEG-T-03", ["SH-TEA-1001", "SH-TEA-1002"], "rail", "rail", HAMBURG, DUISBURG,
                                   820_000.0, "silk-rail-express", "2026-10-09T22:00:00+02:00", "2026-10-10T09:00:00+02:00",
                                   distance_km=372.0)),
        ("silk-rail-express", _leg("LEG-T-04", ["SH-TEA-1003"], "rail", "rail", YIWU, DUISBURG,
                                   1_050_000.0, "silk-rail-express", "2026-09-05T12:00:00+08:00", "2026-09-21T16:00:00+02:00",
                                   distance_km=10_900.0)),
        ("rhein-lastmile", _leg("LEG-T-05", ["SH-TEA-1001"], "road", "van", DUISBURG, BERLIN, 420.0,
                                "rhein-lastmile", "2026-10-11T07:00:00+02:00", "2026-10-11T15:40:00+02:00",
                                distance_km=563.0, fuel=[{"type": "diesel", "amount": 50.7, "unit": "l"}])),
        ("rhein-lastmile", _leg("LEG-T-06", ["SH-TEA-1002", "SH-TEA-1003"], "road", "van", DUISBURG, COLOGNE, 380.0,
                                "rhein-lastmile", "2026-10-11T08:00:00+02:00", "2026-10-11T10:10:00+02:00", distance_km=71.0)),
        ("zhejiang-linehaul", _leg("LEG-E-01", ["SH-ELEC-2001", "SH-ELEC-2002"], "road", "rigid", SHENZHEN, SZX,
                                   5_200.0, "zhejiang-linehaul", "2026-09-10T08:00:00+08:00", "2026-09-10T09:20:00+08:00",
                                   distance_km=38.0)),
        ("skybridge-cargo", _leg("LEG-E-02", ["SH-ELEC-2001", "SH-ELEC-2002"], "air", "air", SZX, FRA,
                                 96_000.0, "skybridge-cargo", "2026-09-10T23:55:00+08:00", "2026-09-11T06:40:00+02:00")),
        ("rhein-lastmile", _leg("LEG-E-03", ["SH-ELEC-2001"], "road", "van", FRA, MUNICH, 510.0,
                                "rhein-lastmile", "2026-09-11T11:00:00+02:00", "2026-09-11T16:30:00+02:00", distance_km=392.0)),
        ("rhein-lastmile", _leg("LEG-E-04", ["SH-ELEC-2002"], "road", "van", FRA, BERLIN, 450.0,
                                "rhein-lastmile", "2026-09-11T10:30:00+02:00", "2026-09-11T17:45:00+02:00", distance_km=545.0,
                                fuel=[{"type": "diesel", "amount": 47.9, "unit": "l"}])),
        ("hamburg-fulfilment", {
            "kind": "hub_operation", "schema_version": 1, "hub_id": "HUB-HAM-01",
            "shipment_ids": ["SH-TEA-1001", "SH-TEA-1002"], "country": "DE", "electricity_kwh": 18_400.0,
            "throughput_kg": 1_240_000.0, "period": "2026-10", "hub_type": "warehouse",
        }),
        ("hamburg-fulfilment", {
            "kind": "energy_bill", "schema_version": 1, "bill_id": "EB-HAM-2026-10", "site_id": "HUB-HAM-01",
            "country": "DE", "period_start": "2026-10-01T00:00:00+02:00", "period_end": "2026-11-01T00:00:00+01:00",
            "electricity_kwh": 18_400.0, "renewable_share": 0.42, "supplier_name": "Hamburg Energie",
        }),
        ("hamburg-fulfilment", {
            "kind": "epcis_event", "schema_version": 1,
            "event": {
                "type": "ObjectEvent", "eventTime": "2026-10-08T09:12:00+02:00", "eventTimeZoneOffset": "+02:00",
                "epcList": ["urn:epc:id:sgtin:6901234.056789.1001"], "action": "OBSERVE",
                "bizStep": "receiving", "disposition": "in_progress",
                "readPoint": {"id": "urn:epc:id:sgln:4012345.00001.0"},
            },
        }),
    ]
    return out


CORRECTED_SHIPMENT = "SH-TEA-1003"


@dataclass(frozen=True)
class DemoResult:
    accepted: int
    already_present: int
    participants: list[str]


def load(ledger: Ledger, keys_dir: Path) -> DemoResult:
    """Register the demo participants and submit their records (idempotent)."""
    keys: dict[str, SigningKey] = {}
    for pid, _, _, _ in PARTICIPANTS:
        path = keys_dir / f"{pid}.pem"
        if not path.exists():
            SigningKey.generate().save(path)
        keys[pid] = SigningKey.load(path)
    existing = {p["participant_id"] for p in ledger.participants()}
    for pid, name, roles, country in PARTICIPANTS:
        if pid not in existing:
            ledger.register_participant(pid, name, roles, country, keys[pid].public_b64)
    submissions = [keys[pid].sign_record(record) for pid, record in records_by_participant()]
    receipts: list[Receipt] = ledger.submit_many(submissions)
    # The tea supplier re-weighed one parcel: a correction, never an edit.
    original = next(r for (pid, rec), r in zip(records_by_participant(), receipts)
                    if rec.get("shipment_id") == CORRECTED_SHIPMENT)
    fixed = dict(next(rec for _, rec in records_by_participant() if rec.get("shipment_id") == CORRECTED_SHIPMENT))
    fixed["mass_kg"] = round(fixed["mass_kg"] + 0.15, 3)
    correction = {
        "kind": "correction", "schema_version": 1, "supersedes": original.leaf_hash.hex(),
        "reason": "parcel re-weighed at the consolidation centre", "replacement": fixed,
    }
    receipts.append(ledger.submit(keys["hangzhou-spring-tea"].sign_record(correction)))
    orders = sorted({rec["order_id"] for _, rec in records_by_participant() if rec["kind"] == "shipment"})
    receipts += [record_footprint(ledger, order) for order in orders]
    new = sum(1 for r in receipts if not r.duplicate)
    return DemoResult(new, len(receipts) - new, [p[0] for p in PARTICIPANTS])
