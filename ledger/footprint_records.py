"""Order footprints as ledger records: gather the inputs from the log, compute, sign, append.

``carbon_models`` computes; this module decides which records are the inputs (the order's
shipments, every leg and hub they went through, and the other shipments sharing those
vehicles, each with its corrections applied) and records the result as a ``footprint``
record whose ``inputs`` are the leaf hashes of exactly those records, so an auditor can
recompute it from the log alone and get byte-identical canonical JSON. Records reach
carbon_models, and its errors come back, through :mod:`ledger.footprint_inputs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carbon_models.leg_estimates import LegEstimator
from carbon_models.results import OrderFootprint
from carbon_models.scenarios import ScenarioResult
from ledger import authority
from ledger.errors import NotFoundError
from ledger.footprint_inputs import OrderRecords
from ledger.ingest import Receipt
from ledger.provenance import RecordView, order_view, record_view
from ledger.service import Ledger, StoredRecord


@dataclass(frozen=True)
class FootprintInputs:
    order_id: str
    shipments: list[dict[str, Any]]
    legs: list[dict[str, Any]]
    hubs: list[dict[str, Any]]
    leaf_hashes: list[str]


def _effective(view: RecordView) -> tuple[dict[str, Any] | None, StoredRecord]:
    """The record's current content and the log entry that states it (a correction, if any)."""
    return view.effective, (view.corrections[-1] if view.corrections else view.stored)


def gather_inputs(ledger: Ledger, order_id: str) -> FootprintInputs:
    """Every record the footprint of ``order_id`` depends on, corrections applied.

    Only records entitled to the order count (:func:`ledger.provenance.order_view`), and a
    vehicle's other cargo is the shipments whose owners had let that carrier carry them: an
    id reused by someone else never becomes an input. Ids are keyed by their signer, as
    they live in the signer's namespace.
    """
    view = order_view(ledger, order_id)
    if view is None:
        raise NotFoundError(f"no shipment of order {order_id}", field="order_id")
    sources: dict[int, StoredRecord] = {}
    shipments: dict[tuple[str, str], dict[str, Any]] = {}
    legs: dict[tuple[str, str], dict[str, Any]] = {}
    hubs: dict[tuple[str, str], dict[str, Any]] = {}
    carriers: list[tuple[str, str, int, dict[str, Any]]] = []  # (signer, kind, seq, content) of legs and hubs

    def take(v: RecordView, into: dict[tuple[str, str], dict[str, Any]], key: str) -> None:
        content, source = _effective(v)
        if content is None:
            return
        into[(v.stored.participant_id, content[key])] = content
        sources[source.seq] = source
        if into is not shipments:
            carriers.append((v.stored.participant_id, v.stored.kind, v.stored.seq, content))

    for v in view.shipments:
        take(v, shipments, "shipment_id")
    for v in view.legs:
        take(v, legs, "leg_id")
    for v in view.hubs:
        take(v, hubs, "hub_id")
    grants: dict[str, list[authority.Grant]] = {}  # legs share shipments: read each one's delegations once
    for signer, kind, seq, carried in carriers:
        for sid in carried["shipment_ids"]:
            if sid not in grants:
                grants[sid] = authority.grants_for(ledger.records_by_ref, sid)
            for stored in ledger.records_by_ref("shipment_id", sid):
                owner = stored.participant_id
                if stored.kind == "shipment" and (owner, sid) not in shipments and \
                        authority.entitled(signer, owner, kind, sid, seq, grants[sid]):
                    take(record_view(ledger, stored), shipments, "shipment_id")
    return FootprintInputs(order_id, list(shipments.values()), list(legs.values()), list(hubs.values()),
                           [sources[k].leaf_hash.hex() for k in sorted(sources)])


def compute(ledger: Ledger, order_id: str, factor_set: str | None = None,
            estimator: LegEstimator | None = None) -> tuple[OrderFootprint, FootprintInputs]:
    inputs = gather_inputs(ledger, order_id)
    records = OrderRecords.of(inputs.shipments, inputs.legs, inputs.hubs)
    return records.footprint(factor_set, estimator, order_id=order_id), inputs


def record_footprint(ledger: Ledger, order_id: str, factor_set: str | None = None,
                     estimator: LegEstimator | None = None) -> Receipt:
    """Compute the order's footprint and append it, signed by the operator."""
    result, inputs = compute(ledger, order_id, factor_set, estimator)
    return ledger.sign_and_submit({
        "kind": "footprint", "schema_version": 1, "order_id": order_id, "inputs": inputs.leaf_hashes,
        "result": result.to_record_result(),
    })


def latest_footprint(ledger: Ledger, order_id: str) -> StoredRecord | None:
    recorded = [r for r in ledger.records_by_ref("order_id", order_id) if r.kind == "footprint"]
    return recorded[-1] if recorded else None


def scenarios(ledger: Ledger, order_id: str, factor_set: str | None = None) -> list[ScenarioResult]:
    """The reduction simulator on the order as recorded: savings and added transit time."""
    inputs = gather_inputs(ledger, order_id)
    return OrderRecords.of(inputs.shipments, inputs.legs, inputs.hubs).scenarios(factor_set, order_id=order_id)


def recorded_inputs(ledger: Ledger, footprint: StoredRecord) -> list[dict[str, Any]]:
    """The record contents a footprint record names as its inputs (corrections' replacements)."""
    out = []
    for leaf in footprint.record["inputs"]:
        stored = ledger.record_by_leaf_hash(bytes.fromhex(leaf))
        content = stored.record.get("replacement") if stored.kind == "correction" else stored.record
        if content:
            out.append(content)
    return out


_SCENARIO_CACHE: dict[bytes, list[ScenarioResult]] = {}
_SCENARIO_CACHE_SIZE = 4096


def scenarios_for(ledger: Ledger, footprint: StoredRecord) -> list[ScenarioResult]:
    """The reduction simulator on exactly the inputs of a recorded footprint.

    Cached by the footprint record's leaf hash: its inputs are named by hash and the
    simulation is pure, so the answer for a given record never changes.
    """
    cached = _SCENARIO_CACHE.get(footprint.leaf_hash)
    if cached is None:
        records = OrderRecords.from_contents(recorded_inputs(ledger, footprint))
        cached = records.scenarios(footprint.record["result"].get("factor_set_id"),
                                   order_id=footprint.record["order_id"])
        if len(_SCENARIO_CACHE) >= _SCENARIO_CACHE_SIZE:
            _SCENARIO_CACHE.pop(next(iter(_SCENARIO_CACHE)))
        _SCENARIO_CACHE[footprint.leaf_hash] = cached
    return cached
