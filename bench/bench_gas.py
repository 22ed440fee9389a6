"""Gas per record: anchoring checkpoints vs storing every record on chain.

Both contracts run on a fresh embedded anvil node (from node_modules; Prague rules, block
gas limit raised so 10,000 naive writes fit in one transaction), compiled offline by
``ledger.chain.compile`` with the project's settings (solc 0.8.30, optimizer, shanghai).

- ``checkpoint``: ``CheckpointRegistry.appendCheckpoint`` of a batch of B records on top of
  a log that already holds ``--log-size`` records (anchored before measuring), with the
  RFC 6962 consistency proof from the previous checkpoint, verified on chain. Measured
  without a URI and with a 25-byte ``carbonledger:size=N`` URI (stored: one slot).
- ``naive``: ``NaiveRecordStore`` (bench/contracts), one struct (hash, timestamp,
  submitter) per record: ``store`` for B = 1, ``storeBatch`` in one transaction otherwise,
  after one warm-up record so the array is not empty.

Gas is each receipt's ``gasUsed`` (intrinsic 21,000 and calldata included) divided by B.

    .venv/bin/python bench/bench_gas.py [--batches 1,100,1000,10000] [--log-size 100003]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from ledger import merkle  # noqa: E402
from ledger.chain import AnvilNode, CheckpointRegistryClient, connect  # noqa: E402
from ledger.chain.compile import compile_sources, registry_contract  # noqa: E402
from ledger.chain.node import anvil_binary  # noqa: E402
from ledger.chain.reverts import ErrorDecoder  # noqa: E402
from ledger.config import Config  # noqa: E402

RESULTS = REPO_ROOT / "bench" / "results" / "gas.json"
NAIVE_SOURCE = REPO_ROOT / "bench" / "contracts" / "NaiveRecordStore.sol"
ANVIL_ARGS = ("--hardfork", "prague", "--gas-limit", "100000000000", "--silent")
"""Prague: no per-transaction gas cap (EIP-7825 arrives with Osaka); a 100 G block gas
limit so the naive 10,000-record batch is one transaction, the best case for it."""

TARGET_AT_1000 = 100


class Log:
    """Leaf hashes of a growing log and RFC 6962 roots / proofs over its prefixes."""

    def __init__(self) -> None:
        self.leaves: list[bytes] = []

    def grow(self, n: int) -> None:
        start = len(self.leaves)
        self.leaves.extend(merkle.leaf_hash(f"record-{i}".encode()) for i in range(start, start + n))

    def _get(self, node: tuple[int, int]) -> bytes:
        level, index = node
        return merkle.perfect_root(self.leaves[index << level:(index + 1) << level])

    def root(self, size: int) -> bytes:
        return merkle.fold([self._get(n) for n in merkle.root_spec(size)])

    def consistency(self, size1: int, size2: int) -> list[bytes]:
        return merkle.assemble(merkle.consistency_spec(size1, size2), self._get)


def run(batches: list[int], log_size: int) -> dict:
    home = Path(tempfile.mkdtemp(prefix="bench-gas-"))
    node = AnvilNode(home, extra_args=ANVIL_ARGS)
    node.start()
    try:
        chain = connect(Config(home=home, chain="embedded"))
        registry, _ = CheckpointRegistryClient.deploy(chain, registry_contract())
        naive_compiled = compile_sources([NAIVE_SOURCE])["NaiveRecordStore"]
        naive_decoder = ErrorDecoder(naive_compiled.abi)
        factory = chain.w3.eth.contract(abi=naive_compiled.abi, bytecode=naive_compiled.bytecode)
        receipt = chain.transact(factory.constructor(), naive_decoder)
        naive = chain.w3.eth.contract(address=receipt["contractAddress"], abi=naive_compiled.abi)
        chain.transact(naive.functions.store(b"\x01" * 32), naive_decoder)  # warm-up record

        log = Log()
        log.grow(log_size)
        registry.append_checkpoint(log_size, log.root(log_size), [], "")
        rows = []
        for batch in batches:
            row: dict = {"batch": batch}
            for with_uri in (False, True):
                before = len(log.leaves)
                log.grow(batch)
                size = len(log.leaves)
                proof = log.consistency(before, size)
                uri = f"carbonledger:size={size}" if with_uri else ""
                call = registry.contract.functions.appendCheckpoint(size, log.root(size), proof, uri)
                gas = chain.transact(call, registry.decoder)["gasUsed"]
                if with_uri:
                    row["checkpoint_uri_gas"] = gas
                else:
                    row.update(proof_hashes=len(proof), checkpoint_gas=gas)
            hashes = log.leaves[-batch:]
            call = naive.functions.store(hashes[0]) if batch == 1 else naive.functions.storeBatch(hashes)
            row["naive_gas"] = chain.transact(call, naive_decoder)["gasUsed"]
            for key in ("checkpoint", "checkpoint_uri", "naive"):
                row[f"{key}_per_record"] = round(row[f"{key}_gas"] / batch, 1)
            row["naive_over_checkpoint"] = round(row["naive_gas"] / row["checkpoint_gas"], 1)
            rows.append(row)
            print(_line(row), flush=True)
        version = subprocess.run([str(anvil_binary()), "--version"], capture_output=True, text=True).stdout
        return {
            "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": platform.platform(),
            "node": version.splitlines()[0] if version else "anvil",
            "anvil_args": list(ANVIL_ARGS),
            "solc": registry.compiled.solc_version,
            "log_size_before": log_size,
            "target_gas_per_record_at_1000": TARGET_AT_1000,
            "rows": rows,
        }
    finally:
        node.stop()


HEADER = (f"{'batch':>6}  {'proof':>5}  {'checkpoint gas':>14}  {'gas/record':>10}  {'+URI gas/rec':>12}  "
          f"{'naive gas':>13}  {'gas/record':>10}  {'naive/ckpt':>10}")


def _line(r: dict) -> str:
    return (f"{r['batch']:>6,}  {r['proof_hashes']:>5}  {r['checkpoint_gas']:>14,}  {r['checkpoint_per_record']:>10,.1f}  "
            f"{r['checkpoint_uri_per_record']:>12,.1f}  {r['naive_gas']:>13,}  {r['naive_per_record']:>10,.1f}  "
            f"{r['naive_over_checkpoint']:>9,.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", default="1,100,1000,10000")
    parser.add_argument("--log-size", type=int, default=100_003,
                        help="records already anchored before measuring (sets the proof length)")
    args = parser.parse_args()
    print(HEADER)
    result = run([int(b) for b in args.batches.split(",")], args.log_size)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    at_1000 = next((r for r in result["rows"] if r["batch"] == 1000), None)
    if at_1000:
        verdict = "met" if at_1000["checkpoint_per_record"] <= TARGET_AT_1000 else "MISSED"
        print(f"target <= {TARGET_AT_1000} gas/record at batch 1,000: {verdict} "
              f"({at_1000['checkpoint_per_record']} without URI, {at_1000['checkpoint_uri_per_record']} with)")
    print(f"wrote {RESULTS.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
