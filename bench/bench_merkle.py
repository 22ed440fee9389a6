"""Merkle log: persisted append rate and proof latency, beside pymerkle and raw SHA-256.

Measured in one run, each (size, implementation) in a subprocess of its own so peak RSS
(``resource.getrusage``) belongs to that implementation alone:

- ``ledger``: :class:`ledger.merkle_store.MerkleStore` on a fresh SQLite file brought up by
  the real migrations, leaves hashed and appended 10,000 per write transaction (the time
  includes the leaf hashing, as pymerkle's does); proofs on one read connection reused,
  each proof in its own read transaction (so each also runs the store's size check).
- ``pymerkle-inmemory`` and ``pymerkle-sqlite``: pymerkle 7 ``InmemoryTree`` and
  ``SqliteTree`` with default settings (RFC 6962 hashing, 1 GB subroot cache), entries
  added with ``append_entries``; the same random proofs, timed one by one.
- the raw ``hashlib`` SHA-256 rate on the same leaf data, the ceiling for any Python log.

Inclusion proofs are of a random leaf in the full tree, consistency proofs from a random
earlier size to the full tree (same seed for every implementation). Every implementation's
root must equal ``merkle.root_of`` semantics (checked against ours); our proofs are also
verified with ``ledger.merkle``, outside the timed region.

    .venv/bin/python bench/bench_merkle.py [--sizes 10000,100000,1000000] [--proofs 1000]
        [--peer-max-size N]   # skip pymerkle above N leaves (reported, never silent)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).with_name("results")
IMPLS = ("ledger", "pymerkle-inmemory", "pymerkle-sqlite")
BATCH = 10_000
"""Leaves per write transaction for our store (the task's persisted-append scenario)."""

TARGET_APPEND = 100_000.0
"""Leaves/s our persisted append must reach."""
TARGET_PROOF_MS = 1.0
"""Median proof latency at 10**6 leaves."""
TARGET_PROOF_SPEEDUP = 10.0
"""How much faster than pymerkle SqliteTree our proofs must be (median)."""
TARGET_RSS_MB = 500.0
"""Peak RSS of our store's process at 10**6 leaves."""


def entry(i: int) -> bytes:
    """Leaf data: 19 bytes, distinct per index."""
    return b"record-%012d" % i


def entries(start: int, end: int) -> Iterator[bytes]:
    return (entry(i) for i in range(start, end))


def db_bytes(path: Path) -> int:
    """Bytes of a SQLite database on disk, its WAL included (un-checkpointed pages live there)."""
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def challenges(size: int, count: int, seed: int) -> tuple[list[int], list[int]]:
    rng = random.Random(seed)
    return [rng.randrange(size) for _ in range(count)], [rng.randint(1, size - 1) for _ in range(count)]


def timed(fn, args_list: list) -> tuple[list[float], list]:  # type: ignore[no-untyped-def, type-arg]
    times, results = [], []
    for args in args_list:
        t = time.perf_counter()
        results.append(fn(*args))
        times.append(time.perf_counter() - t)
    return times, results


def summary(times: list[float]) -> dict[str, float]:
    ms = sorted(t * 1000 for t in times)
    return {
        "median_ms": statistics.median(ms), "p99_ms": ms[min(len(ms) - 1, int(len(ms) * 0.99))],
        "mean_ms": statistics.fmean(ms), "first_ms": times[0] * 1000, "max_ms": ms[-1],
    }


# -- workers (one per subprocess) ------------------------------------------------------

def work_ledger(size: int, proofs: int, seed: int, tmp: Path) -> dict:
    from ledger import merkle, migrate
    from ledger.db import make_engine, write_transaction
    from ledger.merkle_store import MerkleStore

    engine = make_engine(f"sqlite:///{tmp / 'ledger.db'}")
    migrate.upgrade(engine)
    # Open the pooled connection (pragmas, first BEGIN IMMEDIATE) before the clock starts,
    # as SqliteTree opens its connection in its constructor: ingest runs on a warm engine.
    with write_transaction(engine) as conn:
        MerkleStore(conn).size()
    rss_start = rss_mb()
    t = time.perf_counter()
    for start in range(0, size, BATCH):
        hashes = [merkle.leaf_hash(d) for d in entries(start, min(size, start + BATCH))]
        with write_transaction(engine) as conn:
            MerkleStore(conn).append(hashes)
    append_s = time.perf_counter() - t

    indices, sizes1 = challenges(size, proofs, seed)
    with engine.connect() as conn:
        store = MerkleStore(conn)

        def inclusion(i: int) -> list[bytes]:
            with conn.begin():
                return store.inclusion_proof(i, size)

        def consistency(s1: int) -> list[bytes]:
            with conn.begin():
                return store.consistency_proof(s1, size)

        incl_t, incl_p = timed(inclusion, [(i,) for i in indices])
        cons_t, cons_p = timed(consistency, [(s,) for s in sizes1])
        with conn.begin():
            root = store.root(size)
            roots1 = {s: store.root(s) for s in sizes1[:50]}
    for i, p in zip(indices[:50], incl_p):
        merkle.verify_inclusion(merkle.leaf_hash(entry(i)), i, size, p, root)
    for s, p in zip(sizes1[:50], cons_p):
        merkle.verify_consistency(s, size, roots1[s], root, p)
    engine.dispose()  # checkpoints the WAL into the file
    size_on_disk = db_bytes(tmp / "ledger.db")
    return {"append_s": append_s, "inclusion": summary(incl_t), "consistency": summary(cons_t),
            "root": root.hex(), "rss_start_mb": rss_start, "verified": 100, "db_bytes": size_on_disk}


def work_pymerkle(kind: str, size: int, proofs: int, seed: int, tmp: Path) -> dict:
    import pymerkle

    tree = pymerkle.InmemoryTree() if kind == "pymerkle-inmemory" else pymerkle.SqliteTree(str(tmp / "pm.db"))
    rss_start = rss_mb()
    t = time.perf_counter()
    tree.append_entries(entries(0, size))
    append_s = time.perf_counter() - t
    indices, sizes1 = challenges(size, proofs, seed)
    incl_t, _ = timed(tree.prove_inclusion, [(i + 1, size) for i in indices])  # 1-based
    cons_t, _ = timed(tree.prove_consistency, [(s, size) for s in sizes1])
    out = {"append_s": append_s, "inclusion": summary(incl_t), "consistency": summary(cons_t),
           "root": tree.get_root(size).hex(), "rss_start_mb": rss_start}
    if kind == "pymerkle-sqlite":
        tree.close()
        out["db_bytes"] = db_bytes(tmp / "pm.db")
    return out


def worker(impl: str, size: int, proofs: int, seed: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-merkle-") as tmp:
        if impl == "ledger":
            out = work_ledger(size, proofs, seed, Path(tmp))
        else:
            out = work_pymerkle(impl, size, proofs, seed, Path(tmp))
    out["append_rate"] = size / out["append_s"]
    out["rss_peak_mb"] = rss_mb()
    print(json.dumps(out))


# -- driver --------------------------------------------------------------------------

def sha256_rate(count: int = 100_000, rounds: int = 10) -> float:
    """Leaf hashes per second on one core. Run after the workers: a child inherits the
    parent's RSS high-water mark, so the parent must stay small while they run."""
    data = [b"\x00" + entry(i) for i in range(count)]
    sha = hashlib.sha256
    t = time.perf_counter()
    for _ in range(rounds):
        for d in data:
            sha(d).digest()
    return count * rounds / (time.perf_counter() - t)


def run_worker(impl: str, size: int, proofs: int, seed: int) -> dict:
    cmd = [sys.executable, __file__, "--worker", impl, "--size", str(size), "--proofs", str(proofs),
           "--seed", str(seed)]
    t = time.perf_counter()
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - t
    return result


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated leaf counts")
    parser.add_argument("--proofs", type=int, default=1000, help="random proofs of each kind per run")
    parser.add_argument("--peer-max-size", type=int, default=None,
                        help="skip the pymerkle peers above this many leaves (reported in the table)")
    parser.add_argument("--seed", type=int, default=6962)
    parser.add_argument("--worker", choices=IMPLS, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.size, args.proofs, args.seed)
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    runs: dict[int, dict[str, dict]] = {}
    for size in sizes:
        runs[size] = {}
        for impl in IMPLS:
            if impl != "ledger" and args.peer_max_size is not None and size > args.peer_max_size:
                runs[size][impl] = {"skipped": f"--peer-max-size {args.peer_max_size}"}
                continue
            print(f"... {impl} at {size:,} leaves", file=sys.stderr, flush=True)
            runs[size][impl] = run_worker(impl, size, args.proofs, args.seed)
    raw = sha256_rate()

    print(f"merkle bench {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {args.proofs} random proofs of each kind;"
          f" ledger appends {BATCH:,} leaves per transaction (leaf hashing included) on a fresh SQLite file;")
    print("ledger proofs: one read connection reused, each proof in its own read transaction;"
          " pymerkle: default settings (1 GB subroot cache, warm after the first proofs)")
    print(f"raw hashlib SHA-256 (20-byte inputs, one core): {raw:,.0f} hashes/s\n")
    head = (f"{'leaves':>9} {'implementation':<18} {'append/s':>10} {'vs sha256':>9} {'incl med':>9} "
            f"{'incl p99':>9} {'cons med':>9} {'cons p99':>9} {'1st proof':>9} {'peak RSS':>9} {'base RSS':>9} {'root':>5}")
    print(head + "\n" + "-" * len(head))
    for size in sizes:
        ours_root = runs[size]["ledger"]["root"]
        for impl, r in runs[size].items():
            if "skipped" in r:
                print(f"{size:>9,} {impl:<18} skipped ({r['skipped']})")
                continue
            r["root_matches_ledger"] = r["root"] == ours_root
            print(f"{size:>9,} {impl:<18} {r['append_rate']:>10,.0f} {r['append_rate'] / raw:>9.3f} "
                  f"{r['inclusion']['median_ms']:>7.3f}ms {r['inclusion']['p99_ms']:>7.3f}ms "
                  f"{r['consistency']['median_ms']:>7.3f}ms {r['consistency']['p99_ms']:>7.3f}ms "
                  f"{r['inclusion']['first_ms']:>7.1f}ms {r['rss_peak_mb']:>7.0f}MB {r['rss_start_mb']:>7.0f}MB "
                  f"{'ok' if r['root_matches_ledger'] else 'DIFF':>5}")

    print("\nratios (ledger vs peer; >1 means ledger is faster)")
    ratios: dict[int, dict[str, dict[str, float]]] = {}
    for size in sizes:
        ours = runs[size]["ledger"]
        ratios[size] = {}
        for impl in IMPLS[1:]:
            peer = runs[size][impl]
            if "skipped" in peer:
                continue
            ratios[size][impl] = rr = {
                "append": ours["append_rate"] / peer["append_rate"],
                "inclusion_median": peer["inclusion"]["median_ms"] / ours["inclusion"]["median_ms"],
                "inclusion_mean": peer["inclusion"]["mean_ms"] / ours["inclusion"]["mean_ms"],
                "consistency_median": peer["consistency"]["median_ms"] / ours["consistency"]["median_ms"],
                "consistency_mean": peer["consistency"]["mean_ms"] / ours["consistency"]["mean_ms"],
            }
            print(f"{size:>9,} vs {impl:<18} append x{rr['append']:.2f}  inclusion median x{rr['inclusion_median']:.2f}"
                  f" (mean x{rr['inclusion_mean']:.2f})  consistency median x{rr['consistency_median']:.2f}"
                  f" (mean x{rr['consistency_mean']:.2f})")

    top = max(sizes)
    ours_top = runs[top]["ledger"]
    targets = {
        "append >= 100,000 leaves/s (every size)": all(runs[s]["ledger"]["append_rate"] >= TARGET_APPEND for s in sizes),
        f"proof median <= 1 ms at {top:,}": max(ours_top["inclusion"]["median_ms"],
                                                ours_top["consistency"]["median_ms"]) <= TARGET_PROOF_MS,
        f"RSS < 500 MB at {top:,}": ours_top["rss_peak_mb"] < TARGET_RSS_MB,
    }
    peer = ratios[top].get("pymerkle-sqlite")
    if peer is not None:
        targets[f"proofs >= 10x pymerkle SqliteTree at {top:,} (median)"] = min(
            peer["inclusion_median"], peer["consistency_median"]) >= TARGET_PROOF_SPEEDUP
    print()
    for name, met in targets.items():
        print(f"target {name}: {'met' if met else 'MISSED'}")

    RESULTS.mkdir(exist_ok=True)
    out = {
        "benchmark": "merkle", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": platform.machine(), "python": platform.python_version(), "proofs": args.proofs,
        "batch": BATCH, "proof_connection": "one read connection reused, one read transaction per proof",
        "sha256_per_s": raw, "runs": {str(s): r for s, r in runs.items()},
        "ratios": {str(s): r for s, r in ratios.items()}, "targets": targets,
    }
    (RESULTS / "merkle.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
