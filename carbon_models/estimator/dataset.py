"""Training rows from transport legs that carry primary fuel data.

The function takes any iterable of leg records and their resolved distances, so the
ledger store (or a JSONL file, or the simulator) can feed it. Legs without fuel, with a
fuel the estimator cannot convert to energy (:mod:`.fuels`), or without a usable
distance are skipped and counted, never guessed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from carbon_models.estimation import ResolvedDistance
from carbon_models.estimator.features import RawFeatures, raw_features
from carbon_models.estimator.fuels import fuel_energy_kwh
from ledger.records.schemas import TransportLegRecord

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass
class TrainingSet:
    """Labelled legs in departure order: features, energy (kWh) and departure time."""

    legs: list[TransportLegRecord]
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
        """SHA-256 over the legs (canonical JSON), distances and labels, in order."""
        h = hashlib.sha256()
        for leg, dist in zip(self.legs, self.distances):
            h.update(leg.model_dump_json(exclude_none=True).encode())
            h.update(f"|{dist.km!r}|{dist.basis}\n".encode())
        return h.hexdigest()


def build_training_set(legs: Iterable[TransportLegRecord | Mapping], distances: Iterable[ResolvedDistance]) -> TrainingSet:
    """Labelled rows from legs with primary fuel, sorted by departure (stable).

    ``legs`` may be typed records or record dicts as stored in the ledger (validated here;
    a bad one raises :class:`~ledger.errors.SchemaError` naming the leg and field).

    Legs without a departure sort first (they cannot be placed in time; they only ever
    land in the training part of a time split). Raises ``ValueError`` if the iterables
    differ in length.
    """
    kept_legs: list[TransportLegRecord] = []
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
            leg = _validated(leg)
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


def _validated(data: Mapping) -> TransportLegRecord:
    from ledger.errors import SchemaError
    from ledger.records.schemas import validate_record

    label = str(data.get("leg_id", "transport_leg"))
    leg = validate_record(dict(data), label)
    if not isinstance(leg, TransportLegRecord):
        raise SchemaError("not a transport_leg record", record=label, field="kind")
    return leg


def _resolved(value: object, label: str) -> ResolvedDistance:
    from ledger.errors import SchemaError

    if not isinstance(value, Mapping):
        raise SchemaError("must be an object with km and basis", record=label, field="resolved_distance")
    km, basis = value.get("km"), value.get("basis")
    if isinstance(km, bool) or not isinstance(km, int | float) or not km > 0:
        raise SchemaError(f"km must be a positive number, got {km!r}", record=label, field="resolved_distance.km")
    if basis not in ("actual", "SFD", "GCD"):
        raise SchemaError(f"basis must be actual, SFD or GCD, got {basis!r}", record=label,
                          field="resolved_distance.basis")
    return ResolvedDistance(km=float(km), basis=basis)


def read_legs_jsonl(path: Path) -> Iterator[tuple[TransportLegRecord, ResolvedDistance]]:
    """Legs from JSON lines: each a transport-leg record, optionally with ``resolved_distance``
    ``{"km", "basis"}`` beside the record fields (else ``distance_km`` is used as ``actual``).

    Raises :class:`~ledger.errors.SchemaError` naming the line of a bad record.
    """
    from ledger.errors import SchemaError
    from ledger.records.schemas import validate_record

    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SchemaError(f"not JSON: {exc.msg}", record=f"{path.name}:{lineno}") from None
            resolved = data.pop("resolved_distance", None) if isinstance(data, dict) else None
            leg = validate_record(data, f"{path.name}:{lineno}")
            if not isinstance(leg, TransportLegRecord):
                raise SchemaError("not a transport_leg record", record=f"{path.name}:{lineno}")
            if resolved is not None:
                dist = _resolved(resolved, f"{path.name}:{lineno}")
            elif leg.distance_km is not None:
                dist = ResolvedDistance(km=leg.distance_km, basis="actual")
            else:
                raise SchemaError("no distance_km and no resolved_distance", record=f"{path.name}:{lineno}")
            yield leg, dist


def write_legs_jsonl(path: Path, legs: Iterable[TransportLegRecord], distances: Iterable[ResolvedDistance]) -> None:
    """Write legs in the format :func:`read_legs_jsonl` reads."""
    with path.open("w", encoding="utf-8") as fh:
        for leg, dist in zip(legs, distances):
            data = json.loads(leg.model_dump_json(exclude_none=True))
            data["resolved_distance"] = {"km": dist.km, "basis": dist.basis}
            fh.write(json.dumps(data, sort_keys=True) + "\n")
