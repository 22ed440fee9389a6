"""Who may write about an order (ledger.authority): each attack a test, on SQLite and PostgreSQL.

A signature proves who wrote a record, not that they were entitled to. Every case here
signs correctly with a registered key and still must not become part of someone else's
order: refused at ingest where the rule can be checked then, and left out of the order
view (so out of the page, the footprint inputs and the audits) where it cannot.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import footprint_records
from ledger.audit_scope import AuditScope, run_scope_audit
from ledger.custodial_keys import CustodialKeys
from ledger.errors import ConflictError, LedgerError, NotAuthorisedError, NotFoundError, SchemaError
from ledger.provenance import OrderView, order_view
from ledger.records.signing import SigningKey
from ledger.service import Ledger
from ledger.verification import verify_order
from tests.records_factory import shipment, transport_leg

VICTIM_ORDER = "ORD-1"


@pytest.fixture
def mallory_key(ledger: Ledger) -> SigningKey:
    """A registered supplier with its own key and no business with tea-co's orders."""
    key = SigningKey.generate()
    ledger.register_participant("mallory", "Mallory Trading", ["supplier", "carrier"], "CN", key.public_b64)
    return key


@pytest.fixture
def order(ledger: Ledger, tea_key: SigningKey, carrier_key: SigningKey) -> dict[str, int]:
    """tea-co's order ORD-1 (shipment SH-1), delegated to blue-line for legs, and blue-line's leg."""
    seqs = {"shipment": ledger.submit(tea_key.sign_record(shipment())).seq}
    seqs["delegation"] = ledger.submit(tea_key.sign_record(delegation("blue-line", ["SH-1"]))).seq
    seqs["leg"] = ledger.submit(carrier_key.sign_record(transport_leg(carrier="blue-line"))).seq
    return seqs


def delegation(delegate: str, shipment_ids: list[str], may_add: list[str] | None = None,
               delegation_id: str = "DEL-1") -> dict[str, Any]:
    return {"kind": "delegation", "schema_version": 1, "delegation_id": delegation_id, "delegate": delegate,
            "shipment_ids": shipment_ids, "may_add": may_add or ["transport_leg"]}


def hub(hub_id: str = "HUB-1", shipment_ids: list[str] | None = None, **over: Any) -> dict[str, Any]:
    return {"kind": "hub_operation", "schema_version": 1, "hub_id": hub_id, "shipment_ids": shipment_ids or ["SH-1"],
            "country": "DE", "electricity_kwh": 999_999.0, "throughput_kg": 50_000.0, "period": "2026-10", **over}


def snapshot(view: OrderView | None) -> dict[str, Any]:
    assert view is not None
    return {"owner": view.owner, "shipments": [(v.stored.seq, v.effective) for v in view.shipments],
            "legs": [(v.stored.seq, v.effective) for v in view.legs], "hubs": [(v.stored.seq, v.effective) for v in view.hubs],
            "footprints": [f.seq for f in view.footprints]}


# -- refused at ingest ---------------------------------------------------------------------

def test_a_shipment_into_another_companys_order_is_refused(ledger: Ledger, order: dict[str, int],
                                                           mallory_key: SigningKey) -> None:
    before = snapshot(order_view(ledger, VICTIM_ORDER))
    with pytest.raises(NotAuthorisedError, match="order ORD-1 belongs to tea-co") as refused:
        ledger.submit(mallory_key.sign_record(shipment(shipper="mallory", mass_kg=99.0)))
    assert refused.value.field == "order_id"
    assert snapshot(order_view(ledger, VICTIM_ORDER)) == before


def test_a_leg_without_carrier_on_another_companys_shipment_is_refused(ledger: Ledger, order: dict[str, int],
                                                                       mallory_key: SigningKey) -> None:
    fake = transport_leg("LEG-X", origin={"name": "Shenzhen", "unlocode": "CNSZX"},
                         destination={"name": "Sydney", "unlocode": "AUSYD"}, distance_km=7400.0,
                         departure="2030-01-01T00:00:00+00:00")
    with pytest.raises(NotAuthorisedError, match="no owner of shipment SH-1 has delegated transport_leg records to mallory") \
            as refused:
        ledger.submit(mallory_key.sign_record(fake))
    assert refused.value.field == "shipment_ids[0]"


def test_a_leg_reusing_another_carriers_leg_id_is_refused(ledger: Ledger, order: dict[str, int],
                                                          mallory_key: SigningKey) -> None:
    with pytest.raises(NotAuthorisedError, match="delegated transport_leg records to mallory"):
        ledger.submit(mallory_key.sign_record(transport_leg(carrier="mallory", distance_km=9000.0)))
    assert [v.stored.seq for v in order_view(ledger, VICTIM_ORDER).legs] == [order["leg"]]


def test_a_hub_operation_on_another_companys_shipment_is_refused(ledger: Ledger, order: dict[str, int],
                                                                 mallory_key: SigningKey) -> None:
    with pytest.raises(NotAuthorisedError, match="delegated hub_operation records to mallory"):
        ledger.submit(mallory_key.sign_record(hub()))


def test_a_delegation_covers_only_what_it_names(ledger: Ledger, order: dict[str, int],
                                                carrier_key: SigningKey) -> None:
    with pytest.raises(NotAuthorisedError, match="delegated hub_operation records to blue-line"):
        ledger.submit(carrier_key.sign_record(hub()))  # delegated legs, not hub operations


def test_only_an_owner_delegates_its_shipments(ledger: Ledger, order: dict[str, int], mallory_key: SigningKey) -> None:
    with pytest.raises(NotAuthorisedError, match="you have recorded no shipment SH-1 to delegate"):
        ledger.submit(mallory_key.sign_record(delegation("mallory", ["SH-1"])))


def test_a_delegation_names_a_registered_participant(ledger: Ledger, order: dict[str, int], tea_key: SigningKey) -> None:
    with pytest.raises(NotFoundError, match="participant ghost-co is not registered") as refused:
        ledger.submit(tea_key.sign_record(delegation("ghost-co", ["SH-1"], delegation_id="DEL-2")))
    assert refused.value.field == "delegate"


def test_a_correction_obeys_the_rules_of_its_replacement(ledger: Ledger, order: dict[str, int],
                                                         tea_key: SigningKey, mallory_key: SigningKey) -> None:
    original = ledger.record(order["shipment"])

    def correct(**change: Any) -> dict[str, Any]:
        return {"kind": "correction", "schema_version": 1, "supersedes": original.leaf_hash.hex(),
                "reason": "re-weighed", "replacement": shipment(**change)}

    with pytest.raises(NotAuthorisedError, match="shipper 'blue-line' is not the signer 'tea-co'") as refused:
        ledger.submit(tea_key.sign_record(correct(shipper="blue-line")))
    assert refused.value.field == "replacement.shipper"
    ledger.submit(mallory_key.sign_record(shipment("SH-M", "ORD-M", "mallory")))
    with pytest.raises(NotAuthorisedError, match="order ORD-M belongs to mallory"):
        ledger.submit(tea_key.sign_record(correct(order_id="ORD-M")))
    ledger.submit(tea_key.sign_record(correct(mass_kg=15.0)))  # a correction within the rules is fine
    assert order_view(ledger, VICTIM_ORDER).shipments[0].effective["mass_kg"] == 15.0


def test_the_same_shipment_id_twice_by_one_signer_is_a_conflict(ledger: Ledger, order: dict[str, int],
                                                                tea_key: SigningKey) -> None:
    with pytest.raises(ConflictError, match="send a correction"):
        ledger.submit(tea_key.sign_record(shipment(mass_kg=20.0)))


def test_records_about_shipments_nobody_recorded_are_refused(ledger: Ledger, carrier_key: SigningKey) -> None:
    with pytest.raises(NotFoundError, match="no shipment SH-NONE is recorded") as refused:
        ledger.submit(carrier_key.sign_record(transport_leg(shipment_ids=["SH-NONE"])))
    assert refused.value.field == "shipment_ids[0]"


@pytest.mark.parametrize("field", ["departure", "arrival"])
def test_legs_in_the_future_are_refused(ledger: Ledger, order: dict[str, int], carrier_key: SigningKey,
                                        field: str) -> None:
    times = {"departure": "2026-01-01T00:00:00+00:00", "arrival": "2026-01-02T00:00:00+00:00"}
    times[field] = (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()
    if field == "departure":
        times["arrival"] = (datetime.now(timezone.utc) + timedelta(days=4)).isoformat()
    with pytest.raises(SchemaError, match="more than 24 h after the ledger received it") as refused:
        ledger.submit(carrier_key.sign_record(transport_leg("LEG-F", carrier="blue-line", **times)))
    assert refused.value.field == field
    soon = (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()  # within the tolerance: clocks differ
    ledger.submit(carrier_key.sign_record(transport_leg("LEG-S", carrier="blue-line", arrival=soon)))


def test_epcis_events_in_the_future_are_refused(ledger: Ledger, tea_key: SigningKey) -> None:
    event = {"kind": "epcis_event", "schema_version": 1, "event": {
        "type": "ObjectEvent", "eventTime": "2099-01-01T00:00:00Z", "eventTimeZoneOffset": "+00:00",
        "epcList": ["urn:epc:id:sgtin:6901234.056789.1"], "action": "OBSERVE"}}
    with pytest.raises(SchemaError, match="2099-01-01T00:00:00\\+00:00 is more than 24 h") as refused:
        ledger.submit(tea_key.sign_record(event))
    assert refused.value.field == "event.eventTime"


# -- excluded by every verifier ------------------------------------------------------------

def test_ids_live_in_their_signers_namespace(ledger: Ledger, mallory_key: SigningKey, tea_key: SigningKey,
                                             carrier_key: SigningKey) -> None:
    """mallory records its own SH-1 first (legitimately, in its own order) and adds legs and a hub
    to it: none of them joins tea-co's SH-1 in ORD-1, its footprint or its verification."""
    ledger.submit(mallory_key.sign_record(shipment("SH-1", "ORD-M", "mallory")))
    ledger.submit(mallory_key.sign_record(transport_leg("LEG-M", distance_km=7000.0)))
    ledger.submit(mallory_key.sign_record(hub("HUB-M")))
    own = ledger.submit(tea_key.sign_record(shipment())).seq
    ledger.submit(tea_key.sign_record(delegation("blue-line", ["SH-1"])))
    leg = ledger.submit(carrier_key.sign_record(transport_leg("LEG-1", carrier="blue-line"))).seq
    view = order_view(ledger, VICTIM_ORDER)
    assert view is not None and view.owner == "tea-co"
    assert [v.stored.seq for v in view.shipments] == [own] and [v.stored.seq for v in view.legs] == [leg]
    assert view.hubs == [] and {c.participant_id for c in view.claims} == {"mallory"}
    assert {c.kind for c in view.claims} == {"transport_leg", "hub_operation"}
    inputs = footprint_records.gather_inputs(ledger, VICTIM_ORDER)
    assert [leg["leg_id"] for leg in inputs.legs] == ["LEG-1"] and inputs.hubs == []
    assert [s["shipper"] for s in inputs.shipments] == ["tea-co"]
    assert not {c.seq for c in view.claims} & {s.seq for s in view.all_records()}
    mallorys = order_view(ledger, "ORD-M")
    assert [v.stored.participant_id for v in mallorys.legs] == ["mallory"]  # its own order is its own business


def test_a_withdrawn_delegation_ends_from_then_on(ledger: Ledger, order: dict[str, int], tea_key: SigningKey,
                                                  carrier_key: SigningKey) -> None:
    granted = ledger.record(order["delegation"])
    ledger.submit(tea_key.sign_record({"kind": "correction", "schema_version": 1, "reason": "contract ended",
                                       "supersedes": granted.leaf_hash.hex(), "replacement": None}))
    with pytest.raises(NotAuthorisedError, match="delegated transport_leg records to blue-line"):
        ledger.submit(carrier_key.sign_record(transport_leg("LEG-2", carrier="blue-line")))
    assert [v.stored.seq for v in order_view(ledger, VICTIM_ORDER).legs] == [order["leg"]]  # earlier legs stay


def test_custodial_keys_are_never_made_for_a_participant_with_its_own_key(ledger: Ledger) -> None:
    custodial = CustodialKeys(ledger, b"x" * 32)
    with pytest.raises(NotAuthorisedError, match="tea-co signs with its own key"):
        custodial.key("tea-co")
    with pytest.raises(SchemaError, match="say why"):
        custodial.add("tea-co", "  ")
    key = custodial.add("tea-co", "its staff submit through the portal")
    registration = [r for r in ledger.records_by_ref("key_id", key.key_id) if r.kind == "key"][0]
    assert registration.record["custody"] == "custodial"
    assert registration.record["reason"] == "its staff submit through the portal"
    assert custodial.key("tea-co").key_id == key.key_id
    with pytest.raises(ConflictError, match="already holds a key"):
        custodial.add("tea-co", "again")


def test_an_operator_correction_warns_with_its_reason(ledger: Ledger, order: dict[str, int]) -> None:
    original = ledger.record(order["shipment"])
    ledger.sign_and_submit({"kind": "correction", "schema_version": 1, "supersedes": original.leaf_hash.hex(),
                            "reason": "consignee asked to fix the destination", "replacement": shipment(mass_kg=14.5)})
    verification = verify_order(ledger, order_view(ledger, VICTIM_ORDER), None)
    assert verification.state == "warning"
    assert any("corrected by the operator on" in w and "consignee asked" in w for w in verification.all_warnings)


def test_records_after_a_key_was_compromised_warn(ledger: Ledger, order: dict[str, int],
                                                  carrier_key: SigningKey, tea_key: SigningKey) -> None:
    later = ledger.submit(tea_key.sign_record(shipment("SH-2", mass_kg=30.0))).seq
    since = ledger.record(later).received_at
    ledger.revoke_key(tea_key.key_id, "laptop stolen", compromised_since=since)
    verification = verify_order(ledger, order_view(ledger, VICTIM_ORDER), None)
    warned = {s.seq for s, v in verification.records if v.warnings}
    assert warned == {later} and verification.state == "warning"
    assert "reported compromised since" in verification.sentence()
    report = run_scope_audit(ledger, None, AuditScope(order_ids=(VICTIM_ORDER,)))
    flagged = [f for f in report.findings if f.check == "key not compromised"]
    assert [f.subject for f in flagged] == [f"record {later} (shipment)"]


def test_scoped_audits_count_only_the_orders_own_records(ledger: Ledger, tea_key: SigningKey,
                                                         mallory_key: SigningKey) -> None:
    ledger.submit(mallory_key.sign_record(shipment("SH-1", "ORD-M", "mallory")))
    ledger.submit(mallory_key.sign_record(transport_leg("LEG-M")))
    own = ledger.submit(tea_key.sign_record(shipment())).seq
    report = run_scope_audit(ledger, None, AuditScope(order_ids=(VICTIM_ORDER,)))
    assert report.records_checked == 1 and own == order_view(ledger, VICTIM_ORDER).all_records()[0].seq


# -- property: nobody unentitled changes an order ------------------------------------------

@pytest.fixture
def eve_key(ledger: Ledger) -> SigningKey:
    key = SigningKey.generate()
    ledger.register_participant("eve", "Eve Logistics", ["carrier"], None, key.public_b64)
    return key


_ids = st.sampled_from(["SH-1", "SH-2", "SH-9"])
_orders = st.sampled_from([VICTIM_ORDER, "ORD-2", "ORD-9"])
_attack = st.one_of(
    st.builds(lambda s, o: shipment(s, o, "{signer}", mass_kg=50.0), _ids, _orders),
    st.builds(lambda s, c: transport_leg("LEG-1", [s], carrier="{signer}" if c else None, distance_km=900.0), _ids,
              st.booleans()),
    st.builds(lambda s: hub("HUB-1", [s]), _ids),
    st.builds(lambda s, d: delegation(d, [s], ["transport_leg", "hub_operation"], "DEL-9"), _ids,
              st.sampled_from(["mallory", "eve", "blue-line"])),
    st.builds(lambda target: {"kind": "correction", "target": target}, st.integers(0, 40)),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attacks=st.lists(st.tuples(st.sampled_from(["mallory", "eve"]), _attack), min_size=1, max_size=6))
def test_unentitled_participants_never_change_an_order_view(ledger: Ledger, order: dict[str, int],
                                                            mallory_key: SigningKey, eve_key: SigningKey,
                                                            attacks: list[Any]) -> None:
    """Random records by two participants tea-co never entitled, naming random orders and shipment
    ids (tea-co's among them), delegating to each other, withdrawing random records: whatever
    ingest accepts, ORD-1's view is what it was. Examples accumulate in one ledger."""
    keys = {"mallory": mallory_key, "eve": eve_key}
    before = snapshot(order_view(ledger, VICTIM_ORDER))
    for signer, record in attacks:
        if record["kind"] == "correction":
            target = ledger.record(min(record["target"], ledger.log_info().size - 1))
            record = {"kind": "correction", "schema_version": 1, "supersedes": target.leaf_hash.hex(),
                      "reason": "mine now", "replacement": None}
        else:
            record = {k: (v.replace("{signer}", signer) if isinstance(v, str) else v) for k, v in record.items()}
        try:
            ledger.submit(keys[signer].sign_record(record))
        except LedgerError:
            pass  # refused at ingest: fine; what matters is the view
    assert snapshot(order_view(ledger, VICTIM_ORDER)) == before
