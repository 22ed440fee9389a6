"""Re-verify the whole store against itself and the chain (``carbonledger audit-log``).

The audit trusts nothing the database says about itself: it replays identities (key
registrations and revocations) from the log's own records, recomputes every leaf hash
and derived column from the stored envelope bytes, checks every signature against the
key the log had registered at that point, streams the tree root from the recomputed
leaves and compares it, at every checkpoint, with the checkpoint table, the stored tree
and the registry on chain. Then it looks across rows (:mod:`ledger.audit_checks`): a
signed submission stored twice, rows the tree does not hold, a chain whose latest
checkpoint the log no longer reaches, identity tables no record accounts for. A row
edited, pasted or deleted in SQL therefore surfaces as a finding naming its position.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from ledger import checkpoints, merkle
from ledger.audit_checks import (
    Finding,
    chain_head,
    chain_head_findings,
    identity_table_findings,
    outside_tree_findings,
    replay_findings,
    signature_finding,
)
from ledger.log_identities import LogIdentities
from ledger.merkle_store import MerkleStore
from ledger.raw_records import check_positions
from ledger.records.signing import verify_many_async
from ledger.service import Ledger
from ledger.verification import CheckpointReader, chain_root

__all__ = ["AuditReport", "Finding", "audit_log", "check_consistency"]


@dataclass
class AuditReport:
    """What an audit checked and found; ``chain_head`` is the registry's latest checkpoint, if asked."""

    log_size: int = 0
    records_checked: int = 0
    checkpoints_checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    chain_id: int | None = None
    chain_head: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "log_size": self.log_size, "records_checked": self.records_checked,
            "checkpoints_checked": self.checkpoints_checked, "chain_id": self.chain_id,
            "chain_head": self.chain_head, "seconds": round(self.seconds, 3),
            "findings": [asdict(f) for f in self.findings],
        }


_Pending = tuple[list[int], Callable[[], list[bool]]]


def audit_log(ledger: Ledger, chain: CheckpointReader | None,
              progress: Callable[[int, int], None] | None = None) -> AuditReport:
    """Audit every record and checkpoint; ``chain=None`` skips only the on-chain checks.

    One pass over the records in batches (signatures of a batch verified in the background
    while the next is read), then a few queries across rows; never raises over what the
    database holds, only if the database or the chain cannot be reached.
    """
    started = time.perf_counter()
    report = AuditReport(chain_id=chain.chain_id if chain else None)
    with ledger.engine.connect() as conn:
        report.log_size = MerkleStore(conn).size()
        cps = checkpoints.all_checkpoints(conn)
    head = chain_head(chain)
    if head is not None:
        report.chain_head = {"tree_size": head.tree_size, "root": bytes(head.root).hex()}
    identities = LogIdentities()
    walk = _TreeWalk(ledger, chain, cps, head.tree_size if head is not None else None, report)
    add = report.findings.append
    pending: _Pending | None = None
    wrong_digests: dict[int, bytes] = {}

    for batch in check_positions(ledger.engine, 0, report.log_size, identities):
        jobs: list[tuple[int, tuple[bytes, bytes, bytes]]] = []
        for position in batch:
            report.findings += position.findings()
            if position.wrong_digest is not None:
                wrong_digests[position.seq] = position.wrong_digest
            if position.check is not None and position.check.signature is not None:
                jobs.append((position.seq, position.check.signature))
            walk.append(position.leaf)
        # Verify this batch in the background while the next one is read and hashed.
        _collect_signatures(pending, add)
        pending = ([seq for seq, _ in jobs], verify_many_async([job for _, job in jobs]))
        report.records_checked += sum(1 for position in batch if position.row is not None)
        if progress:
            progress(batch[-1].seq + 1, report.log_size)
    _collect_signatures(pending, add)
    with ledger.engine.connect() as conn:
        report.findings += replay_findings(conn, wrong_digests)
        report.findings += outside_tree_findings(conn, report.log_size)
        report.findings += chain_head_findings(head, [cp.tree_size for cp in cps], report.log_size,
                                               walk.roots.__getitem__)
        report.findings += identity_table_findings(conn, identities)
    report.seconds = time.perf_counter() - started
    return report


class _TreeWalk:
    """The root streamed from the records, compared wherever a checkpoint or the chain's head sits."""

    def __init__(self, ledger: Ledger, chain: CheckpointReader | None, cps: list[checkpoints.Checkpoint],
                 head_size: int | None, report: AuditReport) -> None:
        self.ledger, self.chain, self.report, self.head_size = ledger, chain, report, head_size
        self.cp_at = {cp.tree_size: cp for cp in cps}
        self.stream = merkle.CompactRange()
        self.previous: checkpoints.Checkpoint | None = None
        self.roots: dict[int, bytes] = {}

    def append(self, leaf: bytes) -> None:
        self.stream.append(leaf)
        size = self.stream.size
        if size == self.head_size:
            self.roots[size] = self.stream.root()
        cp = self.cp_at.get(size)
        if cp is None:
            return
        _check_checkpoint(self.stream, cp, self.chain, self.report)
        if self.previous is not None:
            check_consistency(self.ledger, self.previous, cp, self.report.findings.append)
        self.previous = cp


def _collect_signatures(pending: _Pending | None, add: Callable[[Finding], None]) -> None:
    if pending is None:
        return
    seqs, collect = pending
    for seq, ok in zip(seqs, collect()):
        if not ok:
            add(signature_finding(seq))


def _check_checkpoint(stream: merkle.CompactRange, cp: checkpoints.Checkpoint,
                      chain: CheckpointReader | None, report: AuditReport) -> None:
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
    except (merkle.ProofError, ValueError, RuntimeError) as exc:  # RuntimeError: tree rows missing
        add(Finding(f"checkpoint {new.tree_size}", "consistency", f"extends checkpoint {old.tree_size}", str(exc)))
