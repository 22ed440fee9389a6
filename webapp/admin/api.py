"""The admin page's actions as JSON under /api/v1/admin, for operators' scripts and monitoring.

Admin accounts only, by bearer token. Bodies are checked member by member before anything
is done (an unknown member or a wrong type is a 422 naming it), then the same code as
the admin page runs, so both refuse the same input with the same message.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, request

from ledger.errors import SchemaError
from ledger.ingest import Receipt
from webapp import services
from webapp.admin import onboarding
from webapp.admin.chain_health import chain_health
from webapp.api.input import json_body
from webapp.auth import role_required

bp = Blueprint("api_admin", __name__, url_prefix="/api/v1/admin")

Spec = dict[str, tuple[str, bool]]
"""A JSON body's members: name -> (JSON type: "string" | "string array", required?)."""

NEW_PARTICIPANT: Spec = {"participant_id": ("string", True), "name": ("string", True),
                         "roles": ("string array", True), "country": ("string", False),
                         "public_key": ("string", False)}
"""``POST /participants``; without ``public_key`` the portal creates a custodial key."""
NEW_USER: Spec = {"username": ("string", True), "password": ("string", True), "role": ("string", True),
                  "participant_id": ("string", False)}
ROLE_CHANGE: Spec = {"role": ("string", True), "participant_id": ("string", False)}
NEW_KEY: Spec = {"public_key": ("string", True)}
REASON: Spec = {"reason": ("string", False)}
"""Rotations; the body may be left out."""
REVOCATION: Spec = {"reason": ("string", False), "compromised_since": ("string", False)}
"""Revocations; the body may be left out. ``compromised_since``: an ISO 8601 time with its zone."""
CUSTODIAL_KEY: Spec = {"reason": ("string", True)}
"""An explicit custodial key for a participant that has its own: the reason goes into the log."""


def _body(spec: Spec, *, optional: bool = False) -> dict[str, Any]:
    """The request's JSON object, checked against ``spec``; ``optional``: no body at all is ``{}``."""
    if optional and not request.get_data():
        return {}
    body = json_body()
    if not isinstance(body, dict):
        raise SchemaError(f"the body must be a JSON object with {', '.join(spec)}")
    for name in body:
        if name not in spec:
            raise SchemaError(f"unexpected member {name!r}; expected {', '.join(spec)}", field=name)
    for name, (kind, required) in spec.items():
        value = body.get(name)
        if value is None:
            if required:
                raise SchemaError(f"{name} is required", field=name)
        elif not (isinstance(value, str) if kind == "string"
                  else isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise SchemaError(f"{name} must be a JSON {kind}", field=name)
    return body


def _receipt(r: Receipt) -> dict[str, Any]:
    return {"seq": r.seq, "leaf_hash": r.leaf_hash.hex(), "duplicate": r.duplicate}


@bp.get("/status")
@role_required("admin")
def status() -> Any:
    """Anchoring and chain health, as on the admin page; 200 even when the chain is unreachable."""
    return jsonify({**chain_health().to_dict(), "counts": services.ledger().counts_by_kind()})


@bp.post("/participants")
@role_required("admin")
def create_participant() -> Any:
    body = _body(NEW_PARTICIPANT)
    created = onboarding.register_participant(services.ledger(), services.custodial_keys(), body["participant_id"],
                                              body["name"], body["roles"], body.get("country"), body.get("public_key"))
    return jsonify({"participant_id": created.participant_id, "key_id": created.key_id, "custodial": created.custodial,
                    "receipts": [_receipt(r) for r in created.receipts]}), 201


@bp.post("/participants/<participant_id>/keys")
@role_required("admin")
def register_key(participant_id: str) -> Any:
    """Register one more public key for a participant (with a revocation of the old one, a rotation)."""
    receipt = services.ledger().register_key(participant_id, _body(NEW_KEY)["public_key"])
    return jsonify(_receipt(receipt)), 201


@bp.post("/participants/<participant_id>/rotate-custodial-key")
@role_required("admin")
def rotate_custodial_key(participant_id: str) -> Any:
    reason = _body(REASON, optional=True).get("reason")
    return jsonify(asdict(services.custodial_keys().rotate(participant_id, reason)))


@bp.post("/participants/<participant_id>/custodial-key")
@role_required("admin")
def add_custodial_key(participant_id: str) -> Any:
    """Let the portal sign for a participant that has keys of its own: explicitly, with a reason in the log."""
    key = services.custodial_keys().add(participant_id, _body(CUSTODIAL_KEY)["reason"])
    return jsonify({"participant_id": participant_id, "key_id": key.key_id}), 201


@bp.post("/keys/<key_id>/revoke")
@role_required("admin")
def revoke_key(key_id: str) -> Any:
    body = _body(REVOCATION, optional=True)
    receipt = services.ledger().revoke_key(key_id, body.get("reason"), parse_moment(body.get("compromised_since")))
    return jsonify({"key_id": key_id, **_receipt(receipt)})


def parse_moment(raw: str | None, field: str = "compromised_since") -> datetime | None:
    """An ISO 8601 time with its zone, or None; raises :class:`SchemaError` naming ``field``."""
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise SchemaError(f"{raw!r} is not an ISO 8601 time such as 2026-11-30T08:00:00+00:00", field=field) from None
    if moment.tzinfo is None:
        raise SchemaError("give the time zone too, e.g. 2026-11-30T08:00:00+00:00", field=field)
    return moment


@bp.get("/users")
@role_required("admin")
def users() -> Any:
    return jsonify([asdict(u) for u in services.accounts().users()])


@bp.post("/users")
@role_required("admin")
def create_user() -> Any:
    body = _body(NEW_USER)
    user = services.accounts().add_user(body["username"], body["password"], body["role"], body.get("participant_id"),
                                       ledger=services.ledger())
    return jsonify(asdict(user)), 201


@bp.post("/users/<username>/role")
@role_required("admin")
def change_role(username: str) -> Any:
    body = _body(ROLE_CHANGE)
    return jsonify(asdict(services.accounts().set_role(username, body["role"], body.get("participant_id"),
                                                      services.ledger())))


@bp.post("/users/<username>/disable")
@role_required("admin")
def disable_user(username: str) -> Any:
    """The account can no longer log in or use its API tokens (until enabled again)."""
    return jsonify(asdict(services.accounts().set_disabled(username, True)))


@bp.post("/users/<username>/enable")
@role_required("admin")
def enable_user(username: str) -> Any:
    return jsonify(asdict(services.accounts().set_disabled(username, False)))
