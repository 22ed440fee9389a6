"""Training rows from transport legs that carry primary fuel data.

The function takes any iterable of legs and their resolved distances, so the ledger's
store or leg files, or the simulator, can feed it. Legs without fuel, with a fuel the
estimator cannot convert to energy (:mod:`.fuels`), or without a usable distance are
skipped and counted, never guessed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
from pydantic_core import to_json

from carbon_models.distance import ResolvedDistance
from carbon_models.estimator.features import RawFeatures, raw_features
from carbon_models.estimator.fuels import fuel_energy_kwh
from carbon_models.inputs import RECORD_FORM_VERSION, TransportLeg, validate_inputs

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

HASHED_RECORD_FORM = {"schema_version": RECORD_FORM_VERSION, "kind": TransportLeg.KIND}
"""Keys each leg is hashed with, ahead of its fields: the training-data hash has always
been taken over legs in record form, so the same legs keep the same hash (and a retrained
model its hash) whether they arrive as ledger records, dicts or simulated legs."""
_LEG_FIELDS = frozenset(TransportLeg.model_fields)


@dataclass
class TrainingSet:
    """Labelled legs in departure order: features, energy (kWh) and departure time."""

    legs: list[TransportLeg]
    distances: list[ResolvedDistance]
    raw: RawFeatures
    energy_kwh: np.ndarray
    departure_s: np.ndarray
    skipped: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.legs)

    @property
    def log_kwh_per_km(self) -> np.ndarray:
        return np.log(self.energy_kwh / self.raw.numeric["distance_km"])

    def take(self, index: np.ndarray) -> TrainingSet:
        """The rows at ``index`` (integer positions, kept in the order given)."""
        idx = [int(i) for i in index]
        return TrainingSet([self.legs[i] for i in idx], [self.distances[i] for i in idx], self.raw.take(index),
                           self.energy_kwh[index], self.departure_s[index], dict(self.skipped))

    def data_hash(self) -> str:
        """SHA-256 over the legs (JSON in record form, see :data:`HASHED_RECORD_FORM`) and
        their distances, in order."""
        h = hashlib.sha256()
        for leg, dist in zip(self.legs, self.distances):
            h.update(to_json({**HASHED_RECORD_FORM, **leg.model_dump(include=_LEG_FIELDS, exclude_none=True)}))
            h.update(f"|{dist.km!r}|{dist.basis}\n".encode())
        return h.hexdigest()


def build_training_set(legs: Iterable[TransportLeg | Mapping], distances: Iterable[ResolvedDistance]) -> TrainingSet:
    """Labelled rows from legs with primary fuel, sorted by departure (stable).

    ``legs`` may be typed or dicts, also in record form as the ledger stores them
    (validated here; a bad one raises :class:`~carbon_models.errors.InvalidRecordError`
    naming the leg and field).

    Legs without a departure sort first (they cannot be placed in time; they only ever
    land in the training part of a time split). Raises ``ValueError`` if the iterables
    differ in length.
    """
    kept_legs: list[TransportLeg] = []
    kept_dist: list[ResolvedDistance] = []
    energy: list[float] = []
    skipped = {"no_fuel": 0, "unknown_fuel": 0, "no_distance": 0}
    sentinel = object()
    legs_it, dist_it = iter(legs), iter(distances)
    while True:
        leg, dist = next(legs_it, sentinel), next(dist_it, sentinel)
        if leg is sentinel and dist is sentinel:
            break
        if leg is sentinel or dist is sentinel:
            raise ValueError("legs and distances differ in length")
        if isinstance(leg, Mapping):
            (leg,) = validate_inputs([leg], TransportLeg, "legs")
        if not leg.fuel:  # type: ignore[union-attr]
            skipped["no_fuel"] += 1
            continue
        kwh = fuel_energy_kwh(leg.fuel)  # type: ignore[union-attr]
        if kwh is None or kwh <= 0:
            skipped["unknown_fuel"] += 1
            continue
        if not dist.km > 0:  # type: ignore[union-attr]
            skipped["no_distance"] += 1
            continue
        kept_legs.append(leg)  # type: ignore[arg-type]
        kept_dist.append(dist)  # type: ignore[arg-type]
        energy.append(kwh)
    dep = np.array([(leg.departure - _EPOCH).total_seconds() if leg.departure else -np.inf for leg in kept_legs])
    order = np.argsort(dep, kind="stable")
    kept_legs = [kept_legs[i] for i in order]
    kept_dist = [kept_dist[i] for i in order]
    return TrainingSet(kept_legs, kept_dist, raw_features(kept_legs, kept_dist), np.array(energy)[order],
                       dep[order], skipped)
