"""The consumer's view of an order as plain data: rendered as HTML and served as JSON.

The verification itself is the ledger's (:func:`ledger.verification.verify_order`); this
shapes a verified order for the page and its JSON twin, and is what the order cache keeps.
"""

from __future__ import annotations

from typing import Any

from carbon_models import OrderFootprint
from ledger.footprint_records import scenarios_for
from ledger.key_facts import key_facts
from ledger.provenance import OrderView, RecordView
from ledger.service import Ledger, StoredRecord
from ledger.verification import OrderVerification


def _place(loc: dict[str, Any] | None) -> str:
    if not loc:
        return "?"
    code = loc.get("unlocode") or loc.get("iata") or (f"{loc.get('lat')},{loc.get('lon')}" if "lat" in loc else "")
    return f"{loc.get('name', '?')} ({code})" if code else loc.get("name", "?")


class _Signers:
    """Who signed a record, as the log says: the participant's name and who holds the key."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.names = {p["participant_id"]: p["name"] for p in ledger.participants()}
        self.custody: dict[str, str] = {}

    def of(self, stored: StoredRecord) -> dict[str, Any]:
        if stored.key_id not in self.custody:
            self.custody[stored.key_id] = key_facts(self.ledger, stored.key_id).custody
        return {"signer": stored.participant_id, "signer_name": self.names.get(stored.participant_id,
                                                                                stored.participant_id),
                "key_custody": self.custody[stored.key_id], "received_at": stored.received_at.isoformat()}


def _record_ref(view: RecordView, signers: _Signers) -> dict[str, Any]:
    return {"seq": view.stored.seq, "leaf_hash": view.stored.leaf_hash.hex(), "withdrawn": view.withdrawn,
            "corrected_by": [c.seq for c in view.corrections], **signers.of(view.stored)}


def _claim(stored: StoredRecord, signers: _Signers) -> dict[str, Any]:
    record = stored.record
    what = next((record[k] for k in ("shipment_id", "leg_id", "hub_id", "delegation_id") if isinstance(record.get(k), str)),
                stored.kind)
    return {"seq": stored.seq, "kind": stored.kind, "id": what, **signers.of(stored)}


def order_payload(ledger: Ledger, view: OrderView, verification: OrderVerification) -> dict[str, Any]:
    """Everything the order page shows, with the verification of every record.

    ``shipments``, ``legs`` and ``hubs`` are the order's own records (those the owner and
    the parties it entitled wrote); records others wrote about the order or its shipment
    ids are listed apart under ``claims_by_others``, never mixed in.
    """
    signers = _Signers(ledger)
    shipments = []
    for v in view.shipments:
        rec = v.effective or v.stored.record
        shipments.append({**_record_ref(v, signers), "shipment_id": rec["shipment_id"], "shipper": rec["shipper"],
                          "mass_kg": rec["mass_kg"], "origin": _place(rec.get("origin")),
                          "destination": _place(rec.get("destination")), "products": rec.get("products", [])})
    legs = []
    for v in view.legs:
        rec = v.effective or v.stored.record
        legs.append({**_record_ref(v, signers), "leg_id": rec["leg_id"], "mode": rec["mode"], "vehicle": rec["vehicle"],
                     "origin": _place(rec.get("origin")), "destination": _place(rec.get("destination")),
                     "distance_km": rec.get("distance_km"), "departure": rec.get("departure"),
                     "arrival": rec.get("arrival"), "carrier": rec.get("carrier"),
                     "primary_data": bool(rec.get("fuel"))})
    hubs = []
    for v in view.hubs:
        rec = v.effective or v.stored.record
        hubs.append({**_record_ref(v, signers), "hub_id": rec["hub_id"], "country": rec["country"], "period": rec["period"],
                     "hub_type": rec.get("hub_type")})
    footprint = _footprint(view)
    if footprint is not None:
        footprint["scenarios"] = [sc.model_dump(mode="json") for sc in scenarios_for(ledger, view.footprints[-1])]
    return {
        "order_id": view.order_id, "public_id": view.public_id, "owner": signers.of(view.shipments[0].stored)
        if view.shipments else None, "shipments": shipments, "legs": legs, "hubs": hubs,
        "delegations": [{**_record_ref(v, signers), "delegate": (v.effective or v.stored.record)["delegate"],
                         "may_add": (v.effective or v.stored.record)["may_add"]} for v in view.delegations],
        "claims_by_others": [_claim(s, signers) for s in view.claims],
        "footprint": footprint, "verification": verification.to_dict(),
        "records": {str(s.seq): signers.of(s) for s, _ in verification.records},
    }


def _footprint(view: OrderView) -> dict[str, Any] | None:
    """The latest recorded footprint of the order, shaped for the page (None before one exists)."""
    if not view.footprints:
        return None
    stored = view.footprints[-1]
    result = OrderFootprint.from_record_result(stored.record["result"])
    biggest = max([leg.allocated.wtw_kg for leg in result.legs] + [h.allocated.wtw_kg for h in result.hubs] + [1e-12])
    return {
        "record_seq": stored.seq,
        "total_wtw_kg": result.transport.wtw_kg, "total_ttw_kg": result.transport.ttw_kg,
        "total_wtt_kg": result.transport.wtt_kg,
        "primary_data_share": result.primary_data_share,
        "p10_wtw_kg": result.uncertainty.p10_wtw_kg, "p90_wtw_kg": result.uncertainty.p90_wtw_kg,
        "uncertainty_assumption": result.uncertainty.assumption,
        "cradle_to_gate_kg": result.cradle_to_gate_kg,
        "factor_set": f"{result.factor_set_id} v{result.factor_set_version}", "method": result.method_version,
        "estimator_model_hash": result.estimator_model_hash,
        "what_it_is": f"A calculation from the records above by the {result.method_version} method (ISO 14083 / "
                      f"GLEC) with the {result.factor_set_id} v{result.factor_set_version} emission factors: the "
                      "chain proves the records were not changed, not that the figure is a measurement.",
        "legs": [{"leg_id": leg.leg_id, "mode": leg.mode, "method": leg.method, "flags": leg.flags,
                  "factors": leg.factors,
                  "distance_km": leg.distance_km, "distance_basis": leg.distance_basis,
                  "wtw_kg": leg.allocated.wtw_kg, "ttw_kg": leg.allocated.ttw_kg,
                  "bar": round(100 * leg.allocated.wtw_kg / biggest, 1)} for leg in result.legs],
        "hubs": [{"hub_id": h.hub_id, "wtw_kg": h.allocated.wtw_kg, "ttw_kg": h.allocated.ttw_kg, "factors": h.factors,
                  "bar": round(100 * h.allocated.wtw_kg / biggest, 1)} for h in result.hubs],
    }
