"""Ingest on SQLite and PostgreSQL: what is accepted, what is refused, and that a refusal
stores nothing."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from ledger import merkle
from ledger.errors import (
    ConflictError,
    NotAuthorisedError,
    NotFoundError,
    RevokedKeyError,
    SchemaError,
    SignatureError,
    UnknownKeyError,
)
from ledger.ingest import BatchRejected
from ledger.records.envelope import Envelope
from ledger.records.signing import SigningKey, b64url
from ledger.service import Ledger
from ledger.tables import RecordRow
from tests.records_factory import shipment, transport_leg


def count(ledger: Ledger) -> int:
    with ledger.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(RecordRow)).scalar_one()


def test_genesis_registers_the_operator(ledger: Ledger) -> None:
    assert ledger.operator_id == "op"
    kinds = [r.kind for r in ledger.iter_records()]
    # genesis (key, participant), then each fixture participant with its key
    assert kinds == ["key", "participant", "participant", "key", "participant", "key"]
    assert ledger.log_info().size == 6
    assert [p["participant_id"] for p in ledger.participants()] == ["op", "tea-co", "blue-line"]


def test_accepted_record_is_in_the_log_with_a_verifiable_proof(ledger: Ledger, tea_key: SigningKey) -> None:
    receipt = ledger.submit(tea_key.sign_record(shipment()))
    stored = ledger.record(receipt.seq)
    env = stored.envelope
    assert env.record == shipment() and env.key_id == tea_key.key_id and env.seq == receipt.seq
    assert Envelope.from_bytes(stored.envelope_bytes).leaf_hash() == receipt.leaf_hash == stored.leaf_hash
    size, proof = ledger.inclusion_proof(receipt.seq)
    merkle.verify_inclusion(receipt.leaf_hash, receipt.seq, size, proof, ledger.root(size))
    assert [r.seq for r in ledger.records_by_ref("order_id", "ORD-1")] == [receipt.seq]
    assert [r.seq for r in ledger.records_by_ref("gtin", "06901234567892")] == [receipt.seq]


def test_resubmission_returns_the_existing_sequence_number(ledger: Ledger, tea_key: SigningKey) -> None:
    sub = tea_key.sign_record(shipment())
    first = ledger.submit(sub)
    before = count(ledger)
    again = ledger.submit(sub)
    assert (again.seq, again.leaf_hash, again.duplicate) == (first.seq, first.leaf_hash, True)
    both = ledger.submit_many([tea_key.sign_record(shipment("SH-2")), tea_key.sign_record(shipment("SH-2"))])
    assert both[0].seq == both[1].seq and both[1].duplicate
    assert count(ledger) == before + 1


def test_bad_signature_unknown_key_and_schema_errors_store_nothing(ledger: Ledger, tea_key: SigningKey) -> None:
    before = count(ledger), ledger.log_info()
    tampered = tea_key.sign_record(shipment())
    tampered["record"] = {**tampered["record"], "mass_kg": 13.0}
    with pytest.raises(SignatureError) as info:
        ledger.submit(tampered)
    assert info.value.field == "signature" and "SH-1" in info.value.record

    stranger = SigningKey.generate()
    with pytest.raises(UnknownKeyError, match="is not registered"):
        ledger.submit(stranger.sign_record(shipment()))

    with pytest.raises(SchemaError) as info:
        ledger.submit(tea_key.sign_record(shipment(mass_kg="heavy")))
    assert info.value.field == "mass_kg"

    with pytest.raises(SignatureError, match="base64url"):
        ledger.submit({**tea_key.sign_record(shipment()), "signature": "!!"})
    with pytest.raises(SchemaError, match="unexpected member"):
        ledger.submit({**tea_key.sign_record(shipment()), "seq": 5})
    assert (count(ledger), ledger.log_info()) == before


def test_batch_is_all_or_nothing_and_reports_every_bad_position(ledger: Ledger, tea_key: SigningKey) -> None:
    before = count(ledger)
    batch = [tea_key.sign_record(shipment(f"SH-{i}")) for i in range(5)]
    batch[1] = tea_key.sign_record(shipment("SH-1", mass_kg=-5))
    batch[3] = {**batch[3], "signature": b64url(bytes(64))}
    with pytest.raises(BatchRejected) as info:
        ledger.submit_many(batch)
    assert [i for i, _ in info.value.errors] == [1, 3]
    assert isinstance(info.value.errors[0][1], SchemaError) and isinstance(info.value.errors[1][1], SignatureError)
    assert "2 of 5 submissions rejected, nothing stored" in str(info.value)
    assert count(ledger) == before


def test_revoked_key_is_refused_for_new_records_only(ledger: Ledger, tea_key: SigningKey) -> None:
    old = tea_key.sign_record(shipment())
    first = ledger.submit(old)
    ledger.revoke_key(tea_key.key_id, "laptop stolen")
    with pytest.raises(RevokedKeyError, match="revoked"):
        ledger.submit(tea_key.sign_record(shipment("SH-9")))
    assert ledger.submit(old).seq == first.seq  # a record accepted earlier stays accepted
    with pytest.raises(ConflictError, match="already revoked"):
        ledger.revoke_key(tea_key.key_id)


def test_identity_claims_must_match_the_signature(ledger: Ledger, tea_key: SigningKey, carrier_key: SigningKey) -> None:
    with pytest.raises(NotAuthorisedError) as info:
        ledger.submit(carrier_key.sign_record(shipment(shipper="tea-co")))
    assert info.value.field == "shipper"
    with pytest.raises(NotAuthorisedError, match="carrier 'someone-else' is not the signer"):
        ledger.submit(carrier_key.sign_record(transport_leg(carrier="someone-else")))
    participant = {"kind": "participant", "schema_version": 1, "participant_id": "x", "name": "X", "roles": ["supplier"]}
    with pytest.raises(NotAuthorisedError, match="must be signed by the ledger operator"):
        ledger.submit(tea_key.sign_record(participant))
    with pytest.raises(ConflictError, match="already exists"):
        ledger.register_participant("tea-co", "Again", ["supplier"])
    with pytest.raises(NotFoundError, match="not registered"):
        ledger.register_key("ghost", SigningKey.generate().public_b64)


def test_corrections_supersede_without_editing(ledger: Ledger, tea_key: SigningKey, carrier_key: SigningKey) -> None:
    original = ledger.submit(tea_key.sign_record(shipment()))
    fix = {
        "kind": "correction", "schema_version": 1, "supersedes": original.leaf_hash.hex(),
        "reason": "scale was miscalibrated", "replacement": shipment(mass_kg=14.2),
    }
    receipt = ledger.submit(tea_key.sign_record(fix))
    assert receipt.seq == original.seq + 1
    assert ledger.record(original.seq).record["mass_kg"] == 14.0  # untouched
    assert [r.kind for r in ledger.records_by_ref("supersedes", original.leaf_hash.hex())] == ["correction"]
    with pytest.raises(NotAuthorisedError, match="only tea-co"):
        ledger.submit(carrier_key.sign_record({**fix, "reason": "not mine"}))
    with pytest.raises(SchemaError) as info:
        ledger.submit(tea_key.sign_record({**fix, "replacement": transport_leg()}))
    assert info.value.field == "replacement.kind"
    with pytest.raises(SchemaError) as info:
        ledger.submit(tea_key.sign_record({**fix, "replacement": shipment(mass_kg=0)}))
    assert info.value.field == "replacement.mass_kg"
    with pytest.raises(NotFoundError, match="no record with leaf hash"):
        ledger.submit(tea_key.sign_record({**fix, "supersedes": "00" * 32}))


def test_received_time_comes_from_the_server(ledger: Ledger, tea_key: SigningKey) -> None:
    ledger.clock = lambda: datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)
    receipt = ledger.submit(tea_key.sign_record(shipment()))
    assert ledger.record(receipt.seq).envelope.received_at == "2026-03-01T09:30:00.000000Z"


def test_database_refuses_updates_and_deletes_of_records(ledger: Ledger, tea_key: SigningKey) -> None:
    receipt = ledger.submit(tea_key.sign_record(shipment()))
    for statement in (
        "UPDATE records SET kind = 'x' WHERE seq = :s",
        "DELETE FROM records WHERE seq = :s",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            with ledger.engine.begin() as conn:
                conn.execute(text(statement), {"s": receipt.seq})
    assert ledger.record(receipt.seq).kind == "shipment"


def test_concurrent_writers_get_distinct_consecutive_positions(ledger: Ledger, tea_key: SigningKey) -> None:
    from concurrent.futures import ThreadPoolExecutor

    subs = [tea_key.sign_record(shipment(f"SH-C{i}")) for i in range(40)]
    start = ledger.log_info().size
    with ThreadPoolExecutor(4) as pool:
        seqs = sorted(r.seq for r in pool.map(ledger.submit, subs))
    assert seqs == list(range(start, start + 40))
    info = ledger.log_info()
    assert info.size == start + 40
    for rec in ledger.iter_records(start):
        size, proof = ledger.inclusion_proof(rec.seq)
        merkle.verify_inclusion(rec.leaf_hash, rec.seq, size, proof, info.root)


def test_parallel_signature_checks_still_pinpoint_the_bad_one(ledger: Ledger, tea_key: SigningKey) -> None:
    batch = [tea_key.sign_record(shipment(f"SH-P{i}")) for i in range(300)]
    forged = tea_key.sign_record(shipment("SH-P7", mass_kg=15.0))
    batch[217] = {**batch[217], "signature": forged["signature"]}
    before = count(ledger)
    with pytest.raises(BatchRejected) as info:
        ledger.submit_many(batch)
    assert [(i, type(e)) for i, e in info.value.errors] == [(217, SignatureError)]
    assert count(ledger) == before
    assert len(ledger.submit_many(batch[:217])) == 217


NOT_IJSON = [
    ("1e17", {"mass_kg": 1e17}, "mass_kg", "which RFC 8785 writes as the integer 100000000000000000"),
    ("2**60", {"mass_kg": 2**60}, "mass_kg", "is the integer 1152921504606846976, beyond ±(2**53 - 1)"),
    ("nan", {"mass_kg": float("nan")}, "mass_kg", "is NaN, which is not a JSON number"),
    ("nested", {"products": [{"gtin": "06901234567892", "description": "tea", "quantity": 2**60, "mass_kg": 0.3}]},
     "products[0].quantity", "is the integer 1152921504606846976"),
    ("lone-surrogate", {"origin": {"name": "Hang\udc00zhou", "unlocode": "CNHGH"}}, "origin.name",
     "holds a lone surrogate U+DC00 at character 4"),
]


@pytest.mark.parametrize(("over", "field", "message"), [c[1:] for c in NOT_IJSON], ids=[c[0] for c in NOT_IJSON])
def test_a_record_that_is_not_ijson_is_refused_naming_the_field(ledger: Ledger, tea_key: SigningKey, over: dict,
                                                                field: str, message: str) -> None:
    """RFC 7493 before canonicalising: such a record could not be signed, or re-canonicalised, reproducibly."""
    before = count(ledger), ledger.log_info()
    submission = {"record": shipment(**over), "key_id": tea_key.key_id, "signature": b64url(bytes(64))}
    with pytest.raises(SchemaError) as info:
        ledger.submit(submission)
    assert type(info.value) is SchemaError
    assert (info.value.record, info.value.field) == ("#0 (shipment SH-1)", field)
    assert message in info.value.message
    with pytest.raises(BatchRejected) as batch:
        ledger.submit_many([tea_key.sign_record(shipment("SH-OK")), submission])
    assert [(i, e.field) for i, e in batch.value.errors] == [(1, field)]
    assert (count(ledger), ledger.log_info()) == before


def test_a_raw_json_submission_with_a_repeated_name_is_refused_before_the_ledger(ledger: Ledger,
                                                                                   tea_key: SigningKey) -> None:
    """JSON keeps repeated names, Python keeps the last: the door (``read_items``) refuses them, naming the member."""
    from ledger.record_files import read_items

    signed = tea_key.sign_record(shipment())
    raw = json.dumps(signed).replace('"mass_kg": 14.0', '"mass_kg": 14.0, "mass_kg": 140.0')
    before = count(ledger), ledger.log_info()
    with pytest.raises(SchemaError) as info:
        ledger.submit_many([item.data for item in read_items(raw, "json")])
    assert info.value.field == "record.mass_kg" and "repeats a member name" in info.value.message
    assert (count(ledger), ledger.log_info()) == before
