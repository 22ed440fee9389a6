"""Leg estimator throughput: estimates/s in batch and single-leg latency.

Trains a model on a simulated fleet (one thread, as in production), then times on
50,000 other simulated legs: the whole protocol call ``estimate_legs`` (features from
pydantic records, four boosters, conversion, ``LegEstimate`` objects), its stages
(feature extraction + encoding; the boosters on a ready matrix) and single-leg calls.

    .venv/bin/python bench/bench_estimator.py [--train 30000] [--legs 50000] [--single 1000]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import lightgbm as lgb
import numpy as np

from carbon_models.estimator import TrainConfig, build_training_set, train_estimator
from carbon_models.estimator.features import raw_features
from carbon_models.estimator.simulator import simulate_fleet

RESULTS = Path(__file__).with_name("results")
TARGET = 50_000.0
"""Batch estimates/s the issue asks for."""


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=30_000)
    parser.add_argument("--legs", type=int, default=50_000)
    parser.add_argument("--single", type=int, default=1_000)
    args = parser.parse_args()

    legs, dists = simulate_fleet(args.train, np.random.default_rng(1))
    t = time.perf_counter()
    model = train_estimator(build_training_set(legs, dists), TrainConfig(seed=1))
    train_s = time.perf_counter() - t
    legs, dists = simulate_fleet(args.legs, np.random.default_rng(2))
    n = len(legs)

    full = best_of(lambda: model.estimate_legs(legs, dists))
    array = best_of(lambda: model.estimate_array(legs, dists))
    features = best_of(lambda: model.encoder.transform(raw_features(legs, dists)))
    x, ok = model.encoder.transform(raw_features(legs, dists))
    boosters = best_of(lambda: model.predict_log_kwh(x[ok]))

    lat = []
    for i in range(args.single):
        j = i % n
        t = time.perf_counter()
        model.estimate_legs(legs[j:j + 1], dists[j:j + 1])
        lat.append((time.perf_counter() - t) * 1e3)
    lat.sort()

    rows = [
        ("estimate_legs (protocol, LegEstimate objects)", n / full),
        ("estimate_array (numpy out)", n / array),
        ("  features: extract + encode", n / features),
        ("  boosters: 4 models on a ready matrix", n / boosters),
    ]
    print(f"model {model.model_hash[:16]}..  trees {model.metadata['best_iterations']}  trained in {train_s:.1f} s")
    print(f"{'path':<48} {'legs/s':>12}")
    print("-" * 61)
    for name, rate in rows:
        print(f"{name:<48} {rate:>12,.0f}")
    p50, p99 = statistics.median(lat), lat[int(0.99 * (len(lat) - 1))]
    print(f"single-leg estimate_legs latency: median {p50:.3f} ms, p99 {p99:.3f} ms ({args.single} calls)")
    met = n / full >= TARGET
    print(f"target >= {TARGET:,.0f} legs/s in batch: {'met' if met else 'MISSED'}")
    RESULTS.mkdir(exist_ok=True)
    out = {
        "benchmark": "estimator", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": platform.machine(), "python": platform.python_version(), "lightgbm": lgb.__version__,
        "train_legs": args.train, "train_s": train_s, "legs": n, "model_hash": model.model_hash,
        "best_iterations": model.metadata["best_iterations"], "num_threads": 1,
        "legs_per_s": {name.strip(): rate for name, rate in rows},
        "single_latency_ms": {"median": p50, "p99": p99, "calls": args.single},
        "target_legs_per_s": TARGET, "target_met": met,
    }
    (RESULTS / "estimator.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
