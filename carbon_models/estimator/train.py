"""Train the estimator: a monotone mean model of ln(kWh) plus P10/P50/P90 quantile models.

Target: ``ln(kWh)`` of the whole leg (final energy, net calorific value, from the leg's
primary fuel data). Why log: fuel use spans five orders of magnitude from a van to a
container ship and errors are multiplicative; quantiles survive the ``exp`` unchanged.
Why energy rather than kg CO2e: see :mod:`.fuels`.

Why two stages: LightGBM refuses ``monotone_constraints`` with ``objective="quantile"``
(its quantile objective re-fits leaf values after each tree, which would break the
constraint). So stage 1 is an L2 model of ``ln(kWh)`` with the physics constraints
(payload, distance, empty km: +1), and stage 2 is three ``objective="quantile"`` models
started from stage 1's prediction (``init_score``) that see every feature except those
three. Each quantile is then stage 1 (monotone) plus a term constant in the constrained
features, hence monotone too. ``monotone_constraints_method="intermediate"``: with
lightgbm 4.7 the "advanced" method let single trees break the constraint on our data (30
of 1,200 held-out legs non-monotone in a probe; tests check monotonicity on predictions).

Validation is time-ordered: the last ``valid_fraction`` of the legs by departure is the
early-stopping window, so the model is judged on legs after those it learnt from, as it
will be used. The same window sets a split-conformal adjustment of the P10-P90 interval
(Romano et al. 2019, "Conformalized quantile regression") so it covers 80 % of validation
legs. Determinism: fixed seeds, ``deterministic=True``, ``force_row_wise=True`` and a fixed
``num_threads``, so the same rows and config give the same model hash.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

import lightgbm as lgb
import numpy as np

from carbon_models.estimator.dataset import TrainingSet
from carbon_models.estimator.features import (
    CATEGORICAL,
    FEATURES,
    MONOTONE,
    NUMERIC,
    QUANTILE_FEATURES,
    FeatureEncoder,
)
from carbon_models.estimator.fuels import VEHICLE_FUEL, default_profiles
from carbon_models.estimator.hashing import QUANTILE_NAMES
from carbon_models.estimator.model import FORMAT
from carbon_models.estimator.predict import QUANTILE_COLUMNS, QUANTILES, LightGBMLegEstimator

TARGET = ("ln(final energy of the whole leg, kWh net calorific value); "
          "output = exp(quantile) x WTW kg CO2e per kWh of the vehicle class's fuel")
COVERAGE = 0.8
"""Nominal coverage of the P10-P90 interval."""


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters; every field lands in the metadata and so in the model hash."""

    seed: int = 20250101
    learning_rate: float = 0.1
    num_leaves: int = 31
    min_data_in_leaf: int = 30
    max_rounds: int = 2000
    quantile_learning_rate: float = 0.05
    quantile_num_leaves: int = 15
    early_stopping_rounds: int = 40
    valid_fraction: float = 0.15
    num_threads: int = 1


def _common(config: TrainConfig) -> dict:
    return {"seed": config.seed, "deterministic": True, "force_row_wise": True,
            "num_threads": config.num_threads, "verbosity": -1, "max_cat_to_onehot": 8, "cat_smooth": 10.0}


def mean_params(config: TrainConfig) -> dict:
    return {**_common(config), "objective": "regression", "metric": "l2",
            "learning_rate": config.learning_rate, "num_leaves": config.num_leaves,
            "min_data_in_leaf": config.min_data_in_leaf,
            "monotone_constraints": [MONOTONE.get(name, 0) for name in FEATURES],
            "monotone_constraints_method": "intermediate"}


def quantile_params(alpha: float, config: TrainConfig) -> dict:
    return {**_common(config), "objective": "quantile", "alpha": alpha, "metric": "quantile",
            "learning_rate": config.quantile_learning_rate, "num_leaves": config.quantile_num_leaves,
            "min_data_in_leaf": max(config.min_data_in_leaf, 50)}


def time_split(n: int, fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the first ``1 - fraction`` and the last ``fraction`` rows (rows in time order).

    Raises ``ValueError`` unless both parts get at least 50 rows.
    """
    cut = int(round(n * (1.0 - fraction)))
    if cut < 50 or n - cut < 50:
        raise ValueError(f"{n} legs are too few to split {1 - fraction:.0%}/{fraction:.0%} with 50 legs in each part")
    return np.arange(cut), np.arange(cut, n)


def _fit(params: dict, x_tr, y_tr, x_va, y_va, names, cats, rounds: int, patience: int,
         init_tr=None, init_va=None) -> lgb.Booster:
    dtrain = lgb.Dataset(x_tr, y_tr, init_score=init_tr, feature_name=list(names), categorical_feature=list(cats),
                         free_raw_data=False)
    dvalid = lgb.Dataset(x_va, y_va, init_score=init_va, reference=dtrain)
    return lgb.train(params, dtrain, num_boost_round=rounds, valid_sets=[dvalid], valid_names=["valid"],
                     callbacks=[lgb.early_stopping(patience, verbose=False)])


def _window(ts: TrainingSet) -> list[str | None]:
    finite = ts.departure_s[np.isfinite(ts.departure_s)]
    if not len(finite):
        return [None, None]
    return [datetime.fromtimestamp(float(t), tz=timezone.utc).isoformat() for t in (finite.min(), finite.max())]


def train_estimator(data: TrainingSet, config: TrainConfig = TrainConfig()) -> LightGBMLegEstimator:
    """Fit the four boosters on ``data`` (rows in departure order) and return the estimator.

    Raises ``ValueError`` if there are too few legs for the time split.
    """
    train_idx, valid_idx = time_split(len(data), config.valid_fraction)
    tr, va = data.take(train_idx), data.take(valid_idx)
    encoder = FeatureEncoder.fit(tr.raw, tr.log_kwh_per_km)
    x_tr, ok_tr = encoder.transform(tr.raw, oof_residual=encoder.residual(tr.raw, tr.log_kwh_per_km), seed=config.seed)
    x_va, ok_va = encoder.transform(va.raw)
    y_tr, y_va = np.log(tr.energy_kwh)[ok_tr], np.log(va.energy_kwh)[ok_va]
    x_tr, x_va = x_tr[ok_tr], x_va[ok_va]

    texts: dict[str, str] = {}
    best: dict[str, int] = {}
    valid_loss: dict[str, float] = {}
    mean = _fit(mean_params(config), x_tr, y_tr, x_va, y_va, FEATURES, CATEGORICAL, config.max_rounds,
                config.early_stopping_rounds)
    best["mean"] = int(mean.best_iteration)
    valid_loss["mean_l2"] = float(mean.best_score["valid"]["l2"])
    texts["mean"] = mean.model_to_string(num_iteration=best["mean"])
    base_tr = mean.predict(x_tr, num_iteration=best["mean"], num_threads=1)
    base_va = mean.predict(x_va, num_iteration=best["mean"], num_threads=1)

    q_cats = [c for c in CATEGORICAL if c in QUANTILE_FEATURES]
    xq_tr, xq_va = x_tr[:, QUANTILE_COLUMNS], x_va[:, QUANTILE_COLUMNS]
    preds = np.empty((len(y_va), 3))
    for j, (name, alpha) in enumerate(zip(QUANTILE_NAMES, QUANTILES)):
        booster = _fit(quantile_params(alpha, config), xq_tr, y_tr, xq_va, y_va, QUANTILE_FEATURES, q_cats,
                       config.max_rounds, config.early_stopping_rounds, init_tr=base_tr, init_va=base_va)
        best[name] = int(booster.best_iteration)
        valid_loss[name] = float(booster.best_score["valid"]["quantile"])
        texts[name] = booster.model_to_string(num_iteration=best[name])
        preds[:, j] = base_va + booster.predict(xq_va, num_iteration=best[name], num_threads=1)

    # Split-conformal adjustment of the interval on the validation window.
    raw_cov = float(np.mean((y_va >= preds[:, 0]) & (y_va <= preds[:, 2])))
    scores = np.maximum(preds[:, 0] - y_va, y_va - preds[:, 2])
    level = min(1.0, math.ceil((len(scores) + 1) * COVERAGE) / len(scores))
    adjustment = float(np.quantile(scores, level, method="higher"))
    adjusted = np.sort(np.column_stack([preds[:, 0] - adjustment, preds[:, 1], preds[:, 2] + adjustment]), axis=1)

    metadata = {
        "format": FORMAT,
        "target": TARGET,
        "quantiles": dict(zip(QUANTILE_NAMES, QUANTILES)),
        "feature_schema": {
            "features": list(FEATURES), "numeric": list(NUMERIC), "categorical": list(CATEGORICAL),
            "quantile_stage_features": list(QUANTILE_FEATURES), "monotone": MONOTONE,
            "missing": "NaN; LightGBM learns which side of each split missing values go",
        },
        "encoder": encoder.to_dict(),
        "best_iterations": best,
        "interval_adjustment": round(adjustment, 12),
        "params": {"mean": mean_params(config),
                   **{n: quantile_params(a, config) for n, a in zip(QUANTILE_NAMES, QUANTILES)}},
        "train_config": asdict(config),
        "lightgbm_version": lgb.__version__,
        "training_data": {
            "hash": data.data_hash(), "rows": len(data), "train_rows": int(len(y_tr)), "valid_rows": int(len(y_va)),
            "skipped": data.skipped, "window": _window(data), "valid_window": _window(va),
        },
        "metrics": {
            "valid_loss": {k: round(v, 8) for k, v in valid_loss.items()},
            "valid_p10_p90_coverage_raw": round(raw_cov, 6),
            "valid_p10_p90_coverage_adjusted": round(float(np.mean((y_va >= adjusted[:, 0]) & (y_va <= adjusted[:, 2]))), 6),
            "valid_mape_p50": round(float(np.mean(np.abs(np.expm1(preds[:, 1] - y_va)))), 6),
        },
        "energy_to_wtw": {"vehicle_fuel": dict(VEHICLE_FUEL), "fuels": {k: v.to_dict() for k, v in default_profiles().items()}},
    }
    return LightGBMLegEstimator(texts, metadata)
