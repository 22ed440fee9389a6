"""The GS1 EPCIS 2.0 REST binding under /epcis: capture documents and events, query events.

Each captured event becomes an ``epcis_event`` ledger record carrying its CBV 2.0 event hash
ID, signed with the calling supplier's custodial key, so it sits in the Merkle log like any
other record. A capture is all-or-nothing: the whole document is validated first and
appended in one batch. Capture is asynchronous, as the standard's is: what the document
alone shows (its structure, every event's hash, the events limit) is answered at once as a
4xx problem, while the ledger-side work (eventIDs already used, signing, the append) runs in
a background job, the same one the supplier upload page starts
(:func:`webapp.epcis.upload.start_capture`), so a document of thousands of events does not
hold the request. The 202 answer is the running job; the client polls ``Location``, which
any portal worker answers from the job's file, and finds eventID conflicts and rejected
events in the job's ``errors`` (each naming the event and field), with nothing stored.

Errors are RFC 7807 ``application/problem+json`` with the EPCIS exception names as ``type``.
An event whose hash needs a feature :mod:`ledger.epcis.event_hash` does not support is still
accepted when it carries its own ``eventID``, stored without ``event_hash``; without an
``eventID`` it is refused, because we could not give it a trustworthy identity.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, abort, g, jsonify, request
from werkzeug.exceptions import HTTPException

from ledger import epcis_index
from ledger.epcis import (
    EPCIS_CONTEXT,
    EpcisDocument,
    EpcisError,
    check_event,
    parse_document,
    parse_time,
)
from ledger.epcis.document import EVENT_TYPES, STANDARD_NAMESPACES, context_namespaces, read_json
from ledger.epcis.epc_match import MATCH_FIELDS, event_identifiers, parse_match
from ledger.epcis.event_hash import BIZ_STEPS, CBV
from ledger.errors import LedgerError
from ledger.ingest import BatchRejected
from ledger.service import Ledger, StoredRecord
from webapp import services
from webapp.epcis.capture import capture_resource
from webapp.epcis.records import check_unique_ids, event_record
from webapp.epcis.upload import start_capture
from webapp.errors import headers_for, status_for
from webapp.jobs.uploads import jobs

bp = Blueprint("epcis", __name__, url_prefix="/epcis")

EPCIS_VERSION = (2, 0, 0)
CBV_VERSION = (2, 0, 0)
"""The one EPCIS and CBV version this binding speaks."""

LEDGER_NS = "urn:carbonledger:epcis:"
"""Namespace of the fields we add beside each returned event (``cl:leafHash`` and friends);
never part of the stored event or its hash."""

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000
_SCAN_BATCH = 500

_JSON_TYPES = ("application/json", "application/ld+json")
_VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?$")
_QUERY_PARAMS = frozenset({"eventType", "GE_eventTime", "LT_eventTime", "EQ_bizStep", "perPage", "nextPageToken",
                           *MATCH_FIELDS})
_PROBLEM_TYPES = {400: "epcisException:ValidationException", 401: "epcisException:SecurityException",
                  403: "epcisException:SecurityException", 404: "epcisException:NoSuchResourceException",
                  406: "epcisException:NotAcceptableException", 409: "epcisException:ValidationException",
                  413: "epcisException:CaptureLimitExceededException",
                  415: "epcisException:UnsupportedMediaTypeException", 422: "epcisException:ValidationException"}


# -- errors, versions and headers --------------------------------------------------------------
def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    """An RFC 7807 problem answer with the EPCIS exception name as its type."""
    body = {"type": _PROBLEM_TYPES.get(status, "epcisException:ImplementationException"), "title": title,
            "status": status, "detail": detail, **extra}
    resp = jsonify(body)
    resp.status_code = status
    resp.mimetype = "application/problem+json"
    return resp


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return problem(exc.code or 500, exc.name, exc.description or exc.name)


@bp.errorhandler(LedgerError)
def _ledger_error(exc: LedgerError) -> Response:
    extra: dict[str, Any] = {}
    if exc.record is not None:
        extra["record"] = exc.record
    if exc.field is not None:
        extra["field"] = exc.field
    if isinstance(exc, BatchRejected):
        extra["rejected"] = exc.to_dict()["rejected"]
    answer = problem(status_for(exc), type(exc).__name__, str(exc), **extra)
    answer.headers.update(headers_for(exc))
    return answer


def _version(header: str) -> tuple[int, int, int] | None:
    value = request.headers.get(header)
    if value is None:
        return None
    match = _VERSION.match(value.strip())
    if match is None:
        abort(400, f"{header} must be a version like 2.0.0, got {value!r}")
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


@bp.before_request
def _check_versions() -> None:
    """406 when the client asks for an EPCIS / CBV version we do not speak, 400 when it is unreadable."""
    for prefix, ours in (("GS1-EPCIS", EPCIS_VERSION), ("GS1-CBV", CBV_VERSION)):
        exact, low, high = _version(f"{prefix}-Version"), _version(f"{prefix}-Min"), _version(f"{prefix}-Max")
        if exact is not None and exact != ours:
            abort(406, f"{prefix}-Version {'.'.join(map(str, exact))} is not supported; this server speaks "
                  f"{'.'.join(map(str, ours))}")
        if (low is not None and low > ours) or (high is not None and high < ours):
            abort(406, f"no supported {prefix} version in the requested range; this server speaks "
                  f"{'.'.join(map(str, ours))}")


@bp.after_request
def _version_headers(resp: Response) -> Response:
    resp.headers["GS1-EPCIS-Version"] = ".".join(map(str, EPCIS_VERSION))
    resp.headers["GS1-CBV-Version"] = ".".join(map(str, CBV_VERSION))
    return resp


def _supplier() -> Any:
    user = g.get("user")
    if user is None:
        abort(401, "send 'Authorization: Bearer <token>' of a supplier account")
    if user.role != "supplier" or not user.participant_id:
        abort(403, "only supplier accounts capture EPCIS events")
    return user


def _json_body() -> Any:
    if request.mimetype not in _JSON_TYPES:
        abort(415, "send the body as JSON with 'Content-Type: application/json' or 'application/ld+json'")
    return request.get_data()


def _now() -> datetime:
    return services.ledger().clock()


# -- capture ------------------------------------------------------------------------------------
@bp.post("/capture")
def capture() -> Any:
    """Capture an EPCISDocument all-or-nothing in a background job; 202 at once with its Location.

    A bad document (structure, an event's hash, too many events) is answered here as a
    problem; everything needing the ledger ends up in the job, so the request never waits
    for the signing and the append.
    """
    user = _supplier()
    if request.headers.get("GS1-Capture-Error-Behaviour", "rollback") != "rollback":
        abort(400, "only GS1-Capture-Error-Behaviour: rollback is supported")
    doc: EpcisDocument = parse_document(_json_body())
    job = start_capture(doc, user.participant_id)
    resp = jsonify(capture_resource(job))
    resp.status_code = 202
    resp.headers["Location"] = f"/epcis/capture/{job.job_id}"
    return resp


@bp.get("/capture/<capture_id>")
def capture_job(capture_id: str) -> Any:
    user = _supplier()
    job = jobs().get(capture_id, "epcis", user.participant_id)
    if job is None:
        abort(404, f"no capture job {capture_id}")
    return jsonify(capture_resource(job))


@bp.post("/events")
def capture_event() -> Any:
    """Capture one event (with its own ``@context``); 201 with the event's Location."""
    user = _supplier()
    body = parse_json_object(_json_body())
    check_event(body)
    if "@context" not in body:
        raise EpcisError("is required on a single captured event", field="@context")
    namespaces = {**STANDARD_NAMESPACES, **context_namespaces(body["@context"])}
    record = event_record(body, namespaces, None, None)
    check_unique_ids(services.ledger(), [record])
    receipt = services.custodial_keys().submit(user.participant_id, [record])[0]
    event_id = record["event"]["eventID"]
    resp = jsonify({"eventID": event_id, "eventHashID": record.get("event_hash"), "seq": receipt.seq,
                    "leafHash": receipt.leaf_hash.hex(), "duplicate": receipt.duplicate})
    resp.status_code = 200 if receipt.duplicate else 201
    resp.headers["Location"] = f"/epcis/events/{quote(event_id, safe='')}"
    return resp


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The body of ``POST /epcis/events``: one I-JSON object (RFC 7493); raises :class:`EpcisError`."""
    body = read_json(raw)
    if not isinstance(body, dict):
        raise EpcisError("the body must be one EPCIS event object")
    return body


# -- query --------------------------------------------------------------------------------------
def _annotated(stored: StoredRecord) -> dict[str, Any]:
    """The stored event with our hash ID, leaf hash and log position beside it."""
    record = stored.record
    event = dict(record["event"])
    if record.get("event_hash"):
        event["cl:eventHashID"] = record["event_hash"]
    event["cl:leafHash"] = stored.leaf_hash.hex()
    event["cl:seq"] = stored.seq
    return event


def _query_document(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "@context": [EPCIS_CONTEXT, {"cl": LEDGER_NS}], "type": "EPCISQueryDocument", "schemaVersion": "2.0",
        "creationDate": _now().astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": events}}},
    }


def _values(name: str) -> list[str] | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    values = [v.strip() for v in re.split(r"[|,]", raw) if v.strip()]
    if not values:
        abort(400, f"{name} must not be empty")
    return values


def _biz_step(value: str) -> str:
    """bizStep in one comparable form: bare CBV terms and URNs as CBV Web URIs."""
    if value.startswith("urn:epcglobal:cbv:bizstep:"):
        value = value.removeprefix("urn:epcglobal:cbv:bizstep:")
    return CBV + "BizStep-" + value if value in BIZ_STEPS else value


class _Filter:
    """The SimpleEventQuery parameters this binding supports, checked once."""

    def __init__(self) -> None:
        unknown = sorted(set(request.args) - _QUERY_PARAMS)
        if unknown:
            abort(400, f"unsupported query parameter {unknown[0]}; supported: {', '.join(sorted(_QUERY_PARAMS))}")
        self.types = _values("eventType")
        if self.types and any(t not in EVENT_TYPES for t in self.types):
            abort(400, f"eventType must be among {', '.join(EVENT_TYPES)}")
        self.ge = self._time("GE_eventTime")
        self.lt = self._time("LT_eventTime")
        steps = _values("EQ_bizStep")
        self.steps = None if steps is None else {_biz_step(s) for s in steps}
        self.epcs = {name: [parse_match(v, name) for v in values]
                     for name in MATCH_FIELDS if (values := _values(name)) is not None}

    @staticmethod
    def _time(name: str) -> datetime | None:
        value = request.args.get(name)
        if value is None:
            return None
        try:
            return parse_time(value, name)
        except EpcisError as exc:
            abort(400, str(exc))

    def matches(self, event: dict[str, Any]) -> bool:
        if self.types is not None and event.get("type") not in self.types:
            return False
        if self.ge is not None or self.lt is not None:
            try:
                when = parse_time(event.get("eventTime"), "eventTime")
            except EpcisError:  # an epcis_event record sent through /api/v1 with a looser time
                return False
            if (self.ge is not None and when < self.ge) or (self.lt is not None and when >= self.lt):
                return False
        if self.steps is not None and _biz_step(str(event.get("bizStep", ""))) not in self.steps:
            return False
        for name, matchers in self.epcs.items():
            identifiers = event_identifiers(event, MATCH_FIELDS[name])
            if not any(m.matches(i) for m in matchers for i in identifiers):
                return False
        return True


def _candidates(ledger: Ledger, wanted: _Filter, after: int) -> Iterator[StoredRecord]:
    """The captured events after position ``after``, in log order, that may pass ``wanted``: those
    the EPC index names for a MATCH_* parameter when one is given, else all of them."""
    while True:
        if wanted.epcs:
            name, matchers = next(iter(wanted.epcs.items()))
            seqs = epcis_index.matching_seqs(ledger.engine, MATCH_FIELDS[name], matchers, after, _SCAN_BATCH)
            yield from (ledger.record(seq) for seq in seqs)
        else:
            batch = ledger.records_of_kind("epcis_event", after=after, limit=_SCAN_BATCH)
            seqs = [stored.seq for stored in batch]
            yield from batch
        if len(seqs) < _SCAN_BATCH:
            return
        after = seqs[-1]


def _per_page() -> int:
    raw = request.args.get("perPage", str(DEFAULT_PER_PAGE))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PER_PAGE:
        abort(400, f"perPage must be a whole number from 1 to {MAX_PER_PAGE}, got {raw!r}")
    return int(raw)


@bp.get("/events")
def events() -> Any:
    """SimpleEventQuery over the captured events, ``perPage`` at a time; ``Link: rel="next"`` pages on."""
    wanted = _Filter()
    per_page = _per_page()
    token = request.args.get("nextPageToken", "-1")
    if not re.fullmatch(r"-1|\d{1,18}", token):
        abort(400, f"nextPageToken {token!r} is not one this server issued")
    found: list[StoredRecord] = []
    more = False
    for stored in _candidates(services.ledger(), wanted, int(token)):
        if wanted.matches(stored.record["event"]):
            if len(found) == per_page:
                more = True
                break
            found.append(stored)
    resp = jsonify(_query_document([_annotated(s) for s in found]))
    if more:
        args = {**request.args.to_dict(), "nextPageToken": str(found[-1].seq)}
        resp.headers["Link"] = f'<{request.base_url}?{urlencode(args)}>; rel="next"'
    return resp


@bp.get("/events/<path:event_id>")
def event(event_id: str) -> Any:
    """One captured event by its eventID (the event hash ID when the capturer gave none)."""
    matches = [r for r in services.ledger().records_by_ref("epcis_event_id", event_id[:200])
               if r.kind == "epcis_event" and r.record["event"].get("eventID") == event_id]
    if not matches:
        abort(404, f"no event with eventID {event_id}")
    return jsonify(_query_document([_annotated(matches[0])]))
