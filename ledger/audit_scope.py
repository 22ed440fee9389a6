"""Auditing a scope (a supplier, a period, a set of orders) and summarising what it holds.

Where ``ledger.audit`` re-verifies the whole log, this answers an auditor's question about
part of it: is every record in scope signed, unchanged, included under an on-chain
checkpoint and anchored in time; does every footprint in scope recompute to the same
bytes from its inputs; do corrections chain to records of the same kind and owner. It also
gathers the figures the report charts (footprint by mode and supplier, primary-data share
by month). Every finding names the record, what was expected and what was found.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

import rfc8785

from ledger.audit import Finding, check_consistency
from ledger.audit_checks import (
    chain_head,
    chain_head_findings,
    identity_table_findings,
    outside_tree_findings,
    replay_findings,
)
from ledger.errors import FootprintInputError, NotFoundError
from ledger.footprint_inputs import OrderRecords
from ledger.footprint_records import recorded_inputs
from ledger.ingest import submission_digest
from ledger.key_facts import key_lookup
from ledger.merkle_store import MerkleStore
from ledger.provenance import order_view
from ledger.raw_records import replay_identities
from ledger.row_checks import UnreadableEnvelopeError, open_envelope
from ledger.service import Ledger, StoredRecord
from ledger.verification import CheckpointReader, chain_root, verify_stored

DEFAULT_MAX_ANCHOR_DELAY_S = 3600.0
"""A record anchored more than an hour after receipt is reported late: the anchorer's
defaults (1,000 records or 30 s) anchor within a minute, so an hour means it was down."""


@dataclass(frozen=True)
class AuditScope:
    participant_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    order_ids: tuple[str, ...] = ()
    max_anchor_delay_s: float = DEFAULT_MAX_ANCHOR_DELAY_S

    def describe(self) -> str:
        parts = []
        if self.participant_id:
            parts.append(f"participant {self.participant_id}")
        if self.start or self.end:
            parts.append(f"received {self.start.isoformat() if self.start else '…'} to "
                         f"{self.end.isoformat() if self.end else '…'}")
        if self.order_ids:
            parts.append("orders " + ", ".join(self.order_ids))
        return "; ".join(parts) or "the whole ledger"

    def to_dict(self) -> dict[str, Any]:
        return {"participant_id": self.participant_id, "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None, "order_ids": list(self.order_ids),
                "max_anchor_delay_s": self.max_anchor_delay_s}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuditScope:
        """The inverse of :meth:`to_dict`."""
        return cls(data["participant_id"], datetime.fromisoformat(data["start"]) if data["start"] else None,
                   datetime.fromisoformat(data["end"]) if data["end"] else None, tuple(data["order_ids"]),
                   data["max_anchor_delay_s"])


@dataclass
class ScopeReport:
    scope: AuditScope
    generated_at: str
    log_size: int = 0
    records_checked: int = 0
    anchored: int = 0
    footprints_recomputed: int = 0
    checkpoints_checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    by_mode_kg: dict[str, float] = field(default_factory=dict)
    by_supplier_kg: dict[str, float] = field(default_factory=dict)
    primary_share_by_month: dict[str, float] = field(default_factory=dict)
    chain_id: int | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "carbonledger-audit-report/1", "ok": self.ok, "scope": self.scope.to_dict(),
            "scope_description": self.scope.describe(), "generated_at": self.generated_at,
            "log_size": self.log_size, "records_checked": self.records_checked, "anchored": self.anchored,
            "footprints_recomputed": self.footprints_recomputed, "checkpoints_checked": self.checkpoints_checked,
            "chain_id": self.chain_id, "seconds": round(self.seconds, 3),
            "findings": [asdict(f) for f in self.findings],
            "charts": {"footprint_by_mode_kg": self.by_mode_kg, "footprint_by_supplier_kg": self.by_supplier_kg,
                       "primary_data_share_by_month": self.primary_share_by_month},
        }


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def select_records(ledger: Ledger, scope: AuditScope) -> list[StoredRecord]:
    """The records a scope covers: by submitter and time, and every record of the named orders."""
    chosen: dict[int, StoredRecord] = {}
    if scope.participant_id or scope.start or scope.end or not scope.order_ids:
        for r in ledger.records_in_scope(scope.participant_id, _utc(scope.start), _utc(scope.end)):
            chosen[r.seq] = r
    for order_id in scope.order_ids:
        view = order_view(ledger, order_id)
        if view is None:
            raise NotFoundError(f"no shipment of order {order_id}", field="order_ids")
        for r in view.all_records():
            chosen[r.seq] = r
    return [chosen[k] for k in sorted(chosen)]


def run_scope_audit(ledger: Ledger, chain: CheckpointReader | None, scope: AuditScope,
                    progress: Callable[[int, int], None] | None = None,
                    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> ScopeReport:
    started = time.perf_counter()
    report = ScopeReport(scope, now().isoformat(), chain_id=chain.chain_id if chain else None)
    report.log_size = ledger.log_info().size
    records = select_records(ledger, scope)
    checkpoints = ledger.checkpoints()
    add = report.findings.append
    keys = key_lookup(ledger)  # each signing key read once for the whole report
    for i, stored in enumerate(records):
        verdict = verify_stored(ledger, stored, chain, keys)
        subject = f"record {stored.seq} ({stored.kind})"
        for check in verdict.checks:
            if not check.ok:
                add(Finding(subject, check.name, "holds", check.detail))
        for warning in verdict.warnings:  # e.g. signed with a key later reported compromised: never plainly verified
            add(Finding(subject, "key not compromised", "signed before any reported compromise", warning))
        _check_anchor_time(stored, checkpoints, scope, now(), subject, add, report)
        if stored.kind == "footprint":
            _check_footprint(ledger, stored, subject, add, report)
        if stored.kind == "correction":
            _check_correction(ledger, stored, subject, add)
        report.records_checked += 1
        if progress and (i % 50 == 0 or i == len(records) - 1):
            progress(i + 1, len(records))
    for old, new in zip(checkpoints, checkpoints[1:]):
        check_consistency(ledger, old, new, add)
        report.checkpoints_checked += 1
    if chain is not None:
        for cp in checkpoints:
            if chain_root(chain, cp.tree_size) != cp.root:
                add(Finding(f"checkpoint {cp.tree_size}", "on chain", cp.root.hex(), "missing or different"))
    report.findings += _store_findings(ledger, chain, report.log_size, records)
    _charts(ledger, records, report)
    report.seconds = time.perf_counter() - started
    return report


def _store_findings(ledger: Ledger, chain: CheckpointReader | None, log_size: int,
                    records: list[StoredRecord]) -> list[Finding]:
    """What the whole-log audit finds across rows, as far as it touches this scope.

    Copies of a record in scope, rows in scope the tree does not hold, the keys that
    signed them against their register records, and the chain's latest checkpoint (a log
    cut short or rewritten after anchoring loses or changes records of any scope).
    """
    in_scope = {r.seq for r in records}
    recomputed = {}
    for r in records:
        try:
            env = open_envelope(r.envelope_bytes)
        except UnreadableEnvelopeError:
            continue  # reported by verify_stored
        recomputed[r.seq] = submission_digest(env.key_id, env.canonical_record)
    with ledger.engine.connect() as conn:
        sizes = [cp.tree_size for cp in ledger.checkpoints()]
        found = replay_findings(conn, recomputed, in_scope)
        found += outside_tree_findings(conn, log_size, in_scope)
        found += chain_head_findings(chain_head(chain), sizes, log_size, MerkleStore(conn).root)
        found += identity_table_findings(conn, replay_identities(conn, log_size), {r.key_id for r in records},
                                         {r.participant_id for r in records})
    return found


def _check_anchor_time(stored: StoredRecord, checkpoints: list[Any], scope: AuditScope, now: datetime,
                       subject: str, add: Callable[[Finding], None], report: ScopeReport) -> None:
    covering = next((cp for cp in checkpoints if cp.tree_size > stored.seq), None)
    limit = scope.max_anchor_delay_s
    if covering is None:
        waited = (now - stored.received_at).total_seconds()
        if waited > limit:
            add(Finding(subject, "anchoring", f"anchored within {limit:.0f} s of receipt",
                        f"still not anchored after {waited:.0f} s"))
        return
    report.anchored += 1
    block_time = _utc(covering.block_time)
    assert block_time is not None
    delay = (block_time - stored.received_at).total_seconds()
    if delay > limit:
        add(Finding(subject, "anchoring", f"anchored within {limit:.0f} s of receipt",
                    f"anchored {delay:.0f} s after receipt (checkpoint {covering.tree_size})"))


def _check_footprint(ledger: Ledger, stored: StoredRecord, subject: str, add: Callable[[Finding], None],
                     report: ScopeReport) -> None:
    record = stored.record
    try:
        contents = recorded_inputs(ledger, stored)
    except NotFoundError as exc:
        add(Finding(subject, "footprint inputs", "every input in the log", str(exc)))
        return
    result = record["result"]
    try:
        again = OrderRecords.from_contents(contents).footprint(result.get("factor_set_id"),
                                                               order_id=record["order_id"])
    except FootprintInputError as exc:
        add(Finding(subject, "footprint recomputation", "recomputes from its inputs", f"fails: {exc}"))
        return
    report.footprints_recomputed += 1
    if result.get("estimator_model_hash"):
        return  # recomputing an estimate needs the model artefact named by its hash: reported separately
    if again.canonical_json() != rfc8785.dumps(result):
        add(Finding(subject, "footprint recomputation", f"{result['transport']['wtw_kg']} kg CO2e WTW",
                    f"{again.transport.wtw_kg} kg CO2e WTW from the same inputs and factor set"))


def _check_correction(ledger: Ledger, stored: StoredRecord, subject: str, add: Callable[[Finding], None]) -> None:
    record = stored.record
    try:
        target = ledger.record_by_leaf_hash(bytes.fromhex(record["supersedes"]))
    except (NotFoundError, ValueError):
        add(Finding(subject, "correction chain", "supersedes a record in the log", f"{record['supersedes']} absent"))
        return
    if target.seq >= stored.seq:
        add(Finding(subject, "correction chain", "supersedes an earlier record", f"record {target.seq}"))
    replacement = record.get("replacement")
    if replacement is not None and replacement.get("kind") != target.kind:
        add(Finding(subject, "correction chain", f"a {target.kind} replacement", str(replacement.get("kind"))))
    if stored.participant_id not in (target.participant_id, ledger.operator_id):
        add(Finding(subject, "correction chain", f"signed by {target.participant_id}", stored.participant_id))


def _charts(ledger: Ledger, records: list[StoredRecord], report: ScopeReport) -> None:
    by_mode: dict[str, float] = defaultdict(float)
    by_supplier: dict[str, float] = defaultdict(float)
    primary: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    latest: dict[str, StoredRecord] = {}
    orders = {r.record.get("order_id") for r in records if r.kind in ("shipment", "footprint")}
    for order in sorted(o for o in orders if o):
        for r in ledger.records_by_ref("order_id", order):
            if r.kind == "footprint":
                latest[order] = r
    for order, stored in latest.items():
        result = stored.record["result"]
        shippers = {r.record["shipper"] for r in ledger.records_by_ref("order_id", order) if r.kind == "shipment"}
        total = float(result["transport"]["wtw_kg"])
        for leg in result["legs"]:
            by_mode[leg["mode"]] += float(leg["allocated"]["wtw_kg"])
        if result["hubs"]:
            by_mode["hub"] += float(result["hubs_total"]["wtw_kg"])
        for shipper in shippers:
            by_supplier[shipper] += total / len(shippers)
        month = stored.received_at.strftime("%Y-%m")
        primary[month][0] += total * float(result["primary_data_share"])
        primary[month][1] += total
    report.by_mode_kg = {k: round(v, 6) for k, v in sorted(by_mode.items())}
    report.by_supplier_kg = {k: round(v, 6) for k, v in sorted(by_supplier.items())}
    report.primary_share_by_month = {m: round(p / t, 4) if t else 0.0 for m, (p, t) in sorted(primary.items())}
