"""The OpenAPI 3.1 description of /api/v1 and the EPCIS binding, served at /api/v1/openapi.json.

3.1 because its schemas are JSON Schema 2020-12, which is what pydantic emits for the
record kinds: one source of truth for the record schemas, no lossy down-conversion.
"""

from __future__ import annotations

from typing import Any

from ledger.records.schemas import json_schema
from webapp.admin import openapi as admin_openapi
from webapp.auditor import openapi as auditor_openapi
from webapp.epcis import openapi as epcis_openapi


def _error() -> dict[str, Any]:
    return {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def openapi_document() -> dict[str, Any]:
    record_schema = json_schema()
    defs = record_schema.pop("$defs", {})
    components: dict[str, Any] = {k: _rewrite_refs(v) for k, v in defs.items()}
    components["Record"] = _rewrite_refs(record_schema)
    components["Error"] = {"type": "object", "required": ["error", "message"], "properties": {
        "error": {"type": "string"}, "message": {"type": "string"}, "record": {"type": "string"},
        "field": {"type": "string"}}}
    components["Submission"] = {"type": "object", "required": ["record", "key_id", "signature"],
                                "additionalProperties": False, "properties": {
                                    "record": {"$ref": "#/components/schemas/Record"},
                                    "key_id": {"type": "string"}, "signature": {"type": "string"}}}
    components["Receipt"] = {"type": "object", "properties": {
        "seq": {"type": "integer"}, "leaf_hash": {"type": "string"}, "duplicate": {"type": "boolean"}}}
    epcis = epcis_openapi.components()
    components.update(epcis.pop("schemas"))
    components.update(admin_openapi.schemas())
    components.update(auditor_openapi.schemas())
    json_ok = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "CarbonLedger API", "version": "1.0.0",
                 "description": "Signed supply-chain carbon records in an anchored Merkle log."},
        "servers": [{"url": "/api/v1"}],
        "components": {"schemas": components, **epcis, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "an API token from the portal"}}},
        "paths": {
            "/log": {"get": {"summary": "Log size, root and latest on-chain checkpoint", "responses": {"200": json_ok}}},
            "/records": {
                "get": {"summary": "Records mentioning a business id", "parameters": [
                    {"name": "ref_type", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "value", "in": "query", "required": True, "schema": {"type": "string"}}],
                    "responses": {"200": json_ok, "400": _error()}},
                "post": {"summary": "Submit one signed record, or {\"submissions\": [...]} all-or-nothing",
                         "security": [{"bearer": []}],
                         "requestBody": {"required": True, "content": {"application/json": {"schema": {
                             "oneOf": [{"$ref": "#/components/schemas/Submission"},
                                       {"type": "object", "properties": {"submissions": {
                                           "type": "array", "items": {"$ref": "#/components/schemas/Submission"}}}}]}}}},
                         "responses": {"201": {"description": "accepted", "content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/Receipt"}}}},
                             "200": {"description": "already recorded"}, "400": _error(), "401": _error(),
                             "403": _error(), "415": _error(), "422": _error()}},
            },
            "/records/{seq}": {"get": {"summary": "A record with its inclusion proof", "parameters": [
                {"name": "seq", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": json_ok, "404": _error()}}},
            "/orders/{order}": {"get": {"summary": "An order's provenance with live verification", "description": (
                "shipments, legs and hubs are the order's own records (written by its owner, the participant "
                "whose shipment first declared it, or by parties it delegated to), each with seq, signer, "
                "signer_name, key_custody (own | custodial) and received_at; records others wrote about the order "
                "or its shipment ids are listed apart under claims_by_others. verification.state is verified, "
                "pending, warning or failed, and verification.sentence says what was proven."),
                "parameters": [
                {"name": "order", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": json_ok, "404": _error()}}},
            "/participants": {"get": {"summary": "Participants and their keys", "responses": {"200": json_ok}}},
            **auditor_openapi.paths(),
            **admin_openapi.paths(),
            **epcis_openapi.paths(),
        },
    }


def _rewrite_refs(node: Any) -> Any:
    """pydantic writes JSON-schema refs to #/$defs; OpenAPI wants #/components/schemas."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                out[k] = v.replace("#/$defs/", "#/components/schemas/")
            else:
                out[k] = _rewrite_refs(v)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node
