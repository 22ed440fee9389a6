"""ISO 14083 order footprints: legs (TCEs) and hub operations, allocated to an order.

Per leg, in order of data quality:

* primary data (``fuel`` on the record): energy x fuel factor, TTW and WTT apart;
* an estimate from a :class:`~carbon_models.leg_estimates.LegEstimator`, when one is given
  and answers for the leg: its P50 (WTW), with its P10/P90;
* otherwise modelled: payload (t) x distance (km) x the vehicle class's intensity.

A leg's emissions are the whole vehicle's; an order gets ``mass / payload_kg`` of them
(tonne-km allocation with the leg's distance common to all cargo). A hub's emissions are
shared by mass throughput. Any bad input raises a :class:`~carbon_models.errors.FootprintError`
naming the record and field: a partial order is never summed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from carbon_models.batch import IntensityTable, modelled_emissions
from carbon_models.distance import ResolvedDistance, resolve_distance
from carbon_models.errors import (
    AllocationError,
    FootprintError,
    InvalidRecordError,
    UnknownShipmentError,
    UnknownVehicleClassError,
)
from carbon_models.factors import FactorSet, VehicleClass, load_factor_set
from carbon_models.inputs import HubOperation, Shipment, TransportLeg, validate_inputs
from carbon_models.leg_estimates import LegEstimate, LegEstimator
from carbon_models.results import (
    Emissions,
    HubFootprint,
    LegFootprint,
    OrderFootprint,
    ProductLine,
    Uncertainty,
    rnd,
    rnd_share,
)

METHOD_VERSION = "carbonledger-iso14083/1.0"
"""Bumped whenever a change to this module can change a figure; stored in every result."""

PRIMARY_BAND = 0.05
"""Assumed relative P10/P90 half-width for metered energy (fuel cards, meters): +-5 %.
An engineering assumption, not a published figure; stated in every result."""

MODELLED_BAND = 0.30
"""Assumed relative P10/P90 half-width for default intensities: +-30 %, reflecting the
spread of load factors and empty running behind a national average. An assumption."""

MASS_TOLERANCE = 1.0001
"""Shipments may exceed a leg's payload (or a hub's throughput) by rounding only."""

UNCERTAINTY_ASSUMPTION = (
    f"P10/P90 per element: metered energy (primary) +-{PRIMARY_BAND:.0%}, default intensities "
    f"+-{MODELLED_BAND:.0%} (assumptions), estimator legs its own P10/P90; totals add the "
    "elements' quantiles, i.e. assume errors fully correlated (conservative)."
)


@dataclass
class _Leg:
    record: TransportLeg
    vehicle: VehicleClass
    distance: ResolvedDistance
    method: str = "modelled"
    flags: list[str] = field(default_factory=list)
    ttw: float = 0.0
    wtt: float = 0.0
    p10: float = 0.0
    p90: float = 0.0
    factors: list[str] = field(default_factory=list)


def _unique(records: Sequence[Any], key: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for r in records:
        rid = getattr(r, key)
        if rid in out:
            raise UnknownShipmentError(f"duplicate {key} {rid!r}", record=rid, field=key)
        out[rid] = r
    return out


def _vehicle(leg: TransportLeg, fs: FactorSet) -> VehicleClass:
    vc = fs.vehicle_class(leg.vehicle)
    if vc is None:
        raise UnknownVehicleClassError(
            f"unknown vehicle class {leg.vehicle!r} in factor set {fs.id} (see `carbonledger factors show {fs.id}`)",
            record=leg.leg_id, field="vehicle",
        )
    if vc.mode != leg.mode:
        raise UnknownVehicleClassError(
            f"vehicle class {leg.vehicle!r} is {vc.mode}, but the leg's mode is {leg.mode}",
            record=leg.leg_id, field="vehicle",
        )
    return vc


def _fuel_emissions(fuel: Sequence[Any], fs: FactorSet, record: str) -> tuple[float, float, list[str]]:
    ttw, wtt, used = [], [], []
    for n, use in enumerate(fuel):
        try:
            f_ttw, f_wtt = fs.fuel_factors(use.type, use.unit)
        except FootprintError as exc:
            raise type(exc)(exc.message, record=record, field=f"fuel[{n}]") from None
        ttw.append(use.amount * f_ttw.value)
        wtt.append(use.amount * f_wtt.value)
        used += [f_ttw.id, f_wtt.id]
    return math.fsum(ttw), math.fsum(wtt), used


def _prepare_legs(legs: Sequence[TransportLeg], fs: FactorSet) -> list[_Leg]:
    prepared = []
    for leg in legs:
        vehicle = _vehicle(leg, fs)
        item = _Leg(leg, vehicle, resolve_distance(leg))
        if leg.temperature_controlled and not vehicle.temperature_controlled:
            item.flags.append("temperature_controlled_on_ambient_class")
        prepared.append(item)
    return prepared


def _compute_legs(prepared: list[_Leg], fs: FactorSet, estimator: LegEstimator | None) -> None:
    """Fill in each leg's whole-vehicle TTW, WTT, P10 and P90 (mutates ``prepared``)."""
    modelled: list[_Leg] = []
    for item in prepared:
        if item.record.fuel:
            item.method = "primary"
            item.ttw, item.wtt, item.factors = _fuel_emissions(item.record.fuel, fs, item.record.leg_id)
            wtw = item.ttw + item.wtt
            item.p10, item.p90 = wtw * (1 - PRIMARY_BAND), wtw * (1 + PRIMARY_BAND)
        else:
            modelled.append(item)
    if not modelled:
        return
    table = _intensity_table(fs)
    idx = table.indices([m.vehicle.id for m in modelled])
    payload = np.array([m.record.payload_kg for m in modelled], dtype=np.float64)
    km = np.array([m.distance.km for m in modelled], dtype=np.float64)
    ttw, wtt = modelled_emissions(table, idx, payload, km)
    estimates: list[LegEstimate | None] = [None] * len(modelled)
    if estimator is not None:
        estimates = list(estimator.estimate_legs([m.record for m in modelled], [m.distance for m in modelled]))
        if len(estimates) != len(modelled):
            raise FootprintError(f"estimator returned {len(estimates)} estimates for {len(modelled)} legs")
    for n, item in enumerate(modelled):
        d_ttw, d_wtt = float(ttw[n]), float(wtt[n])
        item.factors = [item.vehicle.ttw.id, item.vehicle.wtt.id]
        est = estimates[n]
        if est is not None:
            if not (0 <= est.p10_kg <= est.p50_kg <= est.p90_kg) or not math.isfinite(est.p90_kg):
                raise FootprintError(f"estimator returned invalid quantiles {est}", record=item.record.leg_id)
            # The estimate is WTW; split it in the proportions of the class's default factors.
            ttw_share = item.vehicle.ttw.value / item.vehicle.wtw_per_tkm
            item.method = "estimated"
            item.ttw, item.wtt = est.p50_kg * ttw_share, est.p50_kg * (1 - ttw_share)
            item.p10, item.p90 = est.p10_kg, est.p90_kg
            continue
        if estimator is not None:
            item.flags.append("estimator_declined_default_intensity")
        item.ttw, item.wtt = d_ttw, d_wtt
        wtw = d_ttw + d_wtt
        item.p10, item.p90 = wtw * (1 - MODELLED_BAND), wtw * (1 + MODELLED_BAND)


_TABLES: dict[int, tuple[FactorSet, IntensityTable]] = {}
"""Intensity arrays per factor-set object (kept with the object so its id is never reused)."""


def _intensity_table(fs: FactorSet) -> IntensityTable:
    cached = _TABLES.get(id(fs))
    if cached is None or cached[0] is not fs:
        cached = (fs, IntensityTable.of(fs))
        _TABLES[id(fs)] = cached
    return cached[1]


def leg_emissions(leg: TransportLeg | Mapping[str, Any], factor_set: FactorSet | str | None = None) -> LegFootprint:
    """Whole-vehicle emissions of one leg (no allocation: ``share`` is 1).

    Raises :class:`FootprintError` subclasses for bad input, like :func:`footprint_order`.
    """
    fs = factor_set if isinstance(factor_set, FactorSet) else load_factor_set(factor_set)
    (record,) = validate_inputs([leg], TransportLeg, "legs")
    (item,) = _prepare_legs([record], fs)
    _compute_legs([item], fs, None)
    return _leg_result(item, record.payload_kg, list(record.shipment_ids))


def _share(part: float, whole: float) -> float:
    return part / whole


def _leg_result(item: _Leg, mass: float, shipment_ids: list[str]) -> LegFootprint:
    rec = item.record
    share = _share(mass, rec.payload_kg)
    tkm_vehicle = rec.payload_kg * 1e-3 * item.distance.km
    return LegFootprint(
        leg_id=rec.leg_id, mode=rec.mode, vehicle_class=item.vehicle.id, energy_carrier=item.vehicle.energy_carrier,
        temperature_controlled=rec.temperature_controlled or item.vehicle.temperature_controlled,
        method=item.method, flags=sorted(item.flags), distance_km=rnd(item.distance.km),
        distance_basis=item.distance.basis, payload_kg=rnd(rec.payload_kg), load_factor=rec.load_factor,
        empty_km=rec.empty_km, leg_total=Emissions.of(item.ttw, item.wtt),
        intensity_wtw_kg_per_tkm=rnd((item.ttw + item.wtt) / tkm_vehicle),
        intensity_ttw_kg_per_tkm=rnd(item.ttw / tkm_vehicle),
        shipment_ids=sorted(shipment_ids), allocated_mass_kg=rnd(mass), share=rnd_share(share),
        transport_activity_tkm=rnd(mass * 1e-3 * item.distance.km),
        allocated=Emissions.of(item.ttw * share, item.wtt * share),
        p10_kg=rnd(item.p10 * share), p90_kg=rnd(item.p90 * share), factors=sorted(set(item.factors)),
    )


def _hub_result(hub: HubOperation, fs: FactorSet, mass: float, shipment_ids: list[str]) -> tuple[HubFootprint, float, float]:
    ttw, wtt, factors = 0.0, 0.0, []
    if hub.fuel:
        ttw, wtt, factors = _fuel_emissions(hub.fuel, fs, hub.hub_id)
    if hub.electricity_kwh > 0:
        try:
            grid = fs.grid_factor(hub.country)
        except FootprintError as exc:
            raise type(exc)(exc.message, record=hub.hub_id, field="electricity_kwh") from None
        # ISO 14083: electricity has no tank-to-wheel part; generation is energy provision (WTT).
        wtt += hub.electricity_kwh * grid.value
        factors.append(grid.id)
    share = _share(mass, hub.throughput_kg)
    wtw = ttw + wtt
    result = HubFootprint(
        hub_id=hub.hub_id, hub_type=hub.hub_type, country=hub.country, temperature_controlled=hub.temperature_controlled,
        throughput_kg=rnd(hub.throughput_kg), hub_total=Emissions.of(ttw, wtt), shipment_ids=sorted(shipment_ids),
        allocated_mass_kg=rnd(mass), share=rnd_share(share), allocated=Emissions.of(ttw * share, wtt * share),
        p10_kg=rnd(wtw * share * (1 - PRIMARY_BAND)), p90_kg=rnd(wtw * share * (1 + PRIMARY_BAND)),
        factors=sorted(set(factors)),
    )
    return result, ttw * share, wtt * share


def _check_load(record_id: str, ids: Sequence[str], shipments: Mapping[str, Shipment], capacity: float,
                capacity_field: str) -> None:
    seen = set()
    for n, sid in enumerate(ids):
        if sid not in shipments:
            raise UnknownShipmentError(f"references shipment {sid!r}, which was not given", record=record_id,
                                       field=f"shipment_ids[{n}]")
        if sid in seen:
            raise UnknownShipmentError(f"lists shipment {sid!r} twice", record=record_id, field=f"shipment_ids[{n}]")
        seen.add(sid)
    carried = math.fsum(shipments[s].mass_kg for s in ids)
    if carried > capacity * MASS_TOLERANCE:
        raise AllocationError(f"its shipments weigh {carried:g} kg, more than {capacity_field} {capacity:g}",
                              record=record_id, field=capacity_field)


def footprint_order(
    shipments: Iterable[Shipment | Mapping[str, Any]],
    legs: Iterable[TransportLeg | Mapping[str, Any]],
    hubs: Iterable[HubOperation | Mapping[str, Any]] = (),
    factor_set: FactorSet | str | None = None,
    estimator: LegEstimator | None = None,
    *,
    order_id: str | None = None,
) -> OrderFootprint:
    """The footprint of one order from its shipments and every leg and hub they went through.

    ``shipments`` may include other orders' shipments that share the order's vehicles;
    ``order_id`` picks the order (needed only when more than one is present). Every
    shipment a leg or hub lists must be given. Legs and hubs carrying none of the order's
    shipments are ignored. Inputs are typed or dicts (also in record form, see
    :mod:`carbon_models.inputs`). Raises :class:`FootprintError` subclasses naming the
    record and field for any bad input.
    """
    fs = factor_set if isinstance(factor_set, FactorSet) else load_factor_set(factor_set)
    ship_list = validate_inputs(shipments, Shipment, "shipments")
    leg_list = validate_inputs(legs, TransportLeg, "legs")
    hub_list = validate_inputs(hubs, HubOperation, "hubs")
    if not ship_list:
        raise InvalidRecordError("no shipments given", field="shipments")
    by_id = _unique(ship_list, "shipment_id")
    legs_by_id = _unique(leg_list, "leg_id")
    hubs_by_id = _unique(hub_list, "hub_id")
    orders = sorted({s.order_id for s in ship_list})
    if order_id is None:
        if len(orders) > 1:
            raise InvalidRecordError(f"shipments belong to {len(orders)} orders ({', '.join(orders)}); name one",
                                     field="order_id")
        order_id = orders[0]
    elif order_id not in orders:
        raise InvalidRecordError(f"no shipment of order {order_id!r} was given", field="order_id")
    mine = {sid for sid, s in by_id.items() if s.order_id == order_id}

    for leg in legs_by_id.values():
        _check_load(leg.leg_id, leg.shipment_ids, by_id, leg.payload_kg, "payload_kg")
    for hub in hubs_by_id.values():
        _check_load(hub.hub_id, hub.shipment_ids, by_id, hub.throughput_kg, "throughput_kg")

    relevant_legs = [legs_by_id[k] for k in sorted(legs_by_id) if mine & set(legs_by_id[k].shipment_ids)]
    prepared = _prepare_legs(relevant_legs, fs)
    _compute_legs(prepared, fs, estimator)

    leg_results, primary_wtw, ttw_parts, wtt_parts, p10s, p90s = [], [], [], [], [], []
    for item in prepared:
        ids = sorted(mine & set(item.record.shipment_ids))
        mass = math.fsum(by_id[s].mass_kg for s in ids)
        res = _leg_result(item, mass, ids)
        leg_results.append(res)
        share = mass / item.record.payload_kg
        ttw_parts.append(item.ttw * share)
        wtt_parts.append(item.wtt * share)
        p10s.append(item.p10 * share)
        p90s.append(item.p90 * share)
        if item.method == "primary":
            primary_wtw.append((item.ttw + item.wtt) * share)
    legs_ttw, legs_wtt = math.fsum(ttw_parts), math.fsum(wtt_parts)

    hub_results, hub_ttw, hub_wtt = [], [], []
    for key in sorted(hubs_by_id):
        hub = hubs_by_id[key]
        ids = sorted(mine & set(hub.shipment_ids))
        if not ids:
            continue
        mass = math.fsum(by_id[s].mass_kg for s in ids)
        res, h_ttw, h_wtt = _hub_result(hub, fs, mass, ids)
        hub_results.append(res)
        hub_ttw.append(h_ttw)
        hub_wtt.append(h_wtt)
        primary_wtw.append(h_ttw + h_wtt)  # hubs report metered energy: primary data
        wtw = h_ttw + h_wtt
        p10s.append(wtw * (1 - PRIMARY_BAND))
        p90s.append(wtw * (1 + PRIMARY_BAND))
    hubs_ttw, hubs_wtt = math.fsum(hub_ttw), math.fsum(hub_wtt)

    total_wtw = math.fsum(ttw_parts + wtt_parts + hub_ttw + hub_wtt)
    products, without = [], []
    for sid in sorted(mine):
        for p in sorted(by_id[sid].products, key=lambda p: p.gtin):
            if p.pcf_kgco2e_per_unit is None:
                without.append(p.gtin)
                continue
            products.append(ProductLine(shipment_id=sid, gtin=p.gtin, quantity=p.quantity,
                                        pcf_kgco2e_per_unit=p.pcf_kgco2e_per_unit,
                                        total_kg=rnd(p.quantity * p.pcf_kgco2e_per_unit)))
    factors_used = sorted({f for r in leg_results for f in r.factors} | {f for r in hub_results for f in r.factors})
    return OrderFootprint(
        order_id=order_id, method_version=METHOD_VERSION, factor_set_id=fs.id, factor_set_version=fs.version,
        estimator_model_hash=estimator.model_hash if estimator is not None and any(
            item.method == "estimated" for item in prepared) else None,
        shipment_ids=sorted(mine), mass_kg=rnd(math.fsum(by_id[s].mass_kg for s in mine)),
        transport=Emissions.of(legs_ttw + hubs_ttw, legs_wtt + hubs_wtt),
        legs_total=Emissions.of(legs_ttw, legs_wtt), hubs_total=Emissions.of(hubs_ttw, hubs_wtt),
        legs=leg_results, hubs=hub_results,
        primary_data_share=rnd(math.fsum(primary_wtw) / total_wtw) if total_wtw > 0 else 0.0,
        uncertainty=Uncertainty(p10_wtw_kg=rnd(math.fsum(p10s)), p90_wtw_kg=rnd(math.fsum(p90s)),
                                assumption=UNCERTAINTY_ASSUMPTION),
        cradle_to_gate_kg=rnd(math.fsum(p.quantity * p.pcf_kgco2e_per_unit for p in products)) if products else None,
        products=products, products_without_pcf=sorted(set(without)), factors_used=factors_used,
    )
