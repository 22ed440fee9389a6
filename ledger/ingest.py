"""Accepting submissions: validate, authorise, deduplicate, then append atomically.

A submission is ``{"record": {...}, "key_id": "...", "signature": "..."}``. Checks run in
an order chosen so that a harmless resubmission is recognised before anything that would
reject it as new: structure, key, schema, signature, duplicate, revocation, authority.
A batch is all-or-nothing: every submission is checked before anything is written, every
problem is reported with the submission's position, and only a clean batch is appended,
in one transaction that also extends the Merkle log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, tuple_

from ledger import authority
from ledger.epcis_index import event_refs
from ledger.errors import (
    ConflictError,
    LedgerError,
    NotAuthorisedError,
    NotFoundError,
    RevokedKeyError,
    SchemaError,
    SignatureError,
    UnknownKeyError,
)
from ledger.merkle import leaf_hash as rfc6962_leaf_hash
from ledger.merkle_store import MerkleStore
from ledger.records.canonical import canonical_bytes
from ledger.records.envelope import Envelope, envelope_bytes, format_received_at
from ledger.records.ijson import check_ijson
from ledger.records.public_ids import order_public_id
from ledger.records.schemas import SERVICE_ONLY_KINDS, validate_record
from ledger.records.signing import from_b64url, key_id_for, verify_many, verify_signature
from ledger.tables import KeyRevocationRow, KeyRow, ParticipantRow, RecordRef, RecordRow
from ledger.write_lock import acquire_write_lock

DEFAULT_FUTURE_TOLERANCE = timedelta(hours=24)
"""How far past the ledger's receipt time an event, departure or arrival may lie: clocks
and time zones disagree by hours, never by days; a leg "arriving" in 2030 is not a fact."""

MAX_REPORTED_ERRORS = 100
"""A batch with thousands of bad rows reports the first hundred: enough to fix a
systematic mistake, without an answer the size of the upload."""

_IN_CHUNK = 500

_PARALLEL_MIN = 64
"""Below this many signatures the thread hand-off costs more than it saves."""
"""Parameters per IN (...) query; SQLite allows 999 by default on older builds."""


@dataclass(frozen=True)
class Receipt:
    """Where an accepted submission sits in the log."""

    seq: int
    leaf_hash: bytes
    duplicate: bool = False


class BatchRejected(LedgerError, ValueError):
    """Some submissions of a batch were bad, so none were stored."""

    def __init__(self, errors: list[tuple[int, LedgerError]], total_bad: int, batch_size: int) -> None:
        first = errors[0][1]
        super().__init__(
            f"{total_bad} of {batch_size} submissions rejected, nothing stored; first: {first}"
        )
        self.errors = errors
        self.total_bad = total_bad

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(super().to_dict())
        out["rejected"] = [{"index": i, **e.to_dict()} for i, e in self.errors]
        out["total_rejected"] = self.total_bad
        return out


@dataclass
class _Key:
    key_id: str
    participant_id: str
    public_key: bytes
    revoked: bool


@dataclass(frozen=True)
class _Logged:
    """A record as the authority rules see it, from the store or from the batch being checked."""

    seq: int
    kind: str
    participant_id: str
    leaf_hash: bytes
    record: dict[str, Any]


@dataclass
class _Checked:
    """A submission that passed every check, ready to be appended."""

    record: dict[str, Any]
    model: Any
    canonical: bytes
    key_id: str
    signature: str
    participant_id: str
    digest: bytes
    verified: bool | None = None
    verified_with: bytes | None = None
    duplicate_of: Receipt | None = None
    same_batch_twin: int | None = None
    refs: list[tuple[str, str]] = field(default_factory=list)


def submission_digest(key_id: str, canonical_record: bytes) -> bytes:
    """Identity of a submission for deduplication: who signed which exact record."""
    return hashlib.sha256(key_id.encode("utf-8") + b"\n" + canonical_record).digest()


def record_label(index: int, record: Any) -> str:
    """How errors name a submission: its position and, when readable, kind and id."""
    if isinstance(record, dict):
        kind = record.get("kind")
        for id_field in ("shipment_id", "leg_id", "hub_id", "bill_id", "participant_id", "key_id", "order_id"):
            if isinstance(record.get(id_field), str):
                return f"#{index} ({kind} {record[id_field]})"
        if isinstance(kind, str):
            return f"#{index} ({kind})"
    return f"#{index}"


def _refs(model: Any) -> list[tuple[str, str]]:
    """Business identifiers worth looking a record up by (an EPCIS event's EPCs in canonical form)."""
    kind = model.kind
    refs: list[tuple[str, str]] = []
    if kind == "shipment":
        refs += [("order_id", model.order_id), ("shipment_id", model.shipment_id),
                 ("order_public_id", order_public_id(model.order_id))]
        refs += [("gtin", p.gtin) for p in model.products]
    elif kind == "transport_leg":
        refs.append(("leg_id", model.leg_id))
        refs += [("shipment_id", s) for s in model.shipment_ids]
    elif kind == "hub_operation":
        refs.append(("hub_id", model.hub_id))
        refs += [("shipment_id", s) for s in model.shipment_ids]
    elif kind == "energy_bill":
        refs += [("bill_id", model.bill_id), ("site_id", model.site_id)]
    elif kind == "epcis_event":
        event_id = model.event.get("eventID")
        if isinstance(event_id, str):
            refs.append(("epcis_event_id", event_id[:200]))
        refs += event_refs(model.event)
    elif kind == "delegation":
        refs += [("delegation_id", model.delegation_id), ("delegate", model.delegate)]
        refs += [("shipment_id", s) for s in model.shipment_ids]
    elif kind == "footprint":
        refs.append(("order_id", model.order_id))
    elif kind == "correction":
        refs.append(("supersedes", model.supersedes))
    elif kind == "audit_report":
        refs.append(("report_id", model.report_id))
    elif kind == "model":
        refs.append(("model_hash", model.model_hash))
    elif kind == "participant":
        refs.append(("participant_id", model.participant_id))
    elif kind == "key":
        refs += [("key_id", model.key_id), ("participant_id", model.participant_id)]
    return sorted(set(refs))


class Ingestor:
    """Checks and appends submissions inside one database transaction.

    ``operator_id`` is the participant whose key signs identity and computed records;
    ``None`` only before the genesis record exists.
    """

    def __init__(self, conn: Connection, operator_id: str | None,
                 future_tolerance: timedelta = DEFAULT_FUTURE_TOLERANCE) -> None:
        self.conn = conn
        self.operator_id = operator_id
        self.future_tolerance = future_tolerance
        self._received_at: datetime | None = None
        self._found: dict[tuple[str, str], list[_Logged]] = {}  # stored records by ref, read once per batch
        self._pending: dict[tuple[str, str], list[_Logged]] = {}  # accepted earlier in this batch, by ref
        self._last_pending_seq: int | None = None
        self._keys: dict[str, _Key | None] = {}
        self._participants: dict[str, bool] = {}
        self._by_leaf: dict[str, tuple[str, str]] = {}  # leaf hex -> (participant, kind) for this batch
        self._log_empty: bool | None = None

    # -- lookups (cached for the batch) ------------------------------------------------
    def _key(self, key_id: str) -> _Key | None:
        if key_id not in self._keys:
            row = self.conn.execute(
                select(KeyRow.participant_id, KeyRow.public_key, KeyRevocationRow.key_id)
                .outerjoin(KeyRevocationRow, KeyRevocationRow.key_id == KeyRow.key_id)
                .where(KeyRow.key_id == key_id)
            ).first()
            self._keys[key_id] = None if row is None else _Key(key_id, row[0], row[1], row[2] is not None)
        return self._keys[key_id]

    def _participant_exists(self, participant_id: str) -> bool:
        if participant_id not in self._participants:
            self._participants[participant_id] = self.conn.execute(
                select(ParticipantRow.participant_id).where(ParticipantRow.participant_id == participant_id)
            ).first() is not None
        return self._participants[participant_id]

    def _record_seq(self, leaf_hex: str) -> int | None:
        return self.conn.execute(select(RecordRow.seq).where(RecordRow.leaf_hash == bytes.fromhex(leaf_hex))).scalar()

    def _record_owner(self, leaf_hex: str) -> tuple[str, str] | None:
        if leaf_hex in self._by_leaf:
            return self._by_leaf[leaf_hex]
        row = self.conn.execute(
            select(RecordRow.participant_id, RecordRow.kind).where(RecordRow.leaf_hash == bytes.fromhex(leaf_hex))
        ).first()
        return (row[0], row[1]) if row else None

    def _is_log_empty(self) -> bool:
        if self._log_empty is None:
            self._log_empty = self.conn.execute(select(RecordRow.seq).limit(1)).first() is None
        return self._log_empty

    # -- checks ---------------------------------------------------------------------
    def parse(self, index: int, submission: Any) -> _Checked:
        """Structure and schema: everything that needs no database."""
        label = record_label(index, submission.get("record") if isinstance(submission, dict) else None)
        if not isinstance(submission, dict):
            raise SchemaError("a submission must be a JSON object", record=label)
        extra = set(submission) - {"record", "key_id", "signature"}
        if extra:
            raise SchemaError(f"unexpected member(s) {', '.join(sorted(extra))}", record=label)
        record, key_id, signature = submission.get("record"), submission.get("key_id"), submission.get("signature")
        if not isinstance(record, dict):
            raise SchemaError("must be a JSON object", record=label, field="record")
        if not isinstance(key_id, str) or not key_id:
            raise SchemaError("must be a key id string", record=label, field="key_id")
        if not isinstance(signature, str) or not signature:
            raise SchemaError("must be a base64url signature string", record=label, field="signature")

        check_ijson(record, record=label)  # I-JSON (RFC 7493) before canonicalising: names the field
        model = validate_record(record, label)
        try:
            canonical = canonical_bytes(record)
        except ValueError as exc:
            raise SchemaError(str(exc), record=label, field="record") from None

        return _Checked(
            record=record, model=model, canonical=canonical, key_id=key_id, signature=signature,
            participant_id="", digest=submission_digest(key_id, canonical), refs=_refs(model),
        )

    def verify(self, index: int, c: _Checked, genesis: bool) -> None:
        """Check the signature with the named key (registered earlier, or in this batch)."""
        label = record_label(index, c.record)
        m = c.model
        key = self._key(c.key_id)
        if key is None and genesis and m.kind == "key" and m.action == "register" and m.key_id == c.key_id:
            try:
                public = from_b64url(m.public_key)
            except ValueError:
                raise SchemaError("is not base64url", record=label, field="public_key") from None
            key = _Key(c.key_id, m.participant_id, public, False)
            self._keys[c.key_id] = key
            self.operator_id = m.participant_id
        if key is None:
            raise UnknownKeyError(f"key {c.key_id} is not registered", record=label, field="key_id")
        try:
            sig = from_b64url(c.signature)
        except ValueError:
            raise SignatureError("is not base64url", record=label, field="signature") from None
        valid = c.verified if c.verified_with == key.public_key else None
        if valid is None:
            valid = len(sig) == 64 and verify_signature(key.public_key, c.canonical, sig)
        if not valid:
            raise SignatureError(
                f"does not verify with key {c.key_id} over the canonical record", record=label, field="signature"
            )
        c.participant_id = key.participant_id

    def authorise(self, index: int, c: _Checked, genesis: bool) -> None:
        """Rules that depend on who signed and on what the ledger already holds."""
        label = record_label(index, c.record)
        key = self._keys.get(c.key_id)
        if key is not None and key.revoked:
            raise RevokedKeyError(f"key {c.key_id} has been revoked", record=label, field="key_id")
        m = c.model
        operator = self.operator_id
        if genesis:
            return
        if m.kind in SERVICE_ONLY_KINDS and c.participant_id != operator:
            raise NotAuthorisedError(
                f"{m.kind} records must be signed by the ledger operator, not {c.participant_id}",
                record=label, field="key_id",
            )
        self._authorise_content(label, m, c.participant_id)
        if m.kind == "participant":
            if self._participant_exists(m.participant_id):
                raise ConflictError(f"participant {m.participant_id} already exists", record=label, field="participant_id")
            self._participants[m.participant_id] = True
        if m.kind == "key":
            self._authorise_key(label, m)
        if m.kind == "correction":
            self._authorise_correction(label, m, c.participant_id)
        logged = _Logged(self._next_seq(), m.kind, c.participant_id, b"", c.record)
        self._last_pending_seq = logged.seq
        for ref in c.refs:
            self._pending.setdefault(ref, []).append(logged)

    def _authorise_content(self, label: str, m: Any, signer: str, prefix: str = "",
                           replacing: int | None = None) -> None:
        """The rules of :mod:`ledger.authority` for what ``signer`` says in ``m``.

        Applied to a new record, and to a correction's replacement as if its original's
        signer submitted it anew (``replacing``: the original's seq, which the replacement
        may of course repeat).
        """
        if m.kind == "shipment":
            if m.shipper != signer:
                raise NotAuthorisedError(f"shipper {m.shipper!r} is not the signer {signer!r}", record=label,
                                         field=prefix + "shipper")
            owner = authority.owner_of_order(self._find, m.order_id)
            if owner is not None and owner != signer:
                raise NotAuthorisedError(f"order {m.order_id} belongs to {owner}, whose shipment declared it first; "
                                         "use an order id of your own", record=label, field=prefix + "order_id")
            mine = [seq for seq, who, _ in authority.shipment_declarers(self._find, m.shipment_id)
                    if who == signer and seq != replacing]
            if mine and replacing is None:
                raise ConflictError(f"you already recorded shipment {m.shipment_id}; send a correction of that record "
                                    "instead", record=label, field=prefix + "shipment_id")
        elif m.kind in authority.ATTACHED_KINDS:
            if m.kind == "transport_leg" and m.carrier is not None and m.carrier != signer:
                raise NotAuthorisedError(f"carrier {m.carrier!r} is not the signer {signer!r}", record=label,
                                         field=prefix + "carrier")
            for i, shipment_id in enumerate(m.shipment_ids):
                self._require_entitled(label, signer, m.kind, shipment_id, f"{prefix}shipment_ids[{i}]")
            self._check_times(label, m, prefix)
        elif m.kind == "delegation":
            if not self._participant_exists(m.delegate):
                raise NotFoundError(f"participant {m.delegate} is not registered", record=label,
                                    field=prefix + "delegate")
            for i, shipment_id in enumerate(m.shipment_ids):
                if signer not in {who for _, who, _ in authority.shipment_declarers(self._find, shipment_id)}:
                    raise NotAuthorisedError(f"you have recorded no shipment {shipment_id} to delegate",
                                             record=label, field=f"{prefix}shipment_ids[{i}]")
        elif m.kind == "epcis_event":
            self._check_times(label, m, prefix)

    def _require_entitled(self, label: str, signer: str, kind: str, shipment_id: str, field: str) -> None:
        owners = {who for _, who, _ in authority.shipment_declarers(self._find, shipment_id)}
        if not owners:
            raise NotFoundError(f"no shipment {shipment_id} is recorded; its owner records it first", record=label,
                                field=field)
        if signer in owners:
            return
        grants = authority.grants_for(self._find, shipment_id)
        now = self._next_seq()
        if not any(authority.entitled(signer, owner, kind, shipment_id, now, grants) for owner in owners):
            raise NotAuthorisedError(f"no owner of shipment {shipment_id} has delegated {kind} records to {signer}",
                                     record=label, field=field)

    def _check_times(self, label: str, m: Any, prefix: str) -> None:
        """Refuse times further past the receipt time than the tolerance: a claim about the future is no record."""
        assert self._received_at is not None
        latest = self._received_at + self.future_tolerance
        moments: list[tuple[str, Any]] = []
        if m.kind == "transport_leg":
            moments = [("departure", m.departure), ("arrival", m.arrival)]
        elif m.kind == "epcis_event":
            moments = [("event.eventTime", _event_time(m.event.get("eventTime")))]
        for name, moment in moments:
            if moment is not None and moment > latest:
                raise SchemaError(f"{moment.isoformat()} is more than {_hours(self.future_tolerance)} after the "
                                  f"ledger received it ({self._received_at.isoformat()}); record what happened, "
                                  "not what is planned", record=label, field=prefix + name)

    # -- the records the rules look at ------------------------------------------------
    def _find(self, ref_type: str, value: str) -> list[_Logged]:
        key = (ref_type, value)
        if key not in self._found:
            rows = self.conn.execute(
                select(RecordRow.seq, RecordRow.kind, RecordRow.participant_id, RecordRow.leaf_hash, RecordRow.envelope)
                .join(RecordRef, RecordRef.seq == RecordRow.seq)
                .where(RecordRef.ref_type == ref_type, RecordRef.ref_value == value).order_by(RecordRow.seq)
            ).all()
            self._found[key] = [_Logged(seq, kind, who, bytes(leaf), Envelope.from_bytes(bytes(env)).record)
                                for seq, kind, who, leaf, env in rows]
        return self._found[key] + self._pending.get(key, [])

    def _prefetch_refs(self, checked: Sequence[_Checked | None]) -> None:
        """Read, in a few queries, every reference the authority rules will look up for this batch.

        One query per record would make ingest of a thousand shipments a thousand round
        trips; the rules then find everything they need in ``_found``.
        """
        wanted: set[tuple[str, str]] = set()
        for c in checked:
            if c is None:
                continue
            m = c.model
            if m.kind == "shipment":
                wanted |= {("order_id", m.order_id), ("shipment_id", m.shipment_id)}
            elif m.kind in authority.ATTACHED_KINDS or m.kind == "delegation":
                wanted |= {("shipment_id", s) for s in m.shipment_ids}
        wanted -= set(self._found)
        keys = sorted(wanted)
        for key in keys:
            self._found[key] = []
        for start in range(0, len(keys), _IN_CHUNK // 2):
            chunk = keys[start:start + _IN_CHUNK // 2]
            rows = self.conn.execute(
                select(RecordRef.ref_type, RecordRef.ref_value, RecordRow.seq, RecordRow.kind, RecordRow.participant_id,
                       RecordRow.leaf_hash, RecordRow.envelope)
                .join(RecordRow, RecordRef.seq == RecordRow.seq)
                .where(tuple_(RecordRef.ref_type, RecordRef.ref_value).in_(chunk)).order_by(RecordRow.seq)
            ).all()
            for ref_type, value, seq, kind, who, leaf, env in rows:
                self._found[(ref_type, value)].append(
                    _Logged(seq, kind, who, bytes(leaf), Envelope.from_bytes(bytes(env)).record))

    def _next_seq(self) -> int:
        """A position after every stored record and every record accepted so far in this batch."""
        return 1 << 62 if self._last_pending_seq is None else self._last_pending_seq + 1

    def _authorise_key(self, label: str, m: Any) -> None:
        if not self._participant_exists(m.participant_id):
            raise NotFoundError(f"participant {m.participant_id} is not registered", record=label, field="participant_id")
        try:
            public = from_b64url(m.public_key)
        except ValueError:
            raise SchemaError("is not base64url", record=label, field="public_key") from None
        if key_id_for(public) != m.key_id:
            raise SchemaError(f"key_id must be {key_id_for(public)} for this public key", record=label, field="key_id")
        existing = self._key(m.key_id)
        if m.action == "register":
            if existing is not None:
                raise ConflictError(f"key {m.key_id} is already registered", record=label, field="key_id")
            self._keys[m.key_id] = _Key(m.key_id, m.participant_id, public, False)
        else:
            if existing is None or existing.participant_id != m.participant_id:
                raise NotFoundError(f"key {m.key_id} is not registered to {m.participant_id}", record=label, field="key_id")
            if existing.revoked:
                raise ConflictError(f"key {m.key_id} is already revoked", record=label, field="key_id")
            existing.revoked = True

    def _authorise_correction(self, label: str, m: Any, signer: str) -> None:
        owner = self._record_owner(m.supersedes)
        if owner is None:
            raise NotFoundError(f"no record with leaf hash {m.supersedes}", record=label, field="supersedes")
        participant, kind = owner
        if kind in ("participant", "key"):
            raise NotAuthorisedError(
                f"{kind} records cannot be corrected; revoke the key or register anew", record=label, field="supersedes"
            )
        if signer not in (participant, self.operator_id):
            raise NotAuthorisedError(
                f"only {participant} (or the operator) may correct this record", record=label, field="supersedes"
            )
        if m.replacement is not None:
            if m.replacement.get("kind") != kind:
                raise SchemaError(f"must be a {kind} record like the one it replaces", record=label, field="replacement.kind")
            replacement = validate_record(m.replacement, label, prefix="replacement")
            original = self._record_seq(m.supersedes)
            self._authorise_content(label, replacement, participant, "replacement.", replacing=original)

    # -- the whole batch -------------------------------------------------------------
    def ingest(
        self,
        submissions: Sequence[Any],
        received_at: datetime,
        progress: Callable[[int], None] | None = None,
    ) -> list[Receipt]:
        acquire_write_lock(self.conn)
        self._received_at = received_at
        errors: list[tuple[int, LedgerError]] = []
        bad = 0
        checked: list[_Checked | None] = []
        genesis_pending = self._is_log_empty()
        for i, sub in enumerate(submissions):
            try:
                checked.append(self.parse(i, sub))
            except LedgerError as exc:
                bad += 1
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.append((i, exc))
                checked.append(None)
        self._mark_duplicates(checked)
        self._prefetch_refs(checked)
        self._verify_known_keys_in_parallel([c for c in checked if c is not None])
        for i, c in enumerate(checked):
            if c is None:
                continue
            genesis = genesis_pending and i == 0
            try:
                self.verify(i, c, genesis)
                if c.duplicate_of is None and c.same_batch_twin is None:
                    self.authorise(i, c, genesis)
            except LedgerError as exc:
                bad += 1
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.append((i, exc))
                continue
        if bad:
            errors.sort(key=lambda e: e[0])
            if len(submissions) == 1:
                raise errors[0][1]
            raise BatchRejected(errors, bad, len(submissions))
        return self._append([c for c in checked if c is not None], received_at, progress)

    def _prefetch_keys(self, key_ids: set[str]) -> None:
        missing = [k for k in key_ids if k not in self._keys]
        for start in range(0, len(missing), _IN_CHUNK):
            chunk = missing[start:start + _IN_CHUNK]
            rows = self.conn.execute(
                select(KeyRow.key_id, KeyRow.participant_id, KeyRow.public_key, KeyRevocationRow.key_id)
                .outerjoin(KeyRevocationRow, KeyRevocationRow.key_id == KeyRow.key_id)
                .where(KeyRow.key_id.in_(chunk))
            ).all()
            for key_id, participant, public, revoked in rows:
                self._keys[key_id] = _Key(key_id, participant, public, revoked is not None)

    def _verify_known_keys_in_parallel(self, checked: list[_Checked]) -> None:
        """Check signatures of already registered keys on all cores, before the ordered pass.

        Ed25519 verification dominates ingest and releases the GIL, so a thread pool
        scales it across cores; keys registered inside this batch are checked in order
        in :meth:`verify` instead.
        """
        self._prefetch_keys({c.key_id for c in checked})
        jobs: list[tuple[_Checked, bytes, bytes]] = []
        for c in checked:
            key = self._keys.get(c.key_id)
            if key is None:
                continue
            try:
                sig = from_b64url(c.signature)
            except ValueError:
                continue
            jobs.append((c, key.public_key, sig))
        if len(jobs) < _PARALLEL_MIN:
            return
        results = verify_many([(pub, c.canonical, sig) for c, pub, sig in jobs])
        for (c, pub, _), ok in zip(jobs, results):
            c.verified, c.verified_with = ok, pub

    def _mark_duplicates(self, checked: list[_Checked | None]) -> None:
        seen: dict[bytes, int] = {}
        for i, c in enumerate(checked):
            if c is None:
                continue
            if c.digest in seen:
                c.same_batch_twin = seen[c.digest]
            else:
                seen[c.digest] = i
        digests = list(seen)
        for start in range(0, len(digests), _IN_CHUNK):
            chunk = digests[start:start + _IN_CHUNK]
            rows = self.conn.execute(
                select(RecordRow.submission_digest, RecordRow.seq, RecordRow.leaf_hash).where(
                    RecordRow.submission_digest.in_(chunk)
                )
            ).all()
            for digest, seq, leaf in rows:
                first = checked[seen[digest]]
                assert first is not None
                first.duplicate_of = Receipt(seq, leaf, duplicate=True)

    def _append(self, checked: list[_Checked], received_at: datetime, progress: Callable[[int], None] | None) -> list[Receipt]:
        tree = MerkleStore(self.conn)
        seq = tree.size()
        stamp = format_received_at(received_at)
        receipts: list[Receipt] = []
        by_digest: dict[bytes, Receipt] = {}
        rows: list[dict[str, Any]] = []
        refs: list[dict[str, Any]] = []
        leaves: list[bytes] = []
        projections: list[tuple[int, Any]] = []
        for c in checked:
            if c.duplicate_of is not None:
                receipts.append(c.duplicate_of)
                by_digest[c.digest] = c.duplicate_of
                continue
            if c.digest in by_digest:
                twin = by_digest[c.digest]
                receipts.append(Receipt(twin.seq, twin.leaf_hash, duplicate=True))
                continue
            env = envelope_bytes(c.canonical, c.key_id, c.signature, stamp, seq)
            leaf = rfc6962_leaf_hash(env)
            rows.append({
                "seq": seq, "kind": c.model.kind, "participant_id": c.participant_id, "key_id": c.key_id,
                "submission_digest": c.digest, "leaf_hash": leaf, "received_at": received_at, "envelope": env,
            })
            refs.extend({"ref_type": t, "ref_value": v, "seq": seq} for t, v in c.refs)
            leaves.append(leaf)
            if c.model.kind in ("participant", "key"):
                projections.append((seq, c.model))
            receipt = Receipt(seq, leaf)
            receipts.append(receipt)
            by_digest[c.digest] = receipt
            self._by_leaf[leaf.hex()] = (c.participant_id, c.model.kind)
            seq += 1
        step = 2000
        for start in range(0, len(rows), step):
            self.conn.execute(insert(RecordRow), rows[start:start + step])
            if progress:
                progress(min(step, len(rows) - start))
        if refs:
            self.conn.execute(insert(RecordRef), refs)
        for pseq, model in projections:
            self._project(pseq, model)
        if leaves:
            tree.append(leaves)
        return receipts

    def _project(self, seq: int, m: Any) -> None:
        if m.kind == "participant":
            self.conn.execute(insert(ParticipantRow).values(
                participant_id=m.participant_id, name=m.name, roles=json.dumps(list(m.roles)),
                country=m.country, registered_seq=seq,
            ))
        elif m.action == "register":
            self.conn.execute(insert(KeyRow).values(
                key_id=m.key_id, participant_id=m.participant_id, public_key=from_b64url(m.public_key), registered_seq=seq,
            ))
        else:
            self.conn.execute(insert(KeyRevocationRow).values(key_id=m.key_id, revoked_seq=seq, reason=m.reason))


def ingest(conn: Connection, operator_id: str | None, submissions: Iterable[Any], received_at: datetime,
           progress: Callable[[int], None] | None = None,
           future_tolerance: timedelta = DEFAULT_FUTURE_TOLERANCE) -> list[Receipt]:
    """Check and append ``submissions`` in the caller's transaction."""
    return Ingestor(conn, operator_id, future_tolerance).ingest(list(submissions), received_at, progress)


def _event_time(value: Any) -> datetime | None:
    """An EPCIS eventTime as an aware datetime, None when absent or unreadable (the EPCIS checks name that)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _hours(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:g} h"
