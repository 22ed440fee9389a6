"""Re-verify the whole store against itself and the chain (``carbonledger audit-log``).

The audit trusts nothing the database says about itself: it replays identities (key
registrations and revocations) from the log's own records, recomputes every leaf hash
from the stored envelope bytes, checks every signature against the key the log had
registered at that point, streams the tree root from the recomputed leaves and compares
it, at every checkpoint, with the checkpoint table, the stored tree and the registry on
chain. A row edited directly in SQL therefore surfaces as a finding naming its position;
so does a checkpoint the chain does not hold.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from ledger import checkpoints, merkle
from ledger.merkle_store import MerkleStore
from ledger.records.canonical import canonical_bytes
from ledger.records.signing import from_b64url, verify_many_async
from ledger.service import Ledger
from ledger.verification import CheckpointReader, chain_root

BATCH = 5000


@dataclass(frozen=True)
class Finding:
    """Something that does not hold: what, where, expected and found."""

    subject: str
    check: str
    expected: str
    found: str


@dataclass
class AuditReport:
    log_size: int = 0
    records_checked: int = 0
    checkpoints_checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    chain_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "log_size": self.log_size, "records_checked": self.records_checked,
            "checkpoints_checked": self.checkpoints_checked, "chain_id": self.chain_id,
            "seconds": round(self.seconds, 3), "findings": [asdict(f) for f in self.findings],
        }


@dataclass
class _Key:
    public: bytes
    revoked_at: int | None = None


def audit_log(ledger: Ledger, chain: CheckpointReader | None,
              progress: Callable[[int, int], None] | None = None) -> AuditReport:
    """Audit every record and checkpoint; ``chain=None`` skips only the on-chain checks."""
    started = time.perf_counter()
    report = AuditReport(chain_id=chain.chain_id if chain else None)
    with ledger.engine.connect() as conn:
        store = MerkleStore(conn)
        report.log_size = store.size()
        cps = checkpoints.all_checkpoints(conn)
    keys: dict[str, _Key] = {}
    stream = merkle.CompactRange()
    cp_at = {cp.tree_size: cp for cp in cps}
    previous_cp: checkpoints.Checkpoint | None = None
    add = report.findings.append
    pending: tuple[list[int], Callable[[], list[bool]]] | None = None

    for start in range(0, max(report.log_size, 1), BATCH):
        end = min(start + BATCH, report.log_size)
        batch = list(ledger.iter_records(start, end, batch=BATCH))
        with ledger.engine.connect() as conn:
            tree_leaves = MerkleStore(conn).leaf_hashes(start, end)
        jobs: list[tuple[int, bytes, bytes, bytes]] = []
        expected_seq = start
        for rec in batch:
            while expected_seq < rec.seq:
                add(Finding(f"record {expected_seq}", "record present", "a record row", "missing"))
                stream.append(tree_leaves.get(expected_seq, b"\0" * 32))
                expected_seq += 1
            expected_seq = rec.seq + 1
            subject = f"record {rec.seq}"
            leaf = merkle.leaf_hash(rec.envelope_bytes)
            if leaf != rec.leaf_hash:
                add(Finding(subject, "leaf hash", rec.leaf_hash.hex(), leaf.hex()))
            if tree_leaves.get(rec.seq) != leaf:
                add(Finding(subject, "tree leaf", leaf.hex(), (tree_leaves.get(rec.seq) or b"").hex() or "missing"))
            stream.append(leaf)
            try:
                env = json.loads(rec.envelope_bytes)
                canonical = canonical_bytes(env)
                record = env["record"]
                canonical_record = _record_bytes(rec.envelope_bytes) if canonical == rec.envelope_bytes \
                    else canonical_bytes(record)
                seq_ok = env["seq"] == rec.seq
                key_id, signature = env["key_id"], from_b64url(env["signature"])
            except (ValueError, KeyError, TypeError) as exc:
                add(Finding(subject, "envelope", "a canonical JSON envelope", f"unreadable: {exc}"))
            else:
                if canonical != rec.envelope_bytes:
                    add(Finding(subject, "envelope", "RFC 8785 canonical bytes", "non-canonical bytes"))
                if not seq_ok:
                    add(Finding(subject, "position", f"seq {rec.seq}", f"seq {env['seq']}"))
                _replay_identity(rec.seq, record, key_id, keys)
                key = keys.get(key_id)
                if key is None:
                    add(Finding(subject, "signer", f"a key registered before {rec.seq}", f"unknown key {key_id}"))
                else:
                    if key.revoked_at is not None and key.revoked_at < rec.seq:
                        add(Finding(subject, "signer", "an unrevoked key", f"key {key_id} revoked at {key.revoked_at}"))
                    jobs.append((rec.seq, key.public, canonical_record, signature))
            _check_checkpoint(stream, cp_at, chain, report)
            if stream.size in cp_at:
                cp = cp_at[stream.size]
                if previous_cp is not None:
                    check_consistency(ledger, previous_cp, cp, add)
                previous_cp = cp
        # Verify this batch in the background while the next one is read and hashed.
        _collect_signatures(pending, add)
        pending = ([seq for seq, *_ in jobs], verify_many_async([(p, m, s) for _, p, m, s in jobs]))
        report.records_checked += len(batch)
        if progress:
            progress(end, report.log_size)
    _collect_signatures(pending, add)
    report.seconds = time.perf_counter() - started
    return report


def _collect_signatures(pending: tuple[list[int], Callable[[], list[bool]]] | None,
                        add: Callable[[Finding], None]) -> None:
    if pending is None:
        return
    seqs, collect = pending
    for seq, ok in zip(seqs, collect()):
        if not ok:
            add(Finding(f"record {seq}", "signature", "valid Ed25519 signature of the signer", "does not verify"))


def _record_bytes(envelope: bytes) -> bytes:
    """The canonical record inside a canonical envelope, without canonicalising it again.

    In JCS the envelope's members are ``key_id, received_at, record, seq, signature``; the
    first ``"record":`` is the top-level one (the two strings before it cannot contain a
    quote unescaped) and the last ``,"seq":`` is too (only a number and base64url follow).
    """
    start = envelope.index(b'"record":') + len(b'"record":')
    return envelope[start:envelope.rindex(b',"seq":')]


def _replay_identity(seq: int, record: Any, signer: str, keys: dict[str, _Key]) -> None:
    """Apply a key record as the log applied it (genesis: the first key signs itself)."""
    if not isinstance(record, dict) or record.get("kind") != "key":
        return
    key_id = record.get("key_id")
    if record.get("action") == "register" and isinstance(key_id, str) and key_id not in keys:
        if seq == 0 and signer != key_id:
            return
        try:
            keys[key_id] = _Key(from_b64url(record["public_key"]))
        except (KeyError, ValueError):
            return
    elif record.get("action") == "revoke" and key_id in keys and keys[key_id].revoked_at is None:
        keys[key_id].revoked_at = seq


def _check_checkpoint(stream: merkle.CompactRange, cp_at: dict[int, checkpoints.Checkpoint],
                      chain: CheckpointReader | None, report: AuditReport) -> None:
    cp = cp_at.get(stream.size)
    if cp is None:
        return
    report.checkpoints_checked += 1
    subject = f"checkpoint {cp.tree_size}"
    root = stream.root()
    if root != cp.root:
        report.findings.append(Finding(subject, "root from records", cp.root.hex(), root.hex()))
    if chain is not None:
        on_chain = chain_root(chain, cp.tree_size)
        if on_chain is None:
            report.findings.append(Finding(subject, "on chain", f"root {cp.root.hex()} in the registry", "missing"))
        elif on_chain != cp.root:
            report.findings.append(Finding(subject, "on chain", cp.root.hex(), on_chain.hex()))


def check_consistency(ledger: Ledger, old: checkpoints.Checkpoint, new: checkpoints.Checkpoint,
                      add: Callable[[Finding], None]) -> None:
    """Report a finding unless the store proves ``new`` extends ``old`` (RFC 6962 consistency)."""
    try:
        proof = ledger.consistency_proof(old.tree_size, new.tree_size)
        merkle.verify_consistency(old.tree_size, new.tree_size, old.root, new.root, proof)
    except (merkle.ProofError, ValueError) as exc:
        add(Finding(f"checkpoint {new.tree_size}", "consistency", f"extends checkpoint {old.tree_size}", str(exc)))
