"""What an attacker with write access to the database does, and what audit-log and the anchorer make of it.

Each attack is carried out in SQL on a real store (SQLite and PostgreSQL) anchored to a
registry on eth-tester's py-evm: a signed envelope pasted in again, an anchored tail cut
off, a row outside the tree, identity rows no record made, unreadable envelopes, and a
forged row the anchorer is asked to anchor.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from ledger import demo_supply_chain, merkle
from ledger.anchor_guard import AnchorRefusedError
from ledger.anchoring import Anchorer, AnchorPolicy
from ledger.audit import AuditReport, audit_log
from ledger.audit_scope import AuditScope, run_scope_audit
from ledger.chain import CheckpointRegistryClient
from ledger.cli import EXIT_FAILED, main
from ledger.ingest import submission_digest
from ledger.merkle_store import STRIDE, MerkleStore
from ledger.records.canonical import canonical_bytes
from ledger.records.envelope import envelope_bytes, format_received_at
from ledger.records.signing import SigningKey, b64url
from ledger.service import Ledger
from tests.records_factory import shipment
from tests.tampering import drop_append_only_guards

RECEIVED = datetime(2026, 11, 2, 10, tzinfo=timezone.utc)
STAMP = format_received_at(RECEIVED)


def submit(ledger: Ledger, key: SigningKey, n: int, prefix: str = "SH") -> list[int]:
    return [r.seq for r in ledger.submit_many([key.sign_record(shipment(f"{prefix}-{i}")) for i in range(n)])]


def anchor(ledger: Ledger, registry: CheckpointRegistryClient) -> int:
    cp = Anchorer(ledger.engine, registry).step(force=True).anchored
    assert cp is not None
    return cp.tree_size


def found(report: AuditReport) -> set[tuple[str, str]]:
    return {(f.subject, f.check) for f in report.findings}


def stored_envelope(ledger: Ledger, seq: int) -> dict[str, Any]:
    with ledger.engine.connect() as conn:
        return json.loads(bytes(conn.execute(text("SELECT envelope FROM records WHERE seq = :s"), {"s": seq}).scalar_one()))


def insert_row(ledger: Ledger, seq: int, env: bytes, *, key_id: str, digest: bytes, in_tree: bool,
               participant: str = "tea-co", kind: str = "shipment") -> None:
    """A row written straight into ``records`` (and, ``in_tree``, its leaf appended to the tree)."""
    leaf = merkle.leaf_hash(env)
    with ledger.engine.begin() as conn:
        conn.execute(text("INSERT INTO records (seq, kind, participant_id, key_id, submission_digest, leaf_hash, "
                          "received_at, envelope) VALUES (:seq, :kind, :p, :k, :d, :l, :t, :e)"),
                     {"seq": seq, "kind": kind, "p": participant, "k": key_id, "d": digest, "l": leaf,
                      "t": RECEIVED, "e": env})
        if in_tree:
            assert MerkleStore(conn).append([leaf]) == seq + 1


def replay(ledger: Ledger, victim: int, *, in_tree: bool) -> int:
    """Paste record ``victim``'s signed record and signature in again as a new row after the log."""
    original = stored_envelope(ledger, victim)
    seq = ledger.log_info().size
    env = envelope_bytes(canonical_bytes(original["record"]), original["key_id"], original["signature"], STAMP, seq)
    # the stored digest is unique, so the copier writes any other value into it
    insert_row(ledger, seq, env, key_id=original["key_id"], digest=hashlib.sha256(env).digest(), in_tree=in_tree)
    return seq


def forge(ledger: Ledger, signer: SigningKey, claimed: SigningKey, *, in_tree: bool = True) -> int:
    """A new shipment row with a correct leaf and digest, signed by ``signer`` but naming ``claimed``'s key."""
    seq = ledger.log_info().size
    record = canonical_bytes(shipment("SH-FORGED"))
    signature = b64url(signer.private.sign(b"carbonledger/record/v1\x00" + record))
    env = envelope_bytes(record, claimed.key_id, signature, STAMP, seq)
    insert_row(ledger, seq, env, key_id=claimed.key_id, digest=submission_digest(claimed.key_id, record),
               in_tree=in_tree)
    return seq


def test_a_clean_demo_log_audits_clean(ledger: Ledger, registry: CheckpointRegistryClient, tmp_path: Path) -> None:
    demo_supply_chain.load(ledger, tmp_path / "keys")
    size = anchor(ledger, registry)
    report = audit_log(ledger, registry)
    assert report.ok, report.findings
    assert report.records_checked == report.log_size == size and report.checkpoints_checked == 1
    assert report.to_dict()["chain_head"] == {"tree_size": size, "root": ledger.root(size).hex()}
    scoped = run_scope_audit(ledger, registry, AuditScope())
    assert not [f for f in scoped.findings if f.check in ACROSS_ROWS], scoped.findings


ACROSS_ROWS = {"replay", "in the tree", "chain head", "keys table", "key revocations table", "participants table"}
"""The checks scoped audits share with audit-log (record by record, they use verify_stored)."""


@pytest.mark.parametrize("in_tree", [False, True], ids=["after-the-tree", "appended-to-the-tree"])
def test_a_replayed_envelope_is_reported_naming_the_original(ledger: Ledger, tea_key: SigningKey,
                                                             registry: CheckpointRegistryClient, in_tree: bool) -> None:
    victim = submit(ledger, tea_key, 5)[2]
    anchor(ledger, registry)
    copy = replay(ledger, victim, in_tree=in_tree)
    report = audit_log(ledger, registry)
    [replayed] = [f for f in report.findings if f.check == "replay"]
    assert replayed.subject == f"record {copy}" and replayed.expected == "each signed submission stored once"
    assert replayed.found.startswith(f"a copy of record {victim} (") and "same signature" in replayed.found
    if in_tree:  # checked row by row too: its digest column lies, and the copy is found by the one it should hold
        assert found(report) == {(f"record {copy}", "replay"), (f"record {copy}", "submission digest")}
        assert "same key and record" in replayed.found
    else:
        assert found(report) == {(f"record {copy}", "replay"), (f"record {copy}", "in the tree")}
    scoped = run_scope_audit(ledger, registry, AuditScope(participant_id="tea-co"))
    assert ("record " + str(copy), "replay") in {(f.subject, f.check) for f in scoped.findings}


@pytest.mark.parametrize("then", ["truncated", "rewritten", "checkpoint row kept"])
def test_a_cut_off_anchored_tail_is_reported_against_the_chain_head(ledger: Ledger, tea_key: SigningKey,
                                                                    registry: CheckpointRegistryClient,
                                                                    then: str) -> None:
    submit(ledger, tea_key, 10)
    kept = anchor(ledger, registry)
    submit(ledger, tea_key, 7, "SH-B")
    lost = anchor(ledger, registry)
    chain_root = ledger.root(lost)
    drop_append_only_guards(ledger.engine, ("records", "record_refs", "merkle_nodes", "checkpoints"))
    with ledger.engine.begin() as conn:
        conn.execute(text("DELETE FROM record_refs WHERE seq >= :n"), {"n": kept})
        conn.execute(text("DELETE FROM records WHERE seq >= :n"), {"n": kept})
        for level in range(0, 64, STRIDE):  # every stored subtree that reaches past the cut
            conn.execute(text("DELETE FROM merkle_nodes WHERE level = :l AND idx >= :i"),
                         {"l": level, "i": kept >> level})
        if then != "checkpoint row kept":
            conn.execute(text("DELETE FROM checkpoints WHERE tree_size = :n"), {"n": lost})
    assert ledger.log_info().size == kept
    if then == "rewritten":
        submit(ledger, tea_key, lost - kept, "SH-OTHER")
    report = audit_log(ledger, registry)
    [head] = report.findings
    if then == "checkpoint row kept":
        assert (head.subject, head.check, head.found) == (
            f"checkpoint {lost}", "log size", f"the log has {kept}: anchored records {kept}-{lost - 1} are gone "
            "(truncated)")
        return
    assert (head.subject, head.check) == (f"checkpoint {lost}", "chain head")
    assert head.expected == f"the log to hold the chain's latest checkpoint (size {lost}, root {chain_root.hex()})"
    if then == "truncated":
        assert head.found == (f"the chain is ahead: the log has {kept} records and the database's latest checkpoint "
                              f"is size {kept}; anchored records {kept}-{lost - 1} are gone (truncated)")
    else:
        assert head.found == (f"the log's records give root {ledger.root(lost).hex()} at size {lost}: "
                              "rewritten after anchoring")
    assert head in run_scope_audit(ledger, registry, AuditScope()).findings


def test_a_row_beyond_the_tree_is_reported(ledger: Ledger, tea_key: SigningKey) -> None:
    submit(ledger, tea_key, 3)
    size = ledger.log_info().size
    first = forge(ledger, tea_key, tea_key, in_tree=False)  # validly signed, but never appended to the tree
    forge_again = dict(stored_envelope(ledger, first), seq=first + 1)
    insert_row(ledger, first + 1, canonical_bytes(forge_again), key_id=tea_key.key_id, digest=b"\x02" * 32,
               in_tree=False)
    report = audit_log(ledger, chain=None)
    assert [(f.subject, f.check, f.expected) for f in report.findings if f.check == "in the tree"] == [
        (f"records {size}-{size + 1}", "in the tree", f"seq below {size}, the Merkle tree's size")]
    assert report.log_size == size


def _insert_key(ledger: Ledger, attacker: SigningKey) -> tuple[str, str]:
    with ledger.engine.begin() as conn:
        conn.execute(text("INSERT INTO keys (key_id, participant_id, public_key, registered_seq) "
                          "VALUES (:k, 'tea-co', :p, 4)"), {"k": attacker.key_id, "p": attacker.public_bytes})
    return f"key {attacker.key_id}", "keys table"


def _swap_public_key(ledger: Ledger, attacker: SigningKey, victim: SigningKey) -> tuple[str, str]:
    drop_append_only_guards(ledger.engine, ("keys",))
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE keys SET public_key = :p WHERE key_id = :k"),
                     {"p": attacker.public_bytes, "k": victim.key_id})
    return f"key {victim.key_id}", "keys table"


def _insert_revocation(ledger: Ledger, victim: SigningKey) -> tuple[str, str]:
    with ledger.engine.begin() as conn:
        conn.execute(text("INSERT INTO key_revocations (key_id, revoked_seq) VALUES (:k, 3)"), {"k": victim.key_id})
    return f"key {victim.key_id}", "key revocations table"


def _insert_participant(ledger: Ledger) -> tuple[str, str]:
    with ledger.engine.begin() as conn:
        conn.execute(text("INSERT INTO participants (participant_id, name, roles, country, registered_seq) "
                          "VALUES ('ghost-co', 'Ghost', '[\"supplier\"]', 'CN', 2)"))
    return "participant ghost-co", "participants table"


@pytest.mark.parametrize("attack", ["inserted key", "swapped public key", "inserted revocation", "inserted participant"])
def test_identity_rows_no_record_made_are_reported(ledger: Ledger, tea_key: SigningKey, attack: str) -> None:
    attacker = SigningKey.generate()
    subject = {
        "inserted key": lambda: _insert_key(ledger, attacker),
        "swapped public key": lambda: _swap_public_key(ledger, attacker, tea_key),
        "inserted revocation": lambda: _insert_revocation(ledger, tea_key),
        "inserted participant": lambda: _insert_participant(ledger),
    }[attack]()
    report = audit_log(ledger, chain=None)
    assert found(report) == {subject}
    [finding] = report.findings
    if attack == "inserted key":
        assert finding.expected == "no row (no record in the log makes one)"
        assert finding.found == f"a row: participant tea-co, public key {attacker.public_b64}, record 4"
    elif attack == "swapped public key":
        assert (finding.expected, finding.found) == (f"public key {tea_key.public_b64}",
                                                     f"public key {attacker.public_b64}")
    elif attack == "inserted revocation":
        assert finding.found == "a row: revoked by record 3, reason None"


def test_a_record_signed_with_a_key_only_the_keys_table_knows_is_reported(ledger: Ledger) -> None:
    attacker = SigningKey.generate()
    _insert_key(ledger, attacker)
    seq = ledger.submit(attacker.sign_record(shipment("SH-1"))).seq  # ingest trusts the keys table
    report = audit_log(ledger, chain=None)
    assert (f"record {seq}", "signer") in found(report) and (f"key {attacker.key_id}", "keys table") in found(report)


def test_an_identity_record_the_operator_did_not_sign_establishes_nothing(ledger: Ledger, tea_key: SigningKey,
                                                                          carrier_key: SigningKey) -> None:
    """A participant with database access registers a key of its own choosing for another participant."""
    planted = SigningKey.generate()
    record = {"kind": "key", "schema_version": 1, "action": "register", "participant_id": "blue-line",
              "key_id": planted.key_id, "public_key": planted.public_b64}
    submission = tea_key.sign_record(record)
    seq = ledger.log_info().size
    canonical = canonical_bytes(record)
    insert_row(ledger, seq, envelope_bytes(canonical, tea_key.key_id, submission["signature"], STAMP, seq),
               key_id=tea_key.key_id, digest=submission_digest(tea_key.key_id, canonical), in_tree=True, kind="key")
    forged = ledger.log_info().size
    env = envelope_bytes(canonical_bytes(shipment("SH-P", shipper="blue-line")), planted.key_id,
                         planted.sign_record(shipment("SH-P", shipper="blue-line"))["signature"], STAMP, forged)
    insert_row(ledger, forged, env, key_id=planted.key_id, participant="blue-line", in_tree=True,
               digest=submission_digest(planted.key_id, canonical_bytes(shipment("SH-P", shipper="blue-line"))))
    report = audit_log(ledger, chain=None)
    assert [(f.subject, f.check, f.expected, f.found) for f in report.findings] == [
        (f"record {seq}", "identity", "signed by a key of the operator op", f"signed by key {tea_key.key_id} of tea-co"),
        (f"record {forged}", "signer", f"a key registered before {forged}", f"unknown key {planted.key_id}"),
    ]


@pytest.mark.parametrize(("column", "value", "check"), [
    ("participant_id", "blue-line", "participant column"), ("kind", "energy_bill", "kind column"),
    ("key_id", "ed25519:00", "key_id column"), ("submission_digest", b"\x07" * 32, "submission digest"),
])
def test_a_derived_column_edited_in_sql_is_reported(ledger: Ledger, tea_key: SigningKey, column: str, value: Any,
                                                    check: str) -> None:
    """Lookups trust these columns (a supplier's scope is its participant_id rows): they must match the envelope."""
    victim = submit(ledger, tea_key, 3)[1]
    drop_append_only_guards(ledger.engine)
    with ledger.engine.begin() as conn:
        conn.execute(text(f"UPDATE records SET {column} = :v WHERE seq = :s"), {"v": value, "s": victim})
    assert found(audit_log(ledger, chain=None)) == {(f"record {victim}", check)}


UNREADABLE = {
    "not UTF-8": (b"\xff\xfe{garbage", "unreadable: envelope is not UTF-8"),
    "text": ("not json at all", "unreadable: envelope is not valid JSON: Expecting value at column 1"),
    "not an envelope": (b'{"record":{}}', "unreadable: not an envelope (members: record)"),
    "nested too deep": (b"[" * 100_000 + b"]" * 100_000, "unreadable: envelope is nested deeper than 65 levels"),
    "NaN": (None, "unreadable: envelope field seq: is NaN"),
    "repeated member": (None, "unreadable: envelope field seq: repeats a member name"),
    "huge integer": (None, "unreadable: cannot be canonicalised ("),
    "non-canonical": (None, "non-canonical bytes"),
}


@pytest.mark.parametrize("damage", list(UNREADABLE))
def test_an_unreadable_or_non_canonical_envelope_is_a_finding_not_a_crash(ledger: Ledger, tea_key: SigningKey,
                                                                          damage: str) -> None:
    victim = submit(ledger, tea_key, 4)[1]
    stored, message = UNREADABLE[damage]
    if damage in ("NaN", "huge integer"):
        seq = float("nan") if damage == "NaN" else 2**60
        stored = json.dumps(dict(stored_envelope(ledger, victim), seq=seq), separators=(",", ":")).encode()
    elif damage == "repeated member":
        stored = canonical_bytes(stored_envelope(ledger, victim))[:-1] + b',"seq":0}'
    elif damage == "non-canonical":
        stored = json.dumps(stored_envelope(ledger, victim), indent=1).encode()
    drop_append_only_guards(ledger.engine)
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE records SET envelope = :e WHERE seq = :s"), {"e": stored, "s": victim})
    report = audit_log(ledger, chain=None)
    [envelope] = [f for f in report.findings if f.check == "envelope"]
    assert envelope.subject == f"record {victim}" and envelope.found.startswith(message)
    assert {s for s, _ in found(report)} == {f"record {victim}"}
    if damage == "non-canonical":  # still what was signed: only the bytes' form (and so its hash) changed
        assert found(report) == {(f"record {victim}", c) for c in ("envelope", "leaf hash", "tree leaf")}


def test_audit_log_exits_1_listing_findings_in_json(ledger: Ledger, tea_key: SigningKey, db_url: str,
                                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger import installation

    monkeypatch.setattr(installation, "open_ledger", lambda config: ledger)
    runner = CliRunner()
    victim = submit(ledger, tea_key, 3)[0]
    clean = runner.invoke(main, ["--home", str(tmp_path), "audit-log", "--no-chain", "--json"])
    assert clean.exit_code == 0 and json.loads(clean.stdout)["findings"] == []
    copy = replay(ledger, victim, in_tree=False)
    result = runner.invoke(main, ["--home", str(tmp_path), "audit-log", "--no-chain", "--json"])
    assert result.exit_code == EXIT_FAILED
    body = json.loads(result.stdout)
    assert body["ok"] is False and {(f["subject"], f["check"]) for f in body["findings"]} == {
        (f"record {copy}", "replay"), (f"record {copy}", "in the tree")}
    text_out = runner.invoke(main, ["--home", str(tmp_path), "audit-log", "--no-chain"]).stdout
    assert (f"✘ record {copy}: replay: expected each signed submission stored once, found a copy of record {victim} "
            "(same signature)") in text_out


def _forged(ledger: Ledger, tea_key: SigningKey) -> int:
    return forge(ledger, SigningKey.generate(), tea_key)


def _replayed(ledger: Ledger, tea_key: SigningKey) -> int:
    return replay(ledger, 7, in_tree=True)


def _unreadable(ledger: Ledger, tea_key: SigningKey) -> int:
    seq = ledger.log_info().size
    insert_row(ledger, seq, b"{not json", key_id=tea_key.key_id, digest=b"\x03" * 32, in_tree=True)
    return seq


@pytest.mark.parametrize(("attack", "checks"), [
    ("forged signature", ["signature"]),
    ("replayed envelope", ["submission digest", "replay"]),  # its digest column had to lie to get in
    ("unreadable envelope", ["envelope"]),
])
def test_the_anchorer_refuses_a_bad_new_row_and_anchors_nothing(ledger: Ledger, tea_key: SigningKey,
                                                                 registry: CheckpointRegistryClient, attack: str,
                                                                 checks: list[str]) -> None:
    submit(ledger, tea_key, 3)
    anchored = anchor(ledger, registry)
    submit(ledger, tea_key, 2, "SH-B")
    bad = {"forged signature": _forged, "replayed envelope": _replayed,
           "unreadable envelope": _unreadable}[attack](ledger, tea_key)
    anchorer = Anchorer(ledger.engine, registry)
    with pytest.raises(AnchorRefusedError, match=rf"refusing to anchor size {bad + 1}: record {bad}: {checks[0]}: "):
        anchorer.step(force=True)  # --force does not skip the checks
    try:
        anchorer.step(force=True)
    except AnchorRefusedError as again:
        assert [(p.subject, p.check) for p in again.problems] == [(f"record {bad}", c) for c in checks]
    assert registry.latest_checkpoint().tree_size == anchored
    assert [c.tree_size for c in ledger.checkpoints()] == [anchored]


def test_anchor_command_exits_1_and_the_watch_loop_raises_the_alarm(ledger: Ledger, tea_key: SigningKey,
                                                                    registry: CheckpointRegistryClient,
                                                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    from ledger.cli import anchor as anchor_cli

    submit(ledger, tea_key, 2)
    bad = forge(ledger, SigningKey.generate(), tea_key)
    monkeypatch.setattr(anchor_cli, "_anchorer", lambda config: Anchorer(ledger.engine, registry))
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "anchor", "--force", "--json"])
    assert result.exit_code == EXIT_FAILED
    body = json.loads(result.stdout)
    assert body["error"] == "AnchorRefusedError" and body["tree_size"] == bad + 1
    assert body["problems"] == [{"subject": f"record {bad}", "check": "signature",
                                 "expected": "valid Ed25519 signature of the signer", "found": "does not verify"}]
    plain = CliRunner().invoke(main, ["--home", str(tmp_path), "anchor", "--force"])
    assert plain.exit_code == EXIT_FAILED and f"refusing to anchor size {bad + 1}: record {bad}: signature" in plain.stderr

    turns = iter([False, False, True])
    with caplog.at_level(logging.CRITICAL, logger="ledger.anchoring"):
        Anchorer(ledger.engine, registry, AnchorPolicy(batch_size=1)).watch(interval=0, stop=lambda: next(turns))
    alarms = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert len(alarms) == 1 and f"record {bad}: signature" in alarms[0].getMessage()  # once, not every turn
    assert registry.latest_checkpoint() is None
