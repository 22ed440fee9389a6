"""Footprint engine throughput: legs/s on the numpy batch path and through the full engine.

Three measurements, same machine, same run:

* **batch**: :func:`carbon_models.batch.modelled_emissions` over arrays of legs (class
  look-up, payload x distance x intensity, TTW and WTT): the vectorised modelled path;
* **engine**: :func:`carbon_models.footprint_order` on orders of ``--legs-per-order``
  legs given as dicts (pydantic validation, distance checks, allocation, result model);
* **per-leg Python**: the same arithmetic as the batch path in a plain Python loop, the
  peer the batch path must beat.

    .venv/bin/python bench/bench_footprint.py [--batch-legs 1000000] [--orders 200] [--legs-per-order 20]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from pathlib import Path

import numpy as np

from carbon_models import footprint_order, load_factor_set
from carbon_models.batch import IntensityTable, modelled_emissions

RESULTS = Path(__file__).with_name("results")
TARGET = 20_000.0
"""legs/s the vectorised modelled path must reach (issue #4)."""

CLASSES = ["hgv_artic_avg_laden", "hgv_rigid_avg_laden", "container_ship_avg", "rail_freight", "air_long_haul", "van_avg"]
MODES = {"hgv_artic_avg_laden": "road", "hgv_rigid_avg_laden": "road", "container_ship_avg": "sea",
         "rail_freight": "rail", "air_long_haul": "air", "van_avg": "road"}
A = {"name": "A", "lat": 50.0, "lon": 8.0}
B = {"name": "B", "lat": 50.0, "lon": 15.0}
"""About 500 km apart, so reported distances of 500-2,500 km pass the plausibility checks."""


def best_of(n: int, fn) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def bench_batch(n: int) -> dict:
    fs = load_factor_set()
    table = IntensityTable.of(fs)
    rng = np.random.default_rng(7)
    ids = [CLASSES[i] for i in rng.integers(0, len(CLASSES), n)]
    payload = rng.uniform(100, 30_000, n)
    km = rng.uniform(5, 20_000, n)

    def run() -> None:
        idx = table.indices(ids)
        modelled_emissions(table, idx, payload, km)

    def compute_only() -> None:
        modelled_emissions(table, idx_fixed, payload, km)

    idx_fixed = table.indices(ids)
    t_all = best_of(3, run)
    t_compute = best_of(3, compute_only)
    m = 200_000
    ttw_f = {c: fs.vehicle_classes[c].ttw.value for c in CLASSES}
    wtt_f = {c: fs.vehicle_classes[c].wtt.value for c in CLASSES}
    py_ids, py_payload, py_km = ids[:m], payload[:m].tolist(), km[:m].tolist()

    def python_loop() -> None:
        for c, p, d in zip(py_ids, py_payload, py_km):
            tkm = p * d * 1e-3
            _ = (tkm * ttw_f[c], tkm * wtt_f[c])

    t_py = best_of(3, python_loop)
    return {"legs": n, "batch_legs_per_s": n / t_all, "batch_compute_only_legs_per_s": n / t_compute,
            "python_loop_legs": m, "python_loop_legs_per_s": m / t_py}


def bench_engine(orders: int, per_order: int) -> dict:
    rng = random.Random(7)
    cases = []
    for o in range(orders):
        ships = [{"kind": "shipment", "schema_version": 1, "shipment_id": f"S{o}-{i}", "order_id": f"O{o}", "shipper": "b",
                  "consignee_country": "DE", "mass_kg": 10.0, "origin": A, "destination": B,
                  "products": [{"gtin": "06901234567892", "description": "x", "quantity": 1, "mass_kg": 1.0}]}
                 for i in range(2)]
        legs = []
        for n in range(per_order):
            c = rng.choice(CLASSES)
            legs.append({"kind": "transport_leg", "schema_version": 1, "leg_id": f"L{o}-{n}",
                         "shipment_ids": [s["shipment_id"] for s in ships], "mode": MODES[c], "vehicle": c,
                         "origin": A, "destination": B, "payload_kg": rng.uniform(100, 30_000),
                         "distance_km": rng.uniform(500, 2_500)})
        cases.append((ships, legs))
    fs = load_factor_set()
    footprint_order(*cases[0], [], fs)  # warm caches (airports, tables)
    t = time.perf_counter()
    for ships, legs in cases:
        footprint_order(ships, legs, [], fs)
    seconds = time.perf_counter() - t
    return {"orders": orders, "legs_per_order": per_order, "engine_legs_per_s": orders * per_order / seconds,
            "engine_orders_per_s": orders / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-legs", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--legs-per-order", type=int, default=20)
    args = parser.parse_args()
    batch = bench_batch(args.batch_legs)
    engine = bench_engine(args.orders, args.legs_per_order)
    result = {"python": platform.python_version(), "machine": platform.machine(), "numpy": np.__version__,
              "target_legs_per_s": TARGET, **batch, **engine,
              "target_met": batch["batch_legs_per_s"] >= TARGET}
    print(f"{'path':<44} {'legs/s':>14}")
    print("-" * 59)
    print(f"{'batch (class look-up + numpy), ' + format(batch['legs'], ',') + ' legs':<44} {batch['batch_legs_per_s']:>14,.0f}")
    print(f"{'batch numpy arithmetic only':<44} {batch['batch_compute_only_legs_per_s']:>14,.0f}")
    print(f"{'plain Python loop (peer)':<44} {batch['python_loop_legs_per_s']:>14,.0f}")
    print(f"{'engine: footprint_order, dict records':<44} {engine['engine_legs_per_s']:>14,.0f}"
          f"   ({engine['engine_orders_per_s']:,.0f} orders/s of {args.legs_per_order} legs)")
    print(f"target >= {TARGET:,.0f} legs/s on the batch path: {'met' if result['target_met'] else 'MISSED'}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "footprint.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
