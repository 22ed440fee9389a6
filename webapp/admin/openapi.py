"""The admin JSON API (``/api/v1/admin``, :mod:`webapp.admin.api`) in the portal's OpenAPI 3.1 document.

Request bodies are built from the member lists the API checks bodies against, and enums
and limits from the code that enforces them, so the description cannot drift from the
behaviour. Every operation needs an admin's bearer token.
"""

from __future__ import annotations

from typing import Any

from ledger.records.schemas import PARTICIPANT_ROLES
from webapp.accounts import MIN_PASSWORD, ROLES
from webapp.admin.api import CUSTODIAL_KEY, NEW_KEY, NEW_PARTICIPANT, NEW_USER, REASON, REVOCATION, ROLE_CHANGE, Spec
from webapp.admin.chain_health import LATE_MARGIN_SECONDS

_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_INT = {"type": ["integer", "null"]}
_MEMBERS: dict[str, dict[str, Any]] = {
    "roles": {"type": "array", "minItems": 1, "items": {"enum": list(PARTICIPANT_ROLES)}},
    "role": {"enum": list(ROLES)},
    "password": {"type": "string", "minLength": MIN_PASSWORD},
    "country": {"type": "string", "pattern": "^[A-Z]{2}$", "description": "ISO 3166-1 alpha-2"},
    "public_key": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$",
                   "description": "Ed25519 public key, 32 bytes in base64url without padding (carbonledger keygen)"},
    "reason": {"type": "string", "maxLength": 500, "description": "kept in the log with the key record"},
    "compromised_since": {"type": "string", "format": "date-time",
                          "description": "records received from then on show as signed with a compromised key"},
    "participant_id": {"type": "string", "description": "for a user: the participant a supplier submits for "
                                                        "(ignored for other roles)"},
}
"""Schemas of body members that are more than a string."""


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _request(spec: Spec) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False,
            "required": [name for name, (_, required) in spec.items() if required],
            "properties": {name: _MEMBERS.get(name, _STRING) for name in spec}}


def _checkpoint(**extra: dict[str, Any]) -> dict[str, Any]:
    return {"type": ["object", "null"], "required": ["tree_size", "root"],
            "properties": {"tree_size": {"type": "integer"}, "root": _STRING, **extra}}


def schemas() -> dict[str, Any]:
    """The component schemas the admin paths refer to."""
    receipts = {"type": "array", "items": _ref("Receipt")}
    return {
        "AdminNewParticipant": _request(NEW_PARTICIPANT),
        "AdminNewUser": _request(NEW_USER),
        "AdminRoleChange": _request(ROLE_CHANGE),
        "AdminNewKey": _request(NEW_KEY),
        "AdminReason": _request(REASON),
        "AdminRevocationRequest": _request(REVOCATION),
        "AdminCustodialKeyRequest": _request(CUSTODIAL_KEY),
        "AdminCustodialKey": {"type": "object", "required": ["participant_id", "key_id"],
                              "properties": {"participant_id": _STRING, "key_id": _STRING}},
        "AdminParticipantCreated": {"type": "object", "required": ["participant_id", "key_id", "custodial", "receipts"],
                                    "properties": {"participant_id": _STRING, "key_id": _STRING,
                                                   "custodial": {"type": "boolean"}, "receipts": receipts}},
        "AdminUser": {"type": "object", "required": ["username", "role", "participant_id", "disabled"], "properties": {
            "username": _STRING, "role": {"enum": list(ROLES)}, "participant_id": _NULLABLE_STRING,
            "disabled": {"type": "boolean"}}},
        "AdminRevocation": {"allOf": [_ref("Receipt"), {"type": "object", "required": ["key_id"],
                                                         "properties": {"key_id": _STRING}}]},
        "AdminKeyRotation": {"type": "object", "required": ["participant_id", "old_key_id", "new_key_id",
                                                            "registered_seq", "revoked_seq"], "properties": {
            "participant_id": _STRING, "old_key_id": _STRING, "new_key_id": _STRING,
            "registered_seq": {"type": "integer"},
            "revoked_seq": {**_NULLABLE_INT, "description": "null when the old key was already out of use"}}},
        "AdminStatus": {"type": "object", "required": ["log", "chain", "store", "checkpoints", "anchoring", "counts"],
                        "properties": {
            "log": {"type": "object", "properties": {"size": {"type": "integer"}, "root": _STRING}},
            "chain": {"type": "object", "required": ["reachable", "error"], "properties": {
                "reachable": {"type": "boolean"}, "error": {**_NULLABLE_STRING, "description": "why not reachable"},
                "chain_id": _NULLABLE_INT, "registry_address": _NULLABLE_STRING, "latest_block": _NULLABLE_INT,
                "latest_checkpoint": _checkpoint()}},
            "store": {"type": "object", "properties": {"latest_checkpoint": _checkpoint(
                chain_id={"type": "integer"}, contract_address=_STRING, tx_hash=_STRING,
                block_number={"type": "integer"})}},
            "checkpoints": {"type": "object", "required": ["agreement", "detail"], "properties": {
                "agreement": {"enum": ["agree", "store behind", "disagree", "unknown"]}, "detail": _STRING}},
            "anchoring": {"type": "object", "required": ["pending", "late"], "properties": {
                "pending": {"type": "integer"}, "oldest_pending_at": {**_NULLABLE_STRING, "format": "date-time"},
                "oldest_pending_age_seconds": {"type": ["number", "null"]},
                "max_age_seconds": {"type": "number"}, "late_after_seconds": {"type": "number"},
                "late": {"type": "boolean", "description": f"the oldest pending record waited longer than the "
                                                           f"anchoring max age + {LATE_MARGIN_SECONDS:g} s"},
                "lease": {"type": ["object", "null"], "properties": {
                    "holder": _STRING, "expires_at": {"type": "string", "format": "date-time"},
                    "live": {"type": "boolean"}}}}},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        }},
    }


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _operation(summary: str, responses: dict[str, Any], body: str | None = None, *, optional_body: bool = False,
               parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary, "tags": ["Admin"], "security": [{"bearer": []}], "parameters": parameters or [],
        "responses": {**responses, "401": _error("no bearer token"), "403": _error("not an admin account")},
    }
    if body is not None:
        op["requestBody"] = {"required": not optional_body,
                             "content": {"application/json": {"schema": _ref(body)}}}
        op["responses"] |= {"400": _error("the body is not valid JSON"),
                            "415": _error("not application/json"),
                            "422": _error("a member is missing, unknown or of the wrong type, or its value is refused; "
                                          "names the field")}
    return op


def _ok(description: str, schema: str, array: bool = False) -> dict[str, Any]:
    body = {"type": "array", "items": _ref(schema)} if array else _ref(schema)
    return {"description": description, "content": {"application/json": {"schema": body}}}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def paths() -> dict[str, Any]:
    """The admin path items, keyed relative to the document's /api/v1 server."""
    participant, username = [_path("participant_id")], [_path("username")]
    return {
        "/admin/status": {"get": _operation(
            "Anchoring and chain health (200 also when the chain is unreachable: chain.error says why)",
            {"200": _ok("the store's and the chain's view", "AdminStatus")})},
        "/admin/participants": {"post": _operation(
            "Register a participant with its own public key, or with a custodial key the portal creates", {
                "201": _ok("registered", "AdminParticipantCreated"),
                "409": _error("the participant exists, or the key is registered already"),
            }, "AdminNewParticipant")},
        "/admin/participants/{participant_id}/keys": {"post": _operation(
            "Register one more public key for a participant", {
                "201": _ok("registered", "Receipt"), "404": _error("no such participant"),
                "409": _error("the key is registered already"),
            }, "AdminNewKey", parameters=participant)},
        "/admin/participants/{participant_id}/rotate-custodial-key": {"post": _operation(
            "Replace the participant's custodial key: new key registered and old one revoked in one batch", {
                "200": _ok("rotated", "AdminKeyRotation"),
                "404": _error("no such participant, or it has no custodial key yet"),
                "409": _error("another rotation replaced the key meanwhile"),
            }, "AdminReason", optional_body=True, parameters=participant)},
        "/admin/participants/{participant_id}/custodial-key": {"post": _operation(
            "Let the portal sign for a participant that has keys of its own, with the reason in the log", {
                "201": _ok("added", "AdminCustodialKey"), "404": _error("no such participant"),
                "409": _error("the portal already holds a key for it"),
            }, "AdminCustodialKeyRequest", parameters=participant)},
        "/admin/keys/{key_id}/revoke": {"post": _operation(
            "Revoke a key: submissions signed with it are refused from now on; with compromised_since, records "
            "received since then show as signed with a compromised key", {
                "200": _ok("revoked", "AdminRevocation"), "404": _error("no such key"),
            }, "AdminRevocationRequest", optional_body=True, parameters=[_path("key_id")])},
        "/admin/users": {
            "get": _operation("Portal users", {"200": _ok("every account", "AdminUser", array=True)}),
            "post": _operation("Create a portal user", {
                "201": _ok("created", "AdminUser"), "404": _error("the supplier's participant is not registered"),
                "409": _error("the user name is taken"),
            }, "AdminNewUser"),
        },
        "/admin/users/{username}/role": {"post": _operation("Change a user's role", {
            "200": _ok("changed", "AdminUser"), "404": _error("no such user or participant"),
            "409": _error("it would leave no enabled admin"),
        }, "AdminRoleChange", parameters=username)},
        "/admin/users/{username}/disable": {"post": _operation(
            "Disable a user: no login, no API token works until enabled again", {
                "200": _ok("disabled", "AdminUser"), "404": _error("no such user"),
                "409": _error("it would leave no enabled admin"),
            }, parameters=username)},
        "/admin/users/{username}/enable": {"post": _operation("Enable a disabled user", {
            "200": _ok("enabled", "AdminUser"), "404": _error("no such user")}, parameters=username)},
    }
