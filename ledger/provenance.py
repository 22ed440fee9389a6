"""An order's provenance as the records say it now: shipments, legs, hubs, corrections.

Records are never edited, so "what the records say now" means: each record's latest
correction applied (its replacement, or the record withdrawn), with the originals kept
and shown as superseded. The consumer page, its JSON twin, the footprint computation and
the auditor all read an order through :func:`order_view`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ledger.records.public_ids import order_public_id
from ledger.service import Ledger, StoredRecord

_SHIPMENT_IN_LINK = re.compile(r"[A-Za-z0-9._:#@+\-]+")


@dataclass
class RecordView:
    """A record with its corrections applied."""

    stored: StoredRecord
    effective: dict[str, Any] | None
    corrections: list[StoredRecord] = field(default_factory=list)

    @property
    def withdrawn(self) -> bool:
        return self.effective is None

    @property
    def corrected(self) -> bool:
        return bool(self.corrections)


@dataclass
class OrderView:
    order_id: str
    public_id: str
    shipments: list[RecordView]
    legs: list[RecordView]
    hubs: list[RecordView]
    others: list[RecordView]
    footprints: list[StoredRecord]

    def all_records(self) -> list[StoredRecord]:
        """Every record the view was built from, corrections included, in log order."""
        seen: dict[int, StoredRecord] = {}
        for view in (*self.shipments, *self.legs, *self.hubs, *self.others):
            seen[view.stored.seq] = view.stored
            for c in view.corrections:
                seen[c.seq] = c
        for f in self.footprints:
            seen[f.seq] = f
        return [seen[k] for k in sorted(seen)]


def record_view(ledger: Ledger, stored: StoredRecord) -> RecordView:
    effective: dict[str, Any] | None = stored.record
    chain: list[StoredRecord] = []
    current = stored
    for _ in range(100):  # a correction can itself be corrected; follow the latest
        later = [c for c in ledger.records_by_ref("supersedes", current.leaf_hash.hex()) if c.kind == "correction"]
        if not later:
            break
        current = later[-1]
        chain.append(current)
        effective = current.record.get("replacement")
    return RecordView(stored, effective, chain)


def order_view(ledger: Ledger, order_id: str) -> OrderView | None:
    """Everything recorded about ``order_id``, or None if no shipment names it."""
    by_order = ledger.records_by_ref("order_id", order_id)
    shipments = [record_view(ledger, r) for r in by_order if r.kind == "shipment"]
    if not shipments:
        return None
    footprints = [r for r in by_order if r.kind == "footprint"]
    legs: dict[int, RecordView] = {}
    hubs: dict[int, RecordView] = {}
    others: dict[int, RecordView] = {}
    for shipment in shipments:
        sid = (shipment.effective or shipment.stored.record).get("shipment_id")
        for r in ledger.records_by_ref("shipment_id", sid):
            target = {"transport_leg": legs, "hub_operation": hubs}.get(r.kind, others)
            if r.kind in ("shipment", "correction"):
                continue
            if r.seq not in target:
                target[r.seq] = record_view(ledger, r)
    ordered_legs = sorted(legs.values(), key=lambda v: ((v.effective or {}).get("departure") or "", v.stored.seq))
    return OrderView(order_id, order_public_id(order_id), shipments, ordered_legs,
                     sorted(hubs.values(), key=lambda v: v.stored.seq),
                     sorted(others.values(), key=lambda v: v.stored.seq), footprints)


def find_order(ledger: Ledger, query: str) -> list[str]:
    """Order ids a consumer's search means: an order id, public id, shipment id, GTIN or tracking link."""
    query = query.strip()
    if not query:
        return []
    orders: list[str] = []

    def add_from(records: list[StoredRecord]) -> None:
        for r in records:
            if r.kind == "shipment" and r.record["order_id"] not in orders:
                orders.append(r.record["order_id"])

    for ref in ("order_id", "order_public_id", "shipment_id", "gtin"):
        add_from(ledger.records_by_ref(ref, query))
    if not orders and "/" in query:  # a tracking link: try each path segment as a shipment id
        for token in reversed(_SHIPMENT_IN_LINK.findall(query.rsplit("?", 1)[0].split("/", 3)[-1])):
            add_from(ledger.records_by_ref("shipment_id", token))
            if orders:
                break
    return orders
