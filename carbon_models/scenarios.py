"""Reduction scenarios: recompute an order's footprint under alternative transport choices.

Each scenario rewrites the order's legs (a copy; records are never changed) and runs the
same engine, so its figures follow the same method as the baseline. A scenario the factor
set cannot support, or that applies to no leg, is reported ``unavailable`` with the
reason; nothing is guessed. Transit times use the average speeds in :data:`SPEEDS_KMH`,
which are planning assumptions, not measurements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from carbon_models.distance import location_point, sea_route_km
from carbon_models.errors import FootprintError
from carbon_models.factors import FactorSet, load_factor_set
from carbon_models.footprint import footprint_order
from carbon_models.inputs import HubOperation, Shipment, TransportLeg, validate_inputs
from carbon_models.results import OrderFootprint, rnd

SPEEDS_KMH = {"road": 60.0, "rail": 40.0, "sea": 30.0, "air": 700.0, "inland_waterway": 15.0}
"""Average door-to-door speeds (km/h) used for added transit time. Assumptions: a long-haul
truck with breaks, a freight train with marshalling, a container ship at about 16 knots,
a freighter including taxi and climb; none is a cited figure."""

RAIL_THRESHOLD_KM = 300.0
"""Road legs at least this long are candidates for rail (assumption: shorter hauls rarely
justify the transhipment)."""

RAIL_CLASS, SEA_CLASS, EVAN_CLASS = "rail_freight", "container_ship_avg", "van_avg_bev"
DIESEL, HVO = "diesel", "hvo"


class ScenarioResult(BaseModel):
    """One alternative: what changed, the saving against the baseline and the time cost."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    status: Literal["available", "unavailable"]
    reason: str | None = None
    legs_changed: list[str] = []
    baseline_wtw_kg: float
    scenario_wtw_kg: float | None = None
    saving_kg: float | None = None
    saving_pct: float | None = None
    added_transit_hours: float | None = None
    assumptions: list[str] = []


def _hours(km: float, mode: str) -> float:
    return km / SPEEDS_KMH[mode]


def _copy(leg: TransportLeg, **update: Any) -> TransportLeg:
    """A validated copy of ``leg`` with ``update`` applied, of the same type (a ledger record stays one)."""
    return type(leg).model_validate({**leg.model_dump(), **update})


Rewrite = Callable[[TransportLeg, OrderFootprint], tuple[TransportLeg, float] | None]


def _road_to_rail(fs: FactorSet, threshold_km: float) -> tuple[Rewrite | None, str | None]:
    if fs.vehicle_class(RAIL_CLASS) is None:
        return None, f"factor set {fs.id} has no {RAIL_CLASS} class"

    def rewrite(leg: TransportLeg, base: OrderFootprint) -> tuple[TransportLeg, float] | None:
        km = next(x.distance_km for x in base.legs if x.leg_id == leg.leg_id)
        if leg.mode != "road" or km < threshold_km:
            return None
        new = _copy(leg, mode="rail", vehicle=RAIL_CLASS, fuel=None, distance_km=km)
        return new, _hours(km, "rail") - _hours(km, "road")
    return rewrite, None


def _air_to_sea(fs: FactorSet) -> tuple[Rewrite | None, str | None]:
    if fs.vehicle_class(SEA_CLASS) is None:
        return None, f"factor set {fs.id} has no {SEA_CLASS} class"

    def rewrite(leg: TransportLeg, base: OrderFootprint) -> tuple[TransportLeg, float] | None:
        if leg.mode != "air":
            return None
        a = location_point(leg.origin, "sea", record=leg.leg_id, field="origin")
        b = location_point(leg.destination, "sea", record=leg.leg_id, field="destination")
        sea_km = sea_route_km(a, b)
        air_km = next(x.distance_km for x in base.legs if x.leg_id == leg.leg_id)
        new = _copy(leg, mode="sea", vehicle=SEA_CLASS, fuel=None, distance_km=sea_km)
        return new, _hours(sea_km, "sea") - _hours(air_km, "air")
    return rewrite, None


def _electric_van(fs: FactorSet) -> tuple[Rewrite | None, str | None]:
    if fs.vehicle_class(EVAN_CLASS) is None:
        return None, f"factor set {fs.id} has no {EVAN_CLASS} class"

    def rewrite(leg: TransportLeg, base: OrderFootprint) -> tuple[TransportLeg, float] | None:
        if not leg.vehicle.startswith("van_") or leg.vehicle == EVAN_CLASS:
            return None
        km = next(x.distance_km for x in base.legs if x.leg_id == leg.leg_id)
        return _copy(leg, vehicle=EVAN_CLASS, fuel=None, distance_km=km), 0.0
    return rewrite, None


def _hvo(fs: FactorSet) -> tuple[Rewrite | None, str | None]:
    try:
        diesel_ttw, _ = fs.fuel_factors(DIESEL, "l")
        fs.fuel_factors(HVO, "l")
    except FootprintError as exc:
        return None, exc.message

    def rewrite(leg: TransportLeg, base: OrderFootprint) -> tuple[TransportLeg, float] | None:
        res = next(x for x in base.legs if x.leg_id == leg.leg_id)
        if leg.mode != "road" or res.energy_carrier != "diesel":
            return None
        if leg.fuel:
            if any(fs.fuel_id(f.type) != fs.fuel_id(DIESEL) for f in leg.fuel):
                return None
            litres = sum(f.amount for f in leg.fuel if f.unit == "l")
        else:
            litres = res.leg_total.ttw_kg / diesel_ttw.value
        return _copy(leg, fuel=[{"type": HVO, "amount": litres, "unit": "l"}]), 0.0
    return rewrite, None


_ASSUMPTIONS = {
    "road_to_rail": ["rail distance = road distance", "average speeds: road 60 km/h, rail 40 km/h"],
    "air_to_sea": ["sea distance by searoute from the airports' coordinates", "average speeds: air 700 km/h, sea 30 km/h"],
    "electric_last_mile_van": ["DESNZ BEV van factors reflect the UK grid", "same route and payload"],
    "hvo_road": ["HVO replaces diesel litre for litre", "modelled legs: diesel litres = leg TTW / diesel TTW per litre"],
}


def simulate(
    shipments: Iterable[Shipment | Mapping[str, Any]],
    legs: Iterable[TransportLeg | Mapping[str, Any]],
    hubs: Iterable[HubOperation | Mapping[str, Any]] = (),
    factor_set: FactorSet | str | None = None,
    *,
    order_id: str | None = None,
    rail_threshold_km: float = RAIL_THRESHOLD_KM,
) -> list[ScenarioResult]:
    """Every scenario for one order, in a fixed order; raises :class:`FootprintError` for bad input."""
    fs = factor_set if isinstance(factor_set, FactorSet) else load_factor_set(factor_set)
    ship_list = validate_inputs(shipments, Shipment, "shipments")
    leg_list = validate_inputs(legs, TransportLeg, "legs")
    hub_list = validate_inputs(hubs, HubOperation, "hubs")
    base = footprint_order(ship_list, leg_list, hub_list, fs, order_id=order_id)
    relevant = {x.leg_id for x in base.legs}
    builders = {
        "road_to_rail": _road_to_rail(fs, rail_threshold_km),
        "air_to_sea": _air_to_sea(fs),
        "electric_last_mile_van": _electric_van(fs),
        "hvo_road": _hvo(fs),
    }
    out = []
    baseline = base.transport.wtw_kg
    for name, (rewrite, missing) in builders.items():
        if rewrite is None:
            out.append(ScenarioResult(name=name, status="unavailable", reason=missing, baseline_wtw_kg=baseline))
            continue
        new_legs, changed, hours = [], [], 0.0
        for leg in sorted(leg_list, key=lambda x: x.leg_id):
            swapped = rewrite(leg, base) if leg.leg_id in relevant else None
            if swapped is None:
                new_legs.append(leg)
                continue
            new_legs.append(swapped[0])
            changed.append(leg.leg_id)
            hours += swapped[1]
        if not changed:
            out.append(ScenarioResult(name=name, status="unavailable", reason="no leg of the order qualifies",
                                      baseline_wtw_kg=baseline))
            continue
        alt = footprint_order(ship_list, new_legs, hub_list, fs, order_id=base.order_id).transport.wtw_kg
        out.append(ScenarioResult(
            name=name, status="available", legs_changed=changed, baseline_wtw_kg=baseline, scenario_wtw_kg=alt,
            saving_kg=rnd(baseline - alt), saving_pct=round(100.0 * (baseline - alt) / baseline, 3) if baseline else 0.0,
            added_transit_hours=round(hours, 2), assumptions=_ASSUMPTIONS[name],
        ))
    return out
