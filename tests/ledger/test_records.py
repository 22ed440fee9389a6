"""Canonical bytes, signatures and envelopes: the pure core every proof rests on."""

from __future__ import annotations

import hashlib

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import SchemaError
from ledger.records.canonical import canonical_bytes
from ledger.records.envelope import Envelope, envelope_bytes, format_received_at
from ledger.records.schemas import validate_record
from ledger.records.signing import (
    SIGNING_CONTEXT,
    SigningKey,
    from_b64url,
    key_id_for,
    verify_signature,
)
from tests.records_factory import shipment, transport_leg


def test_canonical_bytes_follow_rfc8785() -> None:
    # RFC 8785 §3.2.3 sorts by UTF-16 code units and prints numbers the ECMAScript way.
    assert canonical_bytes({"b": 1.0, "a": [1e21, 0.1, -0.0], "é": "x"}) == b'{"a":[1e+21,0.1,0],"b":1,"\xc3\xa9":"x"}'


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 2**60, {1: 2}])
def test_canonical_bytes_refuse_values_json_cannot_carry(bad: object) -> None:
    with pytest.raises(ValueError, match="cannot be canonicalised"):
        canonical_bytes(bad)


def test_signature_covers_context_and_canonical_record() -> None:
    key = SigningKey.generate()
    rec = shipment()
    sub = key.sign_record(rec)
    assert sub["key_id"] == key_id_for(key.public_bytes) and sub["key_id"].startswith("ed25519:")
    sig = from_b64url(sub["signature"])
    assert verify_signature(key.public_bytes, canonical_bytes(rec), sig)
    # Key order in the submitted JSON does not matter; content does.
    assert verify_signature(key.public_bytes, canonical_bytes(dict(reversed(list(rec.items())))), sig)
    assert not verify_signature(key.public_bytes, canonical_bytes({**rec, "mass_kg": 14.5}), sig)
    # Domain separation: a bare signature over the record (no context) is not accepted.
    raw = key.private.sign(canonical_bytes(rec))
    assert not verify_signature(key.public_bytes, canonical_bytes(rec), raw)
    assert SIGNING_CONTEXT.endswith(b"\x00")


def test_private_key_round_trips_through_encrypted_pem(tmp_path) -> None:
    key = SigningKey.generate()
    key.save(tmp_path / "k.pem", b"s3cret")
    assert (tmp_path / "k.pem").stat().st_mode & 0o777 == 0o600
    assert SigningKey.load(tmp_path / "k.pem", b"s3cret").key_id == key.key_id
    with pytest.raises(ValueError, match="cannot read private key"):
        SigningKey.load(tmp_path / "k.pem", b"wrong")


def test_envelope_bytes_equal_full_canonicalisation_and_leaf_hash_is_rfc6962() -> None:
    rec = transport_leg(fuel=[{"type": "diesel", "amount": 61.5, "unit": "l"}])
    stamp = "2026-11-22T10:00:00.000001Z"
    fast = envelope_bytes(canonical_bytes(rec), "ed25519:ab", "sig", stamp, 42)
    env = Envelope(record=rec, key_id="ed25519:ab", signature="sig", received_at=stamp, seq=42)
    assert fast == rfc8785.dumps(env.to_dict()) == env.canonical()
    assert env.leaf_hash() == hashlib.sha256(b"\x00" + fast).digest()
    assert Envelope.from_bytes(fast) == env


def test_received_at_has_one_spelling_per_instant() -> None:
    from datetime import datetime, timedelta, timezone

    moment = datetime(2026, 11, 22, 12, 0, tzinfo=timezone(timedelta(hours=8)))
    assert format_received_at(moment) == "2026-11-22T04:00:00.000000Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        format_received_at(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("record", "field", "message"),
    [
        (shipment(mass_kg=-1), "mass_kg", "greater than 0"),
        (shipment(products=[]), "products", "at least 1 item"),
        ({**shipment(), "colour": "green"}, "colour", "Extra inputs are not permitted"),
        (shipment(products=[{"gtin": "123", "description": "x", "quantity": 1, "mass_kg": 1}]), "products[0].gtin", "pattern"),
        (shipment(mass_kg=1.0), None, "less than the products' total mass"),
        (transport_leg(mode="teleport"), "mode", "Input should be"),
        (transport_leg(origin={"name": "Nowhere"}), "origin", "at least one of unlocode, iata or lat/lon"),
        (transport_leg(departure="2026-05-02T00:00:00Z", arrival="2026-05-01T00:00:00Z"), None, "arrival is before departure"),
        (transport_leg(departure="2026-05-02T00:00:00"), "departure", "timezone"),
        ({"kind": "spaceship"}, None, "does not match any of the expected tags"),
    ],
)
def test_schema_errors_name_the_record_and_field(record: dict, field: str | None, message: str) -> None:
    with pytest.raises(SchemaError) as info:
        validate_record(record, "#3 (test)")
    assert info.value.record == "#3 (test)"
    assert info.value.field == field
    assert message in info.value.message


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_fast_canonicalisation_agrees_with_the_reference(value: object) -> None:
    try:
        expected = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        with pytest.raises(ValueError):
            canonical_bytes(value)
        return
    assert canonical_bytes(value) == expected


@pytest.mark.parametrize(
    "value",
    [1e16, 1e21, 1e-7, 0.0001, 0.00001, 12.0, -0.0, 5e-324, 2**53 - 1, 2.0**53, 0.1 + 0.2,
     {"\U0001f600": 1, "\ue000": 2}, "\u2028\x7f\x1f\"\\"],
)
def test_canonicalisation_edge_cases_match_the_reference(value: object) -> None:
    assert canonical_bytes(value) == rfc8785.dumps(value)


@pytest.mark.parametrize(("stored", "message"), [
    (b"[" * 100_000, "stored envelope is nested deeper than 65 levels of arrays and objects"),
    (b'{"record": \xff}', "stored envelope is not UTF-8"),
    (b"{not json", "stored envelope is not valid JSON: Expecting property name"),
], ids=["100000-brackets", "not-utf8", "not-json"])
def test_unreadable_stored_bytes_are_a_value_error_not_a_crash(stored: bytes, message: str) -> None:
    """A tampered row is the server's problem: ``ValueError`` (never a RecursionError), not a user's SchemaError."""
    with pytest.raises(ValueError, match=message) as info:
        Envelope.from_bytes(stored)
    assert type(info.value) is ValueError
