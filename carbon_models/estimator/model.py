"""The model artefact on disk: three LightGBM text models and a metadata JSON, one hash.

Layout of a model directory::

    mean.txt                  L2 model of ln(kWh), monotone in payload, distance, empty km
    p10.txt p50.txt p90.txt   quantile models of the residual (no monotone features)
    metadata.json             features, levels, encoder tables, params, metrics, data hash,
                              lightgbm version, energy-to-WTW table, and ``model_hash``

The hash is defined in :mod:`.hashing`. No pickles: every file is text a reviewer can read.
"""

from __future__ import annotations

import json
from pathlib import Path

from carbon_models.errors import CarbonModelError
from carbon_models.estimator.hashing import BOOSTER_NAMES, METADATA_FILE, content_hash
from carbon_models.estimator.predict import LightGBMLegEstimator

FORMAT = "carbonledger.leg-estimator/1"
"""Value of ``metadata["format"]``; bump when the layout or the feature schema changes meaning."""


class ModelIntegrityError(CarbonModelError, ValueError):
    """A model directory does not hash to what it claims, or to what the caller expected.

    ``expected`` and ``calculated`` carry the two hashes when both are known.
    """

    def __init__(self, message: str, *, expected: str | None = None, calculated: str | None = None) -> None:
        super().__init__(message)
        self.expected = expected
        self.calculated = calculated


def save_model(model: LightGBMLegEstimator, path: Path) -> str:
    """Write the artefact to directory ``path`` (created if absent); return its model hash."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    for name in BOOSTER_NAMES:
        (path / f"{name}.txt").write_bytes(model.booster_texts[name].encode("utf-8"))
    meta = dict(model.metadata, model_hash=model.model_hash)
    (path / METADATA_FILE).write_text(json.dumps(meta, sort_keys=True, indent=2, allow_nan=False) + "\n",
                                      encoding="utf-8")
    return model.model_hash


def load_model(path: Path, expected_hash: str | None = None) -> LightGBMLegEstimator:
    """Load and verify a model directory.

    Raises :class:`ModelIntegrityError` if a file is missing or unreadable, if the content
    does not hash to the ``model_hash`` recorded in ``metadata.json``, or if it does not
    hash to ``expected_hash`` when one is given (e.g. the hash a footprint recorded).
    """
    path = Path(path)
    try:
        texts = {name: (path / f"{name}.txt").read_bytes().decode("utf-8") for name in BOOSTER_NAMES}
        metadata = json.loads((path / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelIntegrityError(f"model directory {path} is incomplete or unreadable: {exc}") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ModelIntegrityError(f"{path / METADATA_FILE} is not a {FORMAT} document")
    claimed = metadata.get("model_hash")
    calculated = content_hash(texts, metadata)
    if claimed != calculated:
        raise ModelIntegrityError(
            f"model {path} was modified: metadata claims {claimed}, content hashes to {calculated}",
            expected=claimed, calculated=calculated)
    if expected_hash is not None and expected_hash != calculated:
        raise ModelIntegrityError(f"model {path} is not the one expected: got {calculated}, want {expected_hash}",
                                  expected=expected_hash, calculated=calculated)
    return LightGBMLegEstimator(texts, metadata)


def model_card_record(model: LightGBMLegEstimator) -> dict:
    """What the ledger registers about a model: hash, feature schema, data hash, metrics."""
    meta = model.metadata
    return {
        "model_hash": model.model_hash,
        "format": meta["format"],
        "target": meta["target"],
        "feature_schema": meta["feature_schema"],
        "training_data_hash": meta["training_data"]["hash"],
        "training_window": meta["training_data"]["window"],
        "metrics": meta["metrics"],
        "lightgbm_version": meta["lightgbm_version"],
    }
