"""Anchoring on a real EVM (eth-tester's py-evm): policy, extension proofs, crash recovery,
the lease, and proof bundles that verify against the contract."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ledger import merkle
from ledger.anchoring import Anchorer, AnchorPolicy
from ledger.bundles import NotAnchoredError, build_bundle
from ledger.chain import CheckpointRegistryClient, connect, deploy_registry
from ledger.config import Config
from ledger.records.signing import SigningKey
from ledger.service import Ledger
from ledger.verification import verify_bundle
from tests.records_factory import shipment


def submit(ledger: Ledger, key: SigningKey, n: int, prefix: str = "SH") -> None:
    ledger.submit_many([key.sign_record(shipment(f"{prefix}-{i}")) for i in range(n)])


def test_anchor_extends_on_chain_and_bundles_verify(ledger: Ledger, tea_key: SigningKey,
                                                     registry: CheckpointRegistryClient) -> None:
    anchorer = Anchorer(ledger.engine, registry, AnchorPolicy(batch_size=5, max_age_seconds=3600))
    submit(ledger, tea_key, 10)
    first = anchorer.step()
    assert first.anchored is not None and first.anchored.tree_size == 16 and "pending" in first.reason
    on_chain = registry.latest_checkpoint()
    assert on_chain is not None and (on_chain.tree_size, on_chain.root) == (16, ledger.root(16))
    submit(ledger, tea_key, 7, "SH-B")
    second = anchorer.step()  # needs a consistency proof 16 -> 23, checked by the contract
    assert second.anchored is not None and second.anchored.tree_size == 23
    assert [c.tree_size for c in ledger.checkpoints()] == [16, 23]

    bundle = build_bundle(ledger, 7)
    assert bundle["checkpoint"]["tree_size"] == 16 and bundle["chain"]["tx_hash"] == first.anchored.tx_hash
    verdict = verify_bundle(bundle, registry)
    assert verdict.ok, verdict.to_dict()
    assert {c.name for c in verdict.checks} >= {"signature", "leaf hash", "inclusion", "checkpoint on chain"}
    # the contract agrees with our proof, too
    assert registry.verify_inclusion(7, 16, bytes.fromhex(bundle["leaf_hash"]),
                                     [bytes.fromhex(p) for p in bundle["inclusion_proof"]], ledger.root(16))


def test_tampered_bundle_fails_the_right_check(ledger: Ledger, tea_key: SigningKey,
                                               registry: CheckpointRegistryClient) -> None:
    submit(ledger, tea_key, 3)
    Anchorer(ledger.engine, registry).step(force=True)
    bundle = build_bundle(ledger, 7)
    bundle["envelope"]["record"]["mass_kg"] = 1.0
    failed = {c.name for c in verify_bundle(bundle, registry).checks if not c.ok}
    assert failed == {"signature", "leaf hash", "inclusion"}
    bundle = build_bundle(ledger, 7)
    bundle["checkpoint"]["root"] = "00" * 32
    failed = {c.name for c in verify_bundle(bundle, registry).checks if not c.ok}
    assert failed == {"inclusion", "key registration", "checkpoint on chain"}
    bundle = build_bundle(ledger, 7)
    del bundle["key_registrations"]  # a bundle that does not prove the key belonged to anyone
    failed = {c.name for c in verify_bundle(bundle, registry).checks if not c.ok}
    assert failed == {"key registration"}


def test_policy_waits_for_batch_or_age(ledger: Ledger, tea_key: SigningKey, registry: CheckpointRegistryClient) -> None:
    clock = [datetime.now(timezone.utc)]
    anchorer = Anchorer(ledger.engine, registry, AnchorPolicy(batch_size=1000, max_age_seconds=30),
                        clock=lambda: clock[0])
    submit(ledger, tea_key, 3)
    result = anchorer.step()
    assert result.anchored is None and result.reason == "nothing due" and result.pending == 9
    with pytest.raises(NotAnchoredError, match="not anchored yet"):
        build_bundle(ledger, 7)
    clock[0] += timedelta(seconds=31)
    result = anchorer.step()
    assert result.anchored is not None and "waited" in result.reason
    assert anchorer.step().reason == "nothing due"


def test_restart_after_send_records_what_the_chain_holds(ledger: Ledger, tea_key: SigningKey,
                                                         registry: CheckpointRegistryClient) -> None:
    """Killed after its transaction was mined, before writing the checkpoint row."""
    submit(ledger, tea_key, 4)
    size = ledger.log_info().size
    registry.append_checkpoint(size, ledger.root(size), [], "carbonledger:size=10")  # the lost step
    assert ledger.checkpoints() == []
    anchorer = Anchorer(ledger.engine, registry, AnchorPolicy(batch_size=1))
    result = anchorer.step()
    assert [c.tree_size for c in result.recovered] == [size] and result.anchored is None
    assert registry.checkpoint_count() == 1 and ledger.checkpoints()[0].tx_hash == registry.find_append(size).tx_hash
    submit(ledger, tea_key, 2, "SH-N")
    assert anchorer.step().anchored.tree_size == size + 2
    assert registry.checkpoint_count() == 2


def test_resending_the_same_checkpoint_is_harmless(ledger: Ledger, tea_key: SigningKey,
                                                   registry: CheckpointRegistryClient) -> None:
    submit(ledger, tea_key, 2)
    anchorer = Anchorer(ledger.engine, registry)
    cp = anchorer.step(force=True).anchored
    again = registry.append_checkpoint(cp.tree_size, cp.root, [])
    assert again.appended is False and again.tx_hash == cp.tx_hash and registry.checkpoint_count() == 1


def test_one_anchorer_at_a_time(ledger: Ledger, registry: CheckpointRegistryClient) -> None:
    clock = [datetime.now(timezone.utc)]
    a = Anchorer(ledger.engine, registry, clock=lambda: clock[0], holder="worker-a")
    b = Anchorer(ledger.engine, registry, clock=lambda: clock[0], holder="worker-b")
    assert a.acquire_lease() and not b.acquire_lease()
    assert b.step(force=True).reason == "another anchorer holds the lease"
    clock[0] += timedelta(minutes=5)  # a died without releasing: its lease expires
    assert b.acquire_lease() and not a.acquire_lease()
    b.release_lease()
    assert a.acquire_lease()


def test_log_and_chain_disagreeing_is_never_papered_over(ledger: Ledger, tea_key: SigningKey,
                                                         registry: CheckpointRegistryClient) -> None:
    submit(ledger, tea_key, 2)
    size = ledger.log_info().size
    registry.append_checkpoint(size, merkle.leaf_hash(b"another log"), [])
    with pytest.raises(RuntimeError, match="root mismatch"):
        Anchorer(ledger.engine, registry).step()


def test_cached_reader_serves_confirmed_checkpoints_from_memory(ledger: Ledger, tea_key: SigningKey,
                                                                 registry: CheckpointRegistryClient) -> None:
    from ledger.verification import CachedCheckpointReader

    calls: list[int] = []

    class Counting:
        chain_id = registry.chain_id

        def checkpoint_by_size(self, size: int):  # type: ignore[no-untyped-def]
            calls.append(size)
            return registry.checkpoint_by_size(size)

    cached = CachedCheckpointReader(Counting())
    assert cached.checkpoint_by_size(4) is None and cached.checkpoint_by_size(4) is None
    submit(ledger, tea_key, 1)
    cp = Anchorer(ledger.engine, registry).step(force=True).anchored
    for _ in range(3):
        assert cached.checkpoint_by_size(cp.tree_size).root == cp.root
    assert calls == [4, 4, cp.tree_size]  # absences are asked again, a found checkpoint once
    assert verify_bundle(build_bundle(ledger, 5), cached).ok


def test_audit_log_names_a_checkpoint_the_chain_does_not_hold(ledger: Ledger, tea_key: SigningKey,
                                                              registry: CheckpointRegistryClient,
                                                              tmp_path: Path) -> None:
    from ledger.audit import audit_log

    submit(ledger, tea_key, 3)
    cp = Anchorer(ledger.engine, registry).step(force=True).anchored
    assert audit_log(ledger, registry).ok
    # the same database audited against another registry (e.g. a chain that was reset)
    other_config = Config(home=tmp_path / "other", chain="tester")
    other = deploy_registry(other_config, connect(other_config))
    report = audit_log(ledger, other)
    assert [(f.subject, f.check, f.found) for f in report.findings] == [(f"checkpoint {cp.tree_size}", "on chain",
                                                                         "missing")]
