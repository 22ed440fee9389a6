"""Held-out evaluation against primary data, beside the default-intensity method.

The held-out window is the last ``test_fraction`` of legs by departure, never seen in
training or early stopping. Truth is the leg's primary fuel converted to WTW kg CO2e with
the same per-kWh intensities the model outputs with (so the comparison measures the
energy estimate, not a factor choice). The default-intensity method is what the engine
does without an estimator: the vehicle class's DESNZ WTW tonne.km factor from the
engine's factor set x payload tonnes x resolved distance.

Metrics: MAPE and bias (mean signed percentage error) of P50, RMSE in kg, P10-P90
coverage, all overall, by mode and by distance band; gain importances. Figures on
simulated legs say how well the model recovers the simulator, not real-world accuracy.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from carbon_models.estimator.dataset import TrainingSet
from carbon_models.estimator.fuels import VEHICLE_FUEL
from carbon_models.estimator.hashing import BOOSTER_NAMES
from carbon_models.estimator.predict import LightGBMLegEstimator
from carbon_models.estimator.train import time_split

DISTANCE_BANDS = ((0, 100), (100, 500), (500, 2000), (2000, 8000), (8000, 1e9))
"""km bands for the error breakdown: local, regional, long-haul road/rail, continental, intercontinental."""


def default_intensity_kg(data: TrainingSet, factor_set=None) -> np.ndarray:
    """WTW kg CO2e by the engine's default method; NaN where the class is not in the set."""
    from carbon_models.factors import load_factor_set

    fs = factor_set or load_factor_set()
    out = np.full(len(data), np.nan)
    for i, (leg, dist) in enumerate(zip(data.legs, data.distances)):
        vc = fs.vehicle_class(leg.vehicle)
        if vc is not None:
            out[i] = vc.wtw_per_tkm * leg.payload_kg / 1000.0 * dist.km
    return out


def truth_kg(data: TrainingSet, model: LightGBMLegEstimator) -> np.ndarray:
    fuels = model.metadata["energy_to_wtw"]["fuels"]
    per_kwh = np.array([fuels[VEHICLE_FUEL[leg.vehicle]]["wtw_kg_per_kwh"] if leg.vehicle in VEHICLE_FUEL else np.nan
                        for leg in data.legs])
    return data.energy_kwh * per_kwh


def _metrics(est: np.ndarray, truth: np.ndarray) -> dict:
    ok = np.isfinite(est) & np.isfinite(truth)
    if not ok.any():
        return {"n": 0}
    e, t = est[ok], truth[ok]
    pe = (e - t) / t
    return {"n": int(ok.sum()), "mape": float(np.mean(np.abs(pe))), "bias": float(np.mean(pe)),
            "rmse_kg": float(np.sqrt(np.mean((e - t) ** 2)))}


def _block(q: np.ndarray, base: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> dict:
    model = _metrics(q[mask, 1], truth[mask])
    covered = (truth[mask] >= q[mask, 0]) & (truth[mask] <= q[mask, 2])
    model["p10_p90_coverage"] = float(np.mean(covered[np.isfinite(q[mask, 1])])) if mask.any() else None
    default = _metrics(base[mask], truth[mask])
    out = {"model_p50": model, "default_intensity": default}
    if model.get("n") and default.get("n"):
        out["mape_reduction_vs_default"] = 1.0 - model["mape"] / default["mape"]
    return out


def evaluate(model: LightGBMLegEstimator, heldout: TrainingSet, factor_set=None) -> dict:
    """Metrics of ``model`` on ``heldout`` legs (which it must not have been trained on)."""
    q, ok = model.estimate_array(heldout.legs, heldout.distances)
    truth = truth_kg(heldout, model)
    base = default_intensity_kg(heldout, factor_set)
    modes = np.array([leg.mode for leg in heldout.legs])
    km = heldout.raw.numeric["distance_km"]
    report = {
        "model_hash": model.model_hash,
        "heldout_legs": len(heldout), "estimated_legs": int(ok.sum()),
        "overall": _block(q, base, truth, np.ones(len(heldout), dtype=bool)),
        "by_mode": {m: _block(q, base, truth, modes == m) for m in sorted(set(modes.tolist()))},
        "by_distance_band_km": {f"{lo:g}-{hi:g}" if hi < 1e9 else f"{lo:g}+": _block(q, base, truth, (km >= lo) & (km < hi))
                                for lo, hi in DISTANCE_BANDS if ((km >= lo) & (km < hi)).any()},
        "gain_importance": {name: model.gain_importance(name) for name in BOOSTER_NAMES},
        "note": "on simulated legs this measures recovery of the simulator, not real-world accuracy",
    }
    return report


def heldout_split(data: TrainingSet, test_fraction: float) -> tuple[TrainingSet, TrainingSet]:
    """(training part, held-out last ``test_fraction`` by departure)."""
    train_idx, test_idx = time_split(len(data), test_fraction)
    return data.take(train_idx), data.take(test_idx)


def write_report(model: LightGBMLegEstimator, heldout: TrainingSet, out_dir: Path, factor_set=None) -> dict:
    """Evaluate, write ``evaluation.json`` and PNG plots into ``out_dir``; return the report."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = evaluate(model, heldout, factor_set)
    (out_dir / "evaluation.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    _plots(model, heldout, report, out_dir, factor_set)
    return report


def _plots(model: LightGBMLegEstimator, heldout: TrainingSet, report: dict, out_dir: Path, factor_set) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    q, _ = model.estimate_array(heldout.legs, heldout.distances)
    truth = truth_kg(heldout, model)
    base = default_intensity_kg(heldout, factor_set)

    fig, ax = plt.subplots(figsize=(6, 6))
    ax.loglog(truth, base, ".", ms=2, alpha=0.4, label="default intensity")
    ax.loglog(truth, q[:, 1], ".", ms=2, alpha=0.4, label="model P50")
    lims = [np.nanmin(truth), np.nanmax(truth)]
    ax.plot(lims, lims, "k-", lw=0.8)
    ax.set_xlabel("primary-data WTW kg CO2e")
    ax.set_ylabel("estimate, kg CO2e")
    ax.set_title("Held-out legs (simulated fleet)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_dir / "predicted_vs_actual.png", dpi=100)
    plt.close(fig)

    for key, fname in (("by_mode", "mape_by_mode.png"), ("by_distance_band_km", "mape_by_distance_band.png")):
        groups = report[key]
        names = list(groups)
        fig, ax = plt.subplots(figsize=(7, 4))
        xs = np.arange(len(names))
        ax.bar(xs - 0.2, [groups[n]["default_intensity"].get("mape", np.nan) * 100 for n in names], 0.4, label="default intensity")
        ax.bar(xs + 0.2, [groups[n]["model_p50"].get("mape", np.nan) * 100 for n in names], 0.4, label="model P50")
        ax.set_xticks(xs, names)
        ax.set_ylabel("MAPE, %")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out_dir / fname, dpi=100)
        plt.close(fig)

    gains = report["gain_importance"]["mean"]
    fig, ax = plt.subplots(figsize=(7, 5))
    ax.barh(list(gains)[::-1], list(gains.values())[::-1])
    ax.set_xlabel("share of total gain (mean model)")
    fig.tight_layout()
    fig.savefig(out_dir / "gain_importance.png", dpi=100)
    plt.close(fig)
