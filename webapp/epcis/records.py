"""EPCIS events as ledger records: each event's record and eventID uniqueness.

Shared by the REST binding (:mod:`webapp.epcis.routes`) and the supplier upload page
(:mod:`webapp.epcis.upload`), so an event captured either way becomes the same record;
both then sign and append through :class:`ledger.custodial_keys.CustodialKeys`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.epcis import EpcisDocument, EpcisUnsupportedError, event_hash_id
from ledger.epcis.document import context_namespaces
from ledger.errors import ConflictError
from ledger.service import Ledger

Progress = Callable[[int], None]
"""Told how many more events were handled, so a job page can move its bar."""


def event_record(event: dict[str, Any], namespaces: dict[str, str], doc_context: Any,
                 index: int | None) -> dict[str, Any]:
    """The ledger record of one event: its hash ID, its eventID (the hash ID when absent), its context.

    Raises :class:`EpcisUnsupportedError` (naming the event and field) when the event has no
    ``eventID`` and its hash needs a feature we do not support: without either we could not
    give it a trustworthy identity.
    """
    try:
        hash_id: str | None = event_hash_id(event, namespaces, index)
    except EpcisUnsupportedError:
        if "eventID" not in event:
            raise
        hash_id = None
    stored = {"@context": doc_context, **event} if doc_context is not None and "@context" not in event else dict(event)
    stored.setdefault("eventID", hash_id)
    record: dict[str, Any] = {"kind": "epcis_event", "schema_version": 1, "event": stored}
    if hash_id is not None:
        record["event_hash"] = hash_id
    return record


def document_records(doc: EpcisDocument) -> list[dict[str, Any]]:
    """The records of every event of a parsed document, in document order (index = event index)."""
    return [event_record(e, {**doc.namespaces, **_event_namespaces(e, i)}, doc.context, i)
            for i, e in enumerate(doc.events)]


def _event_namespaces(event: dict[str, Any], index: int) -> dict[str, str]:
    return context_namespaces(event["@context"], f"event #{index} @context") if "@context" in event else {}


def check_unique_ids(ledger: Ledger, records: list[dict[str, Any]], progress: Progress | None = None) -> None:
    """An eventID names one event: refuse a different event under an id already used.

    Raises :class:`ConflictError` naming the event (``event #<i>``) and ``eventID``.
    """
    seen: dict[str, dict[str, Any]] = {}
    for i, rec in enumerate(records):
        event_id = rec["event"]["eventID"]
        earlier = seen.setdefault(event_id, rec["event"])
        if earlier is not rec["event"] and earlier != rec["event"]:
            raise ConflictError(f"eventID {event_id} is used by two different events", record=f"event #{i}",
                                field="eventID")
        for stored in ledger.records_by_ref("epcis_event_id", event_id[:200]):
            if stored.kind == "epcis_event" and stored.record["event"] != rec["event"]:
                raise ConflictError(f"eventID {event_id} already names another captured event",
                                    record=f"event #{i}", field="eventID")
        if progress:
            progress(1)

