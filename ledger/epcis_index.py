"""The identifiers of captured EPCIS events in ``record_refs``, canonical, so MATCH_* queries use an index.

Each ``epcis_event`` record gets one ref per identifier in ``epcList``, ``childEPCs``,
``parentID``, ``inputEPCList`` and ``outputEPCList``, typed ``epc:<field>`` and valued with the
identifier's canonical Digital Link (:mod:`ledger.epcis.epc_match`); ingest writes them in the
transaction that appends the record, and migration 0007 wrote them for the events stored before.
A query turns its values into exact values and prefixes of that form and reads candidate
positions from the index. Callers still check each candidate event: the index may name more
records than match (values cut to the column's width, ``LIKE`` ignoring case on SQLite), never
fewer, as long as every stored event has the refs of the current canonical form. A change to
that form therefore comes with a migration that runs :func:`backfill` again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, insert, or_, select

from ledger.epcis.epc_match import MATCH_FIELDS, EpcMatcher, event_identifiers
from ledger.records.envelope import Envelope
from ledger.tables import RecordRef, RecordRow

REF_PREFIX = "epc:"
"""``ref_type`` of an identifier is this plus the event field holding it."""

VALUE_WIDTH = 200
"""``record_refs.ref_value`` holds this many characters; longer identifiers are cut."""

_FIELDS = MATCH_FIELDS["MATCH_anyEPC"]


def event_refs(event: dict[str, Any]) -> list[tuple[str, str]]:
    """``(ref_type, ref_value)`` of every identifier of ``event`` (pure)."""
    return sorted({(REF_PREFIX + name, value[:VALUE_WIDTH]) for name in _FIELDS
                   for value in event_identifiers(event, (name,))})


def matching_seqs(engine: Engine, fields: Sequence[str], matchers: Sequence[EpcMatcher], after: int,
                  limit: int) -> list[int]:
    """Ascending positions after ``after`` of the records whose ``fields`` may hold an identifier one
    of ``matchers`` accepts, at most ``limit`` of them."""
    value = RecordRef.ref_value
    wanted = [value == prefix[:VALUE_WIDTH] if m.rest is None or len(prefix) >= VALUE_WIDTH
              else value.startswith(prefix, autoescape=True)
              for m in matchers for prefix in m.prefixes]
    query = (select(RecordRef.seq).distinct()
             .where(RecordRef.ref_type.in_([REF_PREFIX + f for f in fields]), or_(*wanted), RecordRef.seq > after)
             .order_by(RecordRef.seq).limit(limit))
    with engine.connect() as conn:
        return list(conn.scalars(query))


def backfill(conn: Connection, batch: int = 1000) -> int:
    """Add the refs :func:`event_refs` gives every stored ``epcis_event`` record and it lacks.

    For migrations; idempotent (refs already there are left alone), and only inserts, as
    ``record_refs`` is append-only. Returns how many refs were added.
    """
    added, after = 0, -1
    while True:
        rows = conn.execute(select(RecordRow.seq, RecordRow.envelope)
                            .where(RecordRow.kind == "epcis_event", RecordRow.seq > after)
                            .order_by(RecordRow.seq).limit(batch)).all()
        if not rows:
            return added
        have = set(conn.execute(select(RecordRef.ref_type, RecordRef.ref_value, RecordRef.seq).where(
            RecordRef.seq.in_([r.seq for r in rows]), RecordRef.ref_type.startswith(REF_PREFIX))).all())
        new = [{"ref_type": t, "ref_value": v, "seq": r.seq} for r in rows
               for t, v in event_refs(Envelope.from_bytes(r.envelope).record["event"]) if (t, v, r.seq) not in have]
        if new:
            conn.execute(insert(RecordRef), new)
        added += len(new)
        after = rows[-1].seq
