"""The typed result of an order footprint: what ``FootprintRecord.result`` holds.

Every figure is kg CO2e rounded to :data:`DECIMALS` places when the result is built, and
every list is sorted by id, so the same inputs always give the same canonical JSON
(RFC 8785) whatever order the records came in.
"""

from __future__ import annotations

from typing import Any, Literal

import rfc8785
from pydantic import BaseModel, ConfigDict

from carbon_models.distance import DistanceBasis

DECIMALS = 6
"""kg CO2e to the milligram, t·km and km to the metre-kilogram: far below any factor's
precision, and enough that rounding never moves a total by more than 1e-6 kg."""

LegMethod = Literal["primary", "modelled", "estimated"]


SHARE_DECIMALS = 12
"""Allocation shares are tiny (a parcel on a container ship is ~1e-7 of it): keep 12 places."""


def rnd_share(value: float) -> float:
    return round(value, SHARE_DECIMALS) + 0.0


def rnd(value: float) -> float:
    """Round to :data:`DECIMALS` places; ``-0.0`` becomes ``0.0`` so JSON never shows ``-0``."""
    return round(value, DECIMALS) + 0.0


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Emissions(_Result):
    """kg CO2e split by ISO 14083 scope: well-to-wheel = well-to-tank + tank-to-wheel."""

    wtw_kg: float
    ttw_kg: float
    wtt_kg: float

    @classmethod
    def of(cls, ttw: float, wtt: float) -> Emissions:
        return cls(wtw_kg=rnd(ttw + wtt), ttw_kg=rnd(ttw), wtt_kg=rnd(wtt))


class LegFootprint(_Result):
    """One transport chain element: the whole leg and this order's share of it."""

    leg_id: str
    mode: str
    vehicle_class: str
    energy_carrier: str
    temperature_controlled: bool
    method: LegMethod
    flags: list[str]
    distance_km: float
    distance_basis: DistanceBasis
    payload_kg: float
    load_factor: float | None
    empty_km: float | None
    leg_total: Emissions
    intensity_wtw_kg_per_tkm: float
    intensity_ttw_kg_per_tkm: float
    shipment_ids: list[str]
    allocated_mass_kg: float
    share: float
    transport_activity_tkm: float
    allocated: Emissions
    p10_kg: float
    p90_kg: float
    factors: list[str]


class HubFootprint(_Result):
    """One hub operation: the whole period's energy and this order's mass share of it."""

    hub_id: str
    hub_type: str
    country: str
    temperature_controlled: bool
    throughput_kg: float
    hub_total: Emissions
    shipment_ids: list[str]
    allocated_mass_kg: float
    share: float
    allocated: Emissions
    p10_kg: float
    p90_kg: float
    factors: list[str]


class ProductLine(_Result):
    """Cradle-to-gate footprint of one product line, as declared by its supplier (PACT)."""

    shipment_id: str
    gtin: str
    quantity: int
    pcf_kgco2e_per_unit: float
    total_kg: float


class Uncertainty(_Result):
    """P10/P90 of the order's transport WTW total and the assumption behind it."""

    p10_wtw_kg: float
    p90_wtw_kg: float
    assumption: str


class OrderFootprint(_Result):
    """An order's ISO 14083 transport footprint, with cradle-to-gate product footprints apart."""

    order_id: str
    method_version: str
    factor_set_id: str
    factor_set_version: str
    estimator_model_hash: str | None
    shipment_ids: list[str]
    mass_kg: float
    transport: Emissions
    legs_total: Emissions
    hubs_total: Emissions
    legs: list[LegFootprint]
    hubs: list[HubFootprint]
    primary_data_share: float
    uncertainty: Uncertainty
    cradle_to_gate_kg: float | None
    products: list[ProductLine]
    products_without_pcf: list[str]
    factors_used: list[str]

    def to_record_result(self) -> dict[str, Any]:
        """A JSON-safe dict for ``FootprintRecord.result``; round-trips through :meth:`from_record_result`."""
        return self.model_dump(mode="json")

    @classmethod
    def from_record_result(cls, result: dict[str, Any]) -> OrderFootprint:
        return cls.model_validate(result)

    def canonical_json(self) -> bytes:
        """RFC 8785 bytes of :meth:`to_record_result`: identical for identical inputs."""
        return rfc8785.dumps(self.to_record_result())
