"""The GS1 EPCIS 2.0 REST binding (``/epcis``) in the portal's OpenAPI 3.1 document.

The binding lives beside /api/v1, not under it, so every path item here carries its own
``servers`` entry (``/epcis``) overriding the document's. Only what :mod:`webapp.epcis.routes`
implements is described (GS1's own openapi.yaml covers far more: queries by name,
subscriptions, top-level resources); limits and defaults are read from the code that
enforces them, so the description cannot drift from the behaviour.
"""

from __future__ import annotations

from typing import Any

from ledger.epcis.document import ACTIONS, EVENT_TYPES, MAX_EVENTS
from ledger.epcis.epc_match import MATCH_FIELDS
from webapp.epcis.capture import ERROR_TYPE
from webapp.epcis.routes import CBV_VERSION, DEFAULT_PER_PAGE, EPCIS_VERSION, LEDGER_NS, MAX_PER_PAGE

SERVERS = [{"url": "/epcis", "description": "GS1 EPCIS 2.0 REST binding"}]
"""Where the paths below are served: the binding's own prefix, not /api/v1."""

VERSION_PATTERN = r"^\d+\.\d+(\.\d+)?$"
_VERSION_HEADERS = {
    "GS1-EPCIS-Version": "the EPCIS version the client wants", "GS1-EPCIS-Min": "the lowest EPCIS version it accepts",
    "GS1-EPCIS-Max": "the highest EPCIS version it accepts", "GS1-CBV-Version": "the CBV version the client wants",
    "GS1-CBV-Min": "the lowest CBV version it accepts", "GS1-CBV-Max": "the highest CBV version it accepts",
}
"""Request headers every EPCIS operation reads (webapp.epcis.routes checks them before any view)."""
_DATE_TIME = {"type": "string", "format": "date-time"}
_URI = {"type": "string", "minLength": 1}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def components() -> dict[str, dict[str, Any]]:
    """Schemas, parameters and headers the EPCIS paths refer to, by component section."""
    event = {
        "type": "object", "required": ["type", "eventTime", "eventTimeZoneOffset"],
        "description": "An EPCIS 2.0 event; every field of the standard is accepted and stored as sent.",
        "properties": {
            "type": {"enum": list(EVENT_TYPES)}, "eventID": _URI, "eventTime": _DATE_TIME,
            "eventTimeZoneOffset": {"type": "string", "pattern": r"^[+-]\d{2}:\d{2}$"},
            "recordTime": _DATE_TIME, "action": {"enum": list(ACTIONS)}, "bizStep": _URI, "disposition": _URI,
            "epcList": {"type": "array", "items": _URI}, "childEPCs": {"type": "array", "items": _URI},
            "parentID": _URI, "readPoint": {"type": "object", "required": ["id"], "properties": {"id": _URI}},
            "bizLocation": {"type": "object", "required": ["id"], "properties": {"id": _URI}},
        },
    }
    stored_event = {"allOf": [_ref("schemas", "EPCISEvent"), {"type": "object", "properties": {
        "cl:eventHashID": {"type": "string", "description": "CBV 2.0 event hash ID (ni:///sha-256;…?ver=CBV2.0)"},
        "cl:leafHash": {"type": "string", "description": "the record's RFC 6962 leaf hash in our Merkle log"},
        "cl:seq": {"type": "integer", "description": "the record's position in the log"}}}],
        "description": f"A captured event with our fields beside it, in namespace {LEDGER_NS}"}
    receipt = {"type": "object", "required": ["eventID", "seq", "leafHash", "duplicate"], "properties": {
        "eventID": {"type": "string"}, "eventHashID": {"type": ["string", "null"]}, "seq": {"type": "integer"},
        "leafHash": {"type": "string"}, "duplicate": {"type": "boolean"}}}
    schemas = {
        "EPCISEvent": event,
        "EPCISStoredEvent": stored_event,
        "EPCISCaptureReceipt": receipt,
        "EPCISDocument": {
            "type": "object", "required": ["@context", "type", "schemaVersion", "creationDate", "epcisBody"],
            "properties": {
                "@context": {"description": "the standard context URI, with extension prefixes declared inline; "
                                            "never fetched"},
                "type": {"const": "EPCISDocument"}, "schemaVersion": {"type": "string"},
                "creationDate": _DATE_TIME,
                "epcisBody": {"type": "object", "required": ["eventList"], "properties": {"eventList": {
                    "type": "array", "maxItems": MAX_EVENTS, "items": _ref("schemas", "EPCISEvent")}}},
            },
        },
        "EPCISQueryDocument": {
            "type": "object", "required": ["@context", "type", "schemaVersion", "creationDate", "epcisBody"],
            "properties": {
                "@context": {"type": "array"}, "type": {"const": "EPCISQueryDocument"},
                "schemaVersion": {"type": "string"}, "creationDate": _DATE_TIME,
                "epcisBody": {"type": "object", "properties": {"queryResults": {"type": "object", "properties": {
                    "queryName": {"const": "SimpleEventQuery"},
                    "resultsBody": {"type": "object", "properties": {"eventList": {
                        "type": "array", "items": _ref("schemas", "EPCISStoredEvent")}}}}}}},
            },
        },
        "EPCISCaptureJob": {
            "type": "object", "required": ["captureID", "createdAt", "running", "success", "captureErrorBehaviour",
                                           "errors"],
            "properties": {
                "captureID": {"type": "string"}, "createdAt": _DATE_TIME, "finishedAt": _DATE_TIME,
                "running": {"type": "boolean"}, "success": {"type": "boolean"},
                "captureErrorBehaviour": {"const": "rollback"},
                "errors": {"type": "array", "items": _ref("schemas", "EPCISProblem"),
                           "description": "why nothing was stored; each names its event and field"},
                "events": {"type": "array", "items": _ref("schemas", "EPCISCaptureReceipt")},
            },
        },
        "EPCISProblem": {
            "type": "object", "required": ["type", "title", "status", "detail"],
            "description": f"RFC 7807 problem; ``type`` is the EPCIS exception (e.g. {ERROR_TYPE})",
            "properties": {
                "type": {"type": "string", "pattern": "^epcisException:"}, "title": {"type": "string"},
                "status": {"type": "integer"}, "detail": {"type": "string"},
                "record": {"type": "string", "description": "the event at fault, as event #<index>"},
                "field": {"type": "string"}, "rejected": {"type": "array", "items": {"type": "object"}},
            },
        },
    }
    speaks = f"this server speaks EPCIS {_dotted(EPCIS_VERSION)} and CBV {_dotted(CBV_VERSION)}, 406 otherwise"
    parameters: dict[str, Any] = {
        name: {"name": name, "in": "header", "required": False, "schema": {"type": "string", "pattern": VERSION_PATTERN},
               "description": f"{meaning}; {speaks}"}
        for name, meaning in _VERSION_HEADERS.items()
    }
    parameters["GS1-Capture-Error-Behaviour"] = {
        "name": "GS1-Capture-Error-Behaviour", "in": "header", "required": False,
        "schema": {"enum": ["rollback"], "default": "rollback"}, "description": "only all-or-nothing is supported"}
    headers = {name: {"description": "the version this server speaks", "schema": {"type": "string"}}
               for name in ("GS1-EPCIS-Version", "GS1-CBV-Version")}
    return {"schemas": schemas, "parameters": parameters, "headers": headers}


def _dotted(version: tuple[int, int, int]) -> str:
    return ".".join(map(str, version))


def _headers(**extra: dict[str, Any]) -> dict[str, Any]:
    return {"GS1-EPCIS-Version": _ref("headers", "GS1-EPCIS-Version"),
            "GS1-CBV-Version": _ref("headers", "GS1-CBV-Version"), **extra}


def _ok(description: str, schema: str, **headers: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "headers": _headers(**headers),
            "content": {"application/json": {"schema": _ref("schemas", schema)}}}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "headers": _headers(),
            "content": {"application/problem+json": {"schema": _ref("schemas", "EPCISProblem")}}}


_LOCATION = {"description": "where to read the result", "schema": {"type": "string"}}
_NOT_ACCEPTABLE = _problem("a GS1-EPCIS/CBV version header asks for a version this server does not speak")
_BAD_VERSION = "bad input, or an unreadable version header"


def _operation(summary: str, responses: dict[str, Any], *, parameters: list[dict[str, Any]] | None = None,
               body: str | None = None, supplier: bool = False) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary, "tags": ["EPCIS"],
        "parameters": [*(parameters or []), *(_ref("parameters", n) for n in _VERSION_HEADERS)],
        "responses": {**responses, "406": _NOT_ACCEPTABLE},
        "security": [{"bearer": []}] if supplier else [],
    }
    if supplier:
        op["responses"] |= {"401": _problem("no bearer token"), "403": _problem("not a supplier account")}
    if body is not None:
        schema = _ref("schemas", body)
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema},
                                                           "application/ld+json": {"schema": schema}}}
    return op


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _path(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}, "description": description}


_QUERY = [
    _query("eventType", {"type": "string"}, f"one or more of {', '.join(EVENT_TYPES)}, separated by | or ,"),
    _query("GE_eventTime", _DATE_TIME, "events at or after this time (with a time zone)"),
    _query("LT_eventTime", _DATE_TIME, "events before this time (with a time zone)"),
    _query("EQ_bizStep", {"type": "string"}, "bizStep among these (bare CBV terms, URNs or Web URIs), | or ,"),
    *(_query(name, {"type": "string"}, f"an identifier in {' or '.join(fields)} matches one of these (| or ,): an "
             "EPC URI and the GS1 Digital Link of the same key (any domain) match each other, urn:epc:idpat "
             "patterns (* for whole trailing components) and GTIN-only links match every serial, other URIs "
             "compare as text") for name, fields in MATCH_FIELDS.items()),
    _query("perPage", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
           "events per page"),
    _query("nextPageToken", {"type": "string"}, "from the previous page's Link: rel=\"next\""),
]


def paths() -> dict[str, Any]:
    """The EPCIS path items, keyed relative to :data:`SERVERS`."""
    return {
        "/capture": {"servers": SERVERS, "post": _operation(
            "Capture an EPCISDocument, all events or none, in the background (202; poll Location)", {
                "202": _ok("the capture job, running: poll Location until running is false; an eventID already "
                           "naming a different event, or an event the ledger refuses, ends it with success false "
                           "and errors naming the event and field, nothing stored", "EPCISCaptureJob",
                           Location={**_LOCATION, "description": "/epcis/capture/{captureID}"}),
                "400": _problem(f"{_BAD_VERSION}; names the event (event #<index>) and field"),
                "413": _problem(f"more than {MAX_EVENTS} events, or the body is too large"),
                "415": _problem("not application/json or application/ld+json"),
            }, parameters=[_ref("parameters", "GS1-Capture-Error-Behaviour")], body="EPCISDocument",
            supplier=True)},
        "/capture/{captureID}": {"servers": SERVERS, "get": _operation(
            "A capture job of the calling supplier", {
                "200": _ok("the capture job", "EPCISCaptureJob"), "400": _problem(_BAD_VERSION),
                "404": _problem("no such job, or another participant's"),
            }, parameters=[_path("captureID", "from the capture's Location")], supplier=True)},
        "/events": {
            "servers": SERVERS,
            "post": _operation("Capture one event, carrying its own @context", {
                "201": _ok("captured", "EPCISCaptureReceipt", Location={
                    **_LOCATION, "description": "/epcis/events/{eventID}"}),
                "200": _ok("already captured", "EPCISCaptureReceipt", Location=_LOCATION),
                "400": _problem(f"{_BAD_VERSION}; names the field"),
                "409": _problem("its eventID already names a different event"),
                "415": _problem("not application/json or application/ld+json"),
                "422": _problem("the ledger refused the record"),
            }, body="EPCISEvent", supplier=True),
            "get": _operation("SimpleEventQuery over the captured events, a page at a time", {
                "200": _ok("the matching events", "EPCISQueryDocument", Link={
                    "description": "the next page, as <url>; rel=\"next\"", "schema": {"type": "string"}}),
                "400": _problem("an unsupported or malformed query parameter"),
            }, parameters=_QUERY),
        },
        "/events/{eventID}": {"servers": SERVERS, "get": _operation(
            "One captured event by eventID (its event hash ID when the capturer gave none)", {
                "200": _ok("the event", "EPCISQueryDocument"), "400": _problem(_BAD_VERSION),
                "404": _problem("no event with this eventID"),
            }, parameters=[_path("eventID", "percent-encoded")])},
    }
