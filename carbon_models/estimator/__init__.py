"""LightGBM estimator of a leg's WTW emissions, with P10/P50/P90, for legs without fuel data.

Use::

    from carbon_models.estimator import load_model
    estimator = load_model(Path("models/leg-estimator"), expected_hash=None)
    estimates = estimator.estimate_legs(legs, distances)   # LegEstimator protocol

Train with :func:`train_estimator` on :func:`build_training_set` rows (``carbonledger
model train``). See ``MODEL_CARD.md`` beside this file for the target, features,
assumptions and measured figures.
"""

from carbon_models.estimator.dataset import TrainingSet, build_training_set
from carbon_models.estimator.model import ModelIntegrityError, load_model, model_card_record, save_model
from carbon_models.estimator.predict import LightGBMLegEstimator
from carbon_models.estimator.train import TrainConfig, train_estimator

__all__ = [
    "LightGBMLegEstimator", "ModelIntegrityError", "TrainConfig", "TrainingSet", "build_training_set",
    "load_model", "model_card_record", "save_model", "train_estimator",
]
