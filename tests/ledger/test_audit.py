"""audit-log finds rows edited behind the ledger's back, by position."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ledger.audit import audit_log
from ledger.records.signing import SigningKey
from ledger.service import Ledger
from tests.records_factory import shipment
from tests.tampering import drop_append_only_guards


def test_clean_log_passes(ledger: Ledger, tea_key: SigningKey) -> None:
    ledger.submit_many([tea_key.sign_record(shipment(f"SH-{i}")) for i in range(30)])
    seen: list[tuple[int, int]] = []
    report = audit_log(ledger, chain=None, progress=lambda done, total: seen.append((done, total)))
    assert report.ok, report.findings
    assert report.records_checked == report.log_size == 36 and seen[-1] == (36, 36)


@pytest.mark.parametrize("tamper", ["envelope", "leaf_hash"])
def test_edited_row_is_reported_with_its_position(ledger: Ledger, tea_key: SigningKey, tamper: str) -> None:
    receipts = ledger.submit_many([tea_key.sign_record(shipment(f"SH-{i}")) for i in range(10)])
    victim = receipts[4].seq
    drop_append_only_guards(ledger.engine)
    with ledger.engine.begin() as conn:
        if tamper == "envelope":
            row = conn.execute(text("SELECT envelope FROM records WHERE seq = :s"), {"s": victim}).scalar_one()
            forged = bytes(row).replace(b'"mass_kg":14', b'"mass_kg":1.4')
            assert forged != bytes(row)
            conn.execute(text("UPDATE records SET envelope = :e WHERE seq = :s"), {"e": forged, "s": victim})
        else:
            conn.execute(text("UPDATE records SET leaf_hash = :h WHERE seq = :s"), {"h": b"\x01" * 32, "s": victim})
    report = audit_log(ledger, chain=None)
    assert not report.ok
    subjects = {(f.subject, f.check) for f in report.findings}
    if tamper == "envelope":
        assert (f"record {victim}", "leaf hash") in subjects and (f"record {victim}", "signature") in subjects
        assert (f"record {victim}", "tree leaf") in subjects
    else:
        assert subjects == {(f"record {victim}", "leaf hash")}


def test_record_bytes_are_sliced_exactly_from_a_canonical_envelope() -> None:
    import json

    from ledger.records.canonical import canonical_bytes
    from ledger.records.envelope import envelope_bytes
    from ledger.row_checks import _record_bytes

    tricky = {"kind": "epcis_event", "event": {"a": 1, "seq": 2, "record": {"seq": 3}, "s": ',"seq":4'}}
    env = envelope_bytes(canonical_bytes(tricky), "ed25519:ab", "c2ln", "2026-01-01T00:00:00.000000Z", 12)
    assert _record_bytes(env) == canonical_bytes(json.loads(env)["record"]) == canonical_bytes(tricky)
