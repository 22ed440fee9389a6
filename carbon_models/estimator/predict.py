"""The trained estimator: quantiles of a leg's energy, returned as WTW kg CO2e.

Pure inference: no I/O, no clock. Two stages: ``mean`` (L2, monotone in payload,
distance and empty km) predicts ``ln(kWh)``; each quantile booster adds its quantile of
the residual from features that exclude those three, so every quantile stays monotone in
them. The P10/P90 pair is widened (or narrowed) by the conformal adjustment learnt on the
validation window; the three are then sorted per leg, so ``p10 <= p50 <= p90`` holds by
construction (independently trained quantile boosters can cross). Because ``exp`` and the per-kWh intensity are
increasing, quantiles of ``ln(kWh)`` map to quantiles of kg CO2e exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import lightgbm as lgb
import numpy as np

from carbon_models.distance import ResolvedDistance
from carbon_models.estimator.features import FEATURES, QUANTILE_FEATURES, FeatureEncoder, raw_features
from carbon_models.estimator.hashing import BOOSTER_NAMES, QUANTILE_NAMES, content_hash
from carbon_models.inputs import TransportLeg
from carbon_models.leg_estimates import LegEstimate

QUANTILES = (0.1, 0.5, 0.9)
QUANTILE_COLUMNS = [FEATURES.index(f) for f in QUANTILE_FEATURES]


class LightGBMLegEstimator:
    """Implements :class:`carbon_models.leg_estimates.LegEstimator`.

    Build with :func:`carbon_models.estimator.train.train_estimator` or load with
    :func:`carbon_models.estimator.model.load_model`. ``booster_texts`` are the LightGBM
    text models (already truncated at their best iteration) and ``metadata`` the JSON
    document saved beside them; :attr:`model_hash` covers both.
    """

    def __init__(self, booster_texts: dict[str, str], metadata: dict) -> None:
        self.booster_texts = dict(booster_texts)
        self.metadata = {k: v for k, v in metadata.items() if k != "model_hash"}
        self._hash = content_hash(self.booster_texts, self.metadata)
        self._boosters = {name: lgb.Booster(model_str=booster_texts[name]) for name in BOOSTER_NAMES}
        self.encoder = FeatureEncoder.from_dict(metadata["encoder"])
        fuels = metadata["energy_to_wtw"]["fuels"]
        self._wtw = {v: fuels[f]["wtw_kg_per_kwh"] for v, f in metadata["energy_to_wtw"]["vehicle_fuel"].items()}
        self._vehicle_wtw = np.array([self._wtw.get(v, np.nan) for v in self.encoder.levels["vehicle"]] + [np.nan])

    @property
    def model_hash(self) -> str:
        return self._hash

    def gain_importance(self, booster: str) -> dict[str, float]:
        """Share of total split gain per feature of one booster (``mean``, ``p10``, ...), largest first."""
        model = self._boosters[booster]
        gains = model.feature_importance(importance_type="gain")
        total = float(gains.sum()) or 1.0
        pairs = sorted(zip(model.feature_name(), gains.tolist()), key=lambda p: -p[1])
        return {name: round(g / total, 6) for name, g in pairs}

    def predict_log_kwh(self, x: np.ndarray) -> np.ndarray:
        """Sorted, interval-adjusted quantiles of ln(kWh): an (n, 3) array."""
        out = np.empty((x.shape[0], 3))
        base = self._boosters["mean"].predict(x, num_threads=1)
        xq = x[:, QUANTILE_COLUMNS]
        for j, name in enumerate(QUANTILE_NAMES):
            out[:, j] = base + self._boosters[name].predict(xq, num_threads=1)
        adj = self.metadata["interval_adjustment"]
        out[:, 0] -= adj
        out[:, 2] += adj
        out.sort(axis=1)
        return out

    def estimate_array(self, legs: Sequence[TransportLeg],
                       distances: Sequence[ResolvedDistance]) -> tuple[np.ndarray, np.ndarray]:
        """(n, 3) kg CO2e quantiles and the mask of legs that could be estimated (NaN rows elsewhere)."""
        raw = raw_features(legs, distances)
        x, ok = self.encoder.transform(raw)
        kg = np.full((len(legs), 3), np.nan)
        if ok.any():
            vcode = x[ok, FEATURES.index("vehicle")].astype(int)
            wtw = self._vehicle_wtw[vcode]
            kg[ok] = np.exp(self.predict_log_kwh(x[ok])) * wtw[:, None]
        ok &= np.isfinite(kg).all(axis=1)
        return kg, ok

    def estimate_legs(self, legs: Sequence[TransportLeg],
                      distances: Sequence[ResolvedDistance]) -> list[LegEstimate | None]:
        """One WTW kg CO2e estimate per leg; ``None`` for an unknown mode or vehicle class or a
        non-positive distance. Raises ``ValueError`` if the sequences differ in length."""
        kg, ok = self.estimate_array(legs, distances)
        return [LegEstimate(float(r[0]), float(r[1]), float(r[2])) if good else None
                for r, good in zip(kg.tolist(), ok.tolist())]
