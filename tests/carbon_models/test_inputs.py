"""carbon_models' own input types: plain dicts, dicts in record form, and record-form keys checked."""

from __future__ import annotations

from typing import Any

import pytest

from carbon_models.errors import InvalidRecordError
from carbon_models.inputs import HubOperation, Shipment, TransportLeg, validate_inputs
from tests.carbon_models.records import hub, leg, shipment

RECORD_FORM_KEYS = ("schema_version", "kind")


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in RECORD_FORM_KEYS}


@pytest.mark.parametrize(("record", "model", "argument"), [
    (shipment("S1", 10), Shipment, "shipments"),
    (leg("L1", ["S1"], "road", "van_avg", 100, distance_km=5), TransportLeg, "legs"),
    (hub("H1", ["S1"], 100), HubOperation, "hubs"),
])
def test_plain_and_record_form_dicts_give_the_same_input(record: dict, model: type, argument: str) -> None:
    (from_record,) = validate_inputs([record], model, argument)
    (from_plain,) = validate_inputs([_plain(record)], model, argument)
    assert type(from_record) is model and from_record == from_plain
    assert validate_inputs([from_plain], model, argument)[0] is from_plain  # typed inputs pass as they are


@pytest.mark.parametrize(("record", "message"), [
    (dict(shipment("S1", 10), kind="transport_leg"), "record S1, field kind: Input should be 'shipment'"),
    (dict(shipment("S1", 10), kind="transport_leg", mass_kg=-1), "record S1, field kind: Input should be 'shipment'"),
    (dict(shipment("S1", 10), schema_version=2), "record S1, field schema_version: Input should be 1"),
    (dict(shipment("S1", 10), colour="red"), "record S1, field colour: Extra inputs are not permitted"),
])
def test_record_form_keys_are_checked_and_other_keys_refused(record: dict, message: str) -> None:
    with pytest.raises(InvalidRecordError) as info:
        validate_inputs([record], Shipment, "shipments")
    assert str(info.value) == message
