"""Record rows read as the database holds them and checked position by position.

The ORM's readers (:meth:`ledger.service.Ledger.iter_records`) convert every column and
would raise on a value an attacker typed into SQL (a text envelope on SQLite, a garbled
timestamp), turning a finding into a traceback. These read only what the checks need,
binary columns cast to bytes, so any stored value arrives as something to report on.
The audit walks the whole log this way, the anchorer the records it is about to anchor.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, LargeBinary, cast, select

from ledger.audit_checks import Finding
from ledger.log_identities import IDENTITY_KINDS, LogIdentities
from ledger.merkle_store import MerkleStore
from ledger.row_checks import RawRow, RowCheck, UnreadableEnvelopeError, check_row, open_envelope
from ledger.tables import RecordRow

BATCH = 5000
"""Rows read per query: memory stays flat on any log, round trips stay few."""

NO_LEAF = b"\0" * 32
"""Stands in for a leaf neither the records nor the tree have, so one gap is one finding,
not a wrong root at every later checkpoint as well."""

_raw_columns = (
    RecordRow.seq, RecordRow.kind, RecordRow.participant_id, RecordRow.key_id,
    cast(RecordRow.submission_digest, LargeBinary), cast(RecordRow.leaf_hash, LargeBinary),
    cast(RecordRow.envelope, LargeBinary),
)


@dataclass(frozen=True)
class Position:
    """One position of the log: its row (None if there is none), the row's checks, the tree's leaf."""

    seq: int
    row: RawRow | None
    check: RowCheck | None
    tree_leaf: bytes | None

    @property
    def leaf(self) -> bytes:
        """The leaf to stream into a root: recomputed from the record, else the tree's."""
        if self.check is not None and self.check.leaf is not None:
            return self.check.leaf
        return self.tree_leaf if self.tree_leaf is not None else NO_LEAF

    @property
    def wrong_digest(self) -> bytes | None:
        """The submission digest the envelope gives, when the stored column says otherwise."""
        if self.row is None or self.check is None or self.check.digest == self.row.submission_digest:
            return None
        return self.check.digest

    def findings(self) -> list[Finding]:
        subject = f"record {self.seq}"
        if self.check is None:
            return [Finding(subject, "record present", "a record row", "missing")]
        return [Finding(subject, p.check, p.expected, p.found) for p in self.check.problems]


def read_rows(conn: Connection, start: int, end: int) -> list[RawRow]:
    """Rows with ``start <= seq < end``, in log order (gaps are simply absent)."""
    rows = conn.execute(select(*_raw_columns).where(RecordRow.seq >= start, RecordRow.seq < end)
                        .order_by(RecordRow.seq)).all()
    return [RawRow(*r) for r in rows]


def check_positions(engine: Engine, start: int, end: int, identities: LogIdentities) -> Iterator[list[Position]]:
    """Positions ``start`` to ``end - 1`` checked in log order, a batch at a time.

    ``identities`` must hold what the records before ``start`` established; each batch's
    identity records are applied as they are checked.
    """
    for first in range(start, end, BATCH):
        last = min(first + BATCH, end)
        with engine.connect() as conn:
            rows = {r.seq: r for r in read_rows(conn, first, last)}
            tree_leaves = MerkleStore(conn).leaf_hashes(first, last)
        batch = []
        for seq in range(first, last):
            row, tree_leaf = rows.get(seq), tree_leaves.get(seq)
            batch.append(Position(seq, row, None if row is None else check_row(row, tree_leaf, identities), tree_leaf))
        yield batch


def replay_identities(conn: Connection, below: int) -> LogIdentities:
    """Identities established by the identity records before position ``below``.

    Found by the ``kind`` column (indexed) for speed: a row whose column lies only ever
    hides an identity, so what it signed is then refused or reported as signed by an
    unknown key, never accepted. An unreadable identity record establishes nothing.
    """
    identities = LogIdentities()
    rows = conn.execute(select(*_raw_columns).where(RecordRow.kind.in_(IDENTITY_KINDS), RecordRow.seq < below)
                        .order_by(RecordRow.seq)).all()
    for row in rows:
        raw = RawRow(*row)
        try:
            env = open_envelope(raw.envelope)
        except UnreadableEnvelopeError:
            continue
        identities.apply(raw.seq, env.record, env.key_id)
    return identities
