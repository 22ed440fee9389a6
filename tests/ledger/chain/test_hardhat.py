"""ledger.chain against a plain JSON-RPC node (``hardhat node``), signing with a local key.

The anchoring key is a fresh random account funded from the node's dev account, passed
the way production passes it: ``CARBONLEDGER_ANCHOR_KEY`` or an encrypted keystore.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from web3 import Web3

from ledger import merkle
from ledger.chain import ContractRevert, KeyConfigError, connect, deploy_registry, open_registry
from ledger.config import Config
from tests.chain_support import consistency_proof, leaves, running_hardhat_node

LOG = leaves(64)


@pytest.fixture(scope="module")
def hardhat_url() -> Iterator[str]:
    with running_hardhat_node() as url:
        yield url


def _funded_account(url: str) -> tuple[str, str]:
    account = Account.create()
    w3 = Web3(Web3.HTTPProvider(url))
    tx = w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": account.address, "value": w3.to_wei(10, "ether")})
    w3.eth.wait_for_transaction_receipt(tx)
    return account.address, "0x" + bytes(account.key).hex()


def test_deploy_append_and_refuse_with_a_local_key(hardhat_url: str, tmp_path: Path) -> None:
    address, key = _funded_account(hardhat_url)
    config = Config.from_env({"CARBONLEDGER_HOME": str(tmp_path), "CARBONLEDGER_CHAIN": hardhat_url,
                              "CARBONLEDGER_ANCHOR_KEY": key})
    assert key not in repr(config)  # the key never shows in reprs or logs
    chain = connect(config)
    assert chain.sender == address and chain.chain_id == 31337
    registry = deploy_registry(config, chain)
    registry.append_checkpoint(20, merkle.root_of(LOG[:20]), [], "cp:20")
    tx = registry.append_checkpoint(64, merkle.root_of(LOG), consistency_proof(LOG, 20, 64), "cp:64")
    assert tx.appended and registry.find_append(64) == tx
    reopened = open_registry(config)
    latest = reopened.latest_checkpoint()
    assert latest is not None and latest.tree_size == 64
    with pytest.raises(ContractRevert) as caught:
        registry.append_checkpoint(40, merkle.root_of(LOG[:40]), [], "")
    assert (caught.value.name, caught.value.error_args) == ("CheckpointRegistryNotExtension", (64, 40))
    with pytest.raises(ContractRevert) as caught:
        registry.append_checkpoint(64, merkle.root_of(LOG[:63]), [], "")
    assert caught.value.name == "CheckpointRegistryRootConflict"
    assert caught.value.error_args == (64, merkle.root_of(LOG), merkle.root_of(LOG[:63]))


def test_keystore_and_missing_key(hardhat_url: str, tmp_path: Path) -> None:
    address, key = _funded_account(hardhat_url)
    keystore = tmp_path / "anchor.json"
    keystore.write_text(json.dumps(Account.encrypt(key, "correct horse", kdf="pbkdf2", iterations=1000)))
    env = {"CARBONLEDGER_HOME": str(tmp_path), "CARBONLEDGER_CHAIN": hardhat_url,
           "CARBONLEDGER_ANCHOR_KEYSTORE": str(keystore)}
    chain = connect(Config.from_env({**env, "CARBONLEDGER_ANCHOR_KEYSTORE_PASSWORD": "correct horse"}))
    assert chain.sender == address
    with pytest.raises(KeyConfigError, match="cannot unlock keystore"):
        connect(Config.from_env({**env, "CARBONLEDGER_ANCHOR_KEYSTORE_PASSWORD": "wrong"}))
    with pytest.raises(KeyConfigError, match="needs CARBONLEDGER_ANCHOR_KEY"):
        connect(Config.from_env({"CARBONLEDGER_HOME": str(tmp_path), "CARBONLEDGER_CHAIN": hardhat_url}))
