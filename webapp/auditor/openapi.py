"""Audits, search and record proofs (``webapp.auditor.api``) in the portal's OpenAPI 3.1 document.

Limits and defaults are read from the code that enforces them, as in
:mod:`webapp.epcis.openapi`, so the description cannot drift from the behaviour. The
report itself is described as :func:`ledger.audit_scope.ScopeReport.to_dict` writes it.
"""

from __future__ import annotations

from typing import Any

from ledger.audit_scope import DEFAULT_MAX_ANCHOR_DELAY_S
from ledger.bundles import BUNDLE_FORMAT
from webapp.auditor.api import DEFAULT_PER_PAGE, MAX_OFFSET, MAX_PER_PAGE
from webapp.auditor.routes import MAX_ANCHOR_DELAY_S, MAX_ORDERS

_STRING = {"type": "string"}
_HEX = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_URL = {"type": "string", "description": "a path on this portal"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Any], *, optional: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    """An object whose members are all required but ``optional``."""
    return {"type": "object", "required": [k for k in properties if k not in optional], "properties": properties,
            **extra}


def _json(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _error(description: str) -> dict[str, Any]:
    return _json(description, "Error")


_AUDITORS = {"security": [{"bearer": []}], "tags": ["Audits"]}
_NOT_AUDITOR = {"401": _error("no bearer token"), "403": _error("not an auditor or admin account")}


def _path(name: str, description: str, schema: dict[str, Any] = _STRING) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


def schemas() -> dict[str, Any]:
    """The component schemas the paths below refer to."""
    check = _object({"name": _STRING, "ok": _BOOL, "detail": _STRING})
    anchored = _object({
        "format": {"const": BUNDLE_FORMAT}, "envelope": {"type": "object"}, "public_key": _STRING, "leaf_hash": _HEX,
        "index": _INT, "inclusion_proof": {"type": "array", "items": _HEX},
        "checkpoint": _object({"tree_size": _INT, "root": _HEX}),
        "chain": _object({"chain_id": _INT, "contract_address": _STRING, "tx_hash": _STRING, "block_number": _INT,
                          "block_time": {"type": "string", "format": "date-time"}}),
    }, description="checked with nothing but a chain RPC (ledger.verification.verify_bundle)")
    pending = _object({
        "anchored": {"const": False}, "envelope": {"type": "object"}, "leaf_hash": _HEX, "index": _INT,
        "tree_size": _INT, "root": _HEX, "inclusion_proof": {"type": "array", "items": _HEX},
    }, description="not anchored yet: inclusion under the log's current root")
    report_summary = {
        "report_id": _STRING, "created_at": {"type": "string", "format": "date-time"}, "created_by": _STRING,
        "sha256": {**_HEX, "description": "of the report's RFC 8785 bytes, as the portal keeps them"},
        "record_seq": {**_INT, "description": "the audit_report record fixing that hash in the log"},
        "url": _URL, "pdf_url": _URL,
    }
    return {
        "AuditScope": {
            "type": "object", "additionalProperties": False,
            "description": "an empty scope audits the whole ledger; dates are UTC days, the end day included",
            "properties": {
                "participant_id": _nullable({"type": "string", "description": "a participant in the ledger"}),
                "start": _nullable({"type": "string", "format": "date"}),
                "end": _nullable({"type": "string", "format": "date"}),
                "order_ids": {"type": "array", "maxItems": MAX_ORDERS, "items": {"type": "string", "minLength": 1},
                              "description": "orders with a shipment in the ledger; every record of each is audited"},
                "max_anchor_delay_s": _nullable({
                    "type": "number", "exclusiveMinimum": 0, "maximum": MAX_ANCHOR_DELAY_S,
                    "default": DEFAULT_MAX_ANCHOR_DELAY_S,
                    "description": "records anchored later than this after receipt are findings"}),
            },
        },
        "AuditJob": _object({
            "job_id": _STRING, "state": {"enum": ["running", "done", "failed"]}, "phase": _STRING,
            "done": _INT, "total": _INT, "error": _nullable(_STRING), "report_id": _nullable(_STRING),
            "scope": {"type": "string", "description": "the scope in words"},
            "report_url": {**_URL, "description": "once done: the report with its proof"},
        }, optional=("report_url",)),
        "AuditFinding": _object({"subject": _STRING, "check": _STRING, "expected": _STRING, "found": _STRING}),
        "AuditReport": _object({
            "format": {"const": "carbonledger-audit-report/1"}, "report_id": _STRING, "requested_by": _STRING,
            "ok": {**_BOOL, "description": "no findings"}, "scope": {"type": "object"},
            "scope_description": _STRING, "generated_at": _STRING, "log_size": _INT, "records_checked": _INT,
            "anchored": _INT, "footprints_recomputed": _INT, "checkpoints_checked": _INT,
            "chain_id": _nullable(_INT), "seconds": {"type": "number"},
            "findings": {"type": "array", "items": _ref("AuditFinding")},
            "charts": {"type": "object", "additionalProperties": {"type": "object"}},
        }, description="its RFC 8785 canonical bytes hash to proof.report_sha256"),
        "AuditReportSummary": _object(report_summary),
        "AuditReportPage": _object({
            "reports": {"type": "array", "items": _ref("AuditReportSummary")},
            "limit": _INT, "offset": _INT, "next": _nullable({**_URL, "description": "the next page"}),
        }),
        "AuditReportWithProof": _object({
            **report_summary, "report": _ref("AuditReport"), "proof": _ref("AuditReportProof"),
        }),
        "AuditReportProof": _object({
            "ok": {**_BOOL, "description": "every check holds"}, "record_seq": _INT, "report_sha256": _HEX,
            "checks": {"type": "array", "items": check}, "verdict": _nullable(_ref("RecordVerdict")),
            "record": _nullable({"type": "object", "description": "the audit_report record"}),
            "leaf_hash": _nullable(_HEX), "anchoring": _nullable(_ref("ProofBundle")),
        }, description="recomputed on every read: the report's hash against its record, the record verified"),
        "RecordVerdict": _object({"subject": _STRING, "ok": _BOOL, "anchored": _nullable(_BOOL),
                                  "checks": {"type": "array", "items": check}}),
        "ProofBundle": {"oneOf": [anchored, pending]},
        "SearchResult": _object({"query": _STRING, "orders": {"type": "array", "items": _object({
            "order_id": _STRING, "public_id": _STRING,
            "url": {**_URL, "description": "the consumer page, /p/{public_id}"},
            "api_url": {**_URL, "description": "/api/v1/orders/{public_id}"},
        })}}),
    }


def paths() -> dict[str, Any]:
    """The path items, relative to /api/v1."""
    job_id = _path("job_id", "from the Location of POST /audits")
    report_id = _path("report_id", "AR-…, from a job or the list")
    return {
        "/audits": {"post": {
            **_AUDITORS, "summary": "Audit a scope in the background (202; poll Location)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("AuditScope")}}},
            "responses": {
                "202": {**_json("the job, running", "AuditJob"), "headers": {"Location": {
                    "description": "/api/v1/audits/jobs/{job_id}", "schema": _STRING}}},
                "400": _error("a scope member the ledger cannot audit; field names it"),
                "415": _error("not sent as application/json"), **_NOT_AUDITOR,
            },
        }},
        "/audits/jobs/{job_id}": {"get": {
            **_AUDITORS, "summary": "An audit job's state; report_url once done", "parameters": [job_id],
            "responses": {"200": _json("the job", "AuditJob"), "404": _error("no such job"), **_NOT_AUDITOR},
        }},
        "/audits/reports": {"get": {
            **_AUDITORS, "summary": "Kept audit reports, newest first, a page at a time", "parameters": [
                {"name": "limit", "in": "query", "required": False, "description": "reports per page",
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE}},
                {"name": "offset", "in": "query", "required": False, "description": "reports to skip",
                 "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}}],
            "responses": {"200": _json("a page of reports", "AuditReportPage"),
                          "400": _error("limit or offset out of range; field names it"), **_NOT_AUDITOR},
        }},
        "/audits/reports/{report_id}": {"get": {
            **_AUDITORS, "summary": "A report with its proof: the audit_report record, leaf hash, anchoring",
            "parameters": [report_id],
            "responses": {"200": _json("the report as kept, and its proof now", "AuditReportWithProof"),
                          "404": _error("no such report"),
                          "409": _error("the kept copy is no longer JSON; the message gives the proof's checks"),
                          **_NOT_AUDITOR},
        }},
        "/audits/reports/{report_id}.pdf": {"get": {
            **_AUDITORS, "summary": "A report as PDF, naming its hash and ledger record", "parameters": [report_id],
            "responses": {"200": {"description": "the PDF", "content": {"application/pdf": {
                "schema": {"type": "string", "format": "binary"}}}},
                "404": _error("no such report"), "409": _error("the kept copy is no longer a readable report"),
                **_NOT_AUDITOR},
        }},
        "/search": {"get": {
            "summary": "Orders a consumer search finds: by order id, public id, shipment id, GTIN or tracking link",
            "tags": ["Consumers"], "security": [],
            "parameters": [{"name": "q", "in": "query", "required": True, "schema": {"type": "string", "minLength": 1}}],
            "responses": {"200": _json("the orders found (none is an empty list)", "SearchResult"),
                          "400": _error("no q")},
        }},
        "/records/{seq}/proof": {"get": {
            "summary": "A record's proof bundle (until anchored, its inclusion in the log)", "tags": ["Consumers"],
            "security": [], "parameters": [_path("seq", "the record's position in the log", _INT)],
            "responses": {"200": _json("the proof, as /records/{seq}/proof.json downloads it", "ProofBundle"),
                          "404": _error("no such record")},
        }},
    }
