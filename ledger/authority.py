"""Who may write about an order: ownership, namespaces and delegation, as pure rules.

A signature proves who wrote a record, not that they had any business writing it. These
rules decide that, the same way at ingest (:mod:`ledger.ingest` refuses what breaks
them) and in every verifier (:mod:`ledger.provenance` builds an order only from records
that obey them, so the order page, the footprint inputs and the audits agree):

* An order belongs to the participant whose ``shipment`` record first declares it (the
  lowest sequence number). Another participant's shipment naming the same order is a
  claim by someone else, never part of the order.
* Ids live in their signer's namespace: the shipment ``SH-1`` of one participant and
  ``SH-1`` of another are two things, and a leg, hub operation or delegation names
  shipments in the namespace of the shipment's owner.
* The owner may add anything to its own shipments. Anyone else needs a ``delegation``
  record signed by the owner, naming them, the shipments and the kinds of record they
  may add, received before their record; withdrawing the delegation (a correction with
  no replacement) ends it from then on, and what was added before stays.

Nothing here opens the database: callers hand in a way to find records by reference
(:data:`Find`), the ledger's reader or the ingestor's own view of the batch it checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

DELEGABLE_KINDS: tuple[str, ...] = ("transport_leg", "hub_operation", "epcis_event", "energy_bill")
"""Kinds of record a shipment's owner may let someone else add to it."""

ATTACHED_KINDS: frozenset[str] = frozenset({"transport_leg", "hub_operation"})
"""Kinds that join an order through the shipments they name (``shipment_ids``)."""


@dataclass(frozen=True)
class Grant:
    """A delegation as the log holds it: ``owner`` lets ``delegate`` add ``kinds`` to ``shipment_ids``.

    In force for records received after ``granted_seq`` and, when it was withdrawn, before
    ``ended_seq``.
    """

    owner: str
    delegate: str
    shipment_ids: frozenset[str]
    kinds: frozenset[str]
    granted_seq: int
    ended_seq: int | None = None

    def covers(self, signer: str, kind: str, shipment_id: str, seq: int) -> bool:
        """True when this grant entitles ``signer`` to add a ``kind`` record at ``seq`` to ``shipment_id``."""
        return (signer == self.delegate and kind in self.kinds and shipment_id in self.shipment_ids
                and self.granted_seq < seq and (self.ended_seq is None or seq < self.ended_seq))


def grant_of(seq: int, signer: str, record: dict[str, object], ended_seq: int | None = None) -> Grant:
    """The grant a ``delegation`` record (signed by ``signer`` at ``seq``) makes."""
    return Grant(owner=signer, delegate=str(record["delegate"]),
                 shipment_ids=frozenset(record["shipment_ids"]),  # type: ignore[arg-type]
                 kinds=frozenset(record["may_add"]), granted_seq=seq, ended_seq=ended_seq)  # type: ignore[arg-type]


def order_owner(declarations: Iterable[tuple[int, str]]) -> str | None:
    """The owner of an order from its shipments' (seq, signer): the first declarer, None if none."""
    first = min(declarations, default=None)
    return first[1] if first is not None else None


def entitled(signer: str, owner: str, kind: str, shipment_id: str, seq: int, grants: Iterable[Grant]) -> bool:
    """May ``signer`` add a ``kind`` record, received at ``seq``, to ``owner``'s shipment ``shipment_id``?"""
    if signer == owner:
        return True
    return any(g.owner == owner and g.covers(signer, kind, shipment_id, seq) for g in grants)


class Logged(Protocol):
    """What the rules need of a record in the log (a :class:`ledger.service.StoredRecord` is one)."""

    @property
    def seq(self) -> int: ...

    @property
    def kind(self) -> str: ...

    @property
    def participant_id(self) -> str: ...

    @property
    def leaf_hash(self) -> bytes: ...

    @property
    def record(self) -> dict[str, Any]: ...


Find = Callable[[str, str], Sequence[Logged]]
"""Records carrying a reference (``("shipment_id", "SH-1")``), in log order."""

MAX_CORRECTION_CHAIN = 100
"""Corrections of corrections followed at most: a longer chain is a loop or an attack."""


def history(find: Find, logged: Logged) -> list[tuple[int, dict[str, Any] | None]]:
    """What a record said from when on: ``[(seq, content), ...]``, each correction's
    replacement (None: withdrawn) from the correction's own position in the log.

    Only corrections signed by the record's signer or the operator count, as at ingest;
    ``find`` decides which corrections exist.
    """
    out: list[tuple[int, dict[str, Any] | None]] = [(logged.seq, logged.record)]
    current = logged
    for _ in range(MAX_CORRECTION_CHAIN):
        later = [c for c in find("supersedes", current.leaf_hash.hex()) if c.kind == "correction"]
        if not later:
            break
        current = later[-1]
        out.append((current.seq, current.record.get("replacement")))
    return out


def grants_for(find: Find, shipment_id: str) -> list[Grant]:
    """Every delegation that ever named ``shipment_id``, each period it was in force as one grant."""
    grants = []
    for logged in find("shipment_id", shipment_id):
        if logged.kind != "delegation":
            continue
        periods = history(find, logged)
        for (start, content), (end, _) in zip(periods, [*periods[1:], (None, None)]):
            if content is not None:
                grants.append(grant_of(start, logged.participant_id, content, end))
    return grants


def shipment_declarers(find: Find, shipment_id: str) -> list[tuple[int, str, str]]:
    """``(seq, signer, order_id)`` of every shipment record with this id, whoever signed it."""
    return [(s.seq, s.participant_id, str(s.record.get("order_id"))) for s in find("shipment_id", shipment_id)
            if s.kind == "shipment"]


def owner_of_order(find: Find, order_id: str) -> str | None:
    """The participant whose shipment first declared ``order_id``."""
    return order_owner((s.seq, s.participant_id) for s in find("order_id", order_id) if s.kind == "shipment")
