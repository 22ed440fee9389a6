"""The WBCSD PACT (Pathfinder) REST API, v2 and v3, over the ledger's footprint records.

Each recorded order footprint is served as a PACT ProductFootprint (``carbon_models.pact``)
whose id is a UUIDv5 of the footprint record's leaf hash, so the same record always has the
same PACT id and a buyer can check the figure against the ledger. Authentication is the
OAuth2 client-credentials grant at ``/auth/token``: the client id is a portal user name and
the client secret one of that user's API tokens (already random and stored hashed); the
access token is a signed, expiring bearer token, so nothing more is stored.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from carbon_models import OrderFootprint
from carbon_models.pact import to_pact
from ledger.errors import SchemaError
from ledger.footprint_inputs import as_ledger_errors
from ledger.records.ijson import loads_ijson
from ledger.service import StoredRecord
from webapp import services

bp = Blueprint("pact", __name__)

TOKEN_SECONDS = 3600
"""Access tokens live an hour, as PACT hosts commonly issue them; clients re-authenticate."""

FOOTPRINT_NAMESPACE = uuid.UUID("6f1c7a2e-54d1-5b8e-9a53-2f4f3c8d1e07")
"""UUIDv5 namespace of CarbonLedger PACT footprint ids (fixed forever: ids derive from it)."""

MAX_LIMIT = 1000
EVENT_TYPES = {
    "2": {
        "org.wbcsd.pathfinder.ProductFootprint.Published.v1",
        "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1",
        "org.wbcsd.pathfinder.ProductFootprintRequest.Fulfilled.v1",
        "org.wbcsd.pathfinder.ProductFootprintRequest.Rejected.v1",
    },
    "3": {
        "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
        "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
        "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3",
        "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3",
    },
}
"""CloudEvents types each spec version defines (v3 renamed them all); other types are refused."""


def _error(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify({"code": code, "message": message}), status


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="carbonledger/pact-access-token")


@bp.post("/auth/token")
def token() -> Any:
    """RFC 6749 §4.4 client credentials; errors per §5.2."""
    header = request.headers.get("Authorization", "")
    try:
        client_id, _, secret = base64.b64decode(header.removeprefix("Basic ").strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        client_id, secret = "", ""
    if not header.startswith("Basic ") or not client_id:
        return jsonify({"error": "invalid_request", "error_description": "send HTTP Basic client credentials"}), 400
    if request.form.get("grant_type") != "client_credentials":
        return jsonify({"error": "unsupported_grant_type", "error_description": "use grant_type=client_credentials"}), 400
    user = services.accounts().user_for_token(secret)
    if user is None or user.username != client_id:
        response = jsonify({"error": "invalid_client", "error_description": "unknown client or wrong secret"})
        response.headers["WWW-Authenticate"] = 'Basic realm="pact"'
        return response, 401
    access = _serializer().dumps({"sub": user.username})
    return jsonify({"access_token": access, "token_type": "bearer", "expires_in": TOKEN_SECONDS})


def _authorised() -> tuple[Response, int] | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return _error(403, "AccessDenied", "send 'Authorization: Bearer <access token>' from /auth/token")
    try:
        _serializer().loads(header.removeprefix("Bearer ").strip(), max_age=TOKEN_SECONDS)
    except SignatureExpired:
        return _error(401, "TokenExpired", "the access token has expired; request a new one at /auth/token")
    except BadSignature:
        return _error(403, "AccessDenied", "the access token is not valid")
    return None


def _footprints() -> list[StoredRecord]:
    """The latest footprint record of every order, oldest order first."""
    latest: dict[str, StoredRecord] = {}
    after = -1
    while page := services.ledger().records_of_kind("footprint", after=after, limit=1000):
        for stored in page:
            latest[stored.record["order_id"]] = stored
        after = page[-1].seq
    return sorted(latest.values(), key=lambda r: r.seq)


def footprint_id(stored: StoredRecord) -> str:
    return str(uuid.uuid5(FOOTPRINT_NAMESPACE, stored.leaf_hash.hex()))


def _as_pact(stored: StoredRecord, version: str) -> dict[str, Any]:
    ledger = services.ledger()
    result = OrderFootprint.from_record_result(stored.record["result"])
    shipments = [r for r in ledger.records_by_ref("order_id", result.order_id) if r.kind == "shipment"]
    shipper = shipments[0].record["shipper"] if shipments else ledger.operator_id or "carbonledger"
    names = {p["participant_id"]: p["name"] for p in ledger.participants()}
    times = sorted(t for r in shipments for leg in ledger.records_by_ref("shipment_id", r.record["shipment_id"])
                   if leg.kind == "transport_leg" for t in (leg.record.get("departure"), leg.record.get("arrival")) if t)
    created = stored.received_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    start = _utc(times[0]) if times else created
    end = _utc(times[-1]) if times else created
    gtins = sorted({p["gtin"] for r in shipments for p in r.record["products"]})
    with as_ledger_errors():
        return to_pact(result, version=version, footprint_id=footprint_id(stored), created=created,
                       company_name=names.get(shipper, shipper),
                       company_ids=[f"urn:pact:company:carbonledger:{shipper}"],
                       reference_period_start=start, reference_period_end=end if end > start else created,
                       product_ids=[f"urn:gtin:{g}" for g in gtins] or None)


def _utc(stamp: str) -> str:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _list(version: str) -> Any:
    denied = _authorised()
    if denied:
        return denied
    try:
        limit = int(request.args.get("limit", "100"))
        page = int(request.args.get("page", "0"))
    except ValueError:
        return _error(400, "BadRequest", "limit and page must be integers")
    if not 1 <= limit <= MAX_LIMIT or page < 0:
        return _error(400, "BadRequest", f"limit must be 1..{MAX_LIMIT} and page >= 0")
    if version == "2" and ("$filter" in request.args or "filter" in request.args):
        return _error(400, "NotImplemented", "$filter is not supported by this host")
    unsupported = [f for f in ("geography", "classification", "validOn", "validAfter", "validBefore")
                   if f in request.args] if version == "3" else []
    if unsupported:
        return _error(400, "NotImplemented", f"filter {unsupported[0]} is not supported by this host")
    docs = [_as_pact(s, version) for s in _footprints()]
    if version == "3":
        docs = _filter_v3(docs)
    chunk = docs[page * limit:(page + 1) * limit]
    response = jsonify({"data": chunk})
    if (page + 1) * limit < len(docs):
        nxt = url_for(f"pact.list_v{version}", limit=limit, page=page + 1, _external=True)
        response.headers["Link"] = f'<{nxt}>; rel="next"'
    return response


def _filter_v3(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    args = request.args
    out = docs
    if "productId" in args:
        out = [d for d in out if args["productId"] in d.get("productIds", [])]
    if "companyId" in args:
        out = [d for d in out if args["companyId"] in d.get("companyIds", [])]
    if "status" in args:
        out = [d for d in out if d.get("status") == args["status"]]
    return out


def _get(version: str, pf_id: str) -> Any:
    denied = _authorised()
    if denied:
        return denied
    for stored in _footprints():
        if footprint_id(stored) == pf_id:
            return jsonify({"data": _as_pact(stored, version)})
    return _error(404, "NotFound", f"no footprint {pf_id}")


def _event(version: str) -> Any:
    denied = _authorised()
    if denied:
        return denied
    try:  # I-JSON (RFC 7493), depth-bounded before parsing: a hostile body is a 400, never a crash
        event = loads_ijson(request.get_data(cache=True))
    except SchemaError as exc:
        return _error(400, "BadRequest", f"the body {exc.message}" if exc.field is None else str(exc))
    if not isinstance(event, dict):
        return _error(400, "BadRequest", "send a CloudEvents JSON object")
    missing = [k for k in ("type", "specversion", "id", "source", "data") if k not in event]
    if missing:
        return _error(400, "BadRequest", f"event is missing {', '.join(missing)}")
    if event["type"] not in EVENT_TYPES[version] or event["specversion"] != "1.0" or not isinstance(event["data"], dict):
        return _error(400, "BadRequest", f"unsupported event type {event['type']!r} or specversion")
    current_app.logger.info("PACT event %s from %s: %s", event["type"], event["source"], event["id"])
    return jsonify({}), 200


@bp.get("/2/footprints")
def list_v2() -> Any:
    return _list("2")


@bp.get("/3/footprints")
def list_v3() -> Any:
    return _list("3")


@bp.get("/2/footprints/<pf_id>")
def get_v2(pf_id: str) -> Any:
    return _get("2", pf_id)


@bp.get("/3/footprints/<pf_id>")
def get_v3(pf_id: str) -> Any:
    return _get("3", pf_id)


@bp.post("/2/events")
def events_v2() -> Any:
    return _event("2")


@bp.post("/3/events")
def events_v3() -> Any:
    return _event("3")
