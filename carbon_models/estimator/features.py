"""Order-time features of a leg, and the encoder that turns them into a model matrix.

Features are what is known before the leg runs (no fuel, no arrival). Missing values are
``NaN`` and LightGBM routes them down the side of each split learnt for missing values:
load factor, empty km, month (no departure), carrier and countries can all be absent.
Categoricals become integer codes over the levels seen in training; an unseen level is
``NaN`` too (treated as missing) except for ``mode`` and ``vehicle``, without which the
leg cannot be estimated (the estimator returns ``None`` and the engine uses defaults).

Carrier and lane (origin-destination country pair) have many levels, so they are target
encoded: the smoothed mean, over training legs, of the log energy per km relative to the
vehicle class mean, ``(n * mean + M * 0) / (n + M)`` with ``M = SMOOTHING``. An unseen
carrier or lane gets the prior 0 (an average carrier of its class); an absent one NaN.
Training rows are encoded out of fold so the model never sees its own label through
the encoding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from carbon_models.distance import ResolvedDistance
from carbon_models.inputs import Location, TransportLeg

SMOOTHING = 20.0
"""Pseudo-count of the prior in target encoding: a carrier with 20 legs is half-trusted."""
OOF_FOLDS = 5
"""Folds of the out-of-fold target encoding of training rows."""

CATEGORICAL = ("mode", "vehicle", "distance_basis", "origin_country", "destination_country",
               "origin_region", "destination_region")
NUMERIC = ("payload_kg", "load_factor", "distance_km", "empty_km", "month", "temperature_controlled",
           "carrier_te", "lane_te")
FEATURES: tuple[str, ...] = NUMERIC + CATEGORICAL
"""Column order of the model matrix."""
MONOTONE = {"payload_kg": 1, "distance_km": 1, "empty_km": 1}
"""Physics: more payload, distance or empty running never means less fuel, other things equal."""
QUANTILE_FEATURES: tuple[str, ...] = tuple(f for f in FEATURES if f not in MONOTONE)
"""Columns the quantile stage sees: none of the monotone ones, so it cannot break monotonicity."""
REQUIRED_CATEGORIES = ("mode", "vehicle")

REGIONS: dict[str, str] = {
    **dict.fromkeys(("DE", "NL", "BE", "LU", "FR", "GB", "IE", "DK"), "europe_west"),
    **dict.fromkeys(("CH", "AT", "LI", "SI"), "europe_alpine"),
    **dict.fromkeys(("IT", "ES", "PT", "GR", "MT", "CY"), "europe_south"),
    **dict.fromkeys(("PL", "CZ", "SK", "HU", "RO", "BG", "LT", "LV", "EE", "HR"), "europe_east"),
    **dict.fromkeys(("SE", "NO", "FI", "IS"), "europe_nordic"),
    **dict.fromkeys(("CN", "HK", "TW", "KR", "JP", "MO"), "east_asia"),
    **dict.fromkeys(("SG", "MY", "TH", "VN", "ID", "PH"), "south_east_asia"),
    **dict.fromkeys(("US", "CA", "MX"), "north_america"),
}
"""Country -> coarse region; a country outside the table has region NaN (documented fallback)."""


@lru_cache(maxsize=1)
def _airports() -> dict:
    import airportsdata

    return airportsdata.load("IATA")


def country_of(loc: Location) -> str | None:
    """ISO country of a location: from its UN/LOCODE, else its IATA airport, else unknown."""
    if loc.unlocode:
        return loc.unlocode[:2]
    if loc.iata:
        airport = _airports().get(loc.iata)
        return airport["country"] if airport else None
    return None


@dataclass
class RawFeatures:
    """Unencoded order-time features of a batch of legs, column by column."""

    numeric: dict[str, np.ndarray]
    categorical: dict[str, list[str | None]]
    carrier: list[str | None]
    lane: list[str | None]

    def __len__(self) -> int:
        return len(self.carrier)

    def take(self, index: np.ndarray) -> RawFeatures:
        """The rows at ``index`` (integer positions), in that order."""
        idx = [int(i) for i in index]
        return RawFeatures(
            {k: v[index] for k, v in self.numeric.items()},
            {k: [v[i] for i in idx] for k, v in self.categorical.items()},
            [self.carrier[i] for i in idx], [self.lane[i] for i in idx],
        )


def raw_features(legs: Sequence[TransportLeg], distances: Sequence[ResolvedDistance]) -> RawFeatures:
    """Extract features; raises ``ValueError`` if the two sequences differ in length."""
    if len(legs) != len(distances):
        raise ValueError(f"got {len(legs)} legs but {len(distances)} distances")
    n = len(legs)
    num = {name: np.full(n, np.nan) for name in NUMERIC if not name.endswith("_te")}
    cat: dict[str, list[str | None]] = {name: [None] * n for name in CATEGORICAL}
    carrier: list[str | None] = [None] * n
    lane: list[str | None] = [None] * n
    nan = math.nan
    for i, (leg, dist) in enumerate(zip(legs, distances)):
        num["payload_kg"][i] = leg.payload_kg
        num["load_factor"][i] = leg.load_factor if leg.load_factor is not None else nan
        num["distance_km"][i] = dist.km if dist.km > 0 else nan
        num["empty_km"][i] = leg.empty_km if leg.empty_km is not None else nan
        num["month"][i] = leg.departure.month if leg.departure is not None else nan
        num["temperature_controlled"][i] = 1.0 if leg.temperature_controlled else 0.0
        oc, dc = country_of(leg.origin), country_of(leg.destination)
        cat["mode"][i] = leg.mode
        cat["vehicle"][i] = leg.vehicle
        cat["distance_basis"][i] = dist.basis
        cat["origin_country"][i] = oc
        cat["destination_country"][i] = dc
        cat["origin_region"][i] = REGIONS.get(oc) if oc else None
        cat["destination_region"][i] = REGIONS.get(dc) if dc else None
        carrier[i] = leg.carrier
        lane[i] = f"{oc}-{dc}" if oc and dc else None
    return RawFeatures(num, cat, carrier, lane)


@dataclass
class FeatureEncoder:
    """Category levels and target-encoding tables learnt from training rows (JSON-able)."""

    levels: dict[str, list[str]] = field(default_factory=dict)
    carrier_table: dict[str, float] = field(default_factory=dict)
    lane_table: dict[str, float] = field(default_factory=dict)
    vehicle_log_kwh_per_km: dict[str, float] = field(default_factory=dict)

    @classmethod
    def fit(cls, raw: RawFeatures, log_kwh_per_km: np.ndarray) -> FeatureEncoder:
        """Learn levels and tables from training rows and their log energy per km."""
        levels = {name: sorted({v for v in raw.categorical[name] if v is not None}) for name in CATEGORICAL}
        vehicle_mean = _group_mean(raw.categorical["vehicle"], log_kwh_per_km)
        residual = log_kwh_per_km - np.array([vehicle_mean[v] for v in raw.categorical["vehicle"]])
        return cls(levels, _smoothed(raw.carrier, residual), _smoothed(raw.lane, residual), vehicle_mean)

    def residual(self, raw: RawFeatures, log_kwh_per_km: np.ndarray) -> np.ndarray:
        return log_kwh_per_km - np.array([self.vehicle_log_kwh_per_km.get(v, 0.0) for v in raw.categorical["vehicle"]])

    def transform(self, raw: RawFeatures, oof_residual: np.ndarray | None = None,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """The model matrix (rows x :data:`FEATURES`) and a mask of rows that can be estimated.

        With ``oof_residual`` (training only), carrier and lane are encoded out of fold.
        """
        n = len(raw)
        x = np.empty((n, len(FEATURES)))
        for j, name in enumerate(FEATURES):
            if name in raw.numeric:
                x[:, j] = raw.numeric[name]
        if oof_residual is None:
            x[:, FEATURES.index("carrier_te")] = _lookup(raw.carrier, self.carrier_table)
            x[:, FEATURES.index("lane_te")] = _lookup(raw.lane, self.lane_table)
        else:
            folds = np.random.default_rng(seed).integers(0, OOF_FOLDS, size=n)
            for k in range(OOF_FOLDS):
                fit, apply = folds != k, folds == k
                for key, col in (("carrier", "carrier_te"), ("lane", "lane_te")):
                    values = getattr(raw, key)
                    table = _smoothed([v for v, f in zip(values, fit) if f], oof_residual[fit])
                    x[apply, FEATURES.index(col)] = _lookup([v for v, a in zip(values, apply) if a], table)
        ok = np.isfinite(x[:, FEATURES.index("distance_km")])
        for name in CATEGORICAL:
            codes = {level: float(c) for c, level in enumerate(self.levels.get(name, []))}
            col = np.array([codes.get(v, np.nan) if v is not None else np.nan for v in raw.categorical[name]])
            x[:, FEATURES.index(name)] = col
            if name in REQUIRED_CATEGORIES:
                ok &= np.isfinite(col)
        return x, ok

    def to_dict(self) -> dict:
        return {"levels": self.levels, "carrier_table": self.carrier_table, "lane_table": self.lane_table,
                "vehicle_log_kwh_per_km": self.vehicle_log_kwh_per_km}

    @classmethod
    def from_dict(cls, data: dict) -> FeatureEncoder:
        return cls(data["levels"], data["carrier_table"], data["lane_table"], data["vehicle_log_kwh_per_km"])


def _group_mean(keys: Sequence[str | None], values: np.ndarray) -> dict[str, float]:
    sums: dict[str, list[float]] = {}
    for k, v in zip(keys, values):
        if k is not None:
            acc = sums.setdefault(k, [0.0, 0.0])
            acc[0] += float(v)
            acc[1] += 1.0
    return {k: s / c for k, (s, c) in sorted(sums.items())}


def _smoothed(keys: Sequence[str | None], residual: np.ndarray) -> dict[str, float]:
    sums: dict[str, list[float]] = {}
    for k, r in zip(keys, residual):
        if k is not None:
            acc = sums.setdefault(k, [0.0, 0.0])
            acc[0] += float(r)
            acc[1] += 1.0
    return {k: round(s / (c + SMOOTHING), 12) for k, (s, c) in sorted(sums.items())}


def _lookup(keys: Sequence[str | None], table: dict[str, float]) -> np.ndarray:
    return np.array([table.get(k, 0.0) if k is not None else np.nan for k in keys], dtype=float)
