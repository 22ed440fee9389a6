"""Ingest throughput: signed records/s through the Python API, beside the raw limits.

Peers measured in the same run (the machine is noisy, so ratios matter more than
absolute numbers): the raw Ed25519 verify rate of this machine on one core and on all
cores (every record costs one verify, so it bounds ingest), and RFC 8785
canonicalisation by the reference `rfc8785` library and by our fast path.

    .venv/bin/python bench/bench_ingest.py [--records 20000] [--batch 1000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import rfc8785
from workload import shipment  # bench/ is on sys.path when run as a script

from ledger import migrate
from ledger.db import make_engine
from ledger.records.canonical import canonical_bytes
from ledger.records.signing import SigningKey, from_b64url, verify_many, verify_signature
from ledger.service import Ledger

RESULTS = Path(__file__).with_name("results")
TARGET = 5000.0


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp dir")
    args = parser.parse_args()

    key = SigningKey.generate()
    subs = [key.sign_record(shipment(i)) for i in range(args.records)]

    canon = [canonical_bytes(s["record"]) for s in subs[:5000]]
    t = time.perf_counter()
    for s in subs[:5000]:
        canonical_bytes(s["record"])
    jcs_rate = rate(5000, time.perf_counter() - t)
    t = time.perf_counter()
    for s in subs[:5000]:
        rfc8785.dumps(s["record"])
    ref_jcs_rate = rate(5000, time.perf_counter() - t)
    sigs = [from_b64url(s["signature"]) for s in subs[:5000]]
    t = time.perf_counter()
    for c, sig in zip(canon, sigs):
        verify_signature(key.public_bytes, c, sig)
    verify_rate = rate(5000, time.perf_counter() - t)
    t = time.perf_counter()
    verify_many([(key.public_bytes, c, sig) for c, sig in zip(canon, sigs)])
    verify_all_cores = rate(5000, time.perf_counter() - t)

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        migrate.upgrade(engine)
        ledger = Ledger(engine, SigningKey.generate())
        ledger.genesis("bench-operator", "Bench operator")
        ledger.register_participant("bench-supplier", "Bench supplier", ["supplier"], "CN", key.public_b64)

        t = time.perf_counter()
        for start in range(0, args.records, args.batch):
            ledger.submit_many(subs[start:start + args.batch])
        batched = rate(args.records, time.perf_counter() - t)

        singles = [key.sign_record(shipment(10**8 + i)) for i in range(500)]
        t = time.perf_counter()
        for s in singles:
            ledger.submit(s)
        single = rate(len(singles), time.perf_counter() - t)
        dialect = engine.dialect.name
        engine.dispose()

    rows = [
        ("Ed25519 verify, one core (cryptography)", verify_rate, "reference"),
        (f"Ed25519 verify, {os.cpu_count()} cores (ledger.verify_many)", verify_all_cores, "limit"),
        ("RFC 8785, rfc8785 library (reference impl.)", ref_jcs_rate, "peer"),
        ("RFC 8785, ledger.records.canonical", jcs_rate, ""),
        (f"ingest, batches of {args.batch} ({dialect})", batched, f"target >= {TARGET:,.0f}"),
        (f"ingest, one record per transaction ({dialect})", single, ""),
    ]
    print(f"{'measure':<48} {'records/s':>12} {'vs verify':>10}  note")
    for name, value, note in rows:
        print(f"{name:<48} {value:>12,.0f} {value / verify_rate:>10.2f}  {note}")
    print(f"\nbatched ingest target {'met' if batched >= TARGET else 'MISSED'}: {batched:,.0f} records/s")
    RESULTS.mkdir(exist_ok=True)
    out = {
        "benchmark": "ingest", "machine": platform.machine(), "python": platform.python_version(),
        "records": args.records, "batch": args.batch, "database": dialect, "target_records_per_s": TARGET,
        "results": {name: value for name, value, _ in rows},
    }
    (RESULTS / "ingest.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
