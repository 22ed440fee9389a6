"""What the anchorer checks before it puts a checkpoint on chain, and its refusal.

A checkpoint on chain is forever: anchoring a row that someone wrote into the database
behind ingest's back (a forged signature, a pasted copy of another record, bytes that
are not their own leaf) would turn a forgery into something the chain vouches for. So
before anchoring, every record between the last checkpoint and the new size is checked
as the audit checks it (:mod:`ledger.row_checks`), its signature verified against the
identities the log's own records establish, and its submission looked up so a copy of
an earlier one is caught. One bad record refuses the whole checkpoint: nothing is sent,
and the refusal names every record at fault.

Cost: one read and one Ed25519 verification per new record (on every core), plus a
replay of the identity records before them: well under a second for a 1,000-record batch.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import Engine

from ledger.audit_checks import Finding, digest_twins, replay_finding, signature_finding
from ledger.errors import LedgerError
from ledger.raw_records import check_positions, replay_identities
from ledger.records.signing import verify_many

MAX_NAMED = 20
"""Problems a refusal lists in full; a flood of forged rows is summarised by its count."""


class AnchorRefusedError(LedgerError, RuntimeError):
    """Records about to be anchored do not hold up; nothing was anchored.

    ``problems`` names each record at fault; ``tree_size`` is the checkpoint refused. The
    CLI exits 1 with this message and ``anchor --watch`` logs it at CRITICAL: it means the
    database was written to outside the ledger, and someone must look.
    """

    def __init__(self, tree_size: int, problems: list[Finding]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        super().__init__(f"refusing to anchor size {tree_size}: {first.subject}: {first.check}: expected "
                         f"{first.expected}, found {first.found}{more}")
        self.tree_size = tree_size
        self.problems = problems

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "tree_size": self.tree_size,
                "problems": [asdict(p) for p in self.problems[:MAX_NAMED]], "total_problems": len(self.problems)}


def check_new_leaves(engine: Engine, anchored: int, size: int) -> None:
    """Raise :class:`AnchorRefusedError` unless every record in ``[anchored, size)`` holds up.

    Each must be present, hash to its stored and tree leaf, be canonical, sit at its own
    position, be signed (verifiably) by a key the log registered and had not revoked, and
    not be a copy of another stored submission. Precondition: records before ``anchored``
    are anchored already (they were checked when they were).
    """
    problems: list[Finding] = []
    with engine.connect() as conn:
        identities = replay_identities(conn, anchored)
    digests: dict[int, bytes] = {}
    for batch in check_positions(engine, anchored, size, identities):
        jobs = []
        for position in batch:
            problems += position.findings()
            if position.check is not None and position.check.digest is not None:
                digests[position.seq] = position.check.digest
            if position.check is not None and position.check.signature is not None:
                jobs.append((position.seq, position.check.signature))
        problems += [signature_finding(seq) for (seq, _), ok in zip(jobs, verify_many([j for _, j in jobs])) if not ok]
    with engine.connect() as conn:
        twins = digest_twins(conn, digests)
    problems += [replay_finding(later, first, ["same key and record"]) for later, first in sorted(twins)]
    if problems:
        raise AnchorRefusedError(size, problems)
