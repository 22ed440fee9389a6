"""A simulated carrier fleet: legs with primary fuel data, grounded in published figures.

Why: real primary fuel data is not in the ledger yet, and the estimator needs labelled
legs to train and to be evaluated on. The simulator makes legs whose fuel use follows
physics an analyst can check, so the model's behaviour (monotone in payload and
distance, calibrated intervals) can be tested. Its accuracy on simulated legs says
nothing about real-world accuracy.

The mean consumption of each vehicle class is anchored to the DESNZ 2025 freight factors
(TTW + WTT per vehicle-km at 0 % and 100 % laden for HGVs, per tonne-km otherwise); every
other effect is a documented multiplier. ``MODEL_CARD.md`` lists each assumption and its
source; the constants below carry the same names. Preconditions: ``rng`` is a
``numpy.random.Generator`` owned by the caller (determinism comes from its seed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np

from carbon_models.distance import ResolvedDistance
from carbon_models.estimator.fuels import VEHICLE_FUEL, default_profiles
from carbon_models.inputs import FuelUse, Location, TransportLeg


@dataclass(frozen=True)
class VehicleClass:
    """Simulation parameters of one vehicle class (see the card for sources)."""

    mode: str
    capacity_t: tuple[float, float]
    """Payload capacity range of individual vehicles, tonnes (assumption)."""
    wtw_per_km_empty: float
    """kg CO2e per vehicle-km at 0 % laden, DESNZ 2025 TTW + WTT."""
    wtw_per_km_full: float
    """kg CO2e per vehicle-km at 100 % laden, DESNZ 2025 TTW + WTT (or derived, see card)."""
    reefer_ratio: float = 1.0
    """DESNZ refrigerated / ambient per-km factor ratio (average of 0 % and 100 % rows)."""


# Road: DESNZ 2025 rows 27_304_3133/3135 + 28_907_3133/3135 (all artics), 27_304_3121/3123 +
# 28_907_3121/3123 (all rigids); refrigerated rows 27_306_*/28_908_*.
ARTIC = VehicleClass("road", (24.0, 29.0), 0.64659 + 0.15162, 1.06414 + 0.25157,
                     ((0.74715 + 0.17583) / (0.64659 + 0.15162) + (1.23112 + 0.29175) / (1.06414 + 0.25157)) / 2)
RIGID = VehicleClass("road", (6.0, 12.0), 0.67912 + 0.16044, 0.93695 + 0.22218,
                     ((0.80843 + 0.1914) / (0.67912 + 0.16044) + (1.11603 + 0.26506) / (0.93695 + 0.22218)) / 2)
# Vans: DESNZ gives only the average-laden per-km factor (27_303_3102_4_1 + 28_906_3102_4_1,
# at DESNZ's implied 0.405 t average load of ~1 t capacity); the load slope of rigids is borrowed.
_VAN_AVG = 0.25561 + 0.06128
_RIGID_SLOPE = RIGID.wtw_per_km_full / RIGID.wtw_per_km_empty - 1.0
_VAN_EMPTY = _VAN_AVG / (1.0 + _RIGID_SLOPE * 0.405)
VAN = VehicleClass("road", (0.8, 1.2), _VAN_EMPTY, _VAN_EMPTY * (1.0 + _RIGID_SLOPE), RIGID.reefer_ratio)

RAIL_TKM = 0.02779 + 0.00691
"""DESNZ 2025 freight train, kg CO2e per tonne-km (27_315_3151_14_1 + 28_911_3151_14_1)."""
SHIP_TKM = 0.01612 + 0.00365
"""DESNZ 2025 average container ship, kg CO2e per tonne-km (27_320_3235_14_1 + 28_916_3235_14_1)."""
AIR_TKM = 0.5313 + 0.13516
"""DESNZ 2025 long-haul freight flight without RF, kg CO2e per tonne-km (27_317_3157_14_1 + 28_913_3157_14_1)."""

RAIL_REF_PAYLOAD_T, RAIL_TARE_T = 1000.0, 800.0
"""Assumed average net payload and tare of a freight train; energy scales with gross tonne-km."""
SHIP_REF_CARGO_T, SHIP_LIGHTSHIP_T, SHIP_REF_KNOTS = 50_000.0, 35_000.0, 16.0
"""Assumed average vessel cargo and lightship mass; speed at which the DESNZ average applies."""
AIR_REF_PAYLOAD_T, AIR_OEW_T, AIR_LTO_EQUIV_KM = 60.0, 145.0, 250.0
"""Assumed wide-body freighter: average payload, operating empty weight, LTO cycle as cruise-km."""

URBAN_UPLIFT = 0.30
"""Per-km fuel of an HGV in urban stop-go vs motorway driving (COPERT speed curves, EMEP/EEA
guidebook 1.A.3.b): about +30 % at an urban share of 1."""
GRADIENT_UPLIFT = 0.12
"""Per-km fuel uplift on the hilliest routes (hilliness 1) vs flat, road; half of it for rail."""
WINTER_UPLIFT = 0.05
"""Dec-Feb: cold starts, winter diesel, heating, rougher seas (assumption, order of magnitude)."""
SUMMER_REEFER_UPLIFT = 0.04
"""Jun-Aug extra for refrigeration units (assumption)."""
CARRIER_SIGMA = 0.08
"""Spread (log sd) of per-carrier efficiency: fleet age, driver training, maintenance (assumption)."""
LEG_SIGMA = 0.07
"""Leg-to-leg noise (log sd): traffic, weather, driver (assumption)."""
TREND_PER_YEAR = -0.01
"""Fleet-average efficiency drift per year, unobserved by the model (assumption)."""

VEHICLES = {"hgv_artic_avg_laden": ARTIC, "hgv_rigid_avg_laden": RIGID, "van_avg": VAN}
VEHICLE_MODE = {"hgv_artic_avg_laden": "road", "hgv_rigid_avg_laden": "road", "van_avg": "road",
                "rail_freight": "rail", "container_ship_avg": "sea", "air_long_haul": "air"}

# (code, lat, lon, hilliness 0..1). Hilliness is an assumption per place, for the gradient effect.
ROAD_PLACES = {
    "europe": [("DEHAM", 53.55, 9.99, 0.0), ("DEBER", 52.52, 13.40, 0.0), ("DEMUC", 48.14, 11.58, 0.5),
               ("FRPAR", 48.86, 2.35, 0.1), ("FRLYS", 45.76, 4.84, 0.5), ("NLRTM", 51.92, 4.48, 0.0),
               ("PLWAW", 52.23, 21.01, 0.0), ("ITMIL", 45.46, 9.19, 0.3), ("CHZRH", 47.37, 8.54, 1.0),
               ("ATVIE", 48.21, 16.37, 0.6), ("ESMAD", 40.42, -3.70, 0.6), ("CZPRG", 50.08, 14.44, 0.4)],
    "china": [("CNSHA", 31.23, 121.47, 0.0), ("CNHGH", 30.27, 120.16, 0.1), ("CNSZX", 22.54, 114.06, 0.3),
              ("CNCKG", 29.56, 106.55, 0.9), ("CNNKG", 32.06, 118.80, 0.1), ("CNWUH", 30.59, 114.31, 0.1)],
    "north_america": [("USLAX", 34.05, -118.24, 0.4), ("USCHI", 41.88, -87.63, 0.0), ("USNYC", 40.71, -74.01, 0.1),
                      ("USDAL", 32.78, -96.80, 0.0)],
}
RAIL_LANES = [("CNCKG", "DEDUI", 0.6), ("CNWUH", "PLMAL", 0.4), ("DEHAM", "DEMUC", 0.3), ("NLRTM", "ITMIL", 0.8),
              ("USLAX", "USCHI", 0.6), ("CNSHA", "CNCKG", 0.5)]
SEA_LANES = [("CNSHA", "NLRTM", 19_500.0), ("CNSZX", "DEHAM", 20_100.0), ("CNSHA", "USLAX", 10_400.0),
             ("CNNGB", "GBFXT", 19_800.0), ("KRPUS", "USNYC", 18_300.0)]
AIR_LANES = [("PVG", "FRA", 8_900.0), ("HKG", "LHR", 9_600.0), ("PVG", "ORD", 11_400.0), ("ICN", "AMS", 8_600.0),
             ("PEK", "LAX", 10_000.0), ("HKG", "FRA", 9_200.0)]
RAIL_KM = {("CNCKG", "DEDUI"): 11_000.0, ("CNWUH", "PLMAL"): 9_800.0, ("DEHAM", "DEMUC"): 780.0,
           ("NLRTM", "ITMIL"): 1_150.0, ("USLAX", "USCHI"): 3_500.0, ("CNSHA", "CNCKG"): 1_900.0}

START = datetime(2024, 1, 1, tzinfo=timezone.utc)
SPAN_DAYS = 730


def _gcd_km(a: tuple[str, float, float, float], b: tuple[str, float, float, float]) -> float:
    p1, p2 = math.radians(a[1]), math.radians(b[1])
    dl = math.radians(b[2] - a[2])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


class _Carriers:
    def __init__(self, rng: np.random.Generator) -> None:
        self.ids: dict[str, list[str]] = {}
        self.eff: dict[str, float] = {}
        self.knots: dict[str, float] = {}
        for mode, n in (("road", 36), ("rail", 5), ("sea", 6), ("air", 5)):
            self.ids[mode] = [f"{mode}-carrier-{i:02d}" for i in range(n)]
            for cid in self.ids[mode]:
                self.eff[cid] = float(np.exp(rng.normal(0.0, CARRIER_SIGMA)))
                self.knots[cid] = float(rng.choice([13.0, 14.5, 16.0, 18.0]))
        # Zipf-like popularity: a few large carriers, a long tail of small ones.
        self.weights = {m: (w := 1.0 / np.arange(1, len(c) + 1) ** 0.8) / w.sum() for m, c in self.ids.items()}

    def pick(self, mode: str, rng: np.random.Generator) -> str:
        return str(rng.choice(self.ids[mode], p=self.weights[mode]))


def _season(month: int, reefer: bool) -> float:
    factor = 1.0 + (WINTER_UPLIFT if month in (12, 1, 2) else 0.0)
    if reefer and month in (6, 7, 8):
        factor += SUMMER_REEFER_UPLIFT
    return factor


def _resolved(true_km: float, rng: np.random.Generator, bases: tuple[str, ...]) -> ResolvedDistance:
    """What the engine would see: reported, shortest feasible or adjusted great-circle km."""
    basis = str(rng.choice(bases))
    if basis == "actual":
        km = true_km * math.exp(rng.normal(0.0, 0.02))
    elif basis == "SFD":
        km = true_km / math.exp(rng.normal(0.03, 0.04))
    else:
        km = true_km / math.exp(rng.normal(0.08, 0.10))
    return ResolvedDistance(km=round(min(km, 40_000.0), 1), basis=basis)  # type: ignore[arg-type]


def simulate_fleet(n: int, rng: np.random.Generator) -> tuple[list[TransportLeg], list[ResolvedDistance]]:
    """``n`` legs with primary fuel data, ordered by departure, and their resolved distances.

    Mode mix: 70 % road, 10 % rail, 10 % sea, 10 % air. Raises ``ValueError`` if ``n < 1``.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    carriers = _Carriers(rng)
    modes = rng.choice(["road", "rail", "sea", "air"], size=n, p=[0.7, 0.1, 0.1, 0.1])
    offsets = np.sort(rng.uniform(0.0, SPAN_DAYS, size=n))
    legs: list[TransportLeg] = []
    dists: list[ResolvedDistance] = []
    for i in range(n):
        departure = START + timedelta(days=float(offsets[i]))
        leg, dist = _one_leg(i, str(modes[i]), departure, carriers, rng)
        legs.append(leg)
        dists.append(dist)
    return legs, dists


def _one_leg(i: int, mode: str, departure: datetime, carriers: _Carriers,
             rng: np.random.Generator) -> tuple[TransportLeg, ResolvedDistance]:
    carrier = carriers.pick(mode, rng)
    month = departure.month
    reefer = bool(rng.random() < 0.15)
    empty_km: float | None = None
    if mode == "road":
        region = str(rng.choice(list(ROAD_PLACES), p=[0.6, 0.3, 0.1]))
        a, b = rng.choice(len(ROAD_PLACES[region]), size=2, replace=False)
        o, d = ROAD_PLACES[region][a], ROAD_PLACES[region][b]
        vehicle = str(rng.choice(list(VEHICLES), p=[0.55, 0.3, 0.15]))
        if vehicle == "van_avg" or rng.random() < 0.3:  # local delivery legs: a few to 150 km
            true_km = float(rng.uniform(8.0, 150.0))
        else:
            true_km = _gcd_km(o, d) * 1.2 * math.exp(rng.normal(0.0, 0.05))
        spec = VEHICLES[vehicle]
        capacity = float(rng.uniform(*spec.capacity_t))
        load = float(np.clip(rng.beta(2.5, 1.8), 0.05, 1.0))
        payload_t = capacity * load
        per_km = spec.wtw_per_km_empty + (spec.wtw_per_km_full - spec.wtw_per_km_empty) * load
        urban = float(np.clip(0.6 * math.exp(-true_km / 150.0) + 0.1 + rng.normal(0.0, 0.05), 0.0, 1.0))
        hilly = (o[3] + d[3]) / 2
        factor = (1 + URBAN_UPLIFT * urban) * (1 + GRADIENT_UPLIFT * hilly) * (spec.reefer_ratio if reefer else 1.0)
        empty = true_km * float(rng.uniform(0.0, 0.3)) if rng.random() < 0.5 else 0.0
        wtw = (per_km * true_km + spec.wtw_per_km_empty * empty) * factor
        if rng.random() < 0.6:
            empty_km = round(empty, 1)
        origin, dest = Location(name=o[0], unlocode=o[0]), Location(name=d[0], unlocode=d[0])
        bases: tuple[str, ...] = ("actual", "SFD", "GCD")
    elif mode == "rail":
        oc, dc, hilly = RAIL_LANES[int(rng.integers(len(RAIL_LANES)))]
        vehicle, reefer = "rail_freight", False
        true_km = RAIL_KM[(oc, dc)] * math.exp(rng.normal(0.0, 0.03))
        capacity = 1600.0
        payload_t = float(rng.uniform(300.0, capacity))
        per_km = RAIL_TKM * RAIL_REF_PAYLOAD_T * (RAIL_TARE_T + payload_t) / (RAIL_TARE_T + RAIL_REF_PAYLOAD_T)
        wtw = per_km * true_km * (1 + GRADIENT_UPLIFT / 2 * hilly)
        origin, dest = Location(name=oc, unlocode=oc), Location(name=dc, unlocode=dc)
        bases = ("actual", "SFD")
    elif mode == "sea":
        oc, dc, km = SEA_LANES[int(rng.integers(len(SEA_LANES)))]
        vehicle, reefer = "container_ship_avg", False
        true_km = km * math.exp(rng.normal(0.0, 0.03))
        capacity = 90_000.0
        payload_t = float(rng.uniform(20_000.0, capacity))
        knots = carriers.knots[carrier] * math.exp(rng.normal(0.0, 0.04))
        displacement = ((SHIP_LIGHTSHIP_T + payload_t) / (SHIP_LIGHTSHIP_T + SHIP_REF_CARGO_T)) ** (2 / 3)
        wtw = SHIP_TKM * SHIP_REF_CARGO_T * true_km * displacement * (knots / SHIP_REF_KNOTS) ** 2
        origin, dest = Location(name=oc, unlocode=oc), Location(name=dc, unlocode=dc)
        bases = ("actual", "SFD")
    else:
        oc, dc, km = AIR_LANES[int(rng.integers(len(AIR_LANES)))]
        vehicle, reefer = "air_long_haul", bool(rng.random() < 0.1)
        true_km = km * math.exp(rng.normal(0.02, 0.03))
        capacity = 100.0
        payload_t = float(rng.uniform(25.0, capacity))
        mass = (AIR_OEW_T + payload_t) / (AIR_OEW_T + AIR_REF_PAYLOAD_T)
        wtw = AIR_TKM * AIR_REF_PAYLOAD_T * (true_km + AIR_LTO_EQUIV_KM) * mass
        origin, dest = Location(name=oc, iata=oc), Location(name=dc, iata=dc)
        bases = ("actual", "GCD")
    wtw *= _season(month, reefer) * carriers.eff[carrier] * math.exp(rng.normal(0.0, LEG_SIGMA))
    wtw *= math.exp(TREND_PER_YEAR * (departure - START).days / 365.0)
    fuel = default_profiles()[VEHICLE_FUEL[vehicle]]
    kwh = wtw / fuel.wtw_kg_per_kwh
    if mode == "sea":
        use = FuelUse(type="VLSFO", amount=round(kwh / fuel.kwh_per_unit["t"], 3), unit="t")
    elif mode == "air":
        use = FuelUse(type="Jet A-1", amount=round(kwh / fuel.kwh_per_unit["kg"], 1), unit="kg")
    else:
        use = FuelUse(type="diesel", amount=round(kwh / fuel.kwh_per_unit["l"], 2), unit="l")
    dist = _resolved(true_km, rng, bases)
    leg = TransportLeg(
        leg_id=f"SIM-{i:07d}", shipment_ids=[f"SIM-SH-{i:07d}"], mode=mode,  # type: ignore[arg-type]
        vehicle=vehicle, origin=origin, destination=dest,
        distance_km=dist.km if dist.basis == "actual" else None,
        payload_kg=round(payload_t * 1000.0, 1), fuel=[use],
        load_factor=round(payload_t / capacity, 3) if rng.random() < 0.7 else None,
        empty_km=empty_km, temperature_controlled=reefer, departure=departure,
        arrival=departure + timedelta(hours=true_km / 60.0),
        carrier=carrier if rng.random() < 0.92 else None,
    )
    return leg, dist
