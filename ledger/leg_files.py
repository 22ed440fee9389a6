"""Transport-leg records in JSON-lines files: the estimator's training and held-out legs.

Each line is a ``transport_leg`` record, as the ledger would store it, optionally with
``resolved_distance`` ``{"km", "basis"}`` beside the record fields: the distance the
engine resolved, which is not part of the record. ``carbonledger model train
--from-jsonl`` reads them, and ``train`` writes its held-out legs as one for ``evaluate``.
Lines are validated as ledger records, so every problem names its line and field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from carbon_models.distance import ResolvedDistance
from carbon_models.inputs import TransportLeg
from ledger.errors import SchemaError
from ledger.records.ijson import loads_ijson
from ledger.records.schemas import TransportLegRecord, validate_record


def _resolved(value: object, label: str) -> ResolvedDistance:
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
    """Legs from JSON lines, with ``resolved_distance`` or else ``distance_km`` as ``actual``.

    Raises :class:`~ledger.errors.SchemaError` naming the line of a bad record.
    """
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            data = loads_ijson(line, record=f"{path.name}:{lineno}")  # strict I-JSON, as at every door
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


def write_legs_jsonl(path: Path, legs: Iterable[TransportLeg], distances: Iterable[ResolvedDistance]) -> None:
    """Write legs, records or not (simulated legs are carbon_models inputs), as :func:`read_legs_jsonl` reads them."""
    with path.open("w", encoding="utf-8") as fh:
        for leg, dist in zip(legs, distances):
            data = {"schema_version": 1, "kind": "transport_leg", **json.loads(leg.model_dump_json(exclude_none=True))}
            data["resolved_distance"] = {"km": dist.km, "basis": dist.basis}
            fh.write(json.dumps(data, sort_keys=True) + "\n")
