"""Finished audit reports: made, fixed in the log, kept, and proven unaltered.

A report is the JSON of :func:`ledger.audit_scope.run_scope_audit` with its id and
requester added. Its RFC 8785 canonical bytes are what the portal keeps and what the
operator-signed ``audit_report`` record hashes, so anyone holding the JSON can recompute
the SHA-256 and find the record (ref ``report_id``) that fixed it, anchored like every
other record. The portal's table is a convenience copy, never trusted on its own: every
display recomputes the hash and re-verifies the record.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from ledger.audit_scope import AuditScope, run_scope_audit
from ledger.db import write_transaction
from ledger.errors import NotFoundError
from ledger.records.canonical import canonical_bytes
from ledger.service import Ledger
from ledger.verification import CheckpointReader, Verdict, verify_stored
from webapp.errors import ReportAlteredError
from webapp.portal_tables import AuditReportRow

REPORT_KIND = "audit_report"


@dataclass(frozen=True)
class SavedReport:
    """A report as the portal keeps it: the exact canonical bytes and the record fixing them."""

    report_id: str
    created_at: datetime
    created_by: str
    report_bytes: bytes
    sha256: str
    record_seq: int

    @property
    def report(self) -> dict[str, Any]:
        return json.loads(self.report_bytes)


@dataclass
class ReportProof:
    """Whether a kept report is the one its ledger record fixed: every check, for display."""

    record_seq: int
    sha256: str
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    verdict: Verdict | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(ok for _, ok, _ in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "record_seq": self.record_seq, "report_sha256": self.sha256,
                "checks": [{"name": name, "ok": ok, "detail": detail} for name, ok, detail in self.checks],
                "verdict": None if self.verdict is None else self.verdict.to_dict()}


def report_altered(saved: SavedReport, proof: ReportProof) -> ReportAlteredError:
    """The error for a kept report that no longer reads as one, saying what its proof's checks find."""
    checks = "; ".join(f"{name}: {'holds' if ok else 'FAILS'} ({detail})" for name, ok, detail in proof.checks)
    return ReportAlteredError(f"the stored copy of report {saved.report_id} is not a readable report any more; "
                              f"ledger record {proof.record_seq} fixes its SHA-256 as {proof.sha256}. {checks}")


def new_report_id(now: datetime) -> str:
    """``AR-20261122-204501-3f9a1c``: sortable by time, unguessable enough to not collide."""
    return f"AR-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def report_sha256(report_bytes: bytes) -> str:
    return hashlib.sha256(report_bytes).hexdigest()


def make_report(ledger: Ledger, chain: CheckpointReader | None, scope: AuditScope, created_by: str,
                progress: Callable[[int, int], None] | None = None) -> SavedReport:
    """Audit ``scope``, sign the report's hash into the log as an ``audit_report`` record, keep it.

    Raises :class:`~ledger.errors.NotFoundError` for an order that does not exist and
    :class:`~ledger.errors.NotInitialisedError` when the portal has no operator key to sign with.
    The record is appended before the row is kept: a failure in between leaves a signed hash
    without a copy, never a copy claiming a record that does not exist.
    """
    created_at = ledger.clock()
    report_id = new_report_id(created_at)
    result = run_scope_audit(ledger, chain, scope, progress=progress, now=ledger.clock)
    body = {"report_id": report_id, "requested_by": created_by, **result.to_dict()}
    data = canonical_bytes(body)
    digest = report_sha256(data)
    receipt = ledger.sign_and_submit({
        "kind": REPORT_KIND, "schema_version": 1, "report_id": report_id, "report_sha256": digest,
        "scope": body["scope"], "ok": result.ok, "findings": len(result.findings),
    })
    saved = SavedReport(report_id, created_at, created_by, data, digest, receipt.seq)
    with write_transaction(ledger.engine) as conn:
        conn.execute(insert(AuditReportRow).values(
            report_id=report_id, created_at=created_at, created_by=created_by,
            scope=json.dumps(body["scope"], sort_keys=True), report=data, sha256=digest, record_seq=receipt.seq,
        ))
    return saved


def _saved(row: AuditReportRow) -> SavedReport:
    return SavedReport(row.report_id, row.created_at, row.created_by, bytes(row.report), row.sha256, row.record_seq)


def load_report(ledger: Ledger, report_id: str) -> SavedReport:
    with ledger.engine.connect() as conn:
        row = conn.execute(select(AuditReportRow).where(AuditReportRow.report_id == report_id)).first()
    if row is None:
        raise NotFoundError(f"no audit report {report_id}", field="report_id")
    return _saved(row)


def list_reports(ledger: Ledger, limit: int = 100, offset: int = 0) -> list[SavedReport]:
    """The newest reports first, ``limit`` of them after skipping ``offset``."""
    newest = AuditReportRow.created_at.desc(), AuditReportRow.report_id.desc()
    with ledger.engine.connect() as conn:
        rows = conn.execute(select(AuditReportRow).order_by(*newest).limit(limit).offset(offset)).all()
    return [_saved(r) for r in rows]


def prove_report(ledger: Ledger, saved: SavedReport, chain: CheckpointReader | None) -> ReportProof:
    """Recompute the kept report's hash and check it against its record, then verify the record.

    Nothing is taken from the portal's table on trust: the hash comes from the kept bytes,
    the expected hash from the signed record, and the record is verified like any other
    (signature, inclusion, and the on-chain checkpoint when ``chain`` is reachable).
    """
    actual = report_sha256(saved.report_bytes)
    proof = ReportProof(saved.record_seq, actual)
    try:
        stored = ledger.record(saved.record_seq)
        record = stored.record
    except (NotFoundError, ValueError) as exc:
        proof.checks.append(("ledger record", False, f"record {saved.record_seq} cannot be read: {exc}"))
        return proof
    proof.checks.append(("record kind", stored.kind == REPORT_KIND and record.get("report_id") == saved.report_id,
                         f"record {stored.seq} is a {stored.kind} for {record.get('report_id')}"))
    proof.checks.append(("report hash", record.get("report_sha256") == actual,
                         f"the report hashes to {actual}; the record holds {record.get('report_sha256')}"))
    proof.verdict = verify_stored(ledger, stored, chain)
    failed = [c for c in proof.verdict.checks if not c.ok]
    proof.checks.append(("record verifies", proof.verdict.ok,
                         "; ".join(f"{c.name}: {c.detail}" for c in failed) or "signature, inclusion and checkpoint hold"))
    return proof
