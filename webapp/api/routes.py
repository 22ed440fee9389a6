"""The JSON API under /api/v1: the same capabilities as the pages, for machines.

Errors are always JSON ``{"error", "message", "record"?, "field"?}`` with a 4xx status;
submissions are signed by the client (the signature authenticates the record, the
bearer token the caller, and the two must name the same participant).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, g, jsonify, request

from ledger.errors import NotAuthorisedError
from ledger.records.public_ids import order_public_id
from webapp import services
from webapp.api.input import json_body
from webapp.api.openapi import openapi_document
from webapp.auth import role_required

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_BATCH = 10_000
REF_TYPES = ("order_id", "shipment_id", "gtin", "leg_id", "hub_id", "bill_id", "site_id", "participant_id",
             "key_id", "supersedes", "epcis_event_id", "order_public_id")


def _receipt(r: Any) -> dict[str, Any]:
    return {"seq": r.seq, "leaf_hash": r.leaf_hash.hex(), "duplicate": r.duplicate}


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document())


@bp.get("/log")
def log_head() -> Any:
    ledger = services.ledger()
    info = ledger.log_info()
    latest = ledger.latest_checkpoint()
    return jsonify({
        "size": info.size, "root": info.root.hex(),
        "latest_checkpoint": None if latest is None else {
            "tree_size": latest.tree_size, "root": latest.root.hex(), "chain_id": latest.chain_id,
            "contract_address": latest.contract_address, "tx_hash": latest.tx_hash,
            "block_number": latest.block_number,
        },
    })


@bp.post("/records")
@role_required("supplier")
def submit() -> Any:
    body = json_body()
    batch = body.get("submissions") if isinstance(body, dict) and "submissions" in body else None
    subs = batch if isinstance(batch, list) else [body]
    if len(subs) > MAX_BATCH:
        abort(413, f"at most {MAX_BATCH} submissions per request")
    ledger = services.ledger()
    own = {k["key_id"] for p in ledger.participants() if p["participant_id"] == g.user.participant_id
           for k in p["keys"]}
    for i, sub in enumerate(subs):
        if isinstance(sub, dict) and isinstance(sub.get("key_id"), str) and sub["key_id"] not in own:
            raise NotAuthorisedError(f"key {sub['key_id']} does not belong to {g.user.participant_id}",
                                     record=f"#{i}", field="key_id")
    receipts = ledger.submit_many(subs)
    payload = [_receipt(r) for r in receipts]
    status = 200 if all(r.duplicate for r in receipts) else 201
    return jsonify(payload if batch is not None else payload[0]), status


@bp.get("/records/<int:seq>")
def record(seq: int) -> Any:
    ledger = services.ledger()
    stored = ledger.record(seq)
    size, proof = ledger.inclusion_proof(seq)
    return jsonify({"seq": seq, "kind": stored.kind, "participant_id": stored.participant_id,
                    "envelope": stored.envelope.to_dict(), "leaf_hash": stored.leaf_hash.hex(),
                    "inclusion": {"tree_size": size, "root": ledger.root(size).hex(),
                                  "proof": [p.hex() for p in proof]}})


@bp.get("/records")
def records_by_ref() -> Any:
    ref_type, value = request.args.get("ref_type", ""), request.args.get("value", "")
    if ref_type not in REF_TYPES:
        abort(400, f"ref_type must be one of {', '.join(REF_TYPES)}")
    if not value:
        abort(400, "give the value to look up")
    rows = services.ledger().records_by_ref(ref_type, value)
    return jsonify([{"seq": r.seq, "kind": r.kind, "participant_id": r.participant_id,
                     "leaf_hash": r.leaf_hash.hex(), "record": r.record} for r in rows])


@bp.get("/orders/<order_ref>")
def order(order_ref: str) -> Any:
    """An order by public id or order id, verified as on the consumer page (see webapp.public.order_cache)."""
    cache = services.order_cache()
    verified = cache.get(order_ref) or cache.get(order_public_id(order_ref))
    if verified is None:
        abort(404, f"no order {order_ref}")
    return Response(verified.json, mimetype="application/json")


@bp.get("/participants")
def participants() -> Any:
    return jsonify(services.ledger().participants())
