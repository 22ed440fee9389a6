"""An order's provenance as the records say it now: shipments, legs, hubs, corrections.

Records are never edited, so "what the records say now" means: each record's latest
correction applied (its replacement, or the record withdrawn), with the originals kept
and shown as superseded. The consumer page, its JSON twin, the footprint computation and
the auditor all read an order through :func:`order_view`.

Only records their signer was entitled to write are part of an order (the rules of
:mod:`ledger.authority`, re-checked here on what the store holds, whatever ingest let
in): the owner's shipments, and the legs and hub operations of the owner or of those it
delegated. Anything else that names the order or its shipment ids is a claim by someone
else, listed apart so nothing is hidden, and never verified, shown or computed as part
of the order. Only corrections by a record's signer (or the operator) apply to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ledger import authority
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
    owner: str = ""
    delegations: list[RecordView] = field(default_factory=list)
    claims: list[StoredRecord] = field(default_factory=list)
    """Records naming the order or its shipments that their signer had no right to add."""

    def all_records(self) -> list[StoredRecord]:
        """Every record the view was built from (not the claims), corrections included, in log order."""
        seen: dict[int, StoredRecord] = {}
        for view in (*self.shipments, *self.delegations, *self.legs, *self.hubs, *self.others):
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
    may_correct = {stored.participant_id, ledger.operator_id}
    for _ in range(authority.MAX_CORRECTION_CHAIN):  # a correction can itself be corrected; follow the latest
        later = [c for c in ledger.records_by_ref("supersedes", current.leaf_hash.hex())
                 if c.kind == "correction" and c.participant_id in may_correct]
        if not later:
            break
        current = later[-1]
        chain.append(current)
        effective = current.record.get("replacement")
    return RecordView(stored, effective, chain)


def order_view(ledger: Ledger, order_id: str) -> OrderView | None:
    """Everything ``order_id``'s owner and those it entitled recorded about it, or None if no shipment names it."""
    by_order = ledger.records_by_ref("order_id", order_id)
    declared = [r for r in by_order if r.kind == "shipment"]
    owner = authority.order_owner((r.seq, r.participant_id) for r in declared)
    if owner is None:
        return None
    claims: dict[int, StoredRecord] = {r.seq: r for r in declared if r.participant_id != owner}
    shipments = []
    for r in declared:
        if r.participant_id == owner:
            view = record_view(ledger, r)
            if view.effective is not None and view.effective.get("shipper") != owner:  # verifiers re-check ingest
                claims.update({c.seq: c for c in view.corrections})
                view = RecordView(r, r.record)
            shipments.append(view)
    footprints = [r for r in by_order if r.kind == "footprint" and r.participant_id == ledger.operator_id]
    legs: dict[int, RecordView] = {}
    hubs: dict[int, RecordView] = {}
    others: dict[int, RecordView] = {}
    delegations: dict[int, RecordView] = {}
    for shipment in shipments:
        sid = (shipment.effective or shipment.stored.record)["shipment_id"]
        grants = authority.grants_for(ledger.records_by_ref, sid)
        for r in ledger.records_by_ref("shipment_id", sid):
            if r.kind in ("shipment", "correction") or r.seq in legs or r.seq in hubs or r.seq in others:
                continue
            if r.kind == "delegation":
                if r.participant_id == owner:
                    delegations.setdefault(r.seq, record_view(ledger, r))
                continue
            if not authority.entitled(r.participant_id, owner, r.kind, sid, r.seq, grants):
                claims[r.seq] = r
                continue
            claims.pop(r.seq, None)  # entitled through another of the order's shipments
            target = {"transport_leg": legs, "hub_operation": hubs}.get(r.kind, others)
            target[r.seq] = record_view(ledger, r)
    claims = {seq: r for seq, r in claims.items() if seq not in legs and seq not in hubs and seq not in others}
    ordered_legs = sorted(legs.values(), key=lambda v: ((v.effective or {}).get("departure") or "", v.stored.seq))
    return OrderView(order_id, order_public_id(order_id), shipments, ordered_legs,
                     sorted(hubs.values(), key=lambda v: v.stored.seq),
                     sorted(others.values(), key=lambda v: v.stored.seq), footprints, owner,
                     sorted(delegations.values(), key=lambda v: v.stored.seq), [claims[k] for k in sorted(claims)])


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
