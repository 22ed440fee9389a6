"""Turn a reverted call, however the node reported it, into :class:`ContractRevert`.

Where the revert data hides, by backend (web3 8):

* anvil: ``ContractCustomError`` / ``ContractLogicError`` whose ``.data`` is the hex data;
* Hardhat node: ``ContractLogicError`` whose ``.data`` is ``{"message": ..., "data": hex}``,
  or a ``Web3RPCError`` whose ``rpc_response["error"]["data"]`` holds it;
* eth-tester (py-evm): ``TransactionFailed("execution reverted: b'...'")`` whose message is
  the Python repr of the raw bytes (or the already-decoded reason of ``Error(string)``).

The data is then decoded against the ABI's ``error`` entries by 4-byte selector.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from ledger.chain.errors import ContractRevert

ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")
"""Selector of ``Error(string)``, what ``require(cond, "reason")`` reverts with."""

PANIC_SELECTOR = bytes.fromhex("4e487b71")
"""Selector of ``Panic(uint256)`` (overflow, out-of-bounds index, assert)."""

_HEX_DATA = re.compile(r"0x[0-9a-fA-F]{8,}")
_BYTES_REPR = re.compile(r"execution reverted: (b(['\"]).*\2)\s*$", re.DOTALL)
_REASON = re.compile(r"execution reverted: (.*)$", re.DOTALL)


class ErrorDecoder:
    """Decodes revert data using the ``error`` entries of one contract ABI."""

    def __init__(self, abi: list[dict[str, Any]]) -> None:
        self._by_selector: dict[bytes, tuple[str, list[str], list[str]]] = {}
        for entry in abi:
            if entry.get("type") != "error":
                continue
            types = [_abi_type(i) for i in entry["inputs"]]
            selector = function_signature_to_4byte_selector(f"{entry['name']}({','.join(types)})")
            self._by_selector[selector] = (entry["name"], types, [i["name"] for i in entry["inputs"]])

    def decode(self, data: bytes, *, tx_hash: str | None = None) -> ContractRevert:
        """The :class:`ContractRevert` that ``data`` (selector + ABI-encoded args) stands for."""
        selector, body = data[:4], data[4:]
        if selector == ERROR_STRING_SELECTOR:
            return ContractRevert("Error", tuple(abi_decode(["string"], body)), data=data, tx_hash=tx_hash)
        if selector == PANIC_SELECTOR:
            return ContractRevert("Panic", tuple(abi_decode(["uint256"], body)), data=data, tx_hash=tx_hash)
        if selector in self._by_selector:
            name, types, names = self._by_selector[selector]
            values = tuple(_normalise(t, v) for t, v in zip(types, abi_decode(types, body)))
            return ContractRevert(name, values, params=dict(zip(names, values)), data=data, tx_hash=tx_hash)
        return ContractRevert("Unknown", (data.hex(),) if data else (), data=data, tx_hash=tx_hash)

    def from_exception(self, exc: BaseException, *, tx_hash: str | None = None) -> ContractRevert | None:
        """The revert inside ``exc``, or None if ``exc`` is not a revert (e.g. a network error)."""
        for err in _chain(exc):
            data = _revert_data(err)
            if data is not None:
                return self.decode(data, tx_hash=tx_hash)
            reason = _tester_reason(err)
            if reason is not None:
                return ContractRevert("Error", (reason,), tx_hash=tx_hash)
        return None


def _normalise(abi_type: str, value: Any) -> Any:
    """Addresses in checksum form, as web3 returns them everywhere else."""
    return to_checksum_address(value) if abi_type == "address" else value


def _abi_type(param: dict[str, Any]) -> str:
    if param["type"].startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in param["components"])
        return f"({inner}){param['type'][5:]}"
    return param["type"]


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _revert_data(err: BaseException) -> bytes | None:
    """Raw revert data found on a web3 or eth-tester exception, if any."""
    candidates: list[Any] = [getattr(err, "data", None)]
    response = getattr(err, "rpc_response", None)
    if isinstance(response, dict):
        candidates.append(response.get("error"))
    for candidate in candidates:
        found = _data_from(candidate)
        if found is not None:
            return found
    if type(err).__name__ == "TransactionFailed":
        message = str(err.args[0]) if err.args else ""
        match = _BYTES_REPR.search(message)
        if match:
            value = ast.literal_eval(match.group(1))
            if isinstance(value, bytes):
                return value
    return None


def _data_from(value: Any) -> bytes | None:
    if isinstance(value, str):
        match = _HEX_DATA.fullmatch(value.strip())
        return bytes.fromhex(match.group(0)[2:]) if match else None
    if isinstance(value, dict):
        for key in ("data", "originalError"):
            found = _data_from(value.get(key))
            if found is not None:
                return found
    return None


def _tester_reason(err: BaseException) -> str | None:
    """eth-tester decodes ``Error(string)`` itself and only hands over the reason text."""
    if type(err).__name__ != "TransactionFailed" or not err.args:
        return None
    match = _REASON.search(str(err.args[0]))
    return match.group(1) if match else None
