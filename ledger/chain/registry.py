"""Client of the on-chain ``CheckpointRegistry`` (see ``contracts/ICheckpointRegistry.sol``).

Appending is idempotent: a checkpoint already on chain (same size and root) is not sent
again, and if a re-send races with the original the contract returns ``false`` without an
event; either way :meth:`append_checkpoint` answers with the transaction that really
appended it (``appended=False``). Every other refusal is a
:class:`~ledger.chain.errors.ContractRevert` naming the contract's custom error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from web3 import Web3
from web3.exceptions import BadFunctionCallOutput
from web3.logs import DISCARD

from ledger.chain.backend import Chain
from ledger.chain.compile import CompiledContract, registry_contract
from ledger.chain.errors import NotDeployedError
from ledger.chain.reverts import ErrorDecoder

ANCHORER_ROLE = Web3.keccak(text="ANCHORER_ROLE")
"""``CheckpointRegistry.ANCHORER_ROLE``: may append checkpoints."""

DEFAULT_ADMIN_ROLE = b"\x00" * 32
"""OpenZeppelin AccessControl's admin role: may grant and revoke roles."""


@dataclass(frozen=True)
class Checkpoint:
    """One checkpoint as the registry stores it (``uri`` is empty if none was given)."""

    tree_size: int
    root: bytes
    block_time: datetime
    previous_size: int
    index: int
    uri: str


@dataclass(frozen=True)
class AnchorTx:
    """The transaction that appended a checkpoint (``appended`` is False if it was already there)."""

    tx_hash: str
    block_number: int
    block_time: datetime
    appended: bool = True


class CheckpointRegistryClient:
    """One deployed registry on one :class:`Chain`."""

    def __init__(self, chain: Chain, address: str, compiled: CompiledContract, *, deploy_block: int = 0) -> None:
        self.chain = chain
        self.compiled = compiled
        self.deploy_block = deploy_block
        self.contract = chain.w3.eth.contract(address=Web3.to_checksum_address(address), abi=compiled.abi)
        self.decoder = ErrorDecoder(compiled.abi)

    @property
    def chain_id(self) -> int:
        return self.chain.chain_id

    @property
    def address(self) -> str:
        return self.contract.address

    @classmethod
    def deploy(cls, chain: Chain, compiled: CompiledContract | None = None, *, admin: str | None = None,
               anchorer: str | None = None) -> tuple[CheckpointRegistryClient, dict[str, Any]]:
        """Deploy a registry administered by ``admin`` (default: the sender) and grant
        ANCHORER_ROLE to ``anchorer`` (default: the sender). Returns the client and the
        deployment receipt."""
        compiled = compiled or registry_contract()
        factory = chain.w3.eth.contract(abi=compiled.abi, bytecode=compiled.bytecode)
        receipt = chain.transact(factory.constructor(admin or chain.sender), ErrorDecoder(compiled.abi))
        client = cls(chain, receipt["contractAddress"], compiled, deploy_block=receipt["blockNumber"])
        if (admin is None or admin == chain.sender) and anchorer != "":
            client.grant_role(ANCHORER_ROLE, anchorer or chain.sender)
        return client, dict(receipt)

    def has_code(self) -> bool:
        """True if the chain has contract code at this address."""
        return len(self.chain.rpc(lambda: self.chain.w3.eth.get_code(self.address))) > 0

    def grant_role(self, role: bytes, account: str) -> str:
        """Grant ``role`` (sender must hold its admin role); returns the tx hash."""
        call = self.contract.functions.grantRole(role, Web3.to_checksum_address(account))
        return _hex(self.chain.transact(call, self.decoder)["transactionHash"])

    def revoke_role(self, role: bytes, account: str) -> str:
        call = self.contract.functions.revokeRole(role, Web3.to_checksum_address(account))
        return _hex(self.chain.transact(call, self.decoder)["transactionHash"])

    def has_role(self, role: bytes, account: str) -> bool:
        return self._view("hasRole", role, Web3.to_checksum_address(account))

    def append_checkpoint(self, tree_size: int, root: bytes, proof: list[bytes], uri: str = "") -> AnchorTx:
        """Append (tree_size, root) with its consistency proof from the latest checkpoint.

        Waits for the chain's confirmations. Raises ContractRevert (``CheckpointRegistry*``
        or ``AccessControlUnauthorizedAccount``) when the contract refuses.
        """
        existing = self.checkpoint_by_size(tree_size)
        if existing is not None and existing.root == root:
            found = self.find_append(tree_size)
            if found is not None:
                return AnchorTx(found.tx_hash, found.block_number, found.block_time, appended=False)
        call = self.contract.functions.appendCheckpoint(tree_size, root, list(proof), uri)
        receipt = self.chain.transact(call, self.decoder)
        events = self.contract.events.CheckpointAppended().process_receipt(receipt, errors=DISCARD)
        if not events:  # raced with an identical append: the contract returned false
            found = self.find_append(tree_size)
            if found is not None:
                return AnchorTx(found.tx_hash, found.block_number, found.block_time, appended=False)
        return AnchorTx(_hex(receipt["transactionHash"]), receipt["blockNumber"],
                        self._block_time(receipt["blockNumber"]), appended=bool(events))

    def find_append(self, tree_size: int) -> AnchorTx | None:
        """The transaction whose ``CheckpointAppended`` event appended ``tree_size``, if any."""
        logs = self.chain.rpc(lambda: self.contract.events.CheckpointAppended().get_logs(
            argument_filters={"treeSize": tree_size}, from_block=self.deploy_block, to_block="latest"))
        if not logs:
            return None
        log = logs[-1]
        return AnchorTx(_hex(log["transactionHash"]), log["blockNumber"], self._block_time(log["blockNumber"]))

    def latest_checkpoint(self) -> Checkpoint | None:
        return _checkpoint(self._view("latestCheckpoint"))

    def checkpoint_by_size(self, tree_size: int) -> Checkpoint | None:
        return _checkpoint(self._view("checkpointBySize", tree_size))

    def checkpoint_count(self) -> int:
        return self._view("checkpointCount")

    def verify_inclusion(self, index: int, tree_size: int, leaf_hash: bytes, proof: list[bytes], root: bytes) -> bool:
        """The contract's RFC 9162 inclusion check (false for any bad or malformed proof)."""
        return self._view("verifyInclusion", index, tree_size, leaf_hash, list(proof), root)

    def verify_consistency(self, size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes]) -> bool:
        """The contract's RFC 9162 consistency check (false for any bad or malformed proof)."""
        return self._view("verifyConsistency", size1, size2, root1, root2, list(proof))

    def _view(self, name: str, *args: Any) -> Any:
        """Call a view; a contract that is not there (a bundle checked against another chain) is
        :class:`NotDeployedError`, not web3's decoding error of an empty answer."""
        fn = getattr(self.contract.functions, name)(*args)
        try:
            return self.chain.call(lambda: fn.call(), self.decoder)
        except BadFunctionCallOutput:
            raise NotDeployedError(f"no CheckpointRegistry answers at {self.address} on chain {self.chain_id}: "
                                   "is this the chain the checkpoint was anchored on?") from None

    def _block_time(self, block_number: int) -> datetime:
        return _time(self.chain.rpc(lambda: self.chain.w3.eth.get_block(block_number))["timestamp"])


def _checkpoint(raw: Any) -> Checkpoint | None:
    tree_size, timestamp, previous_size, index, root, uri = raw
    if tree_size == 0:
        return None
    return Checkpoint(tree_size, bytes(root), _time(timestamp), previous_size, index, uri)


def _time(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc)


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()
