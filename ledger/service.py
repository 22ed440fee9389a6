"""The ledger service's Python API: the one entry point the CLI and portal use.

It owns the engine and the operator's signing key, and exposes what a user can do:
submit signed records, register participants and keys, read records back with the proofs
that they are in the log. Nothing here bypasses the ingest checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, exists, func, select, tuple_

from ledger import checkpoints
from ledger.checkpoints import Checkpoint
from ledger.db import read_retrying, reading, write_transaction
from ledger.errors import ConflictError, NotFoundError, NotInitialisedError, SchemaError
from ledger.ingest import DEFAULT_FUTURE_TOLERANCE, Receipt, ingest
from ledger.merkle_store import MerkleStore
from ledger.records.envelope import Envelope
from ledger.records.schemas import KeyCustody
from ledger.records.signing import SigningKey, b64url, from_b64url, key_id_for
from ledger.tables import KeyRevocationRow, KeyRow, ParticipantRow, RecordRef, RecordRow

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class StoredRecord:
    """An accepted record as read back from the store."""

    seq: int
    kind: str
    participant_id: str
    key_id: str
    leaf_hash: bytes
    envelope_bytes: bytes
    received_at: datetime

    @property
    def envelope(self) -> Envelope:
        return Envelope.from_bytes(self.envelope_bytes)

    @property
    def record(self) -> dict[str, Any]:
        return self.envelope.record


@dataclass(frozen=True)
class LogInfo:
    size: int
    root: bytes


@dataclass(frozen=True)
class ProofMaterial:
    """What proving one record needs from the store, read through one connection.

    ``checkpoint`` is the first checkpoint covering the record (None while it is pending);
    the inclusion proof is against that checkpoint's tree, or the log's current tree of
    ``tree_size`` and ``root`` while pending.
    """

    checkpoint: Checkpoint | None
    tree_size: int
    root: bytes
    inclusion_proof: list[bytes]
    public_key: bytes


@dataclass(frozen=True)
class Recheck:
    """What a cached view of some records must compare against the store right now.

    ``stored`` maps each asked-for seq to its stored (leaf hash, envelope bytes), read
    afresh; ``touched`` says whether any record at or after ``since`` carries one of the
    asked-for references; ``size`` is the log size and ``anchored_size`` the tree size of
    the newest checkpoint, both read before ``touched``, so a later record is never missed.
    """

    size: int
    anchored_size: int
    stored: dict[int, tuple[bytes, bytes]]
    touched: bool


_by_ref_query = (select(RecordRow).join(RecordRef, RecordRef.seq == RecordRow.seq)
                 .where(RecordRef.ref_type == bindparam("ref_type"), RecordRef.ref_value == bindparam("value"))
                 .order_by(RecordRow.seq))
"""Built once: the consumer page runs it several times per order it verifies."""
_head_query = select(select(func.max(RecordRow.seq)).scalar_subquery(),
                     select(func.max(checkpoints.CheckpointRow.tree_size)).scalar_subquery())
_touched_query = select(RecordRef.seq).where(
    RecordRef.seq >= bindparam("since"),
    tuple_(RecordRef.ref_type, RecordRef.ref_value).in_(bindparam("refs", expanding=True)),
).limit(1)
_recheck_query = select(RecordRow.seq, RecordRow.leaf_hash, RecordRow.envelope,
                        *_head_query.selected_columns, exists(_touched_query)).where(
    RecordRow.seq.in_(bindparam("seqs", expanding=True)))


class Ledger:
    """Records, identities and the Merkle log behind one database.

    ``operator_key`` signs identity records (participants, keys) and computed records
    (footprints); a ledger opened without it can still accept participants' own signed
    submissions and serve proofs.
    """

    def __init__(self, engine: Engine, operator_key: SigningKey | None = None, clock: Clock = utc_now,
                 future_tolerance: timedelta = DEFAULT_FUTURE_TOLERANCE) -> None:
        self.engine = engine
        self.operator_key = operator_key
        self.clock = clock
        self.future_tolerance = future_tolerance
        self._operator_id: str | None = None

    # -- identity ---------------------------------------------------------------------
    @property
    def operator_id(self) -> str | None:
        """The participant of the genesis key: whose key signs identity records."""
        if self._operator_id is None:
            with self.engine.connect() as conn:
                row = conn.execute(select(KeyRow.participant_id).where(KeyRow.registered_seq == 0)).first()
            self._operator_id = row[0] if row else None
        return self._operator_id

    def is_initialised(self) -> bool:
        return self.operator_id is not None

    def _require_operator_key(self) -> SigningKey:
        if self.operator_key is None:
            raise NotInitialisedError("this ledger was opened without the operator key")
        return self.operator_key

    def genesis(self, operator_id: str, name: str, country: str | None = None) -> list[Receipt]:
        """Start an empty log: the operator's key registers itself, then its participant."""
        key = self._require_operator_key()
        key_record = {
            "kind": "key", "schema_version": 1, "action": "register", "participant_id": operator_id,
            "key_id": key.key_id, "public_key": key.public_b64,
        }
        participant: dict[str, Any] = {
            "kind": "participant", "schema_version": 1, "participant_id": operator_id, "name": name,
            "roles": ["operator"],
        }
        if country:
            participant["country"] = country
        receipts = self.submit_many([key.sign_record(key_record), key.sign_record(participant)])
        self._operator_id = operator_id
        return receipts

    def register_participant(
        self, participant_id: str, name: str, roles: Sequence[str], country: str | None = None,
        public_key_b64: str | None = None, key_id: str | None = None,
        within: Callable[[Connection], None] | None = None, custody: KeyCustody = "own",
    ) -> list[Receipt]:
        """Register a participant and, optionally, its first key, in one atomic batch.

        ``within`` runs in the batch's transaction, as for :meth:`submit_many` (the portal
        stores a custodial key there, so the key exists exactly when its record does).
        ``custody`` says who holds the key, in its record: the participant, or the
        installation (``ledger.custodial_keys``).
        """
        key = self._require_operator_key()
        record: dict[str, Any] = {
            "kind": "participant", "schema_version": 1, "participant_id": participant_id,
            "name": name, "roles": list(roles),
        }
        if country:
            record["country"] = country
        batch = [key.sign_record(record)]
        if public_key_b64 is not None:
            batch.append(key.sign_record(self._key_record("register", participant_id, public_key_b64, key_id,
                                                          custody)))
        return self.submit_many(batch, within=within)

    def register_key(self, participant_id: str, public_key_b64: str, key_id: str | None = None,
                     custody: KeyCustody = "own", reason: str | None = None) -> Receipt:
        key = self._require_operator_key()
        record = self._key_record("register", participant_id, public_key_b64, key_id, custody)
        if reason:
            record["reason"] = reason
        return self.submit(key.sign_record(record))

    def revoke_key(self, key_id: str, reason: str | None = None, compromised_since: datetime | None = None) -> Receipt:
        """Revoke a key: later submissions with it are refused.

        ``compromised_since`` (timezone-aware) says since when someone else may have held
        it: records received from then on are shown and audited as signed with a
        compromised key, never plainly verified.
        """
        key = self._require_operator_key()
        found = self._key_state(key_id)
        if found is None:
            raise NotFoundError(f"key {key_id} is not registered", field="key_id")
        record = self._revocation(key_id, found[0], found[1], reason)
        if compromised_since is not None:
            if compromised_since.tzinfo is None:
                raise SchemaError("give a time zone (e.g. 2026-11-30T08:00:00+00:00)", field="compromised_since")
            record["compromised_since"] = compromised_since.isoformat()
        return self.submit(key.sign_record(record))

    def rotate_key(
        self, participant_id: str, public_key_b64: str, old_key_id: str, reason: str | None = None,
        within: Callable[[Connection], None] | None = None, custody: KeyCustody = "own",
    ) -> list[Receipt]:
        """Register ``participant_id``'s new key and revoke ``old_key_id``, in one atomic batch.

        The revocation follows the registration in the log, so there is no moment without
        a usable key, and records the old key signed earlier stay valid (a revocation
        refuses only later submissions). An old key that was never registered or is
        already revoked has nothing to revoke: only the new key is registered.
        ``within`` runs in the same transaction after the records are appended, for state
        outside the log that must change with them; if it raises, nothing is stored.

        Raises :class:`ConflictError` if the new key is already registered (to anyone, this
        participant included) or ``old_key_id`` belongs to another participant, and whatever
        ingest raises for the new key (e.g. a malformed one).
        """
        key = self._require_operator_key()
        records = [self._key_record("register", participant_id, public_key_b64, None, custody)]
        new_key_id = records[0]["key_id"]
        if self._key_state(new_key_id) is not None:  # ingest would take a re-registration for a harmless repeat
            raise ConflictError(f"key {new_key_id} is already registered", field="key_id")
        found = self._key_state(old_key_id)
        if found is not None:
            owner, public, revoked = found
            if owner != participant_id:
                raise ConflictError(f"key {old_key_id} belongs to {owner}, not {participant_id}", field="key_id")
            if not revoked:
                records.append(self._revocation(old_key_id, owner, public, reason))
        return self.submit_many([key.sign_record(r) for r in records], within=within)

    def _key_state(self, key_id: str) -> tuple[str, bytes, bool] | None:
        """(participant, public key, revoked?) of a registered key, or None."""
        with reading(self.engine) as conn:
            row = conn.execute(
                select(KeyRow.participant_id, KeyRow.public_key, KeyRevocationRow.key_id)
                .outerjoin(KeyRevocationRow, KeyRevocationRow.key_id == KeyRow.key_id)
                .where(KeyRow.key_id == key_id)
            ).first()
        return None if row is None else (row[0], row[1], row[2] is not None)

    def _revocation(self, key_id: str, participant_id: str, public: bytes, reason: str | None) -> dict[str, Any]:
        record = self._key_record("revoke", participant_id, b64url(public), key_id)
        if reason:
            record["reason"] = reason
        return record

    @staticmethod
    def _key_record(action: str, participant_id: str, public_key_b64: str, key_id: str | None,
                    custody: KeyCustody | None = None) -> dict[str, Any]:
        if key_id is None:
            try:
                key_id = key_id_for(from_b64url(public_key_b64))
            except ValueError:
                key_id = "invalid"
        record = {
            "kind": "key", "schema_version": 1, "action": action, "participant_id": participant_id,
            "key_id": key_id, "public_key": public_key_b64,
        }
        if custody is not None:
            record["custody"] = custody
        return record

    def proof_material(self, seq: int, key_id: str) -> ProofMaterial:
        """The checkpoint, inclusion proof and public key that prove record ``seq`` (signed by ``key_id``)."""
        with reading(self.engine) as conn:
            cp = checkpoints.covering(conn, seq)
            tree = MerkleStore(conn)
            size = cp.tree_size if cp is not None else tree.size()
            proof = tree.inclusion_proof(seq, size)
            root = cp.root if cp is not None else tree.root(size)
            key = conn.execute(select(KeyRow.public_key).where(KeyRow.key_id == key_id)).first()
        if key is None:
            raise NotFoundError(f"key {key_id} is not registered", field="key_id")
        return ProofMaterial(cp, size, root, proof, key[0])

    def public_key(self, key_id: str) -> bytes:
        """The raw Ed25519 public key registered under ``key_id``."""
        with reading(self.engine) as conn:
            row = conn.execute(select(KeyRow.public_key).where(KeyRow.key_id == key_id)).first()
        if row is None:
            raise NotFoundError(f"key {key_id} is not registered", field="key_id")
        return row[0]

    def participants(self) -> list[dict[str, Any]]:
        """Participants with their keys, for status pages and the admin screen."""
        with reading(self.engine) as conn:
            people = conn.execute(select(ParticipantRow).order_by(ParticipantRow.registered_seq)).all()
            keys = conn.execute(
                select(KeyRow.key_id, KeyRow.participant_id, KeyRevocationRow.revoked_seq)
                .outerjoin(KeyRevocationRow, KeyRevocationRow.key_id == KeyRow.key_id)
                .order_by(KeyRow.registered_seq)
            ).all()
        out = []
        for p in people:
            out.append({
                "participant_id": p.participant_id, "name": p.name, "roles": json.loads(p.roles),
                "country": p.country,
                "keys": [{"key_id": k, "revoked": r is not None} for k, pid, r in keys if pid == p.participant_id],
            })
        return out

    def require_participant(self, participant_id: str, field: str = "participant_id") -> None:
        """Raise :class:`NotFoundError` naming ``field`` unless ``participant_id`` is registered."""
        with reading(self.engine) as conn:
            found = conn.execute(select(ParticipantRow.participant_id)
                                 .where(ParticipantRow.participant_id == participant_id)).first()
        if found is None:
            raise NotFoundError(f"participant {participant_id} is not registered", field=field)

    # -- submissions ------------------------------------------------------------------
    def submit(self, submission: dict[str, Any]) -> Receipt:
        """Accept one signed submission; raises a :class:`~ledger.errors.LedgerError`."""
        return self.submit_many([submission])[0]

    def submit_many(
        self, submissions: Iterable[dict[str, Any]], progress: Callable[[int], None] | None = None,
        within: Callable[[Connection], None] | None = None,
    ) -> list[Receipt]:
        """Accept a batch all-or-nothing; raises ``BatchRejected`` listing bad submissions.

        ``within``, if given, runs in the same transaction after the batch is appended: what
        it writes commits with the batch, and if it raises, the batch is not stored either.
        """
        batch = list(submissions)
        operator = self.operator_id
        with write_transaction(self.engine) as conn:
            receipts = ingest(conn, operator, batch, self.clock(), progress, self.future_tolerance)
            if within is not None:
                within(conn)
            return receipts

    def sign_and_submit(self, record: dict[str, Any]) -> Receipt:
        """Operator-signed records (computed footprints, reports)."""
        return self.submit(self._require_operator_key().sign_record(record))

    # -- reading ----------------------------------------------------------------------
    @staticmethod
    def _stored(row: Any) -> StoredRecord:
        received = row.received_at if row.received_at.tzinfo else row.received_at.replace(tzinfo=timezone.utc)
        return StoredRecord(row.seq, row.kind, row.participant_id, row.key_id, row.leaf_hash, row.envelope, received)

    def record(self, seq: int) -> StoredRecord:
        with reading(self.engine) as conn:
            row = conn.execute(select(RecordRow).where(RecordRow.seq == seq)).first()
        if row is None:
            raise NotFoundError(f"no record at position {seq}")
        return self._stored(row)

    def record_by_leaf_hash(self, leaf: bytes) -> StoredRecord:
        with reading(self.engine) as conn:
            row = conn.execute(select(RecordRow).where(RecordRow.leaf_hash == leaf)).first()
        if row is None:
            raise NotFoundError(f"no record with leaf hash {leaf.hex()}")
        return self._stored(row)

    def records_by_ref(self, ref_type: str, value: str) -> list[StoredRecord]:
        """Records mentioning a business id (``order_id``, ``shipment_id``, ``gtin``...), in log order."""
        with reading(self.engine) as conn:
            rows = conn.execute(_by_ref_query, {"ref_type": ref_type, "value": value}).all()
        return [self._stored(r) for r in rows]

    def records_by_participant(self, participant_id: str, limit: int = 100, before: int | None = None) -> list[StoredRecord]:
        """A participant's own records, newest first, a page at a time."""
        query = select(RecordRow).where(RecordRow.participant_id == participant_id)
        if before is not None:
            query = query.where(RecordRow.seq < before)
        with reading(self.engine) as conn:
            rows = conn.execute(query.order_by(RecordRow.seq.desc()).limit(limit)).all()
        return [self._stored(r) for r in rows]

    def records_of_kind(self, kind: str, after: int = -1, limit: int = 100) -> list[StoredRecord]:
        """Records of one kind with ``seq > after``, in log order, a page at a time."""
        query = select(RecordRow).where(RecordRow.kind == kind, RecordRow.seq > after)
        with reading(self.engine) as conn:
            rows = conn.execute(query.order_by(RecordRow.seq).limit(limit)).all()
        return [self._stored(r) for r in rows]

    def records_in_scope(self, participant_id: str | None = None, start: datetime | None = None,
                         end: datetime | None = None, limit: int = 1_000_000) -> list[StoredRecord]:
        """Records by submitter and/or receipt time window ``[start, end)``, in log order."""
        query = select(RecordRow)
        if participant_id is not None:
            query = query.where(RecordRow.participant_id == participant_id)
        if start is not None:
            query = query.where(RecordRow.received_at >= start)
        if end is not None:
            query = query.where(RecordRow.received_at < end)
        with reading(self.engine) as conn:
            rows = conn.execute(query.order_by(RecordRow.seq).limit(limit)).all()
        return [self._stored(r) for r in rows]

    def iter_records(self, start: int = 0, stop: int | None = None, batch: int = 5000) -> Iterable[StoredRecord]:
        """Records in log order, streamed in batches so memory stays flat on big logs."""
        pos = start
        while stop is None or pos < stop:
            upper = pos + batch if stop is None else min(pos + batch, stop)
            with reading(self.engine) as conn:
                rows = conn.execute(
                    select(RecordRow).where(RecordRow.seq >= pos, RecordRow.seq < upper).order_by(RecordRow.seq)
                ).all()
            if not rows:
                return
            for r in rows:
                yield self._stored(r)
            pos = upper

    def recheck(self, seqs: Sequence[int], refs: Iterable[tuple[str, str]], since: int) -> Recheck:
        """The freshness checks of a cached view, in one statement (one round trip, one snapshot)."""
        refs = list(refs)

        def read(conn: Connection) -> Recheck:
            rows = conn.execute(_recheck_query, {"seqs": list(seqs), "refs": refs, "since": since}).all() if seqs else []
            if rows:
                size, anchored, touched = rows[0][3], rows[0][4], bool(rows[0][5])
            else:  # nothing asked for, or every asked-for row is gone
                size, anchored = conn.execute(_head_query).one()
                touched = bool(refs) and conn.execute(_touched_query, {"since": since, "refs": refs}).first() is not None
            return Recheck(0 if size is None else size + 1, anchored or 0, {r[0]: (r[1], r[2]) for r in rows}, touched)

        return read_retrying(self.engine, read)

    def counts_by_kind(self) -> dict[str, int]:
        with reading(self.engine) as conn:
            rows = conn.execute(select(RecordRow.kind, func.count()).group_by(RecordRow.kind)).all()
        return {k: n for k, n in sorted(rows)}

    # -- the log ----------------------------------------------------------------------
    def latest_checkpoint(self) -> Checkpoint | None:
        """The newest checkpoint confirmed on chain, as recorded by the anchorer."""
        with reading(self.engine) as conn:
            return checkpoints.latest(conn)

    def checkpoints(self) -> list[Checkpoint]:
        with reading(self.engine) as conn:
            return checkpoints.all_checkpoints(conn)

    def log_info(self) -> LogInfo:
        with reading(self.engine) as conn:
            tree = MerkleStore(conn)
            size = tree.size()
            return LogInfo(size, tree.root(size))

    def root(self, size: int) -> bytes:
        with reading(self.engine) as conn:
            return MerkleStore(conn).root(size)

    def inclusion_proof(self, seq: int, size: int | None = None) -> tuple[int, list[bytes]]:
        """Proof that record ``seq`` is in the tree of ``size`` (default: current)."""
        with reading(self.engine) as conn:
            tree = MerkleStore(conn)
            size = tree.size() if size is None else size
            return size, tree.inclusion_proof(seq, size)

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        with reading(self.engine) as conn:
            return MerkleStore(conn).consistency_proof(size1, size2)
