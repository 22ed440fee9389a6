"""Versioned emission factor sets, loaded from the data files in ``factor_sets/``.

A factor set is data, not code: each factor carries its source document, year, unit,
scope (TTW or WTT; WTW is always their sum) and source row ID, so a footprint can name
exactly which published figures it used. Nothing here invents a figure: a factor the set
lacks is a :class:`~carbon_models.errors.MissingFactorError` at the point of use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from carbon_models.errors import FuelUnitError, MissingFactorError, UnknownFactorSetError

FACTOR_SET_DIR = Path(__file__).parent / "factor_sets"
"""Where the shipped factor-set files live (one JSON file per set, named ``<id>.json``)."""

DEFAULT_FACTOR_SET = "desnz-2025"
"""The set used when none is named: the latest UK DESNZ freight factors."""

Scope = Literal["TTW", "WTT"]


@dataclass(frozen=True)
class Factor:
    """One published emission factor."""

    id: str
    scope: Scope
    value: float
    unit: str
    source: str
    year: int
    source_row_id: str | None
    label: str
    vehicle_class: str | None = None
    fuel: str | None = None
    fuel_unit: str | None = None
    country: str | None = None
    source_file: str | None = None


@dataclass(frozen=True)
class VehicleClass:
    """A vehicle class with its TTW and WTT intensity factors (kg CO2e per tonne.km)."""

    id: str
    mode: str
    label: str
    ttw: Factor
    wtt: Factor
    temperature_controlled: bool
    energy_carrier: str

    @property
    def wtw_per_tkm(self) -> float:
        return self.ttw.value + self.wtt.value


@dataclass(frozen=True)
class FactorSet:
    """A loaded factor set: factors by id, vehicle classes, fuels and grid factors."""

    id: str
    version: str
    title: str
    source_document: str
    notes: tuple[str, ...]
    factors: dict[str, Factor]
    vehicle_classes: dict[str, VehicleClass]
    fuel_aliases: dict[str, str]
    _fuel_factors: dict[tuple[str, str, str], Factor] = field(repr=False)
    _grid: dict[str, Factor] = field(repr=False)

    def vehicle_class(self, class_id: str) -> VehicleClass | None:
        return self.vehicle_classes.get(class_id)

    def fuel_id(self, name: str) -> str | None:
        """The canonical fuel id for a name or alias (case-insensitive), or ``None``."""
        return self.fuel_aliases.get(name.strip().lower())

    def fuel_factors(self, fuel: str, unit: str) -> tuple[Factor, Factor]:
        """TTW and WTT factors for ``fuel`` measured in ``unit``.

        Raises :class:`FuelUnitError` when the set knows the fuel but not in that unit, and
        :class:`MissingFactorError` when it lacks the TTW or WTT factor altogether.
        """
        fid = self.fuel_id(fuel)
        if fid is None:
            raise MissingFactorError(f"fuel {fuel!r} is not in factor set {self.id}")
        units = sorted({u for (f, _, u) in self._fuel_factors if f == fid})
        if unit not in units:
            raise FuelUnitError(f"factor set {self.id} has factors for {fid} in {', '.join(units)}, not {unit!r}")
        ttw = self._fuel_factors.get((fid, "TTW", unit))
        wtt = self._fuel_factors.get((fid, "WTT", unit))
        if ttw is None:
            raise MissingFactorError(
                f"factor set {self.id} has no TTW (combustion) factor for {fid} in {unit}; "
                "it is not in the published data available to this set"
            )
        if wtt is None:
            raise MissingFactorError(f"factor set {self.id} has no WTT factor for {fid} in {unit}")
        return ttw, wtt

    def grid_factor(self, country: str) -> Factor:
        """The electricity factor of a country's grid (kg per kWh, counted as WTT)."""
        factor = self._grid.get(country)
        if factor is None:
            have = ", ".join(sorted(self._grid)) or "none"
            raise MissingFactorError(f"factor set {self.id} has no grid electricity factor for {country} (has: {have})")
        return factor

    def summary(self) -> dict[str, object]:
        return {"id": self.id, "version": self.version, "title": self.title, "factors": len(self.factors),
                "vehicle_classes": len(self.vehicle_classes)}


def available_factor_sets() -> list[str]:
    """Ids of the shipped factor sets, sorted."""
    return sorted(p.stem for p in FACTOR_SET_DIR.glob("*.json"))


@lru_cache(maxsize=8)
def load_factor_set(id: str | None = None) -> FactorSet:  # noqa: A002 - the public name the issue asks for
    """Load a shipped factor set by id (default :data:`DEFAULT_FACTOR_SET`).

    Raises :class:`UnknownFactorSetError` for an id with no file.
    """
    set_id = id or DEFAULT_FACTOR_SET
    if set_id not in available_factor_sets():
        raise UnknownFactorSetError(
            f"no factor set {set_id!r}; available: {', '.join(available_factor_sets())}", field="factor_set"
        )
    return _parse(json.loads((FACTOR_SET_DIR / f"{set_id}.json").read_text(encoding="utf-8")))


def _parse(doc: dict) -> FactorSet:
    factors = {f["id"]: Factor(**f) for f in doc["factors"]}
    classes = {}
    for vc in doc["vehicle_classes"]:
        classes[vc["id"]] = VehicleClass(
            id=vc["id"], mode=vc["mode"], label=vc["label"], ttw=factors[vc["ttw"]], wtt=factors[vc["wtt"]],
            temperature_controlled=vc["temperature_controlled"], energy_carrier=vc["energy_carrier"],
        )
    aliases: dict[str, str] = {}
    for fuel in doc["fuels"]:
        aliases[fuel["id"]] = fuel["id"]
        for alias in fuel["aliases"]:
            aliases[alias] = fuel["id"]
    fuel_factors = {(f.fuel, f.scope, f.fuel_unit): f for f in factors.values()
                    if f.fuel is not None and f.fuel_unit is not None and f.country is None}
    grid = {f.country: f for f in factors.values() if f.fuel == "electricity" and f.country is not None}
    return FactorSet(
        id=doc["id"], version=doc["version"], title=doc["title"], source_document=doc["source_document"],
        notes=tuple(doc["notes"]), factors=factors, vehicle_classes=classes, fuel_aliases=aliases,
        _fuel_factors=fuel_factors, _grid=grid,
    )
