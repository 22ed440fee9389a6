"""Keys are log facts: a key only the keys table knows signs nothing a verifier accepts."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from ledger.anchoring import Anchorer
from ledger.bundles import build_bundle, proof_of
from ledger.chain import CheckpointRegistryClient, connect, deploy_registry
from ledger.config import Config
from ledger.errors import LedgerError
from ledger.key_facts import key_facts
from ledger.records.signing import SigningKey, from_b64url
from ledger.service import Ledger
from ledger.tables import KeyRow
from ledger.verification import check_bundle_offline, verify_bundle, verify_stored
from tests.records_factory import shipment


@pytest.fixture
def registry(tmp_path) -> CheckpointRegistryClient:  # type: ignore[no-untyped-def]
    config = Config(home=tmp_path / "home", chain="tester")
    return deploy_registry(config, connect(config))


def test_a_key_row_inserted_into_the_database_proves_nothing(ledger: Ledger, registry: CheckpointRegistryClient) -> None:
    forged = SigningKey.generate()
    with ledger.engine.begin() as conn:  # an attacker with database access, not with the operator's key
        conn.execute(insert(KeyRow).values(key_id=forged.key_id, participant_id="tea-co",
                                           public_key=from_b64url(forged.public_b64), registered_seq=0))
    seq = ledger.submit(forged.sign_record(shipment("SH-FORGED", "ORD-FORGED"))).seq  # the table lets it in
    assert key_facts(ledger, forged.key_id).registration is None
    bundle, anchored = proof_of(ledger, ledger.record(seq))
    verdict = check_bundle_offline(bundle)
    assert not anchored and [c.name for c in verdict.checks if not c.ok] == ["key registration"]
    assert not verify_stored(ledger, ledger.record(seq), None).ok
    with pytest.raises(LedgerError, match=f"record {seq}"):  # and the anchorer will not anchor it
        Anchorer(ledger.engine, registry).step(force=True)


def test_a_bundle_proves_whose_key_signed(ledger: Ledger, tea_key: SigningKey, registry: CheckpointRegistryClient) -> None:
    seq = ledger.submit(tea_key.sign_record(shipment())).seq
    Anchorer(ledger.engine, registry).step(force=True)
    bundle = build_bundle(ledger, seq)
    assert [r["envelope"]["record"]["kind"] for r in bundle["key_registrations"]] == ["key", "key"]
    verdict = verify_bundle(bundle, registry)
    assert verdict.ok, verdict.to_dict()
    detail = next(c.detail for c in verdict.checks if c.name == "key registration")
    assert f"key {tea_key.key_id} registered to tea-co" in detail
    # a registration swapped for another participant's breaks the proof
    other = build_bundle(ledger, 5)  # blue-line's key record
    bundle["key_registrations"][0] = other["key_registrations"][0] if other["envelope"]["record"]["kind"] == "key" \
        else bundle["key_registrations"][1]
    assert [c.name for c in verify_bundle(bundle, registry).checks if not c.ok] == ["key registration"]


def test_compromised_since_taints_only_what_came_after(ledger: Ledger, tea_key: SigningKey) -> None:
    before = ledger.submit(tea_key.sign_record(shipment("SH-A", "ORD-A"))).seq
    after = ledger.submit(tea_key.sign_record(shipment("SH-B", "ORD-B"))).seq
    ledger.revoke_key(tea_key.key_id, "phished", compromised_since=ledger.record(after).received_at)
    facts = key_facts(ledger, tea_key.key_id)
    assert facts.participant_id == "tea-co" and facts.custody == "own"
    assert verify_stored(ledger, ledger.record(before), None).warnings == []
    assert "reported compromised since" in verify_stored(ledger, ledger.record(after), None).warnings[0]
