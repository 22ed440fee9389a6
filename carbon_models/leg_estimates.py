"""The contract between the footprint engine and a learned leg estimator.

The footprint engine (ISO 14083 modelled path) asks an estimator for legs that carry no
primary fuel data; the LightGBM estimator implements :class:`LegEstimator`. Keeping the
protocol here lets the engine run, and be tested, with no model installed: then it uses
the default intensities of its factor set and says so in the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from carbon_models.distance import ResolvedDistance
from carbon_models.inputs import TransportLeg


@dataclass(frozen=True)
class LegEstimate:
    """Estimated well-to-wheel emissions of a whole leg (the vehicle, before allocation).

    Quantiles in kg CO2e; ``p10 <= p50 <= p90`` always holds.
    """

    p10_kg: float
    p50_kg: float
    p90_kg: float


class LegEstimator(Protocol):
    """What the footprint engine needs of a learned estimator."""

    @property
    def model_hash(self) -> str:
        """Content hash of the model artefact, recorded in every footprint that used it."""
        ...

    def estimate_legs(
        self, legs: Sequence[TransportLeg], distances: Sequence[ResolvedDistance]
    ) -> list[LegEstimate | None]:
        """One estimate per leg, or ``None`` where the model cannot estimate that leg
        (an unseen category it has no fallback for); the engine then uses default
        intensities and flags the leg."""
        ...
