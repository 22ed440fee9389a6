"""Verified orders under load: verified once, re-checked against the store on every request.

Verifying an order from scratch costs ~25 ms of CPU (a signature, an inclusion proof and
a checkpoint per record, the footprint's scenarios), which caps a two-core host at a few
dozen pages a second. But what that work establishes are facts about bytes: "the record
whose envelope hashes to L sits at index i of the tree whose root the contract holds"
and "these bytes carry a valid signature of key K" stay true once checked. What can
change is the store: a row edited in place, a record added that bears on the order (a
correction, a new leg or shipment, a new footprint, a key revoked), a checkpoint that now
covers a record that was still pending.

So every request, hit or not, re-reads every shown record's stored bytes and leaf hash,
re-hashes the bytes, and asks the log whether anything touching the order arrived since
the page was verified (:meth:`ledger.service.Ledger.recheck`, one connection). Only when
all of it matches is the earlier verification served; any difference verifies the order
again from scratch, so an edited row shows as FAILED on the very next request. Orders
whose on-chain check could not be made are not kept, so they are retried.

The cache knows nothing of pages: it is given how to reach the chain and how to present
a verified order (``present``, e.g. the portal's page data), and keeps what that returns.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ledger import merkle
from ledger.provenance import OrderView, order_view
from ledger.service import Ledger
from ledger.verification import CheckpointReader, OrderVerification, verify_order

Present = Callable[[OrderView, OrderVerification], dict[str, Any]]
"""Turns a verified order into the JSON-safe data kept and served (the portal's page data)."""

MAX_ENTRIES = 2_000
"""Orders kept per worker process: the page, its JSON and the data behind them are ~60 kB
an order, so ~120 MB at most. A lookup outside the hot set costs one full verification."""


@dataclass
class VerifiedOrder:
    """An order's presented data as verified, with what must still hold for it to be served."""

    public_id: str
    payload: dict[str, Any]
    seqs: tuple[int, ...]
    fingerprint: tuple[tuple[bytes, bytes], ...]  # (stored leaf hash, hash of stored bytes) per seq
    refs: tuple[tuple[str, str], ...]
    since: int  # nothing at or above this seq has been checked for relevance yet
    first_pending: int | None  # lowest seq that was not yet anchored
    keep: bool  # False when the chain could not be asked: verify again next time
    json: bytes = b""
    html: bytes | None = None  # rendered on first anonymous view

    def __post_init__(self) -> None:
        self.json = json.dumps(self.payload, separators=(",", ":")).encode()


def _watched_refs(view: OrderView) -> tuple[tuple[str, str], ...]:
    """References a new record would carry if it changed what this order's page says."""
    refs = {("order_id", view.order_id)}
    for shipment in view.shipments:
        for rec in (shipment.stored.record, shipment.effective or {}):
            if rec.get("shipment_id"):
                refs.add(("shipment_id", rec["shipment_id"]))
    for stored in view.all_records():
        refs.add(("supersedes", stored.leaf_hash.hex()))
        refs.add(("key_id", stored.key_id))
    return tuple(sorted(refs))


class OrderCache:
    """Verified orders of one process, keyed by public id, least recently used out."""

    def __init__(self, ledger: Ledger, chain: Callable[[], CheckpointReader | None], present: Present,
                 max_entries: int = MAX_ENTRIES) -> None:
        """``chain`` gives the registry reader to verify against (None: chain not reachable)."""
        self.ledger = ledger
        self.chain = chain
        self.present = present
        self.max_entries = max_entries
        self._entries: OrderedDict[str, VerifiedOrder] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[str, threading.Lock] = {}

    def get(self, public_id: str) -> VerifiedOrder | None:
        """The order with ``public_id``, re-checked or verified afresh; None if there is none."""
        entry = self._entries.get(public_id)
        if entry is not None and self._still_holds(entry):
            with self._lock:
                if public_id in self._entries:
                    self._entries.move_to_end(public_id)
            return entry
        with self._lock:
            building = self._building.setdefault(public_id, threading.Lock())
        with building:  # one verification per order at a time; the others then take its result
            fresh = self._entries.get(public_id)
            if fresh is not None and fresh is not entry and self._still_holds(fresh):
                return fresh
            try:
                return self._verify(public_id)
            finally:
                with self._lock:
                    self._building.pop(public_id, None)

    def _verify(self, public_id: str) -> VerifiedOrder | None:
        head = self.ledger.recheck((), (), 0)  # read first: anything later is caught by the next recheck
        view = self._view(public_id)
        if view is None:
            return None
        verification = verify_order(self.ledger, view, self.chain())
        records = view.all_records()
        pending = verification.pending
        entry = VerifiedOrder(
            public_id=public_id, payload=self.present(view, verification), seqs=tuple(s.seq for s in records),
            fingerprint=tuple((s.leaf_hash, merkle.leaf_hash(s.envelope_bytes)) for s in records),
            refs=_watched_refs(view), since=head.size, first_pending=min(pending) if pending else None,
            keep=verification.chain_checked,
        )
        if entry.keep:
            with self._lock:
                self._entries[public_id] = entry
                self._entries.move_to_end(public_id)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return entry

    def _view(self, public_id: str) -> OrderView | None:
        matches = self.ledger.records_by_ref("order_public_id", public_id)
        order_id = next((r.record["order_id"] for r in matches if r.kind == "shipment"), None)
        return order_view(self.ledger, order_id) if order_id else None

    def _still_holds(self, entry: VerifiedOrder) -> bool:
        now = self.ledger.recheck(entry.seqs, entry.refs, entry.since)
        if now.touched:
            return False
        if entry.first_pending is not None and now.anchored_size > entry.first_pending:
            return False  # a checkpoint now covers a record the page showed as pending
        for seq, (leaf, content) in zip(entry.seqs, entry.fingerprint):
            stored = now.stored.get(seq)
            if stored is None or stored[0] != leaf or merkle.leaf_hash(stored[1]) != content:
                return False
        if now.size > entry.since:
            entry.since = now.size  # records below it were just checked and bear on nothing shown
        return True
