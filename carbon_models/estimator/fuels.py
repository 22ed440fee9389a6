"""Fuel energy content and well-to-wheel intensity per kWh, for labels and for output.

Why energy: the estimator learns the final energy a leg used (kWh, net calorific value),
the quantity fleet fuel records measure whatever the fuel, and turns it into WTW kg CO2e
only at the end with the intensity of the vehicle class's fuel. The learnt part is then
independent of factor vintages; swapping factors re-saves the artefact, no retraining.

Sources (every figure transcribed, never tuned):

* Net calorific value per unit = DESNZ 2025 WTT factor per unit / WTT factor per kWh (Net
  CV) of the same fuel (``category_wtt_fuels.csv``, row IDs below); the ratio is the
  energy content DESNZ itself used.
* WTT kg CO2e per kWh (Net CV): DESNZ 2025, same rows.
* TTW kg CO2 per kWh: IPCC 2006 Guidelines for National GHG Inventories, Vol. 2, Ch. 1,
  Table 1.4 default CO2 emission factors (kg CO2/TJ): gas/diesel oil 74,100, residual fuel
  oil 77,400, jet kerosene 71,500; 1 kWh = 3.6e-6 TJ. CH4 and N2O (about 1 % of TTW for
  these fuels) are left out: the project's factor set has no per-fuel combustion rows yet
  (DESNZ Scope 1 fuels are not in ``shared/factors``).
* Where the engine's factor set has a TTW factor per litre (diesel), :func:`default_profiles`
  uses it instead (TTW per kWh = its kg/l / the kWh/l above), so an estimated diesel leg is
  on the same footing as a primary-data diesel leg in the engine. Marine fuel oil and jet
  fuel keep the IPCC figure: the factor set has no combustion factor for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from functools import lru_cache

from carbon_models.inputs import FuelUse

KWH_PER_TJ = 1.0 / 3.6e-6
"""Exact: 1 kWh = 3.6 MJ."""


@dataclass(frozen=True)
class FuelProfile:
    """One fuel: energy per unit and WTW intensity per kWh, with where each came from."""

    name: str
    kwh_per_unit: Mapping[str, float]
    wtt_kg_per_kwh: float
    ttw_kg_per_kwh: float
    sources: tuple[str, ...]

    @property
    def wtw_kg_per_kwh(self) -> float:
        return self.wtt_kg_per_kwh + self.ttw_kg_per_kwh

    def to_dict(self) -> dict:
        out = asdict(self)
        out["kwh_per_unit"] = dict(self.kwh_per_unit)
        out["sources"] = list(self.sources)
        out["wtw_kg_per_kwh"] = self.wtw_kg_per_kwh
        return out


def _profile(name: str, wtt_per: dict[str, float], wtt_per_kwh: float, ipcc_kg_per_tj: float, rows: str) -> FuelProfile:
    kwh = {unit: value / wtt_per_kwh for unit, value in wtt_per.items()}
    if "t" in kwh:
        kwh["kg"] = kwh["t"] / 1000.0
    kwh["kWh"] = 1.0
    kwh["GJ"] = 1e3 / 3.6
    return FuelProfile(
        name=name, kwh_per_unit=kwh, wtt_kg_per_kwh=wtt_per_kwh,
        ttw_kg_per_kwh=ipcc_kg_per_tj / KWH_PER_TJ,
        sources=(f"DESNZ 2025 WTT fuels rows {rows}", "IPCC 2006 GL Vol.2 Ch.1 Table 1.4 default CO2 factor"),
    )


DIESEL = _profile("diesel", {"l": 0.61101, "t": 733.64436}, 0.06181, 74_100,
                  "11_101_1011_8_1, 11_101_1011_15_1, 11_101_1011_7_1 (Diesel, average biofuel blend)")
MARINE_FUEL_OIL = _profile("marine_fuel_oil", {"l": 0.69539, "t": 714.86545}, 0.06291, 77_400,
                           "11_101_1024_8_1, 11_101_1024_15_1, 11_101_1024_7_1 (Marine fuel oil)")
AVIATION_TURBINE_FUEL = _profile("aviation_turbine_fuel", {"l": 0.52817, "t": 661.79468}, 0.05424, 71_500,
                                 "11_101_1009_8_1, 11_101_1009_15_1, 11_101_1009_7_1 (Aviation turbine fuel)")

FUELS: dict[str, FuelProfile] = {p.name: p for p in (DIESEL, MARINE_FUEL_OIL, AVIATION_TURBINE_FUEL)}
"""Fuels the estimator knows; a fuel type outside this table makes a record unusable as a label."""

FUEL_ALIASES: dict[str, str] = {
    "diesel": "diesel", "b7": "diesel", "gas_oil": "diesel",
    "hfo": "marine_fuel_oil", "vlsfo": "marine_fuel_oil", "marine_fuel_oil": "marine_fuel_oil",
    "jet_a": "aviation_turbine_fuel", "jet_a1": "aviation_turbine_fuel", "jet_a_1": "aviation_turbine_fuel", "kerosene": "aviation_turbine_fuel",
    "aviation_turbine_fuel": "aviation_turbine_fuel",
}
"""Spellings carriers use for the same fuel (lower-cased, ``-`` and spaces as ``_``)."""

VEHICLE_FUEL: dict[str, str] = {
    "hgv_artic_avg_laden": "diesel", "hgv_rigid_avg_laden": "diesel", "van_avg": "diesel",
    "rail_freight": "diesel", "container_ship_avg": "marine_fuel_oil", "air_long_haul": "aviation_turbine_fuel",
}
"""The fuel an estimate of each vehicle class is converted with (rail: diesel traction, see the card)."""


def profiles_from_factor_set(factor_set) -> dict[str, FuelProfile]:
    """:data:`FUELS` with TTW taken from ``factor_set`` (a ``carbon_models.factors.FactorSet``)
    wherever it has a per-litre combustion factor for the fuel."""
    from carbon_models.errors import FootprintError

    out = {}
    for name, profile in FUELS.items():
        try:
            ttw, _ = factor_set.fuel_factors(name, "l")
        except FootprintError:
            out[name] = profile
            continue
        out[name] = replace(profile, ttw_kg_per_kwh=ttw.value / profile.kwh_per_unit["l"],
                            sources=(profile.sources[0], f"factor set {factor_set.id}: {ttw.id} ({ttw.value} {ttw.unit})"))
    return out


@lru_cache(maxsize=1)
def default_profiles() -> dict[str, FuelProfile]:
    """Profiles with the engine's default factor set applied (see the module docstring)."""
    from carbon_models.factors import load_factor_set

    return profiles_from_factor_set(load_factor_set())


def fuel_profile(fuel_type: str) -> FuelProfile | None:
    """The profile of a fuel as a carrier spells it, or ``None`` if unknown."""
    key = fuel_type.strip().lower().replace("-", "_").replace(" ", "_")
    name = FUEL_ALIASES.get(key)
    return FUELS[name] if name else None


def fuel_energy_kwh(fuel: Iterable[FuelUse]) -> float | None:
    """Total final energy (kWh Net CV) of a leg's fuel records; ``None`` if any is unknown."""
    total = 0.0
    for use in fuel:
        profile = fuel_profile(use.type)
        per_unit = profile.kwh_per_unit.get(use.unit) if profile else None
        if per_unit is None:
            return None
        total += use.amount * per_unit
    return total
