"""The ledger's door to carbon_models: records are its inputs as they are, its errors become ledger errors."""

from __future__ import annotations

import pytest

from carbon_models.errors import CarbonModelError, UnknownFactorSetError, UnknownVehicleClassError
from carbon_models.estimator.model import ModelIntegrityError
from carbon_models.inputs import HubOperation, Shipment, TransportLeg
from ledger.errors import FootprintInputError, LedgerError
from ledger.footprint_inputs import OrderRecords, as_ledger_errors
from ledger.records.schemas import HubOperationRecord, ShipmentRecord, TransportLegRecord, parse_record
from tests.records_factory import shipment, transport_leg


@pytest.mark.parametrize(("record", "input_type"), [
    (ShipmentRecord, Shipment), (TransportLegRecord, TransportLeg), (HubOperationRecord, HubOperation),
])
def test_a_record_is_a_carbon_models_input_with_kind_and_version_first(record: type, input_type: type) -> None:
    assert issubclass(record, input_type)
    assert list(record.model_fields) == ["schema_version", "kind", *input_type.model_fields]


@pytest.mark.parametrize("error", [
    UnknownVehicleClassError("unknown vehicle class 'x'", record="L1", field="vehicle"),
    UnknownFactorSetError("no factor set 'nope'", field="factor_set"),
    ModelIntegrityError("model m was modified"),
])
def test_carbon_models_errors_become_ledger_errors_keeping_what_they_say(error: CarbonModelError) -> None:
    with pytest.raises(FootprintInputError) as info, as_ledger_errors():
        raise error
    assert isinstance(info.value, LedgerError) and isinstance(info.value, ValueError)
    assert info.value.__cause__ is error
    assert str(info.value) == str(error) and info.value.to_dict() == error.to_dict()


def test_order_records_keep_kind_required_and_name_record_and_field() -> None:
    without_kind = {k: v for k, v in shipment().items() if k != "kind"}
    with pytest.raises(FootprintInputError) as info:
        OrderRecords.of([without_kind], [])
    assert info.value.to_dict() == {"error": "InvalidRecordError", "message": "Field required", "record": "SH-1",
                                    "field": "kind"}


def test_records_pass_as_they_are_and_contents_are_sorted_by_kind() -> None:
    typed = parse_record(shipment())
    assert OrderRecords.of([typed], []).shipments[0] is typed
    records = OrderRecords.from_contents([transport_leg(), shipment(), {"kind": "energy_bill"}])
    assert [type(r) for r in (*records.shipments, *records.legs)] == [ShipmentRecord, TransportLegRecord]
    assert records.hubs == []
    assert records.footprint(order_id="ORD-1").legs[0].leg_id == "LEG-1"
