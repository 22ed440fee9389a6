"""Reading an EPCISDocument (JSON / JSON-LD) and checking the structure of its events.

``@context`` is handled offline: the standard context URI is recognised by name and never
fetched, and namespace prefixes come only from objects declared inline in ``@context``.
Structural checks are the ones the EPCIS 2.0 standard makes of every event (required fields
per event type, time and offset formats, ``action`` values); a full JSON-schema check is
left to the caller if wanted. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ledger.epcis.errors import EpcisCaptureLimitError, EpcisError, event_label
from ledger.errors import SchemaError
from ledger.records.ijson import check_ijson, loads_ijson

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
"""The standard JSON-LD context of EPCIS 2.0; accepted by name, never downloaded."""

KNOWN_CONTEXTS = frozenset({
    EPCIS_CONTEXT, "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
    "https://gs1.github.io/EPCIS/epcis-context.jsonld", "https://gs1.github.io/EPCIS/epcis-context-simple.jsonld",
})
"""Context URIs whose terms we know without fetching: the standard one, its undated alias and the
addresses the GS1 drafts and official examples use."""

STANDARD_NAMESPACES: dict[str, str] = {
    "epcis": "https://ref.gs1.org/epcis/",
    "cbv": "https://ref.gs1.org/cbv/",
    "cbvmda": "urn:epcglobal:cbv:mda:",
    "gs1": "https://ref.gs1.org/voc/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
}
"""Prefixes the standard context declares, so extensions may use them without redeclaring."""

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")
ACTIONS = ("ADD", "OBSERVE", "DELETE")

MAX_EVENTS = 10_000
"""Events per document: the same ceiling as a batch of the records API."""

_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$")
_OFFSET = re.compile(r"^[+-](\d{2}):(\d{2})$")
_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")

_EPC_LISTS = {"ObjectEvent": ("epcList",), "AggregationEvent": ("childEPCs",), "TransactionEvent": ("epcList",),
              "TransformationEvent": ("inputEPCList", "outputEPCList"), "AssociationEvent": ("childEPCs",)}
_QUANTITY_LISTS = {"ObjectEvent": ("quantityList",), "AggregationEvent": ("childQuantityList",),
                   "TransactionEvent": ("quantityList",),
                   "TransformationEvent": ("inputQuantityList", "outputQuantityList"),
                   "AssociationEvent": ("childQuantityList",)}


@dataclass(frozen=True)
class EpcisDocument:
    """A parsed document: its ``@context`` as sent, the prefixes it declares, and its events."""

    context: Any
    namespaces: dict[str, str]
    events: list[dict[str, Any]]


def parse_time(value: Any, field: str, index: int | None = None) -> datetime:
    """An xsd:dateTimeStamp (time zone required) as an aware UTC datetime; raises :class:`EpcisError`."""
    match = _TIME.match(value) if isinstance(value, str) else None
    if match is None:
        raise EpcisError(f"must be a date-time with a time zone like 2024-05-01T10:00:00.000+02:00, got {value!r}",
                         record=event_label(index), field=field)
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro)
        offset = timedelta(0) if zone == "Z" else _offset(zone)
    except ValueError as exc:
        raise EpcisError(f"is not a valid date-time: {exc}", record=event_label(index), field=field) from None
    return (moment - offset).replace(tzinfo=timezone.utc)


def _offset(text: str) -> timedelta:
    match = _OFFSET.match(text)
    if match is None:
        raise ValueError(f"offset {text!r} is not ±hh:mm")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 14 or minutes > 59 or (hours == 14 and minutes):
        raise ValueError(f"offset {text!r} is outside -14:00..+14:00")
    sign = -1 if text[0] == "-" else 1
    return sign * timedelta(hours=hours, minutes=minutes)


def context_namespaces(context: Any, where: str = "@context") -> dict[str, str]:
    """Prefixes declared in a JSON-LD ``@context`` (string, object or list), without fetching anything.

    A context URI other than the standard one cannot be read offline and is refused.
    """
    items = context if isinstance(context, list) else [context]
    out: dict[str, str] = {}
    for item in items:
        if isinstance(item, str):
            if item not in KNOWN_CONTEXTS:
                raise EpcisError(f"context {item!r} cannot be resolved offline; use {EPCIS_CONTEXT} and declare "
                                 "extension prefixes inline as {\"prefix\": \"namespace URI\"}", field=where)
        elif isinstance(item, dict):
            for prefix, uri in item.items():
                if isinstance(uri, str) and _PREFIX.match(prefix):
                    out[prefix] = uri
        else:
            raise EpcisError("entries must be context URIs or objects", field=where)
    return out


def read_json(data: bytes | str) -> Any:
    """A body or file as I-JSON (RFC 7493); raises :class:`EpcisError` naming the field.

    An event's hash ID and its record's signature are computed over canonical forms, so a
    number that does not round-trip (``1e17``), a repeated name or a lone surrogate would
    make either unreproducible: refused here, before anything is hashed.
    """
    try:
        return loads_ijson(data)
    except SchemaError as exc:
        raise _as_epcis_error(exc) from None


def check_json(value: Any) -> None:
    """:func:`read_json`'s checks for a value already parsed; raises :class:`EpcisError`."""
    try:
        check_ijson(value)
    except SchemaError as exc:
        raise _as_epcis_error(exc) from None


def _as_epcis_error(exc: SchemaError) -> EpcisError:
    return EpcisError(f"the body {exc.message}" if exc.field is None else exc.message, field=exc.field)


def parse_document(data: bytes | str | dict[str, Any]) -> EpcisDocument:
    """Parse and structurally check an EPCISDocument; raises :class:`EpcisError` naming what is wrong."""
    if isinstance(data, (bytes, str)):
        data = read_json(data)
    else:
        check_json(data)
    if not isinstance(data, dict):
        raise EpcisError("an EPCISDocument must be a JSON object")
    if data.get("type") != "EPCISDocument":
        raise EpcisError(f"must be \"EPCISDocument\", got {data.get('type')!r}", field="type")
    if "@context" not in data:
        raise EpcisError("is required (use the standard EPCIS context)", field="@context")
    namespaces = {**STANDARD_NAMESPACES, **context_namespaces(data["@context"])}
    if not isinstance(data.get("schemaVersion"), str):
        raise EpcisError("is required, e.g. \"2.0\"", field="schemaVersion")
    parse_time(data.get("creationDate"), "creationDate")
    body = data.get("epcisBody")
    events = body.get("eventList") if isinstance(body, dict) else None
    if not isinstance(events, list):
        raise EpcisError("must be a list of events", field="epcisBody.eventList")
    if len(events) > MAX_EVENTS:
        raise EpcisCaptureLimitError(f"has {len(events)} events; at most {MAX_EVENTS} per document",
                                     field="epcisBody.eventList")
    for i, event in enumerate(events):
        check_event(event, i)
        if "@context" in event:
            context_namespaces(event["@context"], f"epcisBody.eventList[{i}].@context")
    return EpcisDocument(data["@context"], namespaces, events)


def check_event(event: Any, index: int | None = None) -> None:
    """The structural rules of EPCIS 2.0 for one event; raises :class:`EpcisError` naming the field."""
    label = event_label(index)

    def fail(field: str, message: str) -> EpcisError:
        return EpcisError(message, record=label, field=field)

    if not isinstance(event, dict):
        raise fail("type", "an event must be a JSON object")
    etype = event.get("type")
    if etype not in EVENT_TYPES:
        raise fail("type", f"must be one of {', '.join(EVENT_TYPES)}, got {etype!r}")
    parse_time(event.get("eventTime"), "eventTime", index)
    offset = event.get("eventTimeZoneOffset")
    try:
        _offset(offset if isinstance(offset, str) else "")
    except ValueError:
        raise fail("eventTimeZoneOffset", f"must be ±hh:mm between -14:00 and +14:00, got {offset!r}") from None
    for timed in ("recordTime",):
        if timed in event:
            parse_time(event[timed], timed, index)
    if "eventID" in event and (not isinstance(event["eventID"], str) or not event["eventID"].strip()):
        raise fail("eventID", "must be a non-empty URI string")
    action = event.get("action")
    if etype == "TransformationEvent":
        if "action" in event:
            raise fail("action", "a TransformationEvent has no action")
    elif action not in ACTIONS:
        raise fail("action", f"must be one of {', '.join(ACTIONS)}, got {action!r}")
    if etype in ("AggregationEvent", "AssociationEvent") and action in ("ADD", "DELETE") and "parentID" not in event:
        raise fail("parentID", f"is required for an {etype} with action {action}")
    if etype == "TransactionEvent":
        _check_list(event, "bizTransactionList", fail, required=True)
    if "parentID" in event and not is_uri(event["parentID"]):
        raise fail("parentID", "must be a URI string")
    for name in _EPC_LISTS[etype]:
        values = _check_list(event, name, fail)
        for j, value in enumerate(values):
            if not is_uri(value):
                raise fail(f"{name}[{j}]", f"must be an EPC URI string, got {value!r}")
    for name in _QUANTITY_LISTS[etype]:
        for j, element in enumerate(_check_list(event, name, fail)):
            where = f"{name}[{j}]"
            if not isinstance(element, dict) or not is_uri(element.get("epcClass")):
                raise fail(f"{where}.epcClass", "is required and must be a URI string")
            if "quantity" in element and (isinstance(element["quantity"], bool)
                                          or not isinstance(element["quantity"], (int, float))):
                raise fail(f"{where}.quantity", f"must be a number, got {element['quantity']!r}")
    for name in ("bizTransactionList", "sourceList", "destinationList", "sensorElementList"):
        for j, element in enumerate(_check_list(event, name, fail)):
            if not isinstance(element, dict):
                raise fail(f"{name}[{j}]", "must be an object")
    for name, key in (("bizTransactionList", "bizTransaction"), ("sourceList", "source"),
                      ("destinationList", "destination")):
        for j, element in enumerate(event.get(name) or []):
            if not is_uri(element.get(key)):
                raise fail(f"{name}[{j}].{key}", "is required and must be a URI string")
    for name in ("readPoint", "bizLocation"):
        if name in event and (not isinstance(event[name], dict) or not is_uri(event[name].get("id"))):
            raise fail(f"{name}.id", "is required and must be a URI string")
    for name in ("bizStep", "disposition", "transformationID"):
        if name in event and (not isinstance(event[name], str) or not event[name].strip()):
            raise fail(name, "must be a non-empty string")


def _check_list(event: dict[str, Any], name: str, fail: Any, required: bool = False) -> list[Any]:
    if name not in event:
        if required:
            raise fail(name, "is required")
        return []
    values = event[name]
    if not isinstance(values, list) or (required and not values):
        raise fail(name, "must be a non-empty list" if required else "must be a list")
    return values


def is_uri(value: Any) -> bool:
    """A string with a scheme and no whitespace: the loose check EPCIS fields of URI type get."""
    return isinstance(value, str) and ":" in value and not any(c.isspace() for c in value.strip())
