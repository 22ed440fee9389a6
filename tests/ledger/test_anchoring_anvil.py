"""Anchoring against real nodes: anvil that goes away and comes back, an anchorer killed
with SIGKILL again and again, and a plain JSON-RPC node (Hardhat) with a local key."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eth_account import Account
from web3 import Web3

from ledger import installation
from ledger.anchoring import Anchorer, AnchorPolicy
from ledger.audit import audit_log
from ledger.bundles import build_bundle
from ledger.chain import ChainUnavailableError, connect, deploy_registry, open_registry
from ledger.chain.node import AnvilNode, free_port
from ledger.config import Config
from ledger.records.signing import SigningKey
from ledger.verification import verify_bundle
from tests.chain_support import require_anvil, running_hardhat_node
from tests.records_factory import shipment

CLI = str(Path(sys.executable).with_name("carbonledger"))


def _installation(home: Path, **extra: str) -> tuple[Config, SigningKey]:
    env = {"CARBONLEDGER_HOME": str(home), "CARBONLEDGER_CHAIN": "embedded", **extra}
    config = Config.from_env(env)
    ledger = installation.init(config).ledger
    key = SigningKey.generate()
    ledger.register_participant("tea-co", "Tea", ["supplier"], "CN", key.public_b64)
    return config, key


def _submit(config: Config, key: SigningKey, start: int, n: int) -> None:
    installation.open_ledger(config).submit_many(
        [key.sign_record(shipment(f"SH-{i}", shipper="tea-co")) for i in range(start, start + n)])


def test_chain_outage_leaves_records_pending_until_it_returns(tmp_path: Path) -> None:
    require_anvil()
    config, key = _installation(tmp_path, CARBONLEDGER_CHAIN_PORT=str(free_port()))
    node = AnvilNode(config.home, config.chain_port)
    node.start()
    try:
        registry = deploy_registry(config, connect(config, start_node=False))
        ledger = installation.open_ledger(config)
        anchorer = Anchorer(ledger.engine, registry, AnchorPolicy(batch_size=1))
        _submit(config, key, 0, 5)
        first = anchorer.step().anchored
        assert first is not None
        node.stop()  # the chain goes away (state saved)
        _submit(config, key, 5, 5)
        with pytest.raises(ChainUnavailableError):
            anchorer.step()
        size, anchored, _ = anchorer.pending()
        assert (size, anchored) == (first.tree_size + 5, first.tree_size)  # nothing lost, nothing anchored
        node.start()  # back, with its saved state
        result = anchorer.step()
        assert result.anchored is not None and result.anchored.tree_size == size
        assert registry.checkpoint_count() == 2
        assert audit_log(ledger, registry).ok
    finally:
        node.stop()


def test_sigkilled_anchorer_restarts_without_loss_duplicates_or_refusals(tmp_path: Path) -> None:
    require_anvil()
    config, key = _installation(tmp_path, CARBONLEDGER_ANCHOR_BATCH_SIZE="1", CARBONLEDGER_ANCHOR_LEASE="1")
    env = {**os.environ, "CARBONLEDGER_HOME": str(tmp_path), "CARBONLEDGER_CHAIN": "embedded",
           "CARBONLEDGER_ANCHOR_BATCH_SIZE": "1", "CARBONLEDGER_ANCHOR_LEASE": "1"}
    subprocess.run([CLI, "chain", "start"], env=env, check=True, capture_output=True)
    try:
        subprocess.run([CLI, "chain", "deploy"], env=env, check=True, capture_output=True)
        rng = random.Random(7)
        logs = []
        submitted = 0
        for _ in range(8):
            worker = subprocess.Popen([CLI, "anchor", "--watch", "--interval", "0.05"], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            _submit(config, key, submitted, 3)
            submitted += 3
            time.sleep(rng.uniform(0.3, 1.5))  # somewhere in reconcile, send, confirm or record
            worker.send_signal(signal.SIGKILL)
            out, err = worker.communicate(timeout=30)
            logs.append(err)
            time.sleep(1.1)  # the killed worker's lease expires
        final = subprocess.run([CLI, "anchor", "--force", "--json"], env=env, capture_output=True, text=True)
        assert final.returncode == 0, final.stderr
        assert not any("revert" in log.lower() or "Traceback" in log for log in logs), logs
        ledger = installation.open_ledger(config)
        registry = open_registry(config, connect(config, start_node=False))
        size = ledger.log_info().size
        latest = registry.latest_checkpoint()
        assert latest is not None and latest.tree_size == size  # every record anchored
        local = ledger.checkpoints()
        assert len({c.tree_size for c in local}) == len(local)  # no checkpoint recorded twice
        assert local[-1].tree_size == size and len(local) <= registry.checkpoint_count()
        for cp in local:  # every recorded checkpoint is the chain's, with its transaction
            assert registry.checkpoint_by_size(cp.tree_size).root == cp.root
            assert registry.find_append(cp.tree_size).tx_hash == cp.tx_hash
        report = audit_log(ledger, registry)
        assert report.ok, report.findings
        assert verify_bundle(build_bundle(ledger, size - 1), registry).ok
    finally:
        subprocess.run([CLI, "chain", "stop"], env=env, capture_output=True)


def test_anchoring_on_a_hardhat_node_with_a_local_key(tmp_path: Path) -> None:
    with running_hardhat_node() as url:
        account = Account.create()
        w3 = Web3(Web3.HTTPProvider(url))
        w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(
            {"from": w3.eth.accounts[0], "to": account.address, "value": w3.to_wei(10, "ether")}))
        config, key = _installation(tmp_path, CARBONLEDGER_CHAIN=url,
                                    CARBONLEDGER_ANCHOR_KEY="0x" + bytes(account.key).hex())
        registry = deploy_registry(config, connect(config))
        ledger = installation.open_ledger(config)
        anchorer = Anchorer(ledger.engine, registry, AnchorPolicy(batch_size=1))
        _submit(config, key, 0, 4)
        assert anchorer.step().anchored is not None
        _submit(config, key, 4, 4)
        assert anchorer.step().anchored.tree_size == ledger.log_info().size
        bundle = build_bundle(ledger, 5)
        bundle_file = tmp_path / "bundle.json"
        bundle_file.write_text(json.dumps(bundle))
        # anyone can check it with nothing but the RPC URL: no home, no database, no key
        out = subprocess.run([CLI, "--home", str(tmp_path / "elsewhere"), "verify", str(bundle_file), "--rpc", url],
                             capture_output=True, text=True, env={k: v for k, v in os.environ.items()
                                                                  if not k.startswith("CARBONLEDGER_")})
        assert out.returncode == 0 and "VERIFIED" in out.stdout, out.stdout + out.stderr
        bundle["checkpoint"]["root"] = bundle["checkpoint"]["root"][::-1]
        bundle_file.write_text(json.dumps(bundle))
        out = subprocess.run([CLI, "verify", str(bundle_file), "--rpc", url], capture_output=True, text=True)
        assert out.returncode == 1 and "NOT VERIFIED" in out.stdout
