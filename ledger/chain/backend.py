"""A connection to one EVM chain: web3, the sending account, and sending with confirmations.

:func:`connect` turns ``Config.chain`` into a :class:`Chain`:

* ``"tester"``: web3's in-process eth-tester (py-evm), for fast unit tests;
* ``"embedded"``: the anvil node of :mod:`ledger.chain.node` (started if not running);
* any ``http(s)://`` URL: a Hardhat node, Ganache, geth... signing locally with
  ``CARBONLEDGER_ANCHOR_KEY`` or the keystore file + password.

The two dev chains send from the node's first unlocked account (``eth_accounts[0]``):
well-known test keys, dev only. No private key is ever written in code.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from eth_account import Account
from eth_account.signers.local import LocalAccount
from requests.exceptions import RequestException
from web3 import Web3
from web3.types import TxReceipt

from ledger.chain.errors import ChainUnavailableError, KeyConfigError, TransactionFailedError
from ledger.chain.node import AnvilNode, rpc_answers
from ledger.chain.reverts import ErrorDecoder
from ledger.config import Config

T = TypeVar("T")

DEV_CHAINS = ("tester", "embedded")

RECEIPT_TIMEOUT_SECONDS = 120.0
"""How long to wait for a transaction to be mined before giving up (public chains mine in
seconds; two minutes covers a congested block or two)."""

POLL_SECONDS = 0.5
"""Pause between polls for confirmations on a chain that mines on its own."""

GAS_MARGIN = 1.25
"""Estimates are exact for the state they ran on; a quarter more absorbs a state change
between estimate and inclusion (e.g. a cold storage slot that became warm)."""


class Chain:
    """One chain and the account CarbonLedger sends from."""

    def __init__(self, w3: Web3, *, kind: str, sender: str, account: LocalAccount | None = None,
                 confirmations: int = 1, node: AnvilNode | None = None) -> None:
        self.w3 = w3
        self.kind = kind
        self.sender = Web3.to_checksum_address(sender)
        self.account = account
        self.confirmations = max(1, confirmations)
        self.node = node
        self._chain_id: int | None = None

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = self.rpc(lambda: self.w3.eth.chain_id)
        return self._chain_id

    def block_number(self) -> int:
        return self.rpc(lambda: self.w3.eth.block_number)

    def rpc(self, fn: Callable[[], T]) -> T:
        """Run ``fn``, turning a dead connection into :class:`ChainUnavailableError`."""
        try:
            return fn()
        except (RequestException, ConnectionError) as exc:
            raise ChainUnavailableError(f"chain {self.kind} does not answer: {exc}") from exc

    def transact(self, call: Any, decoder: ErrorDecoder) -> TxReceipt:
        """Send a contract call or constructor and wait for ``confirmations`` blocks.

        Reverts are caught at gas estimation (nothing is sent) or, if the state changed
        before inclusion, by replaying the mined transaction; both raise
        :class:`~ledger.chain.errors.ContractRevert`.
        """
        params: dict[str, Any] = {"from": self.sender}
        gas = self._call(lambda: call.estimate_gas(params), decoder)
        params["gas"] = int(gas * GAS_MARGIN) + 10_000
        if self.account is not None:
            params["nonce"] = self.rpc(lambda: self.w3.eth.get_transaction_count(self.sender, "pending"))
            tx = self._call(lambda: call.build_transaction(params), decoder)
            signed = self.account.sign_transaction(tx)
            tx_hash = self._call(lambda: self.w3.eth.send_raw_transaction(signed.raw_transaction), decoder)
        else:
            tx_hash = self._call(lambda: call.transact(params), decoder)
        receipt = self.rpc(lambda: self.w3.eth.wait_for_transaction_receipt(tx_hash, RECEIPT_TIMEOUT_SECONDS,
                                                                            POLL_SECONDS))
        if receipt["status"] != 1:
            self._explain_failure(call, params, receipt, decoder)
        return self._confirm(receipt)

    def call(self, fn: Callable[[], T], decoder: ErrorDecoder) -> T:
        """Run a read-only call, decoding a revert into :class:`ContractRevert`."""
        return self._call(fn, decoder)

    def _call(self, fn: Callable[[], T], decoder: ErrorDecoder) -> T:
        try:
            return self.rpc(fn)
        except ChainUnavailableError:
            raise
        except Exception as exc:
            revert = decoder.from_exception(exc)
            if revert is None:
                raise
            raise revert from exc

    def _explain_failure(self, call: Any, params: dict[str, Any], receipt: TxReceipt, decoder: ErrorDecoder) -> None:
        tx_hash = "0x" + bytes(receipt["transactionHash"]).hex()
        replay = {k: v for k, v in params.items() if k in ("from", "gas")}
        try:
            call.call(replay, block_identifier=receipt["blockNumber"])
        except Exception as exc:
            revert = decoder.from_exception(exc, tx_hash=tx_hash)
            if revert is not None:
                raise revert from exc
        raise TransactionFailedError(f"transaction {tx_hash} failed (status 0) without a revert reason")

    def _confirm(self, receipt: TxReceipt) -> TxReceipt:
        """Wait until the receipt's block has ``confirmations - 1`` blocks on top of it."""
        target = receipt["blockNumber"] + self.confirmations - 1
        if self.kind in DEV_CHAINS and self.block_number() < target:
            self._mine(target - self.block_number())  # dev chains only mine on demand
        deadline = time.monotonic() + RECEIPT_TIMEOUT_SECONDS * self.confirmations
        while self.block_number() < target:
            if time.monotonic() > deadline:
                raise ChainUnavailableError(f"no {self.confirmations} confirmations within the timeout")
            time.sleep(POLL_SECONDS)
        if self.confirmations > 1:  # a reorg may have moved or dropped the transaction
            again = self.rpc(lambda: self.w3.eth.get_transaction_receipt(receipt["transactionHash"]))
            if again["blockHash"] != receipt["blockHash"]:
                return self._confirm(again)
        return receipt

    def _mine(self, blocks: int) -> None:
        if self.kind == "tester":
            self.w3.provider.ethereum_tester.mine_blocks(blocks)  # type: ignore[attr-defined]
        else:
            self.rpc(lambda: self.w3.provider.make_request("anvil_mine", [hex(blocks)]))


def connect(config: Config, *, start_node: bool = True) -> Chain:
    """The :class:`Chain` that ``config.chain`` names.

    For ``"embedded"``, starts the anvil node under ``config.home`` unless it runs
    already (or raises :class:`ChainUnavailableError` if ``start_node`` is false); a node
    started here stops when this process exits. Raises :class:`KeyConfigError` for a URL
    chain without a usable anchoring key.
    """
    if config.chain == "tester":
        w3 = Web3(Web3.EthereumTesterProvider())
        return Chain(w3, kind="tester", sender=w3.eth.accounts[0], confirmations=config.confirmations)
    if config.chain == "embedded":
        node = AnvilNode(config.home, config.chain_port)
        status = node.status()
        if status is None or not rpc_answers(status.url):
            if not start_node:
                raise ChainUnavailableError("the embedded chain is not running: run `carbonledger chain start`")
            status = node.start()
        w3 = Web3(Web3.HTTPProvider(status.url, request_kwargs={"timeout": 30}))
        accounts = w3.eth.accounts
        return Chain(w3, kind="embedded", sender=accounts[0], confirmations=config.confirmations, node=node)
    if config.chain.startswith(("http://", "https://")):
        account = load_anchor_account(config)
        if not rpc_answers(config.chain, timeout=5.0):
            raise ChainUnavailableError(f"no JSON-RPC node answers at {config.chain}")
        w3 = Web3(Web3.HTTPProvider(config.chain, request_kwargs={"timeout": 30}))
        return Chain(w3, kind="rpc", sender=account.address, account=account, confirmations=config.confirmations)
    raise KeyConfigError(f"CARBONLEDGER_CHAIN must be 'embedded', 'tester' or an http(s) URL, got {config.chain!r}",
                         field="CARBONLEDGER_CHAIN")


def load_anchor_account(config: Config) -> LocalAccount:
    """The anchoring account from ``anchor_key`` or the encrypted keystore (never a default)."""
    if config.anchor_key:
        try:
            return Account.from_key(config.anchor_key)
        except (ValueError, TypeError) as exc:
            raise KeyConfigError("CARBONLEDGER_ANCHOR_KEY is not a valid private key",
                                 field="CARBONLEDGER_ANCHOR_KEY") from exc
    if config.anchor_keystore:
        path = Path(config.anchor_keystore)
        try:
            keyfile = json.loads(path.read_text(encoding="utf-8"))
            return Account.from_key(Account.decrypt(keyfile, config.anchor_keystore_password))
        except (OSError, ValueError) as exc:
            raise KeyConfigError(f"cannot unlock keystore {path}: {exc}", field="CARBONLEDGER_ANCHOR_KEYSTORE") from exc
    raise KeyConfigError("a JSON-RPC chain needs CARBONLEDGER_ANCHOR_KEY or CARBONLEDGER_ANCHOR_KEYSTORE "
                         "(+ CARBONLEDGER_ANCHOR_KEYSTORE_PASSWORD)", field="CARBONLEDGER_ANCHOR_KEY")
