"""Anchoring latency (submit → confirmed checkpoint) and audit-log re-verification rate.

Runs against the embedded anvil node (started under a temporary home and stopped after).
Peers in the same run: the raw two-core Ed25519 verify rate (audit-log verifies every
signature, so it bounds the audit), and for latency the anchorer's own policy (a record
waits for the batch to fill or for ``max_age``; the chain adds the rest).

    .venv/bin/python bench/bench_anchoring.py [--records 20000] [--skip-latency]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import threading
import time
from pathlib import Path

from workload import shipment  # bench/ is on sys.path when run as a script

from ledger import installation
from ledger.anchoring import Anchorer, AnchorPolicy
from ledger.audit import audit_log
from ledger.chain import CheckpointRegistryClient, connect, deploy_registry
from ledger.chain.node import AnvilNode, free_port
from ledger.config import Config
from ledger.records.canonical import canonical_bytes
from ledger.records.signing import SigningKey, from_b64url, verify_many

RESULTS = Path(__file__).with_name("results")


def latency(config: Config, registry: CheckpointRegistryClient, key: SigningKey, policy: AnchorPolicy, label: str,
            extra: int = 0) -> tuple[str, float]:
    """Seconds from submitting a record until a confirmed checkpoint covers it, with a live worker."""
    ledger = installation.open_ledger(config)
    anchorer = Anchorer(ledger.engine, registry, policy, holder=f"bench-{label}")
    anchorer.step(force=True)
    stop = threading.Event()
    worker = threading.Thread(target=anchorer.watch, kwargs={"interval": 0.25, "stop": stop.is_set}, daemon=True)
    worker.start()
    base = 10**7 + hash(label) % 10**6
    started = time.perf_counter()
    receipts = ledger.submit_many([key.sign_record(shipment(base + i)) for i in range(1 + extra)])
    target = receipts[0].seq
    while True:
        cp = ledger.latest_checkpoint()
        if cp is not None and cp.tree_size > target:
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    stop.set()
    worker.join(timeout=10)
    return label, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--skip-latency", action="store_true", help="skip the ~30 s default-policy latency run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(home=Path(tmp), chain="embedded", chain_port=free_port())
        node = AnvilNode(config.home, config.chain_port)
        node.start()
        try:
            ledger = installation.init(config).ledger
            key = SigningKey.generate()
            ledger.register_participant("bench-supplier", "Bench", ["supplier"], "CN", key.public_b64)
            subs = [key.sign_record(shipment(i)) for i in range(args.records)]
            for start in range(0, len(subs), 2000):
                ledger.submit_many(subs[start:start + 2000])

            canon = [canonical_bytes(s["record"]) for s in subs[:5000]]
            t = time.perf_counter()
            verify_many([(key.public_bytes, c, from_b64url(s["signature"])) for c, s in zip(canon, subs[:5000])])
            verify_rate = 5000 / (time.perf_counter() - t)

            rows: list[tuple[str, float, str]] = []
            registry = deploy_registry(config, connect(config, start_node=False))
            lat = [latency(config, registry, key, AnchorPolicy(batch_size=1000, max_age_seconds=30), "batch of 1,000 fills",
                           extra=999)]
            if not args.skip_latency:
                lat.append(latency(config, registry, key, AnchorPolicy(), "single record, defaults (1,000 / 30 s)"))
            Anchorer(ledger.engine, registry).step(force=True)
            report = audit_log(ledger, registry)
            assert report.ok, report.findings[:3]
            audit_rate = report.records_checked / report.seconds
            rows.append(("audit-log re-verification (records/s)", audit_rate, "target >= 5,000"))
            rows.append(("Ed25519 verify, all cores (records/s)", verify_rate, "limit"))
        finally:
            node.stop()
    print(f"{'measure':<52} {'value':>12}  note")
    for name, value, note in rows:
        print(f"{name:<52} {value:>12,.0f}  {note}  ({value / verify_rate:.2f} of the verify limit)"
              if "records/s" in name else f"{name:<52} {value:>12,.1f}  {note}")
    for name, seconds in lat:
        print(f"{'anchoring latency: ' + name:<52} {seconds:>11.2f}s  target <= 60 s with defaults")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "anchoring.json").write_text(json.dumps({
        "benchmark": "anchoring", "machine": platform.machine(), "records": args.records,
        "audit_records_per_s": audit_rate, "verify_limit_records_per_s": verify_rate,
        "latency_seconds": dict(lat),
    }, indent=2))


if __name__ == "__main__":
    main()
