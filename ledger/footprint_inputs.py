"""The ledger's door to carbon_models: records in as its inputs, its errors out as ledger errors.

carbon_models owns the input types and depends on nothing of ours; the ledger's
``shipment``, ``transport_leg`` and ``hub_operation`` record models extend those types,
so a validated record is handed over as it is. Record dicts (from the log, an order file,
an auditor's recomputation) are validated here as *records*, which keeps ``kind``
required and every message as the ledger has always given it.

carbon_models raises its own :class:`~carbon_models.errors.CarbonModelError`;
:func:`as_ledger_errors` turns it into :class:`~ledger.errors.FootprintInputError` in
this one place, so the CLI (exit 2) and the portal (4xx) keep reporting bad footprint and
model input like any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from carbon_models.errors import CarbonModelError
from carbon_models.factors import FactorSet
from carbon_models.footprint import footprint_order
from carbon_models.inputs import validate_inputs
from carbon_models.leg_estimates import LegEstimator
from carbon_models.results import OrderFootprint
from carbon_models.scenarios import ScenarioResult, simulate
from ledger.errors import FootprintInputError
from ledger.records.schemas import HubOperationRecord, ShipmentRecord, TransportLegRecord


@contextmanager
def as_ledger_errors() -> Iterator[None]:
    """Re-raise carbon_models' errors as :class:`FootprintInputError`, keeping message,
    record, field and the original class name; usable as a decorator too."""
    try:
        yield
    except CarbonModelError as exc:
        raise FootprintInputError(exc.message, record=exc.record, field=exc.field,
                                  error=type(exc).__name__) from exc


@dataclass(frozen=True)
class OrderRecords:
    """An order's shipments, legs and hubs, validated as ledger records."""

    shipments: list[ShipmentRecord]
    legs: list[TransportLegRecord]
    hubs: list[HubOperationRecord]

    @classmethod
    def of(cls, shipments: Iterable[Any], legs: Iterable[Any], hubs: Iterable[Any] = ()) -> OrderRecords:
        """Validate record dicts (typed records pass as they are).

        Raises :class:`FootprintInputError` (``InvalidRecordError``) naming the first bad
        record and field.
        """
        with as_ledger_errors():
            return cls(validate_inputs(shipments, ShipmentRecord, "shipments"),
                       validate_inputs(legs, TransportLegRecord, "legs"),
                       validate_inputs(hubs, HubOperationRecord, "hubs"))

    @classmethod
    def from_contents(cls, contents: Iterable[Mapping[str, Any]]) -> OrderRecords:
        """Sort record contents of any kinds (a footprint's inputs) into an order; other kinds are left out."""
        contents = list(contents)
        return cls.of(*([c for c in contents if c.get("kind") == kind]
                        for kind in ("shipment", "transport_leg", "hub_operation")))

    def footprint(self, factor_set: FactorSet | str | None = None, estimator: LegEstimator | None = None, *,
                  order_id: str | None = None) -> OrderFootprint:
        """:func:`carbon_models.footprint.footprint_order` on these records; raises :class:`FootprintInputError`."""
        with as_ledger_errors():
            return footprint_order(self.shipments, self.legs, self.hubs, factor_set, estimator, order_id=order_id)

    def scenarios(self, factor_set: FactorSet | str | None = None, *, order_id: str | None = None) -> list[ScenarioResult]:
        """:func:`carbon_models.scenarios.simulate` on these records; raises :class:`FootprintInputError`."""
        with as_ledger_errors():
            return simulate(self.shipments, self.legs, self.hubs, factor_set, order_id=order_id)
