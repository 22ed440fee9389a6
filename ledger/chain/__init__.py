"""CarbonLedger on an EVM chain: the CheckpointRegistry client over tester, anvil or any RPC.

Typical use::

    chain = connect(config)                     # Config.chain: "tester" | "embedded" | URL
    registry = deploy_registry(config, chain)   # once; recorded in <home>/chain/deployment.json
    registry = open_registry(config, chain)     # later, in any process
    registry.append_checkpoint(size, root, consistency_proof, uri)
    registry.latest_checkpoint()

Nothing here connects at import time.
"""

from __future__ import annotations

from datetime import datetime, timezone

from web3.exceptions import Web3Exception

from ledger.chain.backend import Chain, connect, load_anchor_account
from ledger.chain.compile import CompiledContract, registry_contract
from ledger.chain.deployment import Deployment, load_deployment, save_deployment
from ledger.chain.errors import (
    ChainError,
    ChainUnavailableError,
    ContractRevert,
    KeyConfigError,
    NotDeployedError,
    ToolchainError,
    TransactionFailedError,
)
from ledger.chain.node import AnvilNode
from ledger.chain.registry import (
    ANCHORER_ROLE,
    DEFAULT_ADMIN_ROLE,
    AnchorTx,
    Checkpoint,
    CheckpointRegistryClient,
)
from ledger.config import Config

__all__ = [
    "ANCHORER_ROLE", "DEFAULT_ADMIN_ROLE", "AnchorTx", "AnvilNode", "Chain", "ChainError", "ChainUnavailableError",
    "Checkpoint", "CheckpointRegistryClient", "CompiledContract", "ContractRevert", "Deployment", "KeyConfigError",
    "NotDeployedError", "ToolchainError", "TransactionFailedError", "connect", "deploy_registry",
    "load_anchor_account", "load_deployment", "open_registry", "registry_contract", "save_deployment",
]


def deploy_registry(config: Config, chain: Chain | None = None, *, anchorer: str | None = None) -> CheckpointRegistryClient:
    """Deploy a fresh registry (sender = admin and, unless ``anchorer`` is given, anchorer)
    and record it under ``config.home`` for this chain id."""
    chain = chain or connect(config)
    compiled = registry_contract()
    client, receipt = CheckpointRegistryClient.deploy(chain, compiled, anchorer=anchorer)
    save_deployment(config.home, Deployment(
        chain_id=chain.chain_id, address=client.address, deploy_block=receipt["blockNumber"],
        tx_hash="0x" + bytes(receipt["transactionHash"]).hex(), solc_version=compiled.solc_version,
        source_hash=compiled.source_hash, deployed_at=datetime.now(timezone.utc).isoformat(timespec="seconds")))
    return client


def open_registry(config: Config, chain: Chain | None = None) -> CheckpointRegistryClient:
    """The registry recorded for this chain under ``config.home``.

    Raises :class:`NotDeployedError` if none is recorded or the chain has no code there.
    """
    chain = chain or connect(config)
    deployment = load_deployment(config.home, chain.chain_id)
    if deployment is None:
        raise NotDeployedError(f"no CheckpointRegistry recorded for chain {chain.chain_id} under {config.home}: "
                               "run `carbonledger chain deploy`")
    client = CheckpointRegistryClient(chain, deployment.address, registry_contract(),
                                      deploy_block=deployment.deploy_block)
    if not client.has_code():
        raise NotDeployedError(f"chain {chain.chain_id} has no contract at {deployment.address} "
                               "(a dev chain restarted without its state?): run `carbonledger chain deploy`")
    try:
        client.latest_checkpoint()
    except (ValueError, Web3Exception) as exc:  # the code there does not speak this version's ABI
        raise NotDeployedError(f"the contract at {deployment.address} on chain {chain.chain_id} does not answer as this "
                               f"version's CheckpointRegistry ({type(exc).__name__}): run `carbonledger chain deploy "
                               "--force` (a new registry starts a new checkpoint history)") from None
    return client
